"""crawler.webserver: a folder of sites served over real HTTP, one port per site."""

from __future__ import annotations

import socket
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from crawler.webserver import render, serve_web


def get(url: str) -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.headers["Content-Type"], response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], ""


@pytest.fixture
def tiny_web(tmp_path: Path) -> Path:
    (tmp_path / "alpha" / "docs").mkdir(parents=True)
    (tmp_path / "beta").mkdir()
    (tmp_path / "alpha" / "index.html").write_text('<a href="{{site:beta}}/page.html">beta</a>')
    (tmp_path / "alpha" / "docs" / "index.html").write_text("docs")
    (tmp_path / "alpha" / "robots.txt").write_text("Sitemap: {{site:alpha}}/sitemap.xml\n")
    (tmp_path / "alpha" / "sitemap.xml").write_text(
        "<urlset><url><loc>{{ site:alpha }}/</loc></url></urlset>"
    )
    (tmp_path / "alpha" / "data.json").write_text('{"raw": "{{site:alpha}}"}')
    (tmp_path / "beta" / "page.html").write_text("beta page {{site:nowhere}}")
    return tmp_path


def test_each_site_gets_its_own_port_and_base_url(fixture_web, tiny_web):
    web = fixture_web(tiny_web)
    assert set(web.sites) == {"alpha", "beta"}
    ports = {url.rsplit(":", 1)[1] for url in web.sites.values()}
    assert len(ports) == 2 and all(
        url.startswith("http://127.0.0.1:") for url in web.sites.values()
    )


def test_placeholders_become_base_urls_in_html_xml_and_txt(fixture_web, tiny_web):
    web = fixture_web(tiny_web)
    status, ctype, body = get(web.url("alpha", "/"))
    assert status == 200 and ctype.startswith("text/html")
    assert f'href="{web.sites["beta"]}/page.html"' in body
    assert get(web.url("alpha", "/robots.txt"))[2] == f"Sitemap: {web.sites['alpha']}/sitemap.xml\n"
    status, ctype, body = get(web.url("alpha", "/sitemap.xml"))
    assert ctype.startswith("application/xml") and f"<loc>{web.sites['alpha']}/</loc>" in body
    # Unknown sites stay as written; other file types are served as they are.
    assert "{{site:nowhere}}" in get(web.url("beta", "/page.html"))[2]
    status, ctype, body = get(web.url("alpha", "/data.json"))
    assert ctype == "application/json" and "{{site:alpha}}" in body


def test_directories_serve_their_index_and_missing_files_are_404(fixture_web, tiny_web):
    web = fixture_web(tiny_web)
    assert get(web.url("alpha", "/docs/"))[2] == "docs"
    assert get(web.url("alpha", "/docs"))[2] == "docs"  # redirected to the slash
    assert get(web.url("alpha", "/nope.html"))[0] == 404
    assert get(web.url("beta", "/"))[0] == 404  # no index.html, and never a listing


def test_access_log_records_each_request_per_site(fixture_web, tiny_web):
    web = fixture_web(tiny_web)
    get(web.url("alpha", "/"))
    get(web.url("beta", "/missing"))
    assert web.fetched("alpha") == ["/"]
    assert [(h.site, h.path, h.status) for h in web.hits] == [
        ("alpha", "/", 200),
        ("beta", "/missing", 404),
    ]


def test_close_releases_the_ports(tiny_web):
    with serve_web(tiny_web) as web:
        port = int(web.sites["alpha"].rsplit(":", 1)[1])
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))  # free again


def test_render_replaces_only_known_sites():
    assert render("{{site:a}}/x {{site:b}}", {"a": "http://h:1"}) == "http://h:1/x {{site:b}}"


def test_the_bundled_sample_web_serves_every_site(sample_web):
    assert {
        "mile-high-ketamine",
        "flatirons-kat",
        "aurora-mindbody",
        "front-range-ketamine",
        "harbor-spravato",
        "capitol-ketamine",
        "ketafind",
        "ketamine-cost-guide",
    } <= set(sample_web.sites)
    for name in sample_web.sites:
        if name != "ketafind":
            assert get(sample_web.url(name, "/"))[0] == 200, name
