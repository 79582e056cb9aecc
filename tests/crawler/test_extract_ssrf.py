"""`katdir extract URL` fetches under the crawler's SSRF rules (issue 11, finding 7): a local
server that redirects to a link-local or private address is refused — and nothing is ever
sent there: every connection this process makes is recorded, and none goes beyond 127.0.0.1."""

from __future__ import annotations

import ipaddress
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.error import URLError

import pytest

from crawler.extract.cli import load, main

LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"),)
PAGE = b"<html><head><title>Mile High Ketamine</title></head><body>IV $450</body></html>"
REDIRECTS = {
    "/to-metadata": "http://169.254.169.254/latest/meta-data/",
    "/to-private": "http://10.0.0.7/admin",
    "/to-mapped": "http://[::ffff:169.254.169.254]/",
    "/to-decimal": "http://2852039166/",  # 169.254.169.254 as one number
    "/to-name": "http://metadata.internal/latest/",
    "/to-file": "file:///etc/passwd",
}


class Site(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's name
        if self.path in REDIRECTS:
            self.send_response(302)
            self.send_header("Location", REDIRECTS[self.path])
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, *args):
        pass


@pytest.fixture
def site():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Site)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def connections(monkeypatch):
    """Every address this process connects to; 'metadata.internal' resolves to link-local."""
    made: list[str] = []
    connect, resolve = socket.socket.connect, socket.getaddrinfo

    def recording_connect(self, address):
        made.append(address[0])
        return connect(self, address)

    def fake_resolve(host, *args, **kwargs):
        if host == "metadata.internal":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("169.254.169.254", 80))]
        return resolve(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", recording_connect)
    monkeypatch.setattr(socket, "getaddrinfo", fake_resolve)
    yield made
    assert all(address == "127.0.0.1" for address in made), made


def test_a_page_on_an_allowed_local_server_is_fetched(site, connections):
    content, _, url = load(site + "/page", private_ok=LOOPBACK)
    assert content == PAGE and url == site + "/page"
    assert connections == ["127.0.0.1"]


@pytest.mark.parametrize("path", list(REDIRECTS))
def test_a_redirect_to_a_private_or_link_local_address_is_refused(site, connections, path):
    # file: is refused by urllib itself ("not allowed"), every other target by the guard.
    with pytest.raises(URLError, match="refused to fetch|is not allowed"):
        load(site + path, private_ok=LOOPBACK)
    assert connections == ["127.0.0.1"]  # the local server only, never the redirect's target


def test_katdir_extract_refuses_a_private_url_in_one_line(site, connections, capsys, monkeypatch):
    monkeypatch.delenv("KATDIR_ALLOW_PRIVATE_HOSTS", raising=False)
    assert main([site + "/page"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "127.0.0.1 is not a public address" in err[0]
    assert connections == []
