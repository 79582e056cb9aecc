"""crawler.frontier: which links of a clinic site are worth fetching, within the site's bounds."""

from __future__ import annotations

import pytest

from crawler.frontier import SiteCrawl, link_score, page_key


@pytest.mark.parametrize(
    "url,text",
    [
        ("https://c.example/pricing", ""),
        ("https://c.example/our-fees.html", ""),
        ("https://c.example/p/123", "Spravato®"),
        ("https://c.example/services/", ""),
        ("https://c.example/locations/lakewood", ""),
        ("https://c.example/contact", ""),
        ("https://c.example/faq", ""),
        ("https://c.example/insurance-and-payment", ""),
    ],
)
def test_relevant_links_score(url, text):
    assert link_score(url, text) > 0


@pytest.mark.parametrize(
    "url,text",
    [
        ("https://c.example/careers", "Join our team"),
        ("https://c.example/privacy-policy", "Privacy"),
        ("https://c.example/shop", "Shop"),
        ("https://c.example/wp-login.php", "Log in"),
        ("https://c.example/brochure-pricing.pdf", "Pricing PDF"),
        ("https://c.example/calendar/2031-01", "Events"),
        ("https://c.example/gallery", "Photos"),
    ],
)
def test_irrelevant_links_score_zero(url, text):
    assert link_score(url, text) == 0


def test_prices_outrank_about_pages():
    assert link_score("https://c.example/pricing") > link_score("https://c.example/about")


def test_sites_on_one_host_but_different_ports_are_different_sites():
    site = SiteCrawl("http://127.0.0.1:4001/")
    assert site.offer("http://127.0.0.1:4001/pricing")
    assert not site.offer("http://127.0.0.1:4002/pricing")
    site = SiteCrawl("https://www.clinic.example/")
    assert site.offer("https://clinic.example/pricing")


def test_the_budget_counts_the_start_page_and_takes_the_most_relevant_first():
    site = SiteCrawl("https://c.example/", max_pages=3, max_in_flight=10)
    site.take_start()
    for path in ("about", "pricing", "contact", "services"):
        site.offer(f"https://c.example/{path}")
    assert [url for url, _ in site.take_pages()] == [
        "https://c.example/pricing",
        "https://c.example/services",
    ]
    assert site.take_pages() == []


def test_in_flight_cap_leaves_room_for_better_links_found_later():
    site = SiteCrawl("https://c.example/", max_pages=10, max_in_flight=2)
    site.take_start()
    site.offer("https://c.example/about")
    site.offer("https://c.example/team")
    assert [url for url, _ in site.take_pages()] == ["https://c.example/about"]
    site.landed()
    site.offer("https://c.example/pricing")
    assert [url for url, _ in site.take_pages()] == ["https://c.example/pricing"]


def test_a_page_is_offered_once_whatever_its_spelling_and_depth_is_bounded():
    site = SiteCrawl("https://c.example/", max_depth=2)
    assert site.offer("https://c.example/pricing/#top")
    assert not site.offer("https://c.example/pricing/")
    assert not site.offer("https://c.example/index.html")  # the start page
    assert not site.offer("https://c.example/fees", depth=3)
    assert page_key("https://c.example/a/index.html") == page_key("https://c.example/a/")


def test_a_site_is_finished_when_nothing_is_in_flight_or_left():
    site = SiteCrawl("https://c.example/")
    site.take_start()
    assert not site.finished
    site.landed()
    assert site.finished
    assert site.close() and not site.close()
