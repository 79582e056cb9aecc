"""Precision and recall of duplicate detection on a labelled set of listing pairs.

    python -m indexer.dedupe_eval [--pairs tests/fixtures/dedupe/pairs.jsonl] [-v]

Each line of the pair file is {"id", "same": true|false, "kind", "a": {...}, "b": {...}}, the
sides shaped like crawled listings (name, phone, website, address). Both sides go through the
indexer's own normalization and the offline gazetteer, then `indexer.matching.compare`
judges them. Exit status 1 when `--min-precision` or `--min-recall` is not reached.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from indexer.geocode import Locator
from indexer.matching import ClinicKeys, Verdict, clinic_keys, compare
from indexer.normalize import normalize_address
from katdir.normalize import normalize_phone, normalize_url

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
    return clinic_keys(side.get("name") or "", phone=normalize_phone(side.get("phone")),
                       website=normalize_url(side.get("website")), address=address,
                       point=locator.coarse_point(address) if locator else None)


def load_pairs(path: Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def evaluate(pairs: list[dict[str, Any]], geocoder: Any = None) -> Evaluation:
    locator = Locator(geocoder) if geocoder is not None else None
    result = Evaluation()
    for pair in pairs:
        verdict = compare(side_keys(pair["a"], locator), side_keys(pair["b"], locator))
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
        lines.append("misjudged:" if verbose else
                     f"{len(result.mistakes)} misjudged (-v to list them)")
    if verbose:
        for pair, verdict in result.mistakes:
            label = "missed duplicate" if pair["same"] else "false merge"
            lines.append(f"  {pair['id']} ({label}, {pair.get('kind', '')}): "
                         f"{pair['a'].get('name')!r} / {pair['b'].get('name')!r} — "
                         f"{', '.join(verdict.reasons)}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m indexer.dedupe_eval",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=Path, default=PAIRS, help="labelled pairs (JSON Lines)")
    parser.add_argument("--no-geocode", action="store_true",
                        help="judge without ZIP/city centroids (no gazetteer)")
    parser.add_argument("--min-precision", type=float, default=None)
    parser.add_argument("--min-recall", type=float, default=None)
    parser.add_argument("-v", "--verbose", action="store_true", help="list misjudged pairs")
    args = parser.parse_args(argv)

    geocoder = None
    if not args.no_geocode:
        from katdir.geocoding import build_geocoder

        geocoder = build_geocoder(None)
    pairs = load_pairs(args.pairs)
    result = evaluate(pairs, geocoder)
    print(report(result, len(pairs), verbose=args.verbose))
    failed = (args.min_precision is not None and result.precision < args.min_precision) or \
        (args.min_recall is not None and result.recall < args.min_recall)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
