"""Clinic sites that render their content with JavaScript are read through Chromium
(scrapy-playwright with Debian's Chromium, for real): only pages whose body is empty or
scripts only, and no more of them per crawl than the budget."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

SHELL = """<!doctype html><html><head><title>Loading</title><script src="/app.js" defer></script></head>
<body><div id="root"></div><noscript>This site needs JavaScript.</noscript></body></html>"""
# what the page shows once its script has run: nothing of it is in the HTML served
APP = """
document.title = "Cedar Ketamine Clinic";
const root = document.getElementById("root");
root.innerHTML = `
  <main>
    <h1>Cedar Ketamine Clinic</h1>
    <p>We offer IV ketamine infusions for depression and PTSD in Cedar Hollow.</p>
    <h2>Fees</h2>
    <ul><li>IV ketamine infusion: $${400 + 95}</li></ul>
    <p>Cedar Ketamine Clinic, 88 Birch Street, Cedar Hollow, OR 97000. Call (541) 555-0162.</p>
  </main>`;
"""
PLAIN = """<!doctype html><html><head><title>Pine Ketamine</title><script>var tracking = false;</script></head>
<body><main><h1>Pine Ketamine</h1><p>We offer IV ketamine infusions in Pine Ridge for depression.</p>
<p>IV ketamine infusion: $450</p><p>12 Spruce Way, Pine Ridge, OR 97001. Call (541) 555-0173.</p></main>
</body></html>"""


@pytest.fixture
def js_web(tmp_path: Path) -> Path:
    for name in ("cedar", "juniper"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "index.html").write_text(SHELL)
        (tmp_path / name / "app.js").write_text(APP.replace("Cedar", name.title()))
    (tmp_path / "pine").mkdir()
    (tmp_path / "pine" / "index.html").write_text(PLAIN)
    return tmp_path


def test_a_site_that_renders_in_the_browser_is_read_through_chromium(
    fixture_web, crawl_web, js_web
):
    web = fixture_web(js_web)
    result = crawl_web(seeds=[web.url("cedar"), web.url("pine")], web=web)
    [cedar] = result.named("Cedar Ketamine")
    assert cedar["routes"] == ["iv"] and [p["amount_min"] for p in cedar["prices"]] == [495.0]
    assert cedar["address"]["postal_code"] == "97000" and cedar["phone"] == "+15415550162"
    assert result.paths("cedar").count("/") == 2  # once as served, once in Chromium
    assert result.paths("cedar").count("/app.js") == 1  # only the browser runs scripts
    [pine] = result.named("Pine Ketamine")  # an ordinary page never goes through the browser
    assert [p["amount_min"] for p in pine["prices"]] == [450.0] and result.paths("pine").count(
        "/"
    ) == 1


def test_no_more_pages_go_through_the_browser_than_the_budget(fixture_web, crawl_web, js_web):
    web = fixture_web(js_web)
    result = crawl_web(
        seeds=[web.url("cedar"), web.url("juniper")],
        web=web,
        settings={"KATDIR_BROWSER_MAX_PAGES": 1, "KATDIR_MONITOR_MIN_LISTINGS": 0},
    )
    rendered = [site for site in ("cedar", "juniper") if "/app.js" in result.paths(site)]
    assert len(rendered) == 1
    assert [item["name"] for item in result.listings] == [f"{rendered[0].title()} Ketamine Clinic"]
