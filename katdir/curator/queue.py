"""The curators' review queue: which clinics need a curator's look, and why.

A clinic is *in the queue* when its review is `pending` (new, never reviewed) or when it has
pending `changes` (crawled differences or a vanished listing no review has acknowledged
yet). A changed clinic that was approved stays approved — visitors keep seeing it while a
curator checks the change — and a rejected clinic leaves the queue: changes to a listing
curators turned down are not worth their time. Reviewing a clinic (a Decision whose review
time is at or after the changes) takes it out; see katdir.curator.apply.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from katdir.model import Change, Clinic
from katdir.store import Store

_REASONS = {"listing": "listing gone from its sources"}


def needs_review(clinic: Clinic) -> bool:
    if clinic.review.status == "rejected":
        return False
    return clinic.review.status == "pending" or bool(clinic.changes)


def review_reasons(clinic: Clinic) -> list[str]:
    """Why a clinic is in the queue, one short line per reason."""
    reasons = []
    if clinic.review.status == "pending":
        reasons.append("new, not reviewed yet")
    for change in clinic.changes:
        if change.field == "held_facts" and isinstance(change.new, dict):
            reasons.append(_held_reason(change))
        elif change.field in _REASONS:
            reasons.append(
                f"{_REASONS[change.field]} ({change.note})"
                if change.note
                else _REASONS[change.field]
            )
        else:
            reasons.append(f"{change.field} changed")
    return reasons


def _held_reason(change: Change) -> str:
    """An unsure fact held back from the public clinic, with its confidence and its quote."""
    fact = change.new
    value = fact.get("value")
    if isinstance(value, dict):  # a price
        amount = value.get("amount_min")
        value = " ".join(
            str(v)
            for v in (
                f"${amount:g}" if isinstance(amount, (int, float)) else amount,
                value.get("kind"),
                value.get("route"),
            )
            if v
        )
    confidence = fact.get("confidence")
    sure = f", confidence {confidence:.2f}" if isinstance(confidence, (int, float)) else ""
    quote = f": “{fact['quote']}”" if fact.get("quote") else ""
    return f"unsure {fact.get('field')} held back ({value}; {fact.get('reason') or 'unsure'}{sure}){quote}"


@dataclass(frozen=True)
class QueueEntry:
    clinic_id: str
    name: str
    status: str
    reasons: list[str]
    changes: list[Change]
    since: datetime | None  # when it entered the queue: its oldest pending change, or first seen

    @classmethod
    def of(cls, clinic: Clinic) -> QueueEntry:
        since = min((c.at for c in clinic.changes), default=None) or clinic.first_seen
        return cls(
            clinic.id,
            clinic.name,
            clinic.review.status,
            review_reasons(clinic),
            list(clinic.changes),
            since,
        )


def queue_of(clinics: Iterable[Clinic]) -> list[QueueEntry]:
    """The clinics that need review, the longest-waiting first (then by id)."""
    entries = [QueueEntry.of(c) for c in clinics if needs_review(c)]
    return sorted(entries, key=lambda e: (e.since is None, e.since or datetime.min, e.clinic_id))


def review_queue(store: Store) -> list[QueueEntry]:
    """Every clinic in the store that needs a curator's review, with why."""
    return queue_of(store.iter_clinics())


# -- the curators' board: the queue with requests, red flags, filters and counts --------------

QUEUE_REASONS = ("new", "changed", "gone", "request")
MAX_PER_PAGE = 100


def reason_codes(clinic: Clinic, requests: list) -> list[str]:
    codes = []
    if clinic.review.status == "pending":
        codes.append("new")
    if any(c.field != "listing" for c in clinic.changes):
        codes.append("changed")
    if any(c.field == "listing" for c in clinic.changes):
        codes.append("gone")
    if requests:
        codes.append("request")
    return codes


@dataclass(frozen=True)
class QueueFilters:
    """What a curator narrows the queue to; every field optional."""

    reason: str | None = None  # one of QUEUE_REASONS
    state: str | None = None  # a review status
    source: str | None = None  # part of a source URL (a site, a directory)
    min_age_days: int | None = None  # waiting at least this long
    flag: str | None = None  # a red flag code
    page: int = 1
    per_page: int = 50


def board(
    store: Store, filters: QueueFilters = QueueFilters(), now: datetime | None = None
) -> dict:
    """The queue as curators work it: each entry with why, open requests and red flags; the
    counts (by reason, state and flag) are of the whole queue, before the filters."""
    from katdir.curator.redflags import price_medians, red_flags
    from katdir.curator.requests import list_requests
    from katdir.model import utcnow

    now = now or utcnow()
    clinics = list(store.iter_clinics())
    medians = price_medians(c for c in clinics if c.is_public)
    open_requests: dict[str, list] = {}
    for req in list_requests(store, status="open"):
        open_requests.setdefault(req.clinic_id, []).append(req)
    counts: dict[str, dict[str, int]] = {
        "reason": {r: 0 for r in QUEUE_REASONS},
        "state": {},
        "flag": {},
    }
    entries = []
    for clinic in clinics:
        requests = open_requests.get(clinic.id, [])
        listed_in_queue = clinic.listed == "listed" and needs_review(clinic)
        if not listed_in_queue and not requests:
            continue
        entry = QueueEntry.of(clinic)
        since = min([entry.since or now, *(r.created_at for r in requests)])
        codes = reason_codes(clinic, requests)
        flags = red_flags(clinic, medians)
        for code in codes:
            counts["reason"][code] += 1
        counts["state"][clinic.review.status] = counts["state"].get(clinic.review.status, 0) + 1
        for flag in flags:
            counts["flag"][flag.code] = counts["flag"].get(flag.code, 0) + 1
        age = max(0, (now - since).days)
        if filters.reason and filters.reason not in codes:
            continue
        if filters.state and clinic.review.status != filters.state:
            continue
        if filters.source and not any(
            filters.source.lower() in s.url.lower() for s in clinic.sources
        ):
            continue
        if filters.min_age_days is not None and age < filters.min_age_days:
            continue
        if filters.flag and filters.flag not in {f.code for f in flags}:
            continue
        reasons = entry.reasons + [f"{r.kind} requested" for r in requests]
        entries.append(
            {
                "clinic_id": clinic.id,
                "name": clinic.name,
                "status": clinic.review.status,
                "listed": clinic.listed,
                "reasons": reasons,
                "reason_codes": codes,
                "since": since.isoformat(),
                "age_days": age,
                "city": clinic.address.city,
                "state": clinic.address.state,
                "sources": [s.url for s in clinic.sources],
                "flags": [f.as_dict() for f in flags],
                "requests": [r.model_dump(mode="json") for r in requests],
            }
        )
    entries.sort(key=lambda e: (e["since"], e["clinic_id"]))
    start = (filters.page - 1) * filters.per_page
    return {
        "total": len(entries),
        "page": filters.page,
        "per_page": filters.per_page,
        "counts": counts,
        "entries": entries[start : start + filters.per_page],
    }
