"""``sitemap``: crawl clinic sites from their sitemaps, as Scrapy's SitemapSpider does.

Seeds are sitemap URLs (``.../sitemap.xml``, sitemap indexes, ``.xml.gz``) or robots.txt
URLs whose ``Sitemap:`` lines name them. For each site the home page and the relevant pages
its sitemaps list are read (no link following), within ``KATDIR_MAX_PAGES_PER_SITE``, and
merged into one listing per location like ``clinic_site`` does. Useful for chains whose
location pages are listed in a sitemap but hard to reach by links.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import scrapy

from crawler.frontier import SiteCrawl, netloc_of
from crawler.spiders.clinic_site import SITE, ClinicSiteSpider
from katdir.normalize import site_root


class SitemapSpider(ClinicSiteSpider):
    name = "sitemap"
    follow_links = False

    def open_site(self, url: str, origin: dict[str, Any] | None = None) -> Iterator[scrapy.Request]:
        if not url.startswith(("http://", "https://")):
            self.logger.warning("not a web URL, skipped: %s", url)
            return
        key = netloc_of(url)
        site = self.sites.get(key)
        if site is None:
            # The home page is the start page; the seed is a sitemap of the site.
            site = SiteCrawl(
                site_root(url),
                max_pages=self.max_pages,
                max_depth=self.max_depth,
                max_sitemaps=self.max_sitemaps,
                max_in_flight=self.max_in_flight,
                origin=origin or {},
            )
            self.sites[key] = site
            self.crawler.stats.inc_value("katdir/sites")
            yield self.page_request(site, site.take_start(), depth=0, priority=100)
        elif site.done:
            return
        if url.endswith("/robots.txt"):
            site.take_other()
            yield scrapy.Request(
                url,
                callback=self.parse_robots,
                errback=self.on_error,
                meta={SITE: key},
                dont_filter=True,
                priority=90,
            )
        else:
            yield from self.sitemap_requests(site, [url])
