"""Precision and recall of duplicate detection on labelled listing pairs."""

from __future__ import annotations

import argparse

from katdir.settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--pairs",
        metavar="FILE",
        help="labelled pairs (JSON Lines, the format of "
        "tests/fixtures/dedupe/pairs.jsonl); default: the project's own",
    )
    parser.add_argument(
        "--through-index",
        action="store_true",
        help="merge each pair through the indexer into an empty store, as a "
        "crawl would be, instead of judging the pair alone",
    )
    parser.add_argument("--verbose-pairs", action="store_true", help="list the misjudged pairs")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from indexer.dedupe_eval import main as dedupe_main

    argv = ["--pairs", args.pairs] if args.pairs else []
    argv += ["--through-index"] * args.through_index + ["-v"] * args.verbose_pairs
    return dedupe_main(argv)
