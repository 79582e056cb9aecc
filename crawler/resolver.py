"""The DNS resolver the downloader connects with, refusing non-public answers (SSRF guard).

``SSRFGuardMiddleware`` checks a request's host before it is downloaded; this resolver
checks the address the connection is actually made to, so a name that changes its answer
between the two (DNS rebinding) is still refused. Set as ``TWISTED_DNS_RESOLVER``.
"""

from __future__ import annotations

from typing import Any

from scrapy.resolver import CachingThreadedResolver
from twisted.internet.error import DNSLookupError

from crawler.net import is_public_address


class PublicOnlyResolver(CachingThreadedResolver):
    """Scrapy's caching resolver, refusing non-public addresses unless
    ``KATDIR_ALLOW_PRIVATE_HOSTS`` is true."""

    allow_private = False

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> PublicOnlyResolver:
        resolver = super().from_crawler(crawler, reactor)
        resolver.allow_private = crawler.settings.getbool("KATDIR_ALLOW_PRIVATE_HOSTS")
        return resolver

    def getHostByName(self, name: str, timeout: Any = ()) -> Any:  # noqa: N802 (Twisted's name)
        d = super().getHostByName(name, timeout)
        if not self.allow_private:
            d.addCallback(refuse_private, name)
        return d


def refuse_private(address: str, name: str) -> str:
    if not is_public_address(address):
        raise DNSLookupError(f"{name} resolves to non-public {address} (SSRF guard)")
    return address
