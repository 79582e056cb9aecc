"""Rebuild the store's search structures from its stored clinics.

Run it when katdir says the store's schema is older than the code's (after an upgrade).
Curators' decisions are kept; searches keep answering from the old structures until it is
done (Elasticsearch: a new index, then the alias moves; SQLite: one transaction)."""

from __future__ import annotations

import argparse
import sys

from katdir.settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace, settings: Settings) -> int:
    from katdir.store import open_store

    with open_store(settings) as store:
        count = store.reindex()
    print(f"rebuilt the store's search structures from {count} clinics", file=sys.stderr)
    return 0
