"""Fetching one page outside Scrapy (`katdir extract URL`) under the crawler's SSRF rules.

Every hop — the first request and each redirect — is checked by `crawler.net` before any
byte is sent: the URL itself (scheme, host, IP literal, localhost), then every address its
host resolves to, and the connection goes to an address that was checked (so a name that
resolves differently a moment later cannot slip through). No proxy, FTP or file handler.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import urllib.error
import urllib.request
from collections.abc import Iterable

from crawler.net import is_public_address, url_block_reason

MAX_REDIRECTS = 5


class BlockedURL(urllib.error.URLError):
    """A URL the SSRF rules refuse to fetch."""

    def __init__(self, url: str, reason: str):
        super().__init__(f"refused to fetch {url}: {reason}")
        self.url = url


Networks = tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]


def _allowed(address: str, private_ok: Networks | None) -> bool:
    """Public, or inside the operator's allowance (None: every address is allowed)."""
    if private_ok is None or is_public_address(address):
        return True
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    return any(ip in network for network in private_ok)


def _guarded_connect(private_ok: Networks | None):
    def create_connection(address, timeout=socket._GLOBAL_DEFAULT_TIMEOUT, source_address=None):
        host, port = address
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        refused = sorted({i[4][0] for i in infos if not _allowed(i[4][0], private_ok)})
        if refused:
            raise BlockedURL(
                f"{host}:{port}", f"{host} resolves to non-public {', '.join(refused)}"
            )
        family, kind, proto, _, sockaddr = infos[0]
        sock = socket.socket(family, kind, proto)
        try:
            if timeout is not socket._GLOBAL_DEFAULT_TIMEOUT:
                sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect(sockaddr)  # the very address that was checked
        except BaseException:
            sock.close()
            raise
        return sock

    return create_connection


def _check(url: str, private_ok: Networks | None) -> None:
    reason = url_block_reason(url)
    if reason is None or private_ok is None:
        return
    host = (urllib.request.urlparse(url).hostname or "").strip("[]")
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None and _allowed(str(literal), private_ok):
        return  # an allowed private literal (the tests' 127.0.0.1)
    raise BlockedURL(url, reason)


def _unwrapped(open_):
    """urllib wraps a connection's error in URLError: a refusal should read as itself."""
    try:
        return open_()
    except urllib.error.URLError as err:
        if isinstance(err.reason, BlockedURL):
            raise err.reason from None
        raise


def opener(private_ok: Networks | None = ()) -> urllib.request.OpenerDirector:
    """A urllib opener that fetches only what the SSRF rules allow. `private_ok`: networks
    the operator allows besides public addresses (`()`: none; None: every address)."""
    connect = _guarded_connect(private_ok)

    class HTTPConnection(http.client.HTTPConnection):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._create_connection = connect

    class HTTPSConnection(http.client.HTTPSConnection):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._create_connection = connect

    class HTTPHandler(urllib.request.HTTPHandler):
        def http_open(self, req):
            _check(req.full_url, private_ok)
            return _unwrapped(lambda: self.do_open(HTTPConnection, req))

    class HTTPSHandler(urllib.request.HTTPSHandler):
        def https_open(self, req):
            _check(req.full_url, private_ok)
            return _unwrapped(lambda: self.do_open(HTTPSConnection, req, context=self._context))

    class RedirectHandler(urllib.request.HTTPRedirectHandler):
        max_redirections = MAX_REDIRECTS

        def redirect_request(self, req, fp, code, msg, headers, newurl):
            _check(newurl, private_ok)
            return super().redirect_request(req, fp, code, msg, headers, newurl)

    director = urllib.request.OpenerDirector()
    for handler in (
        HTTPHandler(),
        HTTPSHandler(),
        RedirectHandler(),
        urllib.request.HTTPDefaultErrorHandler(),
        urllib.request.HTTPErrorProcessor(),
    ):
        director.add_handler(handler)
    return director


def private_allowance(allow_private_hosts: bool, networks: Iterable[str] = ()) -> Networks | None:
    """The operator's allowance: every address (KATDIR_ALLOW_PRIVATE_HOSTS), or some networks."""
    if allow_private_hosts:
        return None
    return tuple(ipaddress.ip_network(n) for n in networks)
