"""Fixtures of the crawler tests: the sample clinic web served over real HTTP, and crawls of it."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from crawler.run import LOCAL_WEB_SETTINGS, CrawlSummary, crawl
from crawler.seeds import SAMPLE_SEEDS, SAMPLE_WEB, load_seeds
from crawler.webserver import Hit, SampleWeb, serve_web

# The sample web runs on 127.0.0.1: allowed past the SSRF guard, no politeness delays.
LOCAL = LOCAL_WEB_SETTINGS


@dataclass
class CrawlResult:
    summary: CrawlSummary
    listings: list[dict[str, Any]]
    hits: list[Hit]
    web: SampleWeb

    def named(self, fragment: str) -> list[dict[str, Any]]:
        return [
            item for item in self.listings if fragment.lower() in (item.get("name") or "").lower()
        ]

    def paths(self, site: str) -> list[str]:
        return [hit.path for hit in self.hits if hit.site == site]


@pytest.fixture(scope="session")
def sample_web() -> Iterator[SampleWeb]:
    """The bundled sample clinic web (crawler/sample_web), one port per site, for the session."""
    with serve_web(SAMPLE_WEB) as web:
        yield web


@pytest.fixture
def fixture_web() -> Iterator[Callable[[Path], SampleWeb]]:
    """Serve any web folder (sub-folders are sites) for one test: ``web = fixture_web(path)``."""
    webs: list[SampleWeb] = []

    def serve(folder: Path) -> SampleWeb:
        web = serve_web(folder)
        webs.append(web)
        return web

    yield serve
    for web in webs:
        web.close()


@pytest.fixture
def crawl_web(tmp_path: Path) -> Callable[..., CrawlResult]:
    """Crawl a served web over HTTP in a fresh process; returns the summary, listings and the
    server's access log of that crawl. ``fresh=True`` serves a new copy of the sample web, so
    the access log holds this crawl's requests only."""
    opened: list[SampleWeb] = []

    def run(
        seeds: list[str] | None = None,
        *,
        web: SampleWeb | None = None,
        spider: str = "clinic_site",
        settings: dict[str, Any] | None = None,
        local: bool = True,
    ) -> CrawlResult:
        if web is None:
            web = serve_web(SAMPLE_WEB)
            opened.append(web)
        if seeds is None:
            seeds = load_seeds(SAMPLE_SEEDS, web.sites) if spider == "clinic_site" else []
        output = tmp_path / f"listings-{len(list(tmp_path.glob('listings-*')))}.jsonl"
        overrides = {**(LOCAL if local else {}), "KATDIR_SITES": web.sites, **(settings or {})}
        before = len(web.hits)
        summary = crawl(seeds, output, spider=spider, settings_overrides=overrides, progress=False)
        listings = [json.loads(line) for line in output.read_text().splitlines() if line.strip()]
        return CrawlResult(summary, listings, list(web.hits[before:]), web)

    yield run
    for web in opened:
        web.close()


@pytest.fixture(scope="session")
def sample_crawl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CrawlResult]:
    """One crawl of the whole sample web with the real extractor, shared by the tests that
    read its listings and its access log."""
    with serve_web(SAMPLE_WEB) as web:
        output = tmp_path_factory.mktemp("sample-crawl") / "listings.jsonl"
        seeds = load_seeds(SAMPLE_SEEDS, web.sites)
        summary = crawl(
            seeds, output, settings_overrides={**LOCAL, "KATDIR_SITES": web.sites}, progress=False
        )
        listings = [json.loads(line) for line in output.read_text().splitlines() if line.strip()]
        yield CrawlResult(summary, listings, list(web.hits), web)
