"""A crawl of the sample clinic web over real HTTP: the listings it must produce, the pages it
must never fetch, and its bounds."""

from __future__ import annotations

from collections import Counter

import pytest

from katdir.model import Listing

pytestmark = pytest.mark.xdist_group("crawl")

# Market prices quoted by the cost guide and the clinic blog, and the staff rate behind
# robots.txt: none may become any clinic's price.
NEVER_PRICES = {400.0, 800.0, 590.0, 885.0, 4800.0, 99.0, 200.0, 250.0, 600.0}


def amounts(listing):
    return sorted(p["amount_min"] for p in listing["prices"])


def one(result, name):
    [listing] = result.named(name)
    return listing


def test_the_crawl_finishes_and_passes_its_monitors(sample_crawl):
    summary = sample_crawl.summary
    assert summary.ok, summary.describe()
    assert summary.finish_reason == "finished" and summary.errors == {}
    for listing in sample_crawl.listings:
        Listing.model_validate(listing)
        assert listing["spider"] == "clinic_site" and listing["page_type"] == "clinic"
        assert listing["source_urls"] and listing["content_hash"] and listing["fetched_at"]


def test_one_listing_per_clinic_location(sample_crawl):
    names = Counter(item["website"] for item in sample_crawl.listings)
    sites = sample_crawl.web.sites
    assert names == {
        sites[name] + "/": count
        for name, count in (
            ("mile-high-ketamine", 1),
            ("flatirons-kat", 1),
            ("aurora-mindbody", 1),
            ("front-range-ketamine", 2),
            ("harbor-spravato", 1),
            ("capitol-ketamine", 1),
        )
    }


def test_names_addresses_and_phones(sample_crawl):
    expected = {
        "Mile High Ketamine Wellness": ("80202", "Denver", "+13035550142"),
        "Flatirons Ketamine": ("80302", "Boulder", "+17205550117"),
        "Aurora Mind & Body Ketamine": ("80012", "Aurora", "+13035550163"),
        "Harbor Spravato Center": ("92101", "San Diego", "+16195550126"),
        "Capitol Ketamine Clinic": ("78701", "Austin", "+15125550155"),
    }
    for name, (postal_code, city, phone) in expected.items():
        listing = one(sample_crawl, name)
        assert (
            listing["address"]["postal_code"],
            listing["address"]["city"],
            listing["phone"],
        ) == (postal_code, city, phone), name


def test_the_multi_location_practice_has_a_listing_per_location(sample_crawl):
    listings = [
        item
        for item in sample_crawl.listings
        if item["website"] == sample_crawl.web.sites["front-range-ketamine"] + "/"
    ]
    by_zip = {item["address"]["postal_code"]: item for item in listings}
    assert set(by_zip) == {"80226", "80903"}
    assert (
        by_zip["80226"]["phone"] == "+13035550181"
        and by_zip["80226"]["address"]["city"] == "Lakewood"
    )
    assert (
        by_zip["80903"]["phone"] == "+17195550182"
        and by_zip["80903"]["address"]["city"] == "Colorado Springs"
    )
    for item in listings:
        assert "Front Range Ketamine Centers" in item["name"]
        assert set(item["routes"]) == {"iv", "spravato"} and 425.0 in amounts(item)


def test_routes(sample_crawl):
    assert set(one(sample_crawl, "Mile High")["routes"]) == {"iv", "im"}
    assert set(one(sample_crawl, "Flatirons")["routes"]) == {
        "iv",
        "oral",
    }  # oral: a page only the sitemap lists
    assert set(one(sample_crawl, "Aurora")["routes"]) == {"iv", "spravato"}
    assert one(sample_crawl, "Harbor Spravato")["routes"] == ["spravato"]
    assert set(one(sample_crawl, "Capitol")["routes"]) == {"iv", "im"}


