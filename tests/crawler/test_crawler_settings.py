"""Politeness and safety are settings: robots.txt, an identifying user agent, throttling,
bounds, a development cache that is off unless asked for, one download slot per site."""

from __future__ import annotations

from scrapy import Request

import crawler.settings
from crawler.middlewares import SiteSlotMiddleware
from crawler.run import scrapy_settings
from katdir.settings import Settings


def test_polite_and_bounded_by_default():
    s = crawler.settings
    assert s.ROBOTSTXT_OBEY is True
    assert s.USER_AGENT == "katdir/0.1 (+https://github.com/katdir/katdir)"
    assert s.AUTOTHROTTLE_ENABLED is True and s.DOWNLOAD_DELAY > 0
    assert 0 < s.DOWNLOAD_MAXSIZE <= 10 * 1024 * 1024 and 0 < s.DOWNLOAD_TIMEOUT <= 60
    assert s.RETRY_TIMES >= 1 and s.REDIRECT_MAX_TIMES <= 10 and s.CLOSESPIDER_TIMEOUT > 0
    assert s.TWISTED_REACTOR == "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
    # only the web; http(s) through scrapy-playwright when a browser is installed (it hands
    # every request without the `playwright` meta key to Scrapy's own HTTP handler)
    assert {k: v for k, v in s.DOWNLOAD_HANDLERS.items() if k not in ("http", "https")} == {
        "file": None,
        "ftp": None,
        "s3": None,
    }
    assert set(s.DOWNLOAD_HANDLERS.get(k) for k in ("http", "https")) <= {
        None,
        "crawler.browser_handler.LazyPlaywrightDownloadHandler",
    }
    assert (
        s.KATDIR_EXTRACT_TIMEOUT > 0
        and s.KATDIR_EXTRACT_MAX_CHARS > 0
        and s.KATDIR_BROWSER_MAX_PAGES > 0
    )
    assert s.KATDIR_MAX_PAGES_PER_SITE == 12


def test_private_hosts_and_the_http_cache_follow_katdirs_settings(monkeypatch):
    job = {"output": "out.jsonl"}
    monkeypatch.delenv("KATDIR_HTTPCACHE", raising=False)
    monkeypatch.delenv("KATDIR_ALLOW_PRIVATE_HOSTS", raising=False)
    default = scrapy_settings(job)
    assert default.getbool("HTTPCACHE_ENABLED") is False
    assert default.getbool("KATDIR_ALLOW_PRIVATE_HOSTS") is False
    monkeypatch.setenv("KATDIR_HTTPCACHE", "1")
    monkeypatch.setenv("KATDIR_ALLOW_PRIVATE_HOSTS", "true")
    monkeypatch.setenv("KATDIR_USER_AGENT", "katdir-test/1 (+mailto:ops@example.org)")
    chosen = scrapy_settings(job)
    assert chosen.getbool("HTTPCACHE_ENABLED") is True
    assert chosen.getbool("KATDIR_ALLOW_PRIVATE_HOSTS") is True
    assert chosen.get("HTTPCACHE_DIR").endswith("httpcache")
    assert chosen.get("USER_AGENT") == "katdir-test/1 (+mailto:ops@example.org)"
    # A crawl's own overrides still win (the demo allows its local web this way).
    assert (
        scrapy_settings(
            {**job, "settings": {"KATDIR_ALLOW_PRIVATE_HOSTS": True}}, Settings()
        ).getbool("KATDIR_ALLOW_PRIVATE_HOSTS")
        is True
    )


def test_each_site_gets_its_own_download_slot():
    mw = SiteSlotMiddleware()
    requests = [
        Request(url)
        for url in (
            "http://127.0.0.1:4001/a",
            "http://127.0.0.1:4002/a",
            "https://www.clinic.example/x",
            "https://clinic.example/y",
        )
    ]
    for request in requests:
        mw.process_request(request)
    assert [r.meta["download_slot"] for r in requests] == [
        "127.0.0.1:4001",
        "127.0.0.1:4002",
        "clinic.example",
        "clinic.example",
    ]
