"""Downloader middlewares: the SSRF guard, and one download slot per site.

Requests to private, loopback, link-local and other non-public addresses are dropped
unless the setting ``KATDIR_ALLOW_PRIVATE_HOSTS`` is true (the demo and the tests serve
their sample web on 127.0.0.1). Host names are resolved, so a public-looking name that
points inside the network is refused too; ``crawler.net.PublicOnlyResolver`` repeats the
check on the address the downloader actually connects to (DNS rebinding).
"""

from __future__ import annotations

import asyncio
import logging
import socket
from typing import TYPE_CHECKING

from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.utils.httpobj import urlparse_cached

from crawler.net import ip_literal, is_public_address, url_block_reason

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class BlockedHost(IgnoreRequest):
    """A request refused by the SSRF guard."""


class SSRFGuardMiddleware:
    """Drop requests whose host is, or resolves to, a non-public address."""

    def __init__(self, crawler: Crawler) -> None:
        if crawler.settings.getbool("KATDIR_ALLOW_PRIVATE_HOSTS"):
            raise NotConfigured("private hosts allowed")
        self.stats = crawler.stats
        self._verdicts: dict[str, str | None] = {}  # host → reason to refuse, or None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SSRFGuardMiddleware:
        return cls(crawler)

    async def process_request(self, request: Request) -> None:
        reason = url_block_reason(request.url)
        if reason is None:
            parts = urlparse_cached(request)
            host = (parts.hostname or "").rstrip(".").lower()
            if host and parts.scheme in ("http", "https") and ip_literal(host) is None:
                reason = await self._resolve_verdict(host)
        if reason is not None:
            self.stats.inc_value("katdir/ssrf_blocked")
            logger.warning("SSRF guard dropped %s: %s", request.url, reason)
            raise BlockedHost(f"SSRF guard: {reason}")

    async def _resolve_verdict(self, host: str) -> str | None:
        if host in self._verdicts:
            return self._verdicts[host]
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(host, None, type=socket.SOCK_STREAM)
        except OSError:
            # Unresolvable: the download fails on its own; the resolver guard still applies.
            return None
        private = sorted({info[4][0] for info in infos if not is_public_address(info[4][0])})
        verdict = f"{host} resolves to non-public {', '.join(private)}" if private else None
        self._verdicts[host] = verdict
        return verdict


class SiteSlotMiddleware:
    """Politeness per site: one download slot (concurrency, delay, AutoThrottle) per host and
    port, not per host name alone, so sites that share a host on different ports (a
    sample web on 127.0.0.1) are throttled as the separate sites they are."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SiteSlotMiddleware:
        return cls()

    def process_request(self, request: Request) -> None:
        if "download_slot" not in request.meta:
            parts = urlparse_cached(request)
            host = (parts.hostname or "").removeprefix("www.")
            request.meta["download_slot"] = f"{host}:{parts.port}" if parts.port else host
