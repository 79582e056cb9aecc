"""Precision and recall of the extractor on the fixture web."""

from __future__ import annotations

import argparse

from katdir.settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--part", choices=("dev", "heldout", "all"), default="all")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from crawler.extract.evaluate import main as evaluate_main

    evaluate_main(["--part", args.part])
    return 0
