"""Which network addresses the crawler may fetch: the SSRF rules, as pure functions.

URLs come from users and curators (seed files, directory profiles, links on crawled pages),
so a URL must not make the crawler reach the machine it runs on or its private network.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

FETCHABLE_SCHEMES = frozenset({"http", "https"})
# data: URLs never leave the process (the spiders use them to emit items when idle).
LOCAL_SCHEMES = frozenset({"data"})


def is_public_address(address: str) -> bool:
    """True for a globally routable unicast address; False for private, loopback,
    link-local, shared (CGNAT), reserved, multicast and unspecified ones."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0].strip("[]"))
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is not None:
            return is_public_address(str(embedded))
    return ip.is_global and not ip.is_multicast


def ip_literal(host: str) -> str | None:
    """The host as an IP address string when it is an IP literal, else None."""
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return None


def url_block_reason(url: str) -> str | None:
    """Why a URL may not be fetched before any name resolution (scheme, missing host,
    private IP literal, localhost name), or None when only resolving can tell."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in LOCAL_SCHEMES:
        return None
    if scheme not in FETCHABLE_SCHEMES:
        return f"scheme {scheme!r} is not fetched"
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        return "no host"
    if host == "localhost" or host.endswith(".localhost"):
        return f"{host} is the local machine"
    literal = ip_literal(host)
    if literal is not None and not is_public_address(literal):
        return f"{host} is not a public address"
    return None
