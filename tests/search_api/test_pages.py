"""The visitors' pages in a real browser: Debian's Chromium driven by Playwright."""

from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

from katdir.store import open_store
from search_api import create_app
from tests.search_api.test_api import CLINICS

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
# Without these, Chromium keeps reaching for Google's hosts, which this network refuses.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("pages")
    url = f"sqlite:///{tmp / 'katdir.db'}"
    with open_store(url) as store:
        store.upsert(CLINICS)
    app = create_app({"KATDIR_STORE": url, "KATDIR_GEOCODE_CACHE": str(tmp / "geo.db")})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, site):
    context = browser.new_context(base_url=site)
    page = context.new_page()
    outside: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(site) else outside.append(r.url))
    yield page
    assert outside == [], f"the page asked third parties: {outside}"
    context.close()


def test_a_visitor_searches_by_zip_and_sees_the_nearest_clinics_on_a_list_and_map(page):
    page.goto("/")
    page.fill("input[name=near]", "80202")
    page.select_option("select[name=radius]", "50")
    page.click("button[type=submit]")
    names = page.locator(".results .clinic h2").all_inner_texts()
    assert names == ["Denver IV Ketamine", "Aurora Spravato Center", "Boulder Mind IM"]
    assert "3 clinics within 50 mi" in page.inner_text(".count")
    assert page.locator("svg.map .pin").count() == 3
    # the sample points are ZIP centroids, and the page says so
    assert page.locator(".results .approx").count() == 3


def test_filtering_by_route_and_price(page):
    page.goto("/?near=80202&radius=50")
    page.check("input[name=route][value=im]")
    page.fill("input[name=max_price]", "420")
    page.click("button[type=submit]")
    assert page.locator(".results .clinic h2").all_inner_texts() == ["Boulder Mind IM"]
    assert "from $400 a session" in page.inner_text(".results")


def test_the_form_has_a_control_for_every_declared_filter(page):
    from katdir.filters import FILTERS

    page.goto("/?near=80202&radius=50&route=iv,spravato&insurance=true")
    for f in FILTERS:
        assert page.locator(f"form.search [name={f.name}]").count() >= 1, f.name
    assert page.locator("input[name=route][value=iv]").is_checked()
    assert page.locator("input[name=route][value=spravato]").is_checked()
    assert not page.locator("input[name=route][value=im]").is_checked()
    assert page.locator("input[name=insurance]").is_checked()


def test_a_bad_place_shows_a_readable_error(page):
    page.goto("/?near=Atlantis%2C+ZZ")
    assert "not a place we know" in page.inner_text("[role=alert]")


def test_browser_location_searches_around_the_visitor(page, browser):
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 39.7392, "longitude": -104.9903})
    page.goto("/")
    page.click("#use-location")
    page.wait_for_url("**lat=39.74**")
    assert "lon=-104.99" in page.url  # rounded: the exact position never leaves the browser
    assert page.locator(".results .clinic").count() == 3  # Boulder is 24.5 mi away


def test_the_clinic_page_shows_each_price_with_its_quote(page):
    page.goto("/?near=80202&radius=50")
    page.click(".results >> text=Denver IV Ketamine")
    assert page.inner_text("h1") == "Denver IV Ketamine"
    assert "“$450 per infusion”" in page.inner_text(".prices")
    assert page.goto("/clinics/pueblo-pending").status == 404
