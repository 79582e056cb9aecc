"""Output safety (issue 11, finding 3): a hostile record never becomes a script on a page,
and every response carries a strict Content-Security-Policy and its companions."""

from __future__ import annotations

import json
import re

import pytest

from indexer.imports import import_records
from katdir.geocoding import build_geocoder
from katdir.store import open_store
from tests.search_api.serving import gunicorn_app

STORED_XSS = {
    "id": "xss-1",
    "name": "Hostile Ketamine",
    "website": "javascript:alert(document.domain)//",
    "address": {"city": "Denver", "state": "CO", "postal_code": "80202"},
    "location": {"lat": 39.75, "lon": -105.0},
    "prices": [
        {
            "kind": "per_session",
            "amount_min": 400,
            "source_url": "javascript:alert(3)",
            "quote": "$400",
        }
    ],
}


@pytest.fixture
def app(app_on, clinics_url):
    return app_on(clinics_url)


def test_an_import_with_a_javascript_url_is_refused_and_no_page_links_one(
    app, sqlite_url, tmp_path
):
    geocoder = build_geocoder(None, cache_path=tmp_path / "geo.db")
    with open_store(sqlite_url) as store:
        summary = import_records([(1, json.dumps(STORED_XSS))], store, geocoder, approve=True)
        assert not summary.written and store.get("xss-1") is None
    assert "line 1: website: Value error, expected an http:// or https:// URL" in summary.describe()
    client = app.test_client()
    assert client.get("/clinics/xss-1").status_code == 404
    for path in ["/clinics/denver-iv", "/?near=80202&radius=50"]:
        html = client.get(path).get_data(as_text=True)
        hrefs = re.findall(r'href="([^"]*)"', html)
        assert hrefs and all(h.startswith(("/", "http://", "https://", "#", "?")) for h in hrefs)


SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


@pytest.mark.parametrize(
    "path, status",
    [
        ("/", 200),
        ("/?near=80202&radius=50", 200),
        ("/clinics/denver-iv", 200),
        ("/clinics/nope", 404),
        ("/static/site.css", 200),
        ("/api/v1/clinics/search?near=80202", 200),
        ("/api/v1/clinics/search?near=80202&raduis=5", 400),
        ("/api/v1/clinics/nope", 404),
        ("/api/v1/openapi.json", 200),
        ("/api/v1/nowhere", 404),
    ],
)
def test_every_response_carries_a_strict_content_security_policy(app, path, status):
    response = app.test_client().get(path)
    assert response.status_code == status
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, name
    policy = dict(
        part.strip().split(" ", 1)
        for part in response.headers["Content-Security-Policy"].split(";")
        if part.strip()
    )
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'"
    assert "unsafe" not in response.headers["Content-Security-Policy"]


@pytest.mark.browser
def test_the_pages_work_under_their_policy_in_chromium(app, browser, sqlite_url, tmp_path):
    violations: list[str] = []
    env = {"KATDIR_STORE": sqlite_url, "KATDIR_VAR": str(tmp_path)}
    with gunicorn_app(env, tmp_path) as site:
        page = browser.new_page()
        page.on(
            "console",
            lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
        )
        for path in ["/", "/?near=80202&radius=50", "/clinics/denver-iv"]:
            page.goto(site + path)
            page.wait_for_load_state("load")
        # The stylesheet applied: the policy let the site's own CSS in.
        assert page.evaluate("document.styleSheets.length") >= 1
        page.close()
    assert violations == []


def test_the_headers_made_once_are_flask_talismans_own(app, app_on, sqlite_url, monkeypatch):
    """search_api.security.Talisman makes each endpoint's headers once: they are the headers
    flask-talisman makes on every response, over plain HTTP and over TLS (HSTS), for pages,
    the API, errors and static files alike, however often they are asked for."""
    import flask_talisman

    from search_api import security

    monkeypatch.setattr(security, "Talisman", flask_talisman.Talisman)
    plain = app_on(sqlite_url)
    assert type(app.extensions["katdir.talisman"]) is not flask_talisman.Talisman
    paths = [
        "/",
        "/?near=80202",
        "/api/v1/clinics/search?near=80202&radius=50",
        "/api/v1/clinics/nope",
        "/api/v1/nowhere",
        "/healthz",
        "/static/site.css",
    ]
    talisman_headers = {"Content-Security-Policy", "Permissions-Policy", "X-Frame-Options"}
    talisman_headers |= {"X-Content-Type-Options", "Referrer-Policy", "Strict-Transport-Security"}
    for _ in range(2):
        for path in paths:
            for tls in ({}, {"X-Forwarded-Proto": "https"}):
                ours = app.test_client().get(path, headers=tls)
                theirs = plain.test_client().get(path, headers=tls)
                assert ours.status_code == theirs.status_code, path
                for name in talisman_headers:
                    assert ours.headers.get_all(name) == theirs.headers.get_all(name), (path, name)
                assert ("Strict-Transport-Security" in ours.headers) == bool(tls)
