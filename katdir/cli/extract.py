"""Extract the facts of one page and print them as JSON."""

from __future__ import annotations

import argparse

from katdir.settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "target", metavar="PATH_OR_URL", help="an HTML or plain-text file, or a URL"
    )
    parser.add_argument("--url", help="the page's URL, when PATH is a saved copy")
    parser.add_argument(
        "--full",
        action="store_true",
        help="also print page type, evidence, locations and other extras",
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    from crawler.extract.cli import main as extract_main
    from katdir.cli.base import input_file

    if not args.target.startswith(("http://", "https://")):
        # A saved page may be in any charset (its own meta tag says which): only the file's
        # existence, kind and emptiness are checked here.
        input_file(args.target, "an HTML or plain-text page", text=False)

    return extract_main(
        [
            args.target,
            *(["--url", args.url] if args.url else []),
            *(["--full"] if args.full else []),
        ]
    )
