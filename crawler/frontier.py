"""Which pages of a clinic site to fetch, and when a site is done: pure bookkeeping.

A clinic's facts sit on a handful of pages (pricing, services, insurance, locations,
contact), so a site is crawled from its start page by following only internal links whose
URL or anchor text looks relevant, most relevant first, within a page budget. The spider
asks a ``SiteCrawl`` what to fetch next and tells it what came back; when nothing is in
flight and nothing is left to fetch, the site's listings are due.
"""

from __future__ import annotations

import heapq
import itertools
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from w3lib.url import canonicalize_url

from katdir.normalize import site_root

# (pattern, weight): the best match of a link's URL path and anchor text is its score.
RELEVANCE: list[tuple[re.Pattern[str], int]] = [
    (re.compile(r"pric|cost|fee|rates?\b|pay|afford", re.I), 10),
    (re.compile(r"spravato|esketamine|insurance|coverage|veteran|\bva\b|hsa|fsa|financ", re.I), 7),
    (
        re.compile(
            r"service|treatment|therap|infusion|ketamine|program|what.?we.?offer|kap\b", re.I
        ),
        6,
    ),
    (re.compile(r"location|contact|visit|directions|find.?us|hours|office", re.I), 5),
    (
        re.compile(
            r"condition|depression|ptsd|anxiety|pain|ocd|migraine|what.?to.?expect|new.?patient",
            re.I,
        ),
        4,
    ),
    (re.compile(r"faq|question|about|team|staff|who.?we|our.?clinic|process", re.I), 3),
]
# Never worth a page of the budget, whatever their words.
IRRELEVANT = re.compile(
    r"/(wp-(admin|login|json)|cart|checkout|shop|store|login|signin|account|feed|tag|category|author|"
    r"calendar|events?|share|print|search)(/|$|\?)|privacy|terms|careers|jobs|cookie|sitemap\.html|"
    r"\.(pdf|jpe?g|png|gif|svg|webp|mp4|mp3|zip|docx?|xlsx?|ics)$|[?&](replytocom|share|print|s)=",
    re.I,
)
MAX_URL_LENGTH = 512


def link_score(url: str, text: str = "") -> int:
    """How much a link looks like a page with clinic facts; 0 = not worth fetching."""
    parts = urlsplit(url)
    where = f"{parts.path}?{parts.query}" if parts.query else parts.path
    if len(url) > MAX_URL_LENGTH or IRRELEVANT.search(where):
        return 0
    haystack = f"{where} {text}"
    return max((weight for pattern, weight in RELEVANCE if pattern.search(haystack)), default=0)


def page_key(url: str) -> str:
    """One key for the spellings of one page: canonical URL, no fragment, no index file."""
    key = canonicalize_url(url, keep_fragments=False)
    return re.sub(r"/(index|default)\.(html?|php|aspx?)$", "/", key, flags=re.I)


def netloc_of(url: str) -> str:
    """Host and port, without ``www.``: sites on one host but different ports are different
    sites (the sample web), and ``www.example.com`` is ``example.com``."""
    netloc = urlsplit(url).netloc.lower()
    return netloc[4:] if netloc.startswith("www.") else netloc


@dataclass
class SiteCrawl:
    """The crawl of one site: its queue of candidate pages, budget and in-flight count."""

    start_url: str
    max_pages: int = 12
    max_depth: int = 3
    max_sitemaps: int = 3
    max_in_flight: int = 4
    origin: dict[str, Any] = field(
        default_factory=dict
    )  # how the site was reached (directory entry…)
    netlocs: set[str] = field(default_factory=set)
    pages: list[dict[str, Any]] = field(default_factory=list)
    pages_requested: int = 0
    sitemaps_requested: int = 0
    in_flight: int = 0
    done: bool = False
    _seen: set[str] = field(default_factory=set)
    _queue: list[tuple[int, int, str, int]] = field(default_factory=list)
    _order: itertools.count = field(default_factory=itertools.count)

    def __post_init__(self) -> None:
        self.netlocs.add(netloc_of(self.start_url))
        self._seen.add(page_key(self.start_url))

    @property
    def root(self) -> str:
        return site_root(self.start_url)

    def is_internal(self, url: str) -> bool:
        return urlsplit(url).scheme in ("http", "https") and netloc_of(url) in self.netlocs

    def adopt(self, url: str) -> None:
        """The start page redirected (to https, to www.): its new host is this site too."""
        self.netlocs.add(netloc_of(url))

    def offer(self, url: str, text: str = "", depth: int = 1, score: int | None = None) -> bool:
        """Consider a link found on the site; True if it was queued."""
        if depth > self.max_depth or not self.is_internal(url):
            return False
        key = page_key(url)
        if key in self._seen:
            return False
        score = link_score(url, text) if score is None else score
        if score <= 0:
            return False
        self._seen.add(key)
        heapq.heappush(self._queue, (-score, next(self._order), url, depth))
        return True

    def take_start(self) -> str:
        """The start page: counted against the budget, fetched first."""
        self.pages_requested += 1
        self.in_flight += 1
        return self.start_url

    def take_pages(self) -> list[tuple[str, int]]:
        """The next pages to fetch, most relevant first, within the budget and the
        in-flight cap (so links found later can still outrank those queued earlier)."""
        taken = []
        while (
            self._queue
            and self.pages_requested < self.max_pages
            and self.in_flight < self.max_in_flight
        ):
            _, _, url, depth = heapq.heappop(self._queue)
            self.pages_requested += 1
            self.in_flight += 1
            taken.append((url, depth))
        return taken

    def take_sitemap(self, url: str) -> bool:
        key = page_key(url)
        if self.sitemaps_requested >= self.max_sitemaps or key in self._seen:
            return False
        self._seen.add(key)
        self.sitemaps_requested += 1
        self.in_flight += 1
        return True

    def take_other(self) -> None:
        """Another request of the site that is not a page (robots.txt)."""
        self.in_flight += 1

    def landed(self) -> None:
        """A request of this site came back (a response or an error)."""
        self.in_flight = max(0, self.in_flight - 1)

    def add_page(self, page: dict[str, Any]) -> None:
        self.pages.append(page)

    @property
    def finished(self) -> bool:
        """Nothing in flight and nothing more to fetch."""
        return self.in_flight == 0 and (not self._queue or self.pages_requested >= self.max_pages)

    def close(self) -> bool:
        """Mark the site done; True the first time (its listings are due now)."""
        if self.done:
            return False
        self.done = True
        return True
