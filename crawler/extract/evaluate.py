"""Precision and recall of the extractors on the labelled fixture web, per field, for the
development part and the held-out part separately; or, with ``--set``, on any labelled set
of pages in the format of ``shared/realweb/pages.jsonl`` (see ``scoring``).

    python -m crawler.extract.evaluate [--part dev|heldout|blind|all] [--errors] [--json]
    python -m crawler.extract.evaluate --set FILE.jsonl [--part tune|held|all | --ids ID,...] [--worst N] [--json]

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

from . import extract_page, scoring

FIXTURE_WEB = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "web"
PARTS = ("dev", "heldout", "blind")
BASE_PORT = 18100
FIELDS = (
    "page_type",
    "name",
    "routes_offered",
    "prices",
    "price_ranges",
    "conditions",
    "therapy_integrated",
    *(f"insurance.{f}" for f in INSURANCE_FIELDS),
    "postal_code",
    "phone",
)


def load_truth(root: Path = FIXTURE_WEB) -> dict[str, dict]:
    with open(root / "truth.yaml", encoding="utf-8") as fh:
        return yaml.safe_load(fh)["pages"]


def site_ports(root: Path = FIXTURE_WEB) -> dict[str, int]:
    sites = sorted(
        {
            p.name
            for part in PARTS
            if (root / part).is_dir()
            for p in (root / part).iterdir()
            if p.is_dir()
        }
    )
    return {site: BASE_PORT + i for i, site in enumerate(sites)}


def page_url(path: str, ports: dict[str, int]) -> str:
    part, site, rest = path.split("/", 2)
    if rest.endswith("index.html"):
        rest = rest[: -len("index.html")]
    return f"http://127.0.0.1:{ports[site]}/{rest}"


def read_page(path: str, root: Path, ports: dict[str, int]) -> tuple[bytes, str]:
    raw = (root / path).read_text(encoding="utf-8")
    raw = re.sub(
        r"\{\{site:([\w.-]+)\}\}", lambda m: f"http://127.0.0.1:{ports.get(m.group(1), 0)}", raw
    )
    content_type = "text/plain" if path.endswith(".txt") else "text/html"
    return raw.encode("utf-8"), content_type


def _norm_name(name: str | None) -> str | None:
    if not name:
        return None
    n = re.sub(r"[^a-z0-9]+", " ", name.lower().replace("&", " and ")).strip()
    n = re.sub(r"^the ", "", n)
    n = re.sub(r" (llc|pllc|inc|pc|ltd|corp)$", "", n)
    return n or None


def _upper(p: dict):
    high = p.get("amount_max")
    return "none" if high is None or float(high) == float(p["amount_min"]) else float(high)


def _price_key(p: dict) -> tuple:
    return (round(float(p["amount_min"]), 2), p["kind"], p.get("sessions"), p.get("route"))


def evaluate_part(part: str, root: Path = FIXTURE_WEB, errors: list | None = None) -> dict:
    truth = {k: v for k, v in load_truth(root).items() if k.startswith(part + "/")}
    ports = site_ports(root)
    tally = scoring.Scores()
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

        def note(field, pred, want, problems=problems):
            if pred != want:
                problems.append(f"{field}: got {pred!r}, want {want!r}")  # noqa: B023 - called in this iteration

        tally.scalar("page_type", got["page_type"], t["page_type"])
        note("page_type", got["page_type"], t["page_type"])
        tally.scalar("name", _norm_name(got["name"]), _norm_name(t["name"]))
        note("name", _norm_name(got["name"]), _norm_name(t["name"]))
        extra, missing = tally.items("routes_offered", got["routes_offered"], t["routes_offered"])
        if extra or missing:
            problems.append(f"routes: extra {extra} missing {missing}")
        got_prices = [_price_key(p) for p in got["prices"]]
        want_prices = [_price_key(p) for p in t["prices"]]
        extra, missing = tally.items("prices", got_prices, want_prices)
        if extra or missing:
            problems.append(f"prices: extra {extra} missing {missing}")
        # ranges: amount_max of the prices matched on the main key
        # a single figure may be written with amount_max = amount_min or without amount_max
        by_key = {_price_key(p): _upper(p) for p in got["prices"]}
        for p in t["prices"]:
            if _price_key(p) in by_key:
                tally.scalar("price_ranges", by_key[_price_key(p)], _upper(p))
        extra, missing = tally.items("conditions", got["conditions"], t["conditions"])
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
    metrics = tally.metrics(FIELDS)
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
    header = f"{'field':30}" + "".join(
        f"{p + ' P':>10}{p + ' R':>10}{p + ' F1':>10}" for p in parts
    )
    lines.append(header)
    lines.append("-" * len(header))
    for field in FIELDS:
        row = f"{field:30}"
        for p in parts:
            m = results[p][field]
            row += f"{m['precision']:>10.3f}{m['recall']:>10.3f}{m['f1']:>10.3f}"
        lines.append(row)
    lines.append("-" * len(header))
    lines.append(f"{'pages':30}" + "".join(f"{results[p]['pages']:>10}{'':>20}" for p in parts))
    lines.append(
        f"{'page types':30}"
        + "  ".join(
            f"{p}: " + ", ".join(f"{k} {v}" for k, v in sorted(results[p]["page_types"].items()))
            for p in parts
        )
    )
    lines.append(
        f"{'leaks (article/directory)':30}"
        + "".join(f"{results[p]['leaks']:>10}{'':>20}" for p in parts)
    )
    lines.append(
        f"{'pages/s (extract only)':30}"
        + "".join(f"{results[p]['pages_per_second']:>10.0f}{'':>20}" for p in parts)
    )
    return "\n".join(lines)


def build_parser(prog: str = "python -m crawler.extract.evaluate") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--set",
        dest="labelled_set",
        type=Path,
        metavar="FILE.jsonl",
        help="score a labelled set of pages (the format of shared/realweb/pages.jsonl) "
        "instead of the fixture web",
    )
    parser.add_argument(
        "--part",
        choices=(*PARTS, *scoring.SET_PARTS, "all"),
        default="all",
        help=f"fixture web: {', '.join(PARTS)}; with --set: {', '.join(scoring.SET_PARTS)} "
        "(split by host); default all",
    )
    parser.add_argument("--ids", help="with --set: only these page ids (comma-separated)")
    parser.add_argument(
        "--worst", type=int, default=10, help="with --set: how many of the worst pages to list"
    )
    parser.add_argument(
        "--page-type-cv",
        action="store_true",
        help="with --set: refit the page type's article weights leaving one host out at a time "
        "and print the accuracy with the prior, the fit and the cross-validation",
    )
    parser.add_argument(
        "--cv-lambda",
        type=float,
        default=None,
        help="with --page-type-cv: the L2 pull to the prior weights (default: page_type_fit.LAMBDA)",
    )
    parser.add_argument("--root", type=Path, default=FIXTURE_WEB, help="the fixture web folder")
    parser.add_argument(
        "--errors",
        action="store_true",
        help="list every page whose extraction differs from the truth",
    )
    parser.add_argument("--json", action="store_true", help="print the metrics as JSON")
    return parser


def main_set(args: argparse.Namespace) -> dict:
    if args.part not in (*scoring.SET_PARTS, "all"):
        raise scoring.SetError(
            f"--part {args.part}: with --set the parts are {', '.join(scoring.SET_PARTS)} or all"
        )
    pages = scoring.select(
        scoring.load_set(args.labelled_set),
        args.part,
        [i.strip() for i in args.ids.split(",") if i.strip()] if args.ids else None,
    )
    if args.page_type_cv:
        from . import page_type_fit

        lam = page_type_fit.LAMBDA if args.cv_lambda is None else args.cv_lambda
        if lam < 0:
            raise scoring.SetError(f"--cv-lambda {lam}: the L2 pull must be 0 or more")
        cv = page_type_fit.cross_validate(pages, lam=lam)
        print(json.dumps(cv, indent=2) if args.json else page_type_fit.format_report(cv))
        return cv
    report = scoring.evaluate_set(pages)
    if args.json:
        print(json.dumps(scoring.as_json(report), indent=2))
    else:
        print(scoring.format_report(report, worst=args.worst))
    return report


def main(argv: list[str] | None = None) -> dict:
    args = build_parser().parse_args(argv)
    if args.labelled_set is not None:
        try:
            return main_set(args)
        except scoring.SetError as exc:
            raise SystemExit(f"katdir evaluate: {exc}") from None
    if args.part not in (*PARTS, "all"):
        raise SystemExit(
            f"--part {args.part}: the fixture web's parts are {', '.join(PARTS)} or all"
        )
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
