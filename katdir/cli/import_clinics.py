"""Load clinic records already in the model's shape (`katdir import`)."""

from __future__ import annotations

import argparse
import sys

from katdir.cli.base import read_lines
from katdir.settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="clinics.jsonl (one clinic a line; - for stdin)")
    parser.add_argument("--approve", action="store_true", help="mark the imported clinics vetted")
    parser.add_argument(
        "--skip-invalid",
        action="store_true",
        help="load the valid records even if some are invalid",
    )
    parser.add_argument(
        "--replace", action="store_true", help="overwrite clinics the store already has (same id)"
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    from indexer.imports import import_records
    from katdir.geocoding import build_geocoder
    from katdir.store import open_store

    with open_store(settings) as store:
        summary = import_records(
            read_lines(args.file),
            store,
            build_geocoder(settings),
            approve=args.approve,
            skip_invalid=args.skip_invalid,
            replace=args.replace,
        )
    print(summary.describe(), file=sys.stderr)
    return 0 if not summary.errors else 1
