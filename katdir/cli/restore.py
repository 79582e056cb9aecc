"""Put back a backup made by `katdir backup`: every line is checked before anything is
written; then each decision is applied to its clinic, so crawl output plus a backup rebuild
the same public directory."""

from __future__ import annotations

import argparse
import sys

from katdir.cli.base import CommandError
from katdir.settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="a backup from `katdir backup` (- for standard input)")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from katdir.curator.backup import BackupError, restore
    from katdir.store import open_store

    stream = sys.stdin if args.file == "-" else open(args.file, encoding="utf-8")  # noqa: SIM115
    try:
        lines = list(stream)
    finally:
        if stream is not sys.stdin:
            stream.close()
    with open_store(settings) as store:
        try:
            summary = restore(store, lines)
        except BackupError as err:
            raise CommandError(f"{args.file}: {err} (nothing was restored)") from None
    print(summary.describe(), file=sys.stderr)
    return 0
