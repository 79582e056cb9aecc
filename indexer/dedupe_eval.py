"""Precision and recall of duplicate detection on a labelled set of listing pairs.

    python -m indexer.dedupe_eval [--pairs tests/fixtures/dedupe/pairs.jsonl] [--through-index] [-v]

Each line of the pair file is {"id", "same": true|false, "kind", "a": {...}, "b": {...}}, the
sides shaped like crawled listings (name, phone, website, address). Both sides go through the
indexer's own normalization and the offline gazetteer, then `indexer.matching.compare`
judges them. With `--through-index` each pair is instead indexed as a crawl would be — side a
from the clinic's site, side b from a directory — into an empty embedded store, and the pair
counts as merged when one clinic comes out. Exit status 1 when `--min-precision` or
`--min-recall` is not reached.
"""

from __future__ import annotations

import argparse
import itertools
import logging
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from indexer.geocode import Locator
from indexer.matching import ClinicKeys, Verdict, clinic_keys, compare
from indexer.normalize import normalize_address
from indexer.pipeline import index_listings
from katdir.jsonl import json_objects
from katdir.model import Listing
from katdir.normalize import normalize_phone, normalize_url
from katdir.store import open_store

PAIRS = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "dedupe" / "pairs.jsonl"


@dataclass
class Evaluation:
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0
    true_negatives: int = 0
    mistakes: list[tuple[dict[str, Any], Verdict]] = field(default_factory=list)

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        actual = self.true_positives + self.false_negatives
        return self.true_positives / actual if actual else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def side_keys(side: dict[str, Any], locator: Locator | None) -> ClinicKeys:
    address = normalize_address(side.get("address"))
    return clinic_keys(
        side.get("name") or "",
        phone=normalize_phone(side.get("phone")),
        website=normalize_url(side.get("website")),
        address=address,
        point=locator.coarse_point(address) if locator else None,
    )


def load_pairs(path: Path) -> list[dict[str, Any]]:
    """The labelled pairs; ValueError naming the line and what it lacks."""
    pairs = []
    with open(path, encoding="utf-8") as lines:
        for number, pair in json_objects(lines):
            if not isinstance(pair.get("same"), bool) or not all(
                isinstance(pair.get(side), dict) for side in ("a", "b")
            ):
                raise ValueError(
                    f'line {number}: a pair needs "same" (true or false) and '
                    f'the listings "a" and "b" as objects'
                )
            pair.setdefault("id", f"line-{number}")
            pairs.append(pair)
    return pairs


def evaluate(pairs: list[dict[str, Any]], geocoder: Any = None) -> Evaluation:
    locator = Locator(geocoder) if geocoder is not None else None
    return _score(
        pairs, lambda pair: compare(side_keys(pair["a"], locator), side_keys(pair["b"], locator))
    )


_CRAWLED = datetime(2026, 1, 5, tzinfo=timezone.utc)


def _listing(side: dict[str, Any], spider: str, url: str) -> Listing:
    # The crawler hands the indexer canonical URLs; a pairs file may write "clinic.com".
    side = {**side, "website": normalize_url(side.get("website"))}
    return Listing.model_validate(
        {
            **side,
            "url": url,
            "spider": spider,
            "fetched_at": _CRAWLED,
            "page_type": "directory" if spider == "directory" else "clinic",
        }
    )


def evaluate_through_index(pairs: list[dict[str, Any]], geocoder: Any) -> Evaluation:
    """Each pair indexed by `indexer.pipeline.index_listings` into its own empty SQLite store."""
    numbers = itertools.count()
    with tempfile.TemporaryDirectory(prefix="katdir-dedupe-") as folder:

        def verdict(pair: dict[str, Any]) -> Verdict:
            site = _listing(pair["a"], "clinic_site", "https://clinic.example/")
            profile = _listing(pair["b"], "directory", "https://directory.example/profile")
            with open_store(f"sqlite:///{folder}/{next(numbers)}.db") as store:
                index_listings([site, profile], store, geocoder, now=_CRAWLED)
                clinics = sum(1 for _ in store.iter_clinics())
            return Verdict(clinics == 1, 0.0, "indexed", 0.0, (f"{clinics} clinics indexed",))

        return _score(pairs, verdict)


def _score(pairs: list[dict[str, Any]], judge: Callable[[dict[str, Any]], Verdict]) -> Evaluation:
    result = Evaluation()
    for pair in pairs:
        verdict = judge(pair)
        if verdict.same and pair["same"]:
            result.true_positives += 1
        elif verdict.same:
            result.false_positives += 1
            result.mistakes.append((pair, verdict))
        elif pair["same"]:
            result.false_negatives += 1
            result.mistakes.append((pair, verdict))
        else:
            result.true_negatives += 1
    return result


def report(result: Evaluation, pairs: int, *, verbose: bool) -> str:
    lines = [
        f"pairs: {pairs} ({result.true_positives + result.false_negatives} duplicates, "
        f"{result.true_negatives + result.false_positives} distinct clinics)",
        f"precision {result.precision:.3f}   recall {result.recall:.3f}   F1 {result.f1:.3f}",
        f"true positives {result.true_positives}, false positives {result.false_positives}, "
        f"false negatives {result.false_negatives}, true negatives {result.true_negatives}",
    ]
    if result.mistakes:
        lines.append(
            "misjudged:" if verbose else f"{len(result.mistakes)} misjudged (-v to list them)"
        )
    if verbose:
        for pair, verdict in result.mistakes:
            label = "missed duplicate" if pair["same"] else "false merge"
            lines.append(
                f"  {pair['id']} ({label}, {pair.get('kind', '')}): "
                f"{pair['a'].get('name')!r} / {pair['b'].get('name')!r} — "
                f"{', '.join(verdict.reasons)}"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m indexer.dedupe_eval", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--pairs", type=Path, default=PAIRS, help="labelled pairs (JSON Lines)")
    parser.add_argument(
        "--no-geocode", action="store_true", help="judge without ZIP/city centroids (no gazetteer)"
    )
    parser.add_argument(
        "--through-index",
        action="store_true",
        help="merge each pair through the indexer into an empty store, as a "
        "crawl would be, instead of judging the pair alone",
    )
    parser.add_argument("--min-precision", type=float, default=None)
    parser.add_argument("--min-recall", type=float, default=None)
    parser.add_argument("-v", "--verbose", action="store_true", help="list misjudged pairs")
    args = parser.parse_args(argv)

    if args.through_index and args.no_geocode:
        parser.error("--through-index geocodes as the indexer does; drop --no-geocode")
    try:
        pairs = load_pairs(args.pairs)
    except (OSError, UnicodeDecodeError, ValueError) as error:
        print(f"dedupe-eval: cannot read the pairs file {args.pairs}: {error}", file=sys.stderr)
        return 2
    geocoder = None
    if not args.no_geocode:
        from katdir.geocoding import build_geocoder

        geocoder = build_geocoder(None)
    if args.through_index:  # a pair without an address is no news here
        logging.getLogger("indexer").setLevel(logging.ERROR)
    result = (
        evaluate_through_index(pairs, geocoder) if args.through_index else evaluate(pairs, geocoder)
    )
    print(report(result, len(pairs), verbose=args.verbose))
    failed = (args.min_precision is not None and result.precision < args.min_precision) or (
        args.min_recall is not None and result.recall < args.min_recall
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
