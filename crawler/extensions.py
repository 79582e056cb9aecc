"""Crawl extensions: a progress display, the crawl summary, and monitors that fail a collapsed crawl.

``CrawlProgress`` shows pages, listings and errors as they happen (tqdm, on stderr) and logs
the summary at the end. ``ListingMonitor`` checks the output when the spider closes: too
few listings, or a field (name, address, routes…) filled in too few of them, means the
crawl broke (a redesigned site, a changed extractor, a blocked crawler), and the crawl is
marked failed so ``katdir crawl`` exits non-zero. Thresholds are settings.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.exceptions import NotConfigured

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

FAILURES_STAT = "katdir/monitor/failures"
# Planned ends of a crawl (its bounds); anything else but "finished" fails it.
BOUNDED_REASONS = {
    "finished",
    "closespider_pagecount",
    "closespider_timeout",
    "closespider_itemcount",
}


def error_counts(stats: Mapping[str, Any]) -> dict[str, int]:
    """Errors of a crawl by kind, from its stats (HTTP statuses, timeouts, extraction, spider bugs)."""
    errors: dict[str, int] = {}
    for key, value in stats.items():
        if key.startswith("katdir/errors/"):
            errors[key.removeprefix("katdir/errors/")] = int(value)
        elif key.startswith("spider_exceptions/") and key != "spider_exceptions/count":
            errors["spider_" + key.removeprefix("spider_exceptions/")] = int(value)
    return dict(sorted(errors.items()))


def crawl_summary(stats: Mapping[str, Any], spider: str | None = None) -> dict[str, Any]:
    """The numbers a person wants after a crawl, as plain JSON-able values."""
    elapsed = float(stats.get("elapsed_time_seconds") or 0.0)
    pages = int(stats.get("katdir/pages", 0))
    dropped = {
        key.removeprefix("katdir/dropped/"): int(value)
        for key, value in sorted(stats.items())
        if key.startswith("katdir/dropped/")
    }
    return {
        "spider": spider,
        "pages": pages,
        "responses": int(stats.get("response_received_count", 0)),
        "sites": int(stats.get("katdir/sites", 0)),
        "listings": int(stats.get("item_scraped_count", 0)),
        "dropped": dropped,
        "errors": error_counts(stats),
        "skipped": int(stats.get("katdir/skipped", 0)),
        "robots_forbidden": int(stats.get("robotstxt/forbidden", 0)),
        "ssrf_blocked": int(stats.get("katdir/ssrf_blocked", 0)),
        "elapsed_s": round(elapsed, 3),
        "pages_per_s": round(pages / elapsed, 2) if elapsed > 0 else None,
        "finish_reason": stats.get("finish_reason"),
        "monitor_failures": list(stats.get(FAILURES_STAT) or []),
    }


def _filled(value: Any) -> bool:
    if isinstance(value, Mapping):  # an address is not filled by its default country
        return any(_filled(v) for k, v in value.items() if k != "country")
    if isinstance(value, (list, tuple, set)):
        return len(value) > 0
    return value is not None and value != ""


class ListingMonitor:
    """Fail the crawl when listings collapse: count below ``KATDIR_MONITOR_MIN_LISTINGS`` (or
    below ``KATDIR_MONITOR_MIN_LISTINGS_PER_SEED`` × seeds), a field's coverage below its
    threshold in ``KATDIR_MONITOR_MIN_COVERAGE`` (judged from
    ``KATDIR_MONITOR_COVERAGE_MIN_LISTINGS`` listings on), or an unplanned end."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        if not settings.getbool("KATDIR_MONITOR_ENABLED", True):
            raise NotConfigured
        self.stats = crawler.stats
        self.min_listings = settings.getint("KATDIR_MONITOR_MIN_LISTINGS", 1)
        self.min_per_seed = settings.getfloat("KATDIR_MONITOR_MIN_LISTINGS_PER_SEED", 0.0)
        self.min_coverage = {
            k: float(v) for k, v in settings.getdict("KATDIR_MONITOR_MIN_COVERAGE").items()
        }
        self.coverage_from = settings.getint("KATDIR_MONITOR_COVERAGE_MIN_LISTINGS", 5)
        self.count = 0
        self.filled = dict.fromkeys(self.min_coverage, 0)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ListingMonitor:
        monitor = cls(crawler)
        crawler.signals.connect(monitor.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(monitor.spider_closed, signal=signals.spider_closed)
        return monitor

    def item_scraped(self, item: Any) -> None:
        self.count += 1
        adapter = ItemAdapter(item)
        for field in self.filled:
            if _filled(adapter.get(field)):
                self.filled[field] += 1

    def failures(self, reason: str | None) -> list[str]:
        found = []
        if self.count < self.min_listings:
            found.append(f"listings: {self.count} < {self.min_listings}")
        seeds = int(self.stats.get_value("katdir/seeds", 0) or 0)
        if self.min_per_seed and seeds and self.count < self.min_per_seed * seeds:
            found.append(f"listings per seed: {self.count}/{seeds} < {self.min_per_seed}")
        if self.count >= max(1, self.coverage_from):
            for field, threshold in self.min_coverage.items():
                coverage = self.filled[field] / self.count
                self.stats.set_value(f"katdir/coverage/{field}", round(coverage, 3))
                if coverage < threshold:
                    found.append(f"coverage of {field}: {coverage:.0%} < {threshold:.0%}")
        if reason and reason not in BOUNDED_REASONS:
            found.append(f"crawl ended early: {reason}")
        return found

    def spider_closed(self, spider: Any, reason: str) -> None:
        found = self.failures(reason)
        self.stats.set_value(FAILURES_STAT, found)
        for failure in found:
            logger.error("crawl monitor failed: %s", failure)


class CrawlProgress:
    """Pages, listings and errors on a tqdm line while crawling (``KATDIR_PROGRESS``), and the
    summary in the log at the end."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.enabled = crawler.settings.getbool("KATDIR_PROGRESS", True)
        self.bar = None
        self.started = time.monotonic()
        self.spider_name: str | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlProgress:
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.refresh, signal=signals.response_received)
        crawler.signals.connect(ext.refresh, signal=signals.item_scraped)
        crawler.signals.connect(ext.refresh, signal=signals.item_dropped)
        crawler.signals.connect(ext.refresh, signal=signals.spider_error)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(ext.engine_stopped, signal=signals.engine_stopped)
        return ext

    def spider_opened(self, spider: Any) -> None:
        self.started = time.monotonic()
        if self.enabled:
            from tqdm import tqdm

            self.bar = tqdm(
                desc=f"crawl {spider.name}",
                unit=" pages",
                mininterval=0.25,
                leave=True,
                dynamic_ncols=True,
            )

    def refresh(self) -> None:
        if self.bar is None:
            return
        stats = self.stats.get_stats()
        pages = int(stats.get("katdir/pages", 0))
        if pages > self.bar.n:
            self.bar.update(pages - self.bar.n)
        self.bar.set_postfix(
            listings=int(stats.get("item_scraped_count", 0)),
            errors=sum(error_counts(stats).values()),
            refresh=False,
        )

    def spider_closed(self, spider: Any, reason: str) -> None:
        # Runs before the monitors (a lower EXTENSIONS order), so their verdict is not
        # printed into the middle of the bar.
        self.refresh()
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        self.spider_name = spider.name

    def engine_stopped(self) -> None:
        stats = dict(self.stats.get_stats())
        stats.setdefault("elapsed_time_seconds", time.monotonic() - self.started)
        logger.info("crawl summary: %s", crawl_summary(stats, self.spider_name))