def test_prices_by_amount(sample_crawl):
    assert {150.0, 495.0, 2700.0, 300.0, 450.0} <= set(amounts(one(sample_crawl, "Mile High")))
    flatirons = one(sample_crawl, "Flatirons")
    assert {450.0, 2400.0} <= set(amounts(flatirons))  # prices only in prose
    series = [p for p in flatirons["prices"] if p["amount_min"] == 2400.0]
    assert series and series[0]["kind"] == "series" and series[0]["sessions"] == 6
    assert {395.0, 2250.0} <= set(amounts(one(sample_crawl, "Aurora")))  # Wix-like nested divs
    assert {550.0, 3000.0, 350.0} <= set(amounts(one(sample_crawl, "Capitol")))
    assert amounts(one(sample_crawl, "Harbor Spravato")) == []
    for listing in sample_crawl.listings:
        for price in listing["prices"]:
            assert price["source_url"] and price["source_url"].startswith(listing["website"])
            assert price["quote"]


def test_no_price_from_a_cost_guide_or_a_blog_article(sample_crawl):
    for listing in sample_crawl.listings:
        assert not NEVER_PRICES & set(amounts(listing)), listing["name"]
        assert not any("/blog/" in url for url in listing["source_urls"])
    assert not sample_crawl.named("Cost Guide")
    assert all(
        item["website"] != sample_crawl.web.sites["ketamine-cost-guide"] + "/"
        for item in sample_crawl.listings
    )


def test_insurance_facts(sample_crawl):
    harbor = one(sample_crawl, "Harbor Spravato")
    assert (
        harbor["insurance"]["spravato_insurance"] is True
        or harbor["insurance"]["accepts_insurance"] is True
    )
    assert one(sample_crawl, "Capitol")["insurance"]["va_community_care"] is True
    assert one(sample_crawl, "Mile High")["insurance"]["hsa_fsa"] is True


def test_provenance_points_at_crawled_pages(sample_crawl):
    for listing in sample_crawl.listings:
        for field, entries in listing["evidence"].items():
            for entry in entries:
                assert entry["url"] in listing["source_urls"], (listing["name"], field)
                assert entry["quote"]


def test_robots_txt_is_obeyed(sample_crawl):
    paths = sample_crawl.paths("mile-high-ketamine")
    assert "/robots.txt" in paths and "/pricing.html" in paths
    assert not [path for path in paths if path.startswith("/private/")]
    assert sample_crawl.summary.robots_forbidden >= 1


def test_sitemaps_are_read(sample_crawl):
    paths = sample_crawl.paths("flatirons-kat")
    assert "/sitemap.xml" in paths
    assert "/programs/at-home-ketamine.html" in paths  # linked from nowhere but the sitemap


def test_requests_identify_the_crawler(sample_crawl):
    agents = {hit.user_agent for hit in sample_crawl.hits}
    assert agents == {"katdir/0.1 (+https://github.com/katdir/katdir)"}


def test_only_relevant_pages_are_fetched(sample_crawl):
    fetched = {path for hit in sample_crawl.hits for path in [hit.path]}
    for irrelevant in ("/careers.html", "/privacy.html", "/shop/", "/shop"):
        assert irrelevant not in fetched


def test_the_page_bound_per_site_holds(crawl_web):
    result = crawl_web(settings={"KATDIR_MAX_PAGES_PER_SITE": 4})
    for site in result.web.sites:
        pages = [p for p in result.paths(site) if p not in ("/robots.txt", "/sitemap.xml")]
        # a redirect (/services → /services/) is one page fetched in two requests
        redirects = sum(1 for hit in result.hits if hit.site == site and hit.status in (301, 302))
        assert len(pages) - redirects <= 4, (site, pages)
    assert (
        len([p for p in result.paths("capitol-ketamine") if p.endswith(".html") or p.endswith("/")])
        == 4
    )
    # The most relevant pages come first: the fee table is within the four.
    assert "/services.html" in result.paths("capitol-ketamine")
    assert result.summary.ok
