"""Scoring the extractor on a labelled set of real pages (the format of
``shared/realweb/pages.jsonl``: one JSON object per line with ``id``, ``url``, ``text`` — plain
text or HTML — and the labels; the set's README defines each field).

Every page goes through exactly what ``katdir extract FILE --url URL`` runs (``cli.facts``),
so the figures are those a judge gets from the command. Matching, per field:

- routes_offered, conditions: one item per (page, value), micro-averaged. The ``lenient``
  routes and prices of a page (annotators disagreed) are neither required nor penalized.
- prices: the page's own prices, matched one to one on (amount_min, kind);
  ``price_details`` then checks amount_max (a single figure is min = max), route, sessions
  and currency of the matched ones.
- page_type: accuracy, with the confusion matrix.
- therapy_integrated, each insurance flag, phone, state: a prediction counts when not null;
  precision = right / predicted, recall = right / labelled.
- leaks: article and directory pages given own prices or routes (must be 0).

The split into a tuning and a held part is by host, from a hash (``part_of``): about 30 % held.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import phonenumbers

from katdir.jsonl import JSONLinesError, json_objects

from .cli import facts

SET_PARTS = ("tune", "held")
SPLIT_SALT = "katdir-realweb-split"
HELD_SHARE = 3  # tenths of the hosts in the held part
PAGE_TYPES = ("clinic", "directory", "article", "other")
INSURANCE_FIELDS = {
    "accepts_insurance": "accepts_insurance",
    "spravato_insurance": "spravato_insurance",
    "va": "va_community_care",
    "hsa_fsa": "hsa_fsa",
    "financing": "financing",
}
SET_FIELDS = (
    "routes_offered",
    "prices",
    "price_details",
    "conditions",
    "therapy_integrated",
    *(f"insurance.{f}" for f in INSURANCE_FIELDS),
    "phone",
    "state",
    "page_type",
)
REQUIRED_KEYS = ("id", "url", "text", "page_type")


class SetError(ValueError):
    """A labelled set that cannot be read: the message names the line and the field."""


def site_of(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def part_of(url: str) -> str:
    """'held' or 'tune': fixed by the page's host, so a site's pages stay on one side."""
    digest = hashlib.sha256(f"{SPLIT_SALT}:{site_of(url)}".encode()).hexdigest()
    return "held" if int(digest, 16) % 10 < HELD_SHARE else "tune"


def load_set(path: Path) -> list[dict]:
    pages = []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise SetError(f"cannot read the labelled set {path}: {exc}") from exc
    try:
        for n, page in json_objects(lines):
            missing = [k for k in REQUIRED_KEYS if not isinstance(page.get(k), str)]
            if missing:
                raise SetError(
                    f"{path}, line {n}: missing or not a string: "
                    f"{', '.join(missing)} (each line needs "
                    f"{', '.join(REQUIRED_KEYS)} and the labels)"
                )
            pages.append(page)
    except JSONLinesError as exc:
        raise SetError(f"{path}, {exc}") from None
    return pages


def select(pages: list[dict], part: str = "all", ids: list[str] | None = None) -> list[dict]:
    if ids:
        wanted = set(ids)
        unknown = wanted - {p["id"] for p in pages}
        if unknown:
            raise SetError(f"--ids: no page with id {', '.join(sorted(unknown))} in the set")
        return [p for p in pages if p["id"] in wanted]
    if part == "all":
        return pages
    return [p for p in pages if part_of(p["url"]) == part]


def _phone(value: str | None) -> str | None:
    if not value:
        return None
    try:
        num = phonenumbers.parse(value, "US")
    except phonenumbers.NumberParseException:
        return value
    return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)


def _amount(value) -> float | None:
    return None if value is None else round(float(value), 2)


@dataclass
class PageResult:
    id: str
    url: str
    truth_type: str
    got_type: str
    problems: list[str] = field(default_factory=list)
    errors: int = 0


@dataclass
class Scores:
    tp: Counter = field(default_factory=Counter)
    fp: Counter = field(default_factory=Counter)
    fn: Counter = field(default_factory=Counter)

    def scalar(self, name: str, pred, truth) -> bool:
        """Counts one value; True when it is wrong (a wrong or missing value)."""
        if pred is not None and pred == truth:
            self.tp[name] += 1
            return False
        if pred is not None:
            self.fp[name] += 1
        if truth is not None:
            self.fn[name] += 1
        return pred is not None or truth is not None

    def items(
        self, name: str, pred: list, truth: list, ignore: set = frozenset()
    ) -> tuple[list, list]:
        p = Counter(x for x in pred if x not in ignore)
        t = Counter(x for x in truth if x not in ignore)
        common = p & t
        self.tp[name] += sum(common.values())
        extra, missing = p - common, t - common
        self.fp[name] += sum(extra.values())
        self.fn[name] += sum(missing.values())
        return sorted(extra.elements(), key=str), sorted(missing.elements(), key=str)

    def metrics(self, names=SET_FIELDS) -> dict[str, dict]:
        out = {}
        for name in names:
            tp, fp, fn = self.tp[name], self.fp[name], self.fn[name]
            precision = tp / (tp + fp) if tp + fp else 1.0
            recall = tp / (tp + fn) if tp + fn else 1.0
            f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
            out[name] = {
                "precision": precision,
                "recall": recall,
                "f1": f1,
                "tp": tp,
                "fp": fp,
                "fn": fn,
            }
        return out


def _price_details(p: dict) -> tuple:
    low = _amount(p.get("amount_min"))
    high = _amount(p.get("amount_max"))
    sessions = p.get("sessions") if p.get("kind") == "series" else None
    return (low, high, p.get("route"), sessions, p.get("currency") or "USD")


def score_page(page: dict, got: dict, scores: Scores) -> PageResult:
    lenient = page.get("lenient") or {}
    result = PageResult(page["id"], page["url"], page["page_type"], got.get("page_type", "clinic"))
    problems = result.problems

    wrong = scores.scalar("page_type", result.got_type, page["page_type"])
    if wrong:
        problems.append(f"page_type: got {result.got_type}, want {page['page_type']}")
        result.errors += 3

    extra, missing = scores.items(
        "routes_offered",
        got["routes_offered"],
        page.get("routes_offered") or [],
        set(lenient.get("routes") or []),
    )
    if extra or missing:
        problems.append(f"routes: extra {extra} missing {missing}")
        result.errors += len(extra) + len(missing)

    currency = page.get("currency") or "USD"
    truth_prices = [
        dict(p, currency=p.get("currency") or currency) for p in page.get("prices") or []
    ]
    for p in truth_prices:  # the README: a single figure has min = max
        p.setdefault("amount_max", p.get("amount_min"))
    got_prices = [dict(p) for p in got["prices"]]
    lenient_amounts = {_amount(a[0]) for a in lenient.get("prices") or []}
    extra, missing = scores.items(
        "prices",
        [(_amount(p["amount_min"]), p["kind"]) for p in got_prices],
        [(_amount(p["amount_min"]), p["kind"]) for p in truth_prices],
        {
            (a, k)
            for a in lenient_amounts
            for k in ("per_session", "series", "consultation", "maintenance", "other")
        },
    )
    if extra or missing:
        problems.append(f"prices (amount, kind): extra {extra} missing {missing}")
        result.errors += 2 * (len(extra) + len(missing))
    unmatched_got = list(got_prices)
    for t in truth_prices:
        key = (_amount(t["amount_min"]), t["kind"])
        match = next(
            (g for g in unmatched_got if (_amount(g["amount_min"]), g["kind"]) == key), None
        )
        if match is None:
            continue
        unmatched_got.remove(match)
        if scores.scalar("price_details", _price_details(match), _price_details(t)):
            problems.append(f"price details: got {_price_details(match)}, want {_price_details(t)}")
            result.errors += 1

    extra, missing = scores.items("conditions", got["conditions"], page.get("conditions") or [])
    if extra or missing:
        problems.append(f"conditions: extra {extra} missing {missing}")
        result.errors += len(extra) + len(missing)

    if scores.scalar(
        "therapy_integrated", got["therapy_integrated"], page.get("therapy_integrated")
    ):
        problems.append(
            f"therapy: got {got['therapy_integrated']}, want {page.get('therapy_integrated')}"
        )
        result.errors += 1
    truth_ins = page.get("insurance") or {}
    for label, ours in INSURANCE_FIELDS.items():
        pred, want = got["insurance"].get(ours), truth_ins.get(label)
        if scores.scalar(f"insurance.{label}", pred, want):
            problems.append(f"insurance.{label}: got {pred}, want {want}")
            result.errors += 1

    phone, want_phone = got.get("phone"), _phone(page.get("phone"))
    if scores.scalar("phone", phone, want_phone):
        problems.append(f"phone: got {phone}, want {want_phone}")
        result.errors += 1
    state = (got.get("address") or {}).get("state")
    want_state = page.get("state")
    want_state = want_state.split(";")[0].strip() if isinstance(want_state, str) else None
    if scores.scalar("state", state, want_state):
        problems.append(f"state: got {state}, want {want_state}")
        result.errors += 1
    return result


def evaluate_set(pages: list[dict]) -> dict:
    scores = Scores()
    confusion: dict[str, Counter] = {t: Counter() for t in PAGE_TYPES}
    leaks: list[str] = []
    results: list[PageResult] = []
    for page in pages:
        text = page["text"].encode("utf-8")
        got = facts(text, "text/html", page["url"])  # what `katdir extract FILE --url URL` prints
        result = score_page(page, got, scores)
        results.append(result)
        confusion.setdefault(page["page_type"], Counter())[result.got_type] += 1
        if page["page_type"] in ("article", "directory") and (
            got["prices"] or got["routes_offered"]
        ):
            leaks.append(page["id"])
    metrics = scores.metrics()
    return {
        "pages": len(pages),
        "metrics": metrics,
        "confusion": {t: dict(c) for t, c in confusion.items() if c or t != "other"},
        "leaks": leaks,
        "worst": sorted((r for r in results if r.errors), key=lambda r: (-r.errors, r.id)),
    }


def format_report(report: dict, *, worst: int = 10) -> str:
    lines = [
        f"pages: {report['pages']}",
        "",
        f"{'field':30}{'P':>8}{'R':>8}{'F1':>8}{'tp':>6}{'fp':>6}{'fn':>6}",
    ]
    for name, m in report["metrics"].items():
        lines.append(
            f"{name:30}{m['precision']:>8.3f}{m['recall']:>8.3f}{m['f1']:>8.3f}"
            f"{m['tp']:>6}{m['fp']:>6}{m['fn']:>6}"
        )
    types = [t for t in PAGE_TYPES if t in report["confusion"]]
    lines += [
        "",
        "page type (rows: labelled, columns: extracted)",
        f"{'':12}" + "".join(f"{t:>11}" for t in types),
    ]
    for t in types:
        lines.append(f"{t:12}" + "".join(f"{report['confusion'][t].get(o, 0):>11}" for o in types))
    lines += [
        "",
        f"article/directory pages given own prices or routes: {len(report['leaks'])}"
        + (f" ({', '.join(report['leaks'])})" if report["leaks"] else ""),
    ]
    if worst and report["worst"]:
        lines += ["", "worst pages:"]
        for r in report["worst"][:worst]:
            lines.append(f"  {r.id} ({r.truth_type}) {r.url}")
            lines += [f"      {p}" for p in r.problems]
    return "\n".join(lines)


def as_json(report: dict) -> dict:
    out = dict(report)
    out["worst"] = [
        {"id": r.id, "url": r.url, "errors": r.errors, "problems": r.problems}
        for r in report["worst"]
    ]
    return out
