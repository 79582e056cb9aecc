"""Normalize, merge, geocode and load crawled listings."""

from __future__ import annotations

import argparse
import sys

from indexer import GONE_AFTER
from katdir.cli.base import input_file, seed_lines
from katdir.settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("listings", help="listings.jsonl from `katdir crawl`")
    parser.add_argument(
        "--approve", action="store_true", help="mark new clinics approved (demo only)"
    )
    parser.add_argument(
        "--seeds",
        help="the crawl's seeds file: its sites count as crawled even when they yielded nothing",
    )
    parser.add_argument(
        "--gone-after",
        type=int,
        default=GONE_AFTER,
        metavar="N",
        help="queue a clinic whose listing is missing from N crawls in a row (%(default)s)",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from indexer.pipeline import index_file
    from katdir.geocoding import build_geocoder
    from katdir.store import open_store

    listings = input_file(args.listings, "listings (JSON Lines from `katdir crawl`)")
    seeds = seed_lines(args.seeds)
    with open_store(settings) as store:
        summary = index_file(
            listings,
            store,
            build_geocoder(settings),
            approve=args.approve,
            progress=not args.quiet,
            crawled_sites=seeds,
            gone_after=args.gone_after,
        )
    print(summary.describe(), file=sys.stderr)
    return 0
