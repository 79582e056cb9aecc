"""List the clinics waiting for a curator's review, and why."""

from __future__ import annotations

import argparse
import sys

from katdir.settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace, settings: Settings) -> int:
    from katdir.curator.queue import review_queue
    from katdir.store import open_store

    with open_store(settings) as store:
        entries = review_queue(store)
    for entry in entries:
        since = entry.since.date().isoformat() if entry.since else "-"
        print(
            f"{entry.clinic_id}\t{entry.status}\t{since}\t{entry.name}\t" + "; ".join(entry.reasons)
        )
    print(f"{len(entries)} clinics wait for review", file=sys.stderr)
    return 0
