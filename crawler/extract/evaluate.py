"""Precision and recall of the extractors on the labelled fixture web, per field, for the
development part and the held-out part separately.

    python -m crawler.extract.evaluate [--part dev|heldout|all] [--errors] [--json]

Every page listed in ``tests/fixtures/web/truth.yaml`` is read from disk and extracted with
the URL the fixture server would give it (each site on its own port of 127.0.0.1;
``{{site:NAME}}`` placeholders replaced by that site's base URL). Matching, per field:

- routes_offered, conditions: one item per (page, value); micro-averaged.
- prices: the page's own prices, matched one to one on (amount_min, kind, sessions, route);
  amount_max is reported separately (``price_ranges``: amount_max of matched prices).
- page_type: accuracy (precision = recall = share of pages typed right).
- name: equal after case, punctuation, a leading "the" and legal suffixes are ignored.
- therapy_integrated, each insurance flag, postal_code, phone: a prediction counts when it
  is not null; it is right when it equals the truth. precision = right / predicted,
  recall = right / labelled (non-null truth).
- leaks: prices and routes reported on pages labelled article or directory (must be 0).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path

import yaml

from katdir.model import INSURANCE_FIELDS

from . import extract_page

FIXTURE_WEB = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "web"
PARTS = ("dev", "heldout", "blind")
BASE_PORT = 18100
FIELDS = ("page_type", "name", "routes_offered", "prices", "price_ranges", "conditions",
          "therapy_integrated", *(f"insurance.{f}" for f in INSURANCE_FIELDS), "postal_code", "phone")


def load_truth(root: Path = FIXTURE_WEB) -> dict[str, dict]:
    with open(root / "truth.yaml", encoding="utf-8") as fh:
        return yaml.safe_load(fh)["pages"]


def site_ports(root: Path = FIXTURE_WEB) -> dict[str, int]:
    sites = sorted({p.name for part in PARTS if (root / part).is_dir() for p in (root / part).iterdir() if p.is_dir()})
    return {site: BASE_PORT + i for i, site in enumerate(sites)}


def page_url(path: str, ports: dict[str, int]) -> str:
    part, site, rest = path.split("/", 2)
    if rest.endswith("index.html"):
        rest = rest[: -len("index.html")]
    return f"http://127.0.0.1:{ports[site]}/{rest}"


def read_page(path: str, root: Path, ports: dict[str, int]) -> tuple[bytes, str]:
    raw = (root / path).read_text(encoding="utf-8")
    raw = re.sub(r"\{\{site:([\w.-]+)\}\}", lambda m: f"http://127.0.0.1:{ports.get(m.group(1), 0)}", raw)
    content_type = "text/plain" if path.endswith(".txt") else "text/html"
    return raw.encode("utf-8"), content_type


def _norm_name(name: str | None) -> str | None:
    if not name:
        return None
    n = re.sub(r"[^a-z0-9]+", " ", name.lower().replace("&", " and ")).strip()
    n = re.sub(r"^the ", "", n)
    n = re.sub(r" (llc|pllc|inc|pc|ltd|corp)$", "", n)
    return n or None


def _price_key(p: dict) -> tuple:
    return (round(float(p["amount_min"]), 2), p["kind"], p.get("sessions"), p.get("route"))


class Tally:
    def __init__(self):
        self.tp = Counter()
        self.fp = Counter()
        self.fn = Counter()

    def scalar(self, field: str, pred, truth) -> None:
        if pred is not None and pred == truth:
            self.tp[field] += 1
        elif pred is not None:
            self.fp[field] += 1
            if truth is not None:
                self.fn[field] += 1
        elif truth is not None:
            self.fn[field] += 1

    def sets(self, field: str, pred: list, truth: list) -> tuple[list, list]:
        p, t = Counter(pred), Counter(truth)
        common = p & t
        self.tp[field] += sum(common.values())
        extra, missing = p - common, t - common
        self.fp[field] += sum(extra.values())
        self.fn[field] += sum(missing.values())
        return sorted(extra.elements(), key=str), sorted(missing.elements(), key=str)

    def metrics(self) -> dict[str, dict]:
        out = {}
        for field in FIELDS:
            tp, fp, fn = self.tp[field], self.fp[field], self.fn[field]
            precision = tp / (tp + fp) if tp + fp else 1.0
            recall = tp / (tp + fn) if tp + fn else 1.0
            f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
            out[field] = {"precision": precision, "recall": recall, "f1": f1, "tp": tp, "fp": fp, "fn": fn}
        return out


def evaluate_part(part: str, root: Path = FIXTURE_WEB, errors: list | None = None) -> dict:
    truth = {k: v for k, v in load_truth(root).items() if k.startswith(part + "/")}
    ports = site_ports(root)
    tally = Tally()
    leaks = 0
    elapsed = 0.0
    counts = Counter()
    for path, t in sorted(truth.items()):
        content, content_type = read_page(path, root, ports)
        url = page_url(path, ports)
        start = time.perf_counter()
        got = extract_page(content, url, content_type=content_type)
        elapsed += time.perf_counter() - start
        counts[t["page_type"]] += 1
        problems = []

        def note(field, pred, want):
            if pred != want:
                problems.append(f"{field}: got {pred!r}, want {want!r}")

        tally.scalar("page_type", got["page_type"], t["page_type"])
        note("page_type", got["page_type"], t["page_type"])
        tally.scalar("name", _norm_name(got["name"]), _norm_name(t["name"]))
        note("name", _norm_name(got["name"]), _norm_name(t["name"]))
        extra, missing = tally.sets("routes_offered", got["routes_offered"], t["routes_offered"])
        if extra or missing:
            problems.append(f"routes: extra {extra} missing {missing}")
        got_prices = [_price_key(p) for p in got["prices"]]
        want_prices = [_price_key(p) for p in t["prices"]]
        extra, missing = tally.sets("prices", got_prices, want_prices)
        if extra or missing:
            problems.append(f"prices: extra {extra} missing {missing}")
        # ranges: amount_max of the prices matched on the main key
        by_key = {_price_key(p): p.get("amount_max") for p in got["prices"]}
        for p in t["prices"]:
            if _price_key(p) in by_key:
                tally.scalar("price_ranges", by_key[_price_key(p)] if by_key[_price_key(p)] is not None else "none",
                             p.get("amount_max") if p.get("amount_max") is not None else "none")
        extra, missing = tally.sets("conditions", got["conditions"], t["conditions"])
        if extra or missing:
            problems.append(f"conditions: extra {extra} missing {missing}")
        tally.scalar("therapy_integrated", got["therapy_integrated"], t["therapy_integrated"])
        note("therapy", got["therapy_integrated"], t["therapy_integrated"])
        for f in INSURANCE_FIELDS:
            tally.scalar(f"insurance.{f}", got["insurance"][f], t["insurance"][f])
            note(f, got["insurance"][f], t["insurance"][f])
        postal = (got["address"] or {}).get("postal_code")
        tally.scalar("postal_code", postal, t["postal_code"])
        note("postal_code", postal, t["postal_code"])
        tally.scalar("phone", got["phone"], t["phone"])
        note("phone", got["phone"], t["phone"])
        if t["page_type"] in ("article", "directory"):
            leaks += len(got["prices"]) + len(got["routes_offered"])
        if errors is not None and problems:
            errors.append((path, problems))
    metrics = tally.metrics()
    metrics["leaks"] = leaks
    metrics["pages"] = sum(counts.values())
    metrics["page_types"] = dict(counts)
    metrics["seconds"] = elapsed
    metrics["pages_per_second"] = metrics["pages"] / elapsed if elapsed else float("inf")
    return metrics


def evaluate(parts=PARTS, root: Path = FIXTURE_WEB, errors: list | None = None) -> dict:
    return {part: evaluate_part(part, root, errors) for part in parts}


def format_table(results: dict) -> str:
    parts = list(results)
    lines = []
    header = f"{'field':30}" + "".join(f"{p + ' P':>10}{p + ' R':>10}{p + ' F1':>10}" for p in parts)
    lines.append(header)
    lines.append("-" * len(header))
    for field in FIELDS:
        row = f"{field:30}"
        for p in parts:
            m = results[p][field]
            row += f"{m['precision']:>10.3f}{m['recall']:>10.3f}{m['f1']:>10.3f}"
        lines.append(row)
    lines.append("-" * len(header))
    lines.append(f"{'pages':30}" + "".join(
        f"{results[p]['pages']:>10}{'':>20}" for p in parts))
    lines.append(f"{'page types':30}" + "  ".join(
        f"{p}: " + ", ".join(f"{k} {v}" for k, v in sorted(results[p]['page_types'].items())) for p in parts))
    lines.append(f"{'leaks (article/directory)':30}" + "".join(f"{results[p]['leaks']:>10}{'':>20}" for p in parts))
    lines.append(f"{'pages/s (extract only)':30}" + "".join(
        f"{results[p]['pages_per_second']:>10.0f}{'':>20}" for p in parts))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m crawler.extract.evaluate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=(*PARTS, "all"), default="all")
    parser.add_argument("--root", type=Path, default=FIXTURE_WEB, help="the fixture web folder")
    parser.add_argument("--errors", action="store_true", help="list every page whose extraction differs from the truth")
    parser.add_argument("--json", action="store_true", help="print the metrics as JSON")
    args = parser.parse_args(argv)
    parts = PARTS if args.part == "all" else (args.part,)
    errors: list = [] if args.errors else None
    results = evaluate(parts, args.root, errors)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(format_table(results))
    if errors:
        print()
        for path, problems in errors:
            print(path)
            for p in problems:
                print("   ", p)
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
