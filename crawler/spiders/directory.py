"""``directory``: walk clinic directories described by YAML source profiles (``crawler/sources``).

Each profile gives start URLs, a pagination selector, a detail-link selector and field
selectors, so adding a directory needs no code. Every detail page becomes a listing of
``page_type`` "directory" (second-hand, lower trust than the clinic's own site); when the
profile says ``follow_websites``, the clinic's own website is crawled as ``clinic_site``
would, and its listings come too. Seeds are profile names or YAML paths (none: all profiles).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import scrapy
from scrapy.http import Response

from crawler.directory import SourceProfile, links, load_profiles, read_entry
from crawler.listing import content_hash
from crawler.spiders.clinic_site import ClinicSiteSpider, failure_kind

PROFILE = "katdir_profile"


class DirectorySpider(ClinicSiteSpider):
    name = "directory"
    # A clinic site reached through a profile is the clinic's own word, not the directory's.
    site_pages_spider = "clinic_site"
    # Pagination chains run deep; the profile's max_pages bounds them instead.
    custom_settings = {
        "DEPTH_LIMIT": 0,
        "KATDIR_MONITOR_MIN_COVERAGE": {"name": 0.9, "address": 0.5},
    }

    def __init__(self, seeds: Any = (), *args: Any, **kwargs: Any) -> None:
        super().__init__(seeds, *args, **kwargs)
        self.profiles: dict[str, SourceProfile] = {}
        self.index_pages: dict[str, int] = {}

    async def start(self) -> AsyncIterator[Any]:
        settings = self.crawler.settings
        sources_dir = (
            Path(settings.get("KATDIR_SOURCES_DIR")) if settings.get("KATDIR_SOURCES_DIR") else None
        )
        sites = settings.getdict("KATDIR_SITES")
        profiles = load_profiles(self.seeds or None, sources_dir)
        self.crawler.stats.set_value("katdir/seeds", len(profiles))
        for profile in profiles:
            self.profiles[profile.name] = profile
            self.index_pages[profile.name] = 0
            for url in profile.resolved_start_urls(sites):
                request = self.index_request(profile, url)
                if request is not None:
                    yield request

    def index_request(self, profile: SourceProfile, url: str) -> scrapy.Request | None:
        if self.index_pages[profile.name] >= profile.max_pages:
            return None
        self.index_pages[profile.name] += 1
        return scrapy.Request(
            url,
            callback=self.parse_index,
            errback=self.on_directory_error,
            meta={PROFILE: profile.name},
        )

    def parse_index(self, response: Response) -> Iterator[Any]:
        profile = self.profiles[response.meta[PROFILE]]
        self.crawler.stats.inc_value("katdir/pages")
        for url in links(response.text, response.url, profile.detail_links):
            yield scrapy.Request(
                url,
                callback=self.parse_entry,
                errback=self.on_directory_error,
                meta={PROFILE: profile.name},
            )
        if profile.pagination:
            for url in links(response.text, response.url, profile.pagination)[:1]:
                request = self.index_request(profile, url)
                if request is not None:
                    yield request

    def parse_entry(self, response: Response) -> Iterator[Any]:
        profile = self.profiles[response.meta[PROFILE]]
        self.crawler.stats.inc_value("katdir/pages")
        entry = read_entry(response.text, response.url, profile)
        evidence = {
            key: [{"url": response.url, "quote": quote}] for key, quote in entry["quotes"].items()
        }
        yield {
            "url": response.url,
            "spider": self.name,
            "fetched_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
            "content_hash": content_hash(response.body),
            "page_type": "directory",
            "name": entry["name"],
            "website": entry["website"],
            "phone": entry["phone"],
            "address": entry["address"],
            "evidence": evidence,
            "source_urls": [response.url],
        }
        if profile.follow_websites and entry["website"]:
            yield from self.open_site(
                entry["website"], origin={"directory": profile.name, "entry": response.url}
            )

    def on_directory_error(self, failure: Any) -> None:
        kind = failure_kind(failure)
        if kind == "skipped":
            self.crawler.stats.inc_value("katdir/skipped")
        else:
            self.crawler.stats.inc_value(f"katdir/errors/{kind}")
            self.logger.info("failed (%s): %s", kind, failure.request.url)
