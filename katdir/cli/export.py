"""Write the public directory as open data: jsonl, csv or geojson, with a licence and a date."""

from __future__ import annotations

import argparse
import sys

from katdir.settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=("jsonl", "csv", "geojson"), default="jsonl")
    parser.add_argument("-o", "--output", default="-", help="file to write (default: stdout)")
    parser.add_argument("--all", action="store_true", help="include clinics not approved")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from katdir.export import LICENCE, LICENCE_URL, export
    from katdir.model import utcnow
    from katdir.store import open_store

    exported_at = utcnow()
    out = sys.stdout if args.output == "-" else open(args.output, "w", encoding="utf-8")  # noqa: SIM115
    try:
        with open_store(settings) as store:
            count = export(
                store.iter_clinics(),
                args.format,
                out,
                approved_only=not args.all,
                exported_at=exported_at,
            )
        out.flush()  # a closed pipe (`| head`) shows here, inside main's handler
    finally:
        if out is not sys.stdout:
            out.close()
    print(
        f"exported {count} clinics as {args.format} on {exported_at.isoformat()}; "
        f"licence {LICENCE} ({LICENCE_URL})",
        file=sys.stderr,
    )
    return 0
