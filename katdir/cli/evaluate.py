"""Precision and recall of the extractor: on the fixture web, or on a labelled set of pages in
the format of shared/realweb/pages.jsonl (--set)."""

from __future__ import annotations

import argparse

from katdir.settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--set",
        dest="labelled_set",
        metavar="FILE.jsonl",
        help="a labelled set in the format of shared/realweb/pages.jsonl",
    )
    parser.add_argument(
        "--part",
        choices=("dev", "heldout", "blind", "tune", "held", "all"),
        default="all",
        help="fixture web: dev, heldout, blind; with --set: tune, held (split by host)",
    )
    parser.add_argument("--ids", help="with --set: only these page ids (comma-separated)")
    parser.add_argument(
        "--worst", type=int, default=10, help="with --set: how many of the worst pages to list"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--page-type-cv",
        action="store_true",
        help="with --set: leave-one-host-out cross-validation of the page type's fitted weights",
    )
    parser.add_argument(
        "--cv-lambda",
        type=float,
        default=None,
        help="with --page-type-cv: the L2 pull of the fitted weights to the hand-set prior",
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    from crawler.extract.evaluate import main as evaluate_main

    argv = ["--part", args.part, "--worst", str(args.worst)]
    if args.labelled_set:
        argv += ["--set", args.labelled_set]
    if args.ids:
        argv += ["--ids", args.ids]
    if args.json:
        argv.append("--json")
    if args.page_type_cv:
        argv.append("--page-type-cv")
    if args.cv_lambda is not None:
        argv += ["--cv-lambda", str(args.cv_lambda)]
    evaluate_main(argv)
    return 0
