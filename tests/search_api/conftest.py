"""Browser fixtures shared by the page tests: a module's `site` fixture gives the URL."""

from __future__ import annotations

import pytest

from tests.search_api.chromium import CHROMIUM, CHROMIUM_ARGS


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
