"""Look a place up (offline gazetteer, then online if set)."""

from __future__ import annotations

import argparse
import json

from katdir.cli.base import CommandError
from katdir.settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("query", help="a ZIP code, 'City, ST' or an address")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from katdir.geocoding import build_geocoder

    location = build_geocoder(settings).geocode(args.query)
    if location is None:
        raise CommandError(f"no place found for {args.query!r}")
    print(
        json.dumps(
            {
                "query": args.query,
                "lat": location.latitude,
                "lon": location.longitude,
                "label": location.address,
                "precision": location.raw.get("precision"),
                "source": location.raw.get("source"),
            },
            indent=2,
        )
    )
    return 0
