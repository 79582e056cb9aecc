"""The SSRF guard: the crawler never fetches private, loopback or link-local addresses unless
KATDIR_ALLOW_PRIVATE_HOSTS is true."""

from __future__ import annotations

import asyncio
import socket
from types import SimpleNamespace

import pytest
from scrapy import Request
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.settings import Settings
from twisted.internet.error import DNSLookupError

import crawler.middlewares as middlewares
from crawler.middlewares import SSRFGuardMiddleware
from crawler.net import is_public_address, url_block_reason
from crawler.resolver import refuse_private


class Stats(dict):
    def inc_value(self, key, count=1):
        self[key] = self.get(key, 0) + count


def guard(allow: bool = False) -> SSRFGuardMiddleware:
    crawler = SimpleNamespace(
        settings=Settings({"KATDIR_ALLOW_PRIVATE_HOSTS": allow}), stats=Stats()
    )
    return SSRFGuardMiddleware.from_crawler(crawler)


def fake_dns(monkeypatch, answers: dict[str, list[str]]) -> list[str]:
    asked: list[str] = []

    class Loop:
        async def getaddrinfo(self, host, port, **kwargs):
            asked.append(host)
            if host not in answers:
                raise socket.gaierror("no such host")
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, 0)) for ip in answers[host]]

    monkeypatch.setattr(middlewares.asyncio, "get_running_loop", lambda: Loop())
    return asked


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.0.0.5",
        "172.16.3.4",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "::1",
        "fe80::1",
        "fc00::1",
        "::ffff:127.0.0.1",
        "224.0.0.1",
        "not-an-ip",
    ],
)
def test_non_public_addresses(address):
    assert not is_public_address(address)


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses(address):
    assert is_public_address(address)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/",
        "http://localhost/",
        "http://api.localhost/",
        "http://[::1]/",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.1.2.3/",
        "file:///etc/passwd",
        "ftp://example.com/",
        "gopher://example.com/",
    ],
)
def test_urls_refused_before_any_lookup(url):
    assert url_block_reason(url) is not None


def test_the_guard_drops_private_literals_and_names_that_resolve_inside(monkeypatch):
    asked = fake_dns(
        monkeypatch, {"intranet.example.com": ["10.0.0.7"], "clinic.example.com": ["93.184.216.34"]}
    )
    mw = guard()
    for url in (
        "http://127.0.0.1/",
        "http://169.254.169.254/",
        "http://intranet.example.com/pricing",
    ):
        with pytest.raises(IgnoreRequest, match="SSRF guard"):
            asyncio.run(mw.process_request(Request(url)))
    assert asyncio.run(mw.process_request(Request("https://clinic.example.com/pricing"))) is None
    assert asyncio.run(mw.process_request(Request("data:,"))) is None
    assert mw.stats["katdir/ssrf_blocked"] == 3
    assert asked == ["intranet.example.com", "clinic.example.com"]  # literals need no lookup
    asyncio.run(mw.process_request(Request("https://clinic.example.com/fees")))
    assert asked.count("clinic.example.com") == 1  # verdicts are cached


def test_the_guard_is_off_when_private_hosts_are_allowed():
    with pytest.raises(NotConfigured):
        guard(allow=True)


def test_the_resolver_refuses_a_private_answer_to_the_downloader():
    assert refuse_private("93.184.216.34", "clinic.example.com") == "93.184.216.34"
    with pytest.raises(DNSLookupError):
        refuse_private("192.168.0.10", "rebinding.example.com")


def test_a_crawl_of_private_hosts_fetches_nothing_when_not_allowed(crawl_web):
    result = crawl_web(settings={"KATDIR_ALLOW_PRIVATE_HOSTS": False})
    assert result.hits == []  # not even robots.txt
    assert result.listings == []
    assert result.summary.ssrf_blocked >= 7
    assert not result.summary.ok  # no listings: the monitors fail the crawl
