"""Fixtures shared by the search_api tests: the app for a test, the test clinics' store, and
the browser for the page tests (a module's `site` fixture gives the URL)."""

from __future__ import annotations

import pytest

from katdir.store import open_store
from search_api import create_app
from tests.search_api.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.search_api.test_api import CLINICS


@pytest.fixture
def app_on(tmp_path):
    """Builds the app on a store URL for this test: its var folder (so its geocoding cache,
    text-search slots and secret key) in `tmp_path`, Flask's TESTING on. Keyword settings
    add to these or replace them: `app_on(url, KATDIR_RATE_LIMIT="off")`."""

    def build(store_url: str, **settings):
        return create_app(
            {"KATDIR_STORE": store_url, "KATDIR_VAR": str(tmp_path), "TESTING": True, **settings}
        )

    return build


@pytest.fixture
def clinics_url(sqlite_url):
    """`sqlite_url`, its store holding test_api's CLINICS."""
    with open_store(sqlite_url) as store:
        store.upsert(CLINICS)
    return sqlite_url


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, site):
    """A page of `site`; the test fails if the page asked any other host."""
    context = browser.new_context(base_url=site)
    page = context.new_page()
    outside: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(site) else outside.append(r.url))
    yield page
    assert outside == [], f"the page asked third parties: {outside}"
    context.close()
