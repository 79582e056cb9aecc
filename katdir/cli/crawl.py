"""Crawl clinic sites and directories into JSON Lines (listings with their sources)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from katdir.cli.base import CommandError, seed_lines
from katdir.settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from crawler.run import SPIDERS

    parser.add_argument("url", nargs="*", help="start URLs (or use --seeds)")
    parser.add_argument(
        "--spider",
        default="clinic_site",
        choices=SPIDERS,
        help="clinic_site (default): clinics' own sites; directory: the YAML "
        "profiles in crawler/sources; sitemap: only what sitemaps list",
    )
    parser.add_argument("--seeds", help="a file of start URLs, one a line")
    parser.add_argument("-o", "--output", required=True, help="listings.jsonl to write")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from crawler.run import CrawlError, crawl

    seeds = seed_lines(args.seeds) or list(args.url)
    if not seeds and args.spider != "directory":
        raise CommandError("nothing to crawl: give --seeds FILE (one URL a line) or URLs")
    try:
        summary = crawl(seeds, Path(args.output), spider=args.spider, progress=not args.quiet)
    except CrawlError as err:
        raise CommandError(str(err)) from err
    print(summary.describe(), file=sys.stderr)
    return 0 if summary.ok else 1
