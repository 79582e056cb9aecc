"""Monitors fail a crawl whose output collapsed; the summary counts pages, listings and errors."""

from __future__ import annotations

from types import SimpleNamespace

from scrapy.settings import Settings

from crawler.extensions import FAILURES_STAT, ListingMonitor, crawl_summary, error_counts


class Stats(dict):
    def get_value(self, key, default=None):
        return self.get(key, default)

    def set_value(self, key, value):
        self[key] = value


def monitor(**overrides) -> ListingMonitor:
    settings = Settings()
    settings.setmodule("crawler.settings")
    settings.update(overrides)
    return ListingMonitor(SimpleNamespace(settings=settings, stats=Stats({"katdir/seeds": 4})))


def listing(**fields):
    return {
        "name": "A clinic",
        "address": {"city": "Denver", "country": "US"},
        "phone": "+13035550100",
        "routes": ["iv"],
        **fields,
    }


def close(mon: ListingMonitor, items, reason="finished") -> list[str]:
    for item in items:
        mon.item_scraped(item)
    mon.spider_closed(spider=None, reason=reason)
    return mon.stats[FAILURES_STAT]


def test_a_healthy_crawl_passes():
    assert close(monitor(), [listing() for _ in range(6)]) == []


def test_too_few_listings_fail_the_crawl():
    assert close(monitor(), []) == ["listings: 0 < 1"]
    assert close(monitor(KATDIR_MONITOR_MIN_LISTINGS=10), [listing()] * 3) == ["listings: 3 < 10"]
    assert close(monitor(KATDIR_MONITOR_MIN_LISTINGS_PER_SEED=1.0), [listing()] * 3) == [
        "listings per seed: 3/4 < 1.0"
    ]


def test_collapsed_field_coverage_fails_the_crawl():
    items = [listing(routes=[], address={"country": "US"})] * 4 + [listing()] * 2
    failures = close(monitor(), items)
    assert failures == ["coverage of address: 33% < 50%", "coverage of routes: 33% < 50%"]


def test_coverage_is_not_judged_on_a_handful_of_listings():
    assert close(monitor(), [listing(routes=[])] * 4) == []


def test_an_unplanned_end_fails_the_crawl_but_a_bound_does_not():
    assert close(monitor(), [listing()], reason="closespider_pagecount") == []
    assert close(monitor(), [listing()], reason="closespider_errorcount") == [
        "crawl ended early: closespider_errorcount"
    ]


def test_the_summary_counts_errors_by_kind():
    stats = {
        "katdir/pages": 30,
        "item_scraped_count": 5,
        "elapsed_time_seconds": 2.0,
        "katdir/errors/http_404": 2,
        "katdir/errors/timeout": 1,
        "spider_exceptions/KeyError": 1,
        "spider_exceptions/count": 1,
        "katdir/dropped/duplicate": 1,
        "finish_reason": "finished",
        "robotstxt/forbidden": 1,
    }
    assert error_counts(stats) == {"http_404": 2, "spider_KeyError": 1, "timeout": 1}
    summary = crawl_summary(stats, "clinic_site")
    assert summary["pages"] == 30 and summary["listings"] == 5 and summary["pages_per_s"] == 15.0
    assert summary["dropped"] == {"duplicate": 1} and summary["robots_forbidden"] == 1


def test_a_collapsed_crawl_exits_failed(crawl_web, sample_web):
    """Only the cost-guide site: its pages come back, but no clinic listing does."""
    result = crawl_web(seeds=[sample_web.url("ketamine-cost-guide")], web=sample_web)
    assert result.listings == []
    assert result.summary.pages >= 1
    assert not result.summary.ok and result.summary.returncode == 1
    assert "listings: 0 < 1" in result.summary.monitor_failures
