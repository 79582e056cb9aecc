"""Precision and recall of duplicate detection on the labelled pairs."""

from __future__ import annotations

import argparse

from katdir.settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--verbose-pairs", action="store_true", help="list the misjudged pairs")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from indexer.dedupe_eval import main as dedupe_main

    return dedupe_main(["-v"] if args.verbose_pairs else [])
