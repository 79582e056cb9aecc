"""The curators' review queue: which clinics need a curator's look, and why.

A clinic is *in the queue* when its review is `pending` (new, never reviewed) or when it has
pending `changes` (crawled differences or a vanished listing no review has acknowledged
yet). A changed clinic that was approved stays approved — visitors keep seeing it while a
curator checks the change — and a rejected clinic leaves the queue: changes to a listing
curators turned down are not worth their time. Reviewing a clinic (a Decision whose review
time is at or after the changes) takes it out; see indexer.curation.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from indexer.changes import HELD
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
        if change.field == HELD and isinstance(change.new, dict):
            reasons.append(_held_reason(change))
        elif change.field in _REASONS:
            reasons.append(f"{_REASONS[change.field]} ({change.note})" if change.note
                           else _REASONS[change.field])
        else:
            reasons.append(f"{change.field} changed")
    return reasons


def _held_reason(change: Change) -> str:
    """An unsure fact held back from the public clinic, with its confidence and its quote."""
    fact = change.new
    value = fact.get("value")
    if isinstance(value, dict):  # a price
        amount = value.get("amount_min")
        value = " ".join(str(v) for v in (f"${amount:g}" if isinstance(amount, (int, float)) else amount,
                                           value.get("kind"), value.get("route")) if v)
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
        return cls(clinic.id, clinic.name, clinic.review.status, review_reasons(clinic),
                   list(clinic.changes), since)


def queue_of(clinics: Iterable[Clinic]) -> list[QueueEntry]:
    """The clinics that need review, the longest-waiting first (then by id)."""
    entries = [QueueEntry.of(c) for c in clinics if needs_review(c)]
    return sorted(entries, key=lambda e: (e.since is None, e.since or datetime.min, e.clinic_id))


def review_queue(store: Store) -> list[QueueEntry]:
    """Every clinic in the store that needs a curator's review, with why."""
    return queue_of(store.iter_clinics())
