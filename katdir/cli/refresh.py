"""Crawl and index the sources curators added that are due (their re-crawl interval has
passed, or a curator asked for a crawl), then record each one's last crawl and result.
docker-compose runs it on a schedule."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from katdir.cli.base import CommandError
from katdir.settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--list", action="store_true", help="only list the sources that are due")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def _profiles_for(urls: list[str], sites: dict[str, str]) -> dict[str, str | None]:
    """The directory profile (crawler/sources) that reads each directory URL's host."""
    from crawler.directory import load_profiles
    from crawler.seeds import UnknownSite, resolve_site_ref

    by_host: dict[str, str] = {}
    for profile in load_profiles():
        for start in profile.start_urls:
            try:
                host = urlsplit(resolve_site_ref(start, sites)).hostname
            except UnknownSite:  # a sample-web profile, and no sample web is served
                continue
            if host:
                by_host.setdefault(host, profile.name)
    return {url: by_host.get(urlsplit(url).hostname or "") for url in urls}


def refresh(
    store, settings: Settings, *, progress: bool = True, crawl_settings: dict | None = None
) -> list[tuple[str, bool, str]]:
    """Crawl the due sources (clinic sites in one crawl, each directory by its profile), index
    what was read, and record each source's result. Returns (url, ok, result) per source."""
    from crawler.run import CrawlError, crawl
    from indexer.pipeline import index_file
    from katdir.curator.sources import due_sources, record_crawl
    from katdir.geocoding import build_geocoder

    due = due_sources(store)
    if not due:
        return []
    overrides = {
        "KATDIR_ALLOW_PRIVATE_HOSTS": settings.allow_private_hosts,
        **(crawl_settings or {}),
    }
    results: dict[str, tuple[bool, str]] = {}
    outputs = []
    with tempfile.TemporaryDirectory(prefix="katdir-refresh-") as tmp:
        sites = [s for s in due if s.kind == "clinic_site"]
        jobs: list[tuple[str, list[str], list]] = []
        if sites:
            jobs.append(("clinic_site", [s.url for s in sites], sites))
        directories = [s for s in due if s.kind == "directory"]
        profiles = _profiles_for([s.url for s in directories], overrides.get("KATDIR_SITES", {}))
        for source in directories:
            profile = profiles[source.url]
            if profile is None:
                results[source.id] = (
                    False,
                    f"no directory profile in crawler/sources reads "
                    f"{urlsplit(source.url).hostname}: add one",
                )
            else:
                jobs.append(("directory", [profile], [source]))
        for number, (spider, seeds, covered) in enumerate(jobs):
            output = Path(tmp) / f"{number}-{spider}.jsonl"
            try:
                summary = crawl(
                    seeds, output, spider=spider, settings_overrides=overrides, progress=progress
                )
                outcome = (summary.ok, summary.describe())
                outputs.append(output)
            except CrawlError as err:
                outcome = (False, f"crawl failed: {err}")
            for source in covered:
                results[source.id] = outcome
        if outputs:
            listings = Path(tmp) / "listings.jsonl"
            listings.write_text(
                "".join(p.read_text(encoding="utf-8") for p in outputs if p.is_file()),
                encoding="utf-8",
            )
            indexed = index_file(
                listings,
                store,
                build_geocoder(settings),
                progress=progress,
                crawled_sites=[s.url for s in sites],
            )
            print(f"indexed: {indexed.describe()}", file=sys.stderr)
    done = []
    for source in due:
        ok, result = results[source.id]
        record_crawl(store, source.id, ok=ok, result=result)
        done.append((source.url, ok, result))
    return done


def run(args: argparse.Namespace, settings: Settings) -> int:
    from katdir.curator.sources import due_sources
    from katdir.store import open_store

    with open_store(settings) as store:
        if args.list:
            for source in due_sources(store):
                print(f"{source.id}\t{source.kind}\t{source.url}")
            return 0
        done = refresh(store, settings, progress=not args.quiet)
    if not done:
        print("no source is due", file=sys.stderr)
        return 0
    for url, ok, result in done:
        print(f"{'ok' if ok else 'FAILED'}\t{url}\t{result}")
    failed = sum(not ok for _, ok, _ in done)
    if failed:
        raise CommandError(f"{failed} of {len(done)} source(s) failed (recorded with each)")
    return 0
