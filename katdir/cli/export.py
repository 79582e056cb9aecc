"""Write every clinic as jsonl, csv or geojson."""

from __future__ import annotations

import argparse
import sys

from katdir.settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=("jsonl", "csv", "geojson"), default="jsonl")
    parser.add_argument("-o", "--output", default="-", help="file to write (default: stdout)")
    parser.add_argument("--all", action="store_true", help="include clinics not approved")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from indexer.export import export
    from katdir.store import open_store

    out = sys.stdout if args.output == "-" else open(args.output, "w", encoding="utf-8")  # noqa: SIM115
    try:
        with open_store(settings) as store:
            count = export(store.iter_clinics(), args.format, out, approved_only=not args.all)
        out.flush()  # a closed pipe (`| head`) shows here, inside main's handler
    finally:
        if out is not sys.stdout:
            out.close()
    print(f"exported {count} clinics as {args.format}", file=sys.stderr)
    return 0
