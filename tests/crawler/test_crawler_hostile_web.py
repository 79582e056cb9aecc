"""The crawler stays within its bounds on a hostile site: a huge page, broken HTML, a wrong
charset, a missing page, and endless links."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def hostile_web(tmp_path: Path) -> Path:
    site = tmp_path / "hostile"
    (site / "calendar").mkdir(parents=True)
    (site / "index.html").write_text(
        "<html><head><title>Hostile Ketamine Clinic</title></head><body><p>IV ketamine infusions, "
        "Denver, CO 80202. (303) 555-0100.</p>"
        '<a href="/pricing.html">Pricing</a> <a href="/services.html">Services</a> '
        '<a href="/missing-fees.html">Fees</a> <a href="/calendar/2031-01.html">Events calendar</a>'
        + "".join(f'<a href="/treatments/t{i}.html">Ketamine treatment {i}</a>' for i in range(40))
        + "<div><p>unclosed <b>tags <table><tr><td>everywhere"
    )
    (site / "pricing.html").write_text(
        "<html><body>$450 per infusion " + "x" * (2 * 1024 * 1024) + "</body></html>"
    )
    (site / "services.html").write_bytes(
        '<html><head><meta charset="windows-1252"><title>Services</title></head><body>'
        "<p>Caf\xe9 \x96 IV ketamine for depression \x97 $395</p></body></html>".encode("latin-1")
    )
    (site / "calendar" / "2031-01.html").write_text(
        '<a href="/calendar/2031-02.html">Next month</a>'
    )
    return tmp_path


def test_a_hostile_site_is_crawled_within_bounds(fixture_web, crawl_web, hostile_web):
    web = fixture_web(hostile_web)
    result = crawl_web(
        seeds=[web.url("hostile")],
        web=web,
        settings={
            "DOWNLOAD_MAXSIZE": 1024 * 1024,
            "DOWNLOAD_WARNSIZE": 512 * 1024,
            "KATDIR_MAX_PAGES_PER_SITE": 6,
            "RETRY_TIMES": 0,
        },
    )
    paths = result.paths("hostile")
    assert not [
        p for p in paths if p.startswith("/calendar/")
    ]  # endless calendars are not followed
    assert len([p for p in paths if p.endswith(".html") or p == "/"]) <= 6
    assert "/missing-fees.html" in paths and result.summary.errors.get("http_404", 0) >= 1
    assert result.summary.errors.get("too_large") == 1  # the 2 MB pricing page, cut off at 1 MB
    [listing] = result.listings
    assert listing["name"] == "Hostile Ketamine Clinic"
    assert 395.0 in [p["amount_min"] for p in listing["prices"]]  # read through the wrong charset
    assert 450.0 not in [p["amount_min"] for p in listing["prices"]]


def test_a_site_whose_requests_are_dropped_silently_still_yields_its_listing(crawl_web, sample_web):
    """Scrapy's depth limit drops requests without calling their errbacks: the site's count of
    requests in flight never reaches zero, and the idle safety net finishes the site."""
    result = crawl_web(
        seeds=[sample_web.url("capitol-ketamine")], web=sample_web, settings={"DEPTH_LIMIT": 1}
    )
    paths = result.paths("capitol-ketamine")
    assert "/services.html" in paths and not [
        p for p in paths if p.startswith("/conditions/") and p != "/conditions/"
    ]
    [listing] = result.listings
    assert listing["name"] == "Capitol Ketamine Clinic" and result.summary.ok
