"""What a re-crawl changed about a clinic, in the terms a curator reviews (issue 5).

A *material* change is one a visitor could act on: name, contact details, address, routes,
prices (amounts, kinds, sessions — not the wording of a quote), conditions, care steps,
insurance, hours and the like. Each becomes a `Change` (field, old, new, at, source_url) in
the clinic's pending `changes`; several changes of one field before a review collapse into
one (the first old value, the latest new one) and a change that went back to where it was
disappears. Sources, evidence and timestamps are not material: they are rewritten, never
queued. A listing gone from the sites that were crawled for `gone_after` crawls in a row
becomes a change of field `listing` (old "listed", new "gone").
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from katdir.model import CURATED_FACTS
from katdir.normalize import site_host, site_key

GONE = "listing"
_PRICE_PARTS = ("route", "kind", "amount_min", "amount_max", "currency", "sessions")


def material(field: str, value: Any) -> Any:
    """The part of a field's value (JSON mode) a change is judged on."""
    if field == "website" and value and site_key(value) is None and site_host(value):
        # A site on a loopback or bare-IP address gets a new port every run (the demo's and
        # the tests' sample web): another port is not another website.
        return "local site"
    if field == "prices":
        return sorted(
            ({k: p.get(k) for k in _PRICE_PARTS} for p in value or []),
            key=lambda p: tuple(str(p[k]) for k in _PRICE_PARTS),
        )
    if field == "insurance":
        return {k: v for k, v in (value or {}).items() if v is not None}
    if field == "address" and value:
        return {k: v for k, v in value.items() if v}
    if isinstance(value, list):
        return sorted(value)
    return value


def diff(old: dict[str, Any], new: dict[str, Any], *, skip: set[str] = frozenset()) -> list[str]:
    """The material fields whose crawled values differ between two clinic documents."""
    return [
        f
        for f in CURATED_FACTS
        if f not in skip and material(f, old.get(f)) != material(f, new.get(f))
    ]


def change_source(field: str, new: dict[str, Any]) -> str | None:
    """Where the new value can be checked: the page a new price or fact was read on."""
    if field == "prices":
        for price in new.get("prices") or []:
            if price.get("source_url"):
                return price["source_url"]
    for item in (new.get("evidence") or {}).get(field, []):
        if item.get("url"):
            return item["url"]
    sources = new.get("sources") or []
    return sources[0]["url"] if sources else None


def record(
    pending: list[dict[str, Any]],
    fields: list[str],
    old: dict[str, Any],
    new: dict[str, Any],
    at: datetime,
) -> list[dict[str, Any]]:
    """Pending changes (JSON mode) with the changes of `fields` from `old` to `new` added."""
    result = [dict(c) for c in pending]
    stamp = at.isoformat().replace("+00:00", "Z")
    for field in fields:
        before, after = material(field, old.get(field)), material(field, new.get(field))
        earlier = next((c for c in result if c["field"] == field), None)
        if earlier is not None:
            before = earlier["old"]
            result.remove(earlier)
        if before == after:
            continue  # changed back before anyone looked: nothing to review
        result.append(
            {
                "field": field,
                "old": before,
                "new": after,
                "at": stamp,
                "source_url": change_source(field, new),
                "note": None,
            }
        )
    return result


def gone(
    pending: list[dict[str, Any]],
    *,
    crawls: int,
    sites: list[str],
    at: datetime,
    source_url: str | None,
) -> list[dict[str, Any]]:
    note = (
        f"not found in the last {crawls} crawls of {', '.join(sites)}"
        if crawls > 1
        else f"not found in the last crawl of {', '.join(sites)}"
    )
    return [
        *pending,
        {
            "field": GONE,
            "old": "listed",
            "new": "gone",
            "at": at.isoformat().replace("+00:00", "Z"),
            "source_url": source_url,
            "note": note,
        },
    ]


def seen_again(pending: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A listing found again is no longer gone."""
    return [c for c in pending if c["field"] != GONE]


HELD = "held_facts"


def held_changes(
    before: list[dict[str, Any]], after: list[dict[str, Any]], at: datetime
) -> list[dict[str, Any]]:
    """A pending change for each unsure fact this crawl found that the stored clinic did not
    hold yet: the curator sees the value, the page and its quote (katdir/curator/queue.py)."""
    stamp = at.isoformat().replace("+00:00", "Z")
    known = [_held_key(h) for h in before]
    return [
        {
            "field": HELD,
            "old": None,
            "new": fact,
            "at": stamp,
            "source_url": fact.get("url"),
            "note": f"{fact.get('reason') or 'unsure'}: “{fact.get('quote')}”"
            if fact.get("quote")
            else fact.get("reason") or "unsure",
        }
        for fact in after
        if _held_key(fact) not in known
    ]


def _held_key(fact: dict[str, Any]) -> tuple:
    """The same unsure fact, wherever the site is served from (its URL left out)."""
    value = fact.get("value")
    if isinstance(value, dict):
        value = {k: v for k, v in value.items() if k != "source_url"}
    return (fact.get("field"), repr(value), fact.get("quote"))
