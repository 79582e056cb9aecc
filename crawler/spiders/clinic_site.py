"""``clinic_site``: crawl each seed's clinic site and emit one listing per clinic location.

From each seed (a clinic's home page, or any page of its site) the spider follows internal
links that look relevant (pricing, services, Spravato, insurance, locations, contact…) and
the pages its sitemaps list (robots.txt ``Sitemap:`` lines, else ``/sitemap.xml``, read
with Scrapy's sitemap machinery), within ``KATDIR_MAX_PAGES_PER_SITE``. Every page goes
through the pure extractor; when a site is done, ``crawler.listing.merge_site_pages`` makes
its listings. Politeness, robots.txt, retries, caching and the SSRF guard are settings and
middlewares, not code here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider, IgnoreRequest
from scrapy.http import Response, TextResponse, XmlResponse
from scrapy.linkextractors import LinkExtractor
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.gz import gunzip, gzip_magic_number
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots
from twisted.python.failure import Failure

from crawler.browser import needs_browser, render_meta
from crawler.extraction import Extraction, ExtractionFailed
from crawler.frontier import SiteCrawl, netloc_of
from crawler.listing import content_hash, merge_site_pages
from crawler.seeds import UnknownSite, resolve_site_ref

SITE = "katdir_site"
DEPTH = "katdir_depth"
TEXT_TYPES = ("text/html", "application/xhtml+xml", "text/plain")


def failure_kind(failure: Failure) -> str:
    """A short name for why a request failed, for the stats and the crawl summary."""
    exc = failure.value
    if isinstance(exc, HttpError):
        return f"http_{exc.response.status}"
    if isinstance(exc, IgnoreRequest):
        return "skipped"
    name = type(exc).__name__
    lowered = name.lower()
    if "timeout" in lowered or "timedout" in lowered:
        return "timeout"
    if "dns" in lowered:
        return "dns"
    if "refused" in lowered:
        return "connection_refused"
    if "maxsize" in lowered or "cancelled" in lowered:
        return "too_large"
    return lowered


class ClinicSiteSpider(scrapy.Spider):
    name = "clinic_site"
    # What a clinic's own pages are labelled in their sources (None: this spider's name).
    site_pages_spider: str | None = None
    follow_links = True  # the sitemap spider reads only what sitemaps list

    def __init__(self, seeds: Iterable[str] | str = (), *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if isinstance(seeds, str):  # `scrapy crawl clinic_site -a seeds=URL,URL`
            seeds = [s for s in seeds.replace(",", " ").split() if s]
        self.seeds = list(seeds)
        self.sites: dict[str, SiteCrawl] = {}
        self.links = LinkExtractor(unique=True, strip=True)

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> ClinicSiteSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.extraction = Extraction.from_settings(settings)
        spider.browser_pages_left = (
            settings.getint("KATDIR_BROWSER_MAX_PAGES") if settings.get("KATDIR_BROWSER") else 0
        )
        spider.browser_timeout = settings.getfloat("KATDIR_BROWSER_TIMEOUT", 20)
        spider.max_pages = settings.getint("KATDIR_MAX_PAGES_PER_SITE", 12)
        spider.max_depth = settings.getint("KATDIR_MAX_SITE_DEPTH", 3)
        spider.max_sitemaps = settings.getint("KATDIR_MAX_SITEMAPS_PER_SITE", 3)
        spider.max_in_flight = max(1, settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN", 4))
        spider.max_sitemap_size = settings.getint("DOWNLOAD_MAXSIZE")
        crawler.signals.connect(spider.on_idle, signal=signals.spider_idle)
        crawler.signals.connect(spider.extraction.close, signal=signals.spider_closed)
        return spider

    # --- start ----------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        self.crawler.stats.set_value("katdir/seeds", len(self.seeds))
        sites = self.crawler.settings.getdict("KATDIR_SITES")
        for seed in self.seeds:
            try:
                url = resolve_site_ref(seed, sites)
            except UnknownSite as exc:
                self.logger.error("seed skipped: %s", exc)
                continue
            for request in self.open_site(url):
                yield request

    def open_site(self, url: str, origin: dict[str, Any] | None = None) -> Iterator[scrapy.Request]:
        """Start crawling the site of ``url`` (once per site): the page, and robots.txt for sitemaps."""
        if not url.startswith(("http://", "https://")):
            self.logger.warning("not a web URL, skipped: %s", url)
            return
        key = netloc_of(url)
        if key in self.sites:
            return
        site = SiteCrawl(
            url,
            max_pages=self.max_pages,
            max_depth=self.max_depth,
            max_sitemaps=self.max_sitemaps,
            max_in_flight=self.max_in_flight,
            origin=origin or {},
        )
        self.sites[key] = site
        self.crawler.stats.inc_value("katdir/sites")
        yield self.page_request(site, site.take_start(), depth=0, priority=100)
        site.take_other()
        yield scrapy.Request(
            site.root + "robots.txt",
            callback=self.parse_robots,
            errback=self.on_error,
            meta={SITE: key},
            dont_filter=True,
            priority=90,
        )

    def page_request(
        self, site: SiteCrawl, url: str, depth: int, priority: int = 0
    ) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=self.parse_page,
            errback=self.on_error,
            dont_filter=True,
            priority=priority,
            meta={SITE: netloc_of(site.start_url), DEPTH: depth},
        )

    def site_of(self, request: scrapy.Request) -> SiteCrawl:
        return self.sites[request.meta[SITE]]

    # --- pages ------------------------------------------------------------------------------

    async def parse_page(self, response: Response) -> AsyncIterator[Any]:
        site = self.site_of(response.request)
        self.crawler.stats.inc_value("katdir/pages")
        depth = response.meta.get(DEPTH, 0)
        if depth == 0:
            site.adopt(response.url)
        if (
            isinstance(response, TextResponse)
            and self.is_html(response)
            and needs_browser(response)
        ):
            rendered = self.render(site, response)
            if rendered is not None:
                site.landed()
                yield rendered  # read once the browser has run its scripts
                return
        if isinstance(response, TextResponse) and self.is_text(response):
            # the page stays in flight while it is read, so its site is not finished meanwhile
            await self.read_page(site, response)
            if self.follow_links and depth < site.max_depth and self.is_html(response):
                for link in self.links.extract_links(response):
                    site.offer(link.url, link.text, depth=depth + 1)
        site.landed()
        for request in self.advance(site):
            yield request

    def render(self, site: SiteCrawl, response: TextResponse) -> scrapy.Request | None:
        """The same page once more, through Chromium, while the crawl's budget of browser
        pages lasts; None when it is spent (the page is read as it came)."""
        if not self.crawler.settings.get("KATDIR_BROWSER"):
            self.crawler.stats.inc_value("katdir/browser/unavailable")
            return None
        if self.browser_pages_left <= 0:
            self.crawler.stats.inc_value("katdir/browser/over_budget")
            return None
        self.browser_pages_left -= 1
        self.crawler.stats.inc_value("katdir/browser/pages")
        site.take_other()
        meta = {
            **render_meta(self.browser_timeout),
            SITE: response.meta[SITE],
            DEPTH: response.meta.get(DEPTH, 0),
        }
        return scrapy.Request(
            response.url,
            callback=self.parse_page,
            errback=self.on_error,
            dont_filter=True,
            priority=50,
            meta=meta,
        )

    async def read_page(self, site: SiteCrawl, response: TextResponse) -> None:
        """Hand the page to the pure extractor (in a worker process, within its budget) and
        keep its facts with their provenance."""
        mime = self.mime(response)
        try:
            facts = await self.extraction.page(response.text, response.url, mime)
        except ExtractionFailed as exc:  # one bad page must not lose the site, nor stall the crawl
            self.logger.warning("extraction failed (%s): %s", exc, response.url)
            self.crawler.stats.inc_value(f"katdir/errors/extract_{exc.kind}")
            return
        except Exception:
            self.logger.exception("extraction failed: %s", response.url)
            self.crawler.stats.inc_value("katdir/errors/extract")
            return
        page = dict(facts)
        page.update(
            url=response.url,
            content_hash=content_hash(response.body),
            fetched_at=datetime.now(UTC).replace(microsecond=0).isoformat(),
        )
        self.crawler.stats.inc_value(f"katdir/page_type/{page.get('page_type') or 'unknown'}")
        site.add_page(page)

    # --- robots.txt and sitemaps ----------------------------------------------------------------

    def parse_robots(self, response: Response) -> Iterator[Any]:
        site = self.site_of(response.request)
        site.landed()
        urls = list(sitemap_urls_from_robots(response.body, base_url=response.url))
        yield from self.sitemap_requests(site, urls or [site.root + "sitemap.xml"])
        yield from self.advance(site)

    def sitemap_requests(self, site: SiteCrawl, urls: Iterable[str]) -> Iterator[scrapy.Request]:
        for url in urls:
            if site.is_internal(url) and site.take_sitemap(url):
                yield scrapy.Request(
                    url,
                    callback=self.parse_sitemap,
                    errback=self.on_sitemap_error,
                    meta={SITE: netloc_of(site.start_url)},
                    dont_filter=True,
                    priority=80,
                )

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        site = self.site_of(response.request)
        site.landed()
        body = self.sitemap_body(response)
        sitemap = Sitemap(body) if body else None
        if sitemap is not None and sitemap.type == "sitemapindex":
            yield from self.sitemap_requests(
                site, (entry["loc"] for entry in sitemap if entry.get("loc"))
            )
        elif sitemap is not None and sitemap.type == "urlset":
            self.crawler.stats.inc_value("katdir/sitemaps")
            for entry in sitemap:
                if entry.get("loc"):
                    site.offer(entry["loc"], depth=1)
        yield from self.advance(site)

    def sitemap_body(self, response: Response) -> bytes | None:
        """The XML of a sitemap response, gunzipped within the download size bound."""
        if isinstance(response, XmlResponse):
            return response.body
        if gzip_magic_number(response):
            try:
                return gunzip(response.body, max_size=self.max_sitemap_size)
            except Exception:  # noqa: BLE001 - a broken or oversized gzip is no sitemap
                return None
        if response.url.endswith((".xml", ".xml.gz")) and response.body.lstrip().startswith(b"<"):
            return response.body
        return None

    def on_sitemap_error(self, failure: Failure) -> Iterator[Any]:
        # A missing sitemap is normal: not an error of the crawl.
        site = self.site_of(failure.request)
        site.landed()
        yield from self.advance(site)

    # --- errors, progress, the end of a site ----------------------------------------------------

    def on_error(self, failure: Failure) -> Iterator[Any]:
        request = failure.request
        site = self.site_of(request)
        site.landed()
        kind = failure_kind(failure)
        is_robots = request.url.endswith("/robots.txt")
        if kind == "skipped":
            self.crawler.stats.inc_value("katdir/skipped")
        elif not is_robots:
            self.crawler.stats.inc_value(f"katdir/errors/{kind}")
            self.logger.info("failed (%s): %s", kind, request.url)
        if is_robots and site.sitemaps_requested == 0:
            yield from self.sitemap_requests(site, [site.root + "sitemap.xml"])
        yield from self.advance(site)

    def advance(self, site: SiteCrawl) -> Iterator[Any]:
        """Fetch the site's next pages, or, when it is done, emit its listings."""
        for url, depth in site.take_pages():
            yield self.page_request(site, url, depth)
        if site.finished:
            yield from self.finish_site(site)

    def finish_site(self, site: SiteCrawl) -> Iterator[dict[str, Any]]:
        if not site.close():
            return
        self.crawler.stats.inc_value("katdir/sites_done")
        yield from self.site_listings(site)
        site.pages.clear()  # the facts are in the listings now; free the memory

    def site_listings(self, site: SiteCrawl) -> Iterator[dict[str, Any]]:
        yield from merge_site_pages(
            site.pages, website=site.root, spider=self.site_pages_spider or self.name
        )

    def on_idle(self) -> None:
        """Safety net: a site whose requests were dropped silently (by a middleware that
        calls no errback) is finished when the crawl runs dry, so its listings are not lost."""
        stuck = [key for key, site in self.sites.items() if not site.done]
        if stuck:
            self.crawler.stats.inc_value("katdir/sites_flushed_idle", len(stuck))
            self.crawler.engine.crawl(
                scrapy.Request(
                    "data:,",
                    callback=self.flush_sites,
                    dont_filter=True,
                    meta={"katdir_flush": stuck},
                )
            )
            raise DontCloseSpider

    def flush_sites(self, response: Response) -> Iterator[Any]:
        for key in response.meta["katdir_flush"]:
            site = self.sites[key]
            site.in_flight = 0
            yield from self.finish_site(site)

    # --- small helpers --------------------------------------------------------------------------

    @staticmethod
    def mime(response: Response) -> str:
        raw = response.headers.get(b"Content-Type", b"text/html").decode("latin-1")
        return raw.split(";", 1)[0].strip().lower() or "text/html"

    def is_text(self, response: Response) -> bool:
        return self.mime(response) in TEXT_TYPES

    def is_html(self, response: Response) -> bool:
        return self.mime(response) != "text/plain"
