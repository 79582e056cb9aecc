"""Write the curators' work to FILE as JSON Lines: accounts (password hashes only), token
hashes, decisions with their audit trail, public requests and crawl sources."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from katdir.settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="the backup to write (- for standard output)")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from katdir.curator.backup import backup_lines
    from katdir.store import open_store

    with open_store(settings) as store:
        lines = list(backup_lines(store))
    text = "".join(line + "\n" for line in lines)
    if args.file == "-":
        sys.stdout.write(text)
    else:
        # Written beside, then renamed: a failed backup never leaves half a file in its place.
        path = Path(args.file)
        partial = path.with_name(path.name + ".partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # it holds hashes
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        partial.replace(path)
    print(f"backed up {len(lines) - 1} item(s) to {args.file}", file=sys.stderr)
    return 0
