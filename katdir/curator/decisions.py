"""Curators' decisions on one clinic: review, correct, merge, split, close or remove.

Every decision is a new version of the clinic's `Decision` (kept apart from the crawled
clinic, so no re-crawl or rebuild drops it) written only over the version the curator saw:
a stale version raises `StaleVersion` carrying the current state, never a silent overwrite.
Each one appends an audit entry (who, when, what, before, after) to the decision's history,
and the stored clinic is refreshed at once so search shows the decision without waiting for
the next indexing run (which applies it again anyway).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from katdir.curator.apply import _known, apply_decision, crawled_view, curate
from katdir.model import REVIEW_STATUSES, Clinic, Decision, Review, utcnow
from katdir.store import ConflictError, Store

MAX_NOTE = 2000
MAX_OVERRIDES = 50
HISTORY_KEPT = 500  # entries per clinic; the oldest go first (a backup keeps what is there)


class CurationError(ValueError):
    """Bad input for a decision: names the field and what is accepted."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field, self.message = field, message


class AlreadyExists(CurationError):
    """The thing to add is there already (a source, an account)."""


class ClinicNotFound(LookupError):
    pass


class StaleVersion(Exception):
    """The decision moved on since the version the curator sent; `current` is its state now."""

    def __init__(self, current: dict[str, Any]):
        super().__init__(f"version {current['version']} is current")
        self.current = current


def _decision(store: Store, clinic_id: str, clinic: Clinic | None = None) -> Decision:
    """The clinic's decision; before the first one, what the clinic carries itself (a review
    and overrides it was imported with), so a first decision changes only what it says."""
    found = store.get_decision(clinic_id)
    if found is not None:
        return found
    clinic = clinic or store.get(clinic_id)
    if clinic is None:
        return Decision(clinic_id=clinic_id)
    return Decision(
        clinic_id=clinic_id,
        review=clinic.review,
        overrides=clinic.overrides,
        listed=clinic.listed,
        merged_into=clinic.merged_into,
    )


def clinic_state(store: Store, clinic_id: str) -> dict[str, Any]:
    """Everything a curator sees of a clinic: the whole stored clinic (private fields too),
    what the crawl says under the overrides, the decision's version and history."""
    clinic = store.get(clinic_id)
    if clinic is None:
        raise ClinicNotFound(clinic_id)
    decision = _decision(store, clinic_id, clinic)
    return {
        "clinic": clinic.model_dump(mode="json"),
        "crawled": crawled_view(clinic.model_dump(mode="json")),
        "decision": decision.model_dump(mode="json", exclude={"history"}),
        "version": decision.version,
        "history": decision.history,
    }


def _snapshot(decision: Decision) -> dict[str, Any]:
    return decision.model_dump(mode="json", exclude={"history", "version", "clinic_id"})


def _note(note: Any, *, required: bool = False) -> str | None:
    if note is not None and not isinstance(note, str):
        raise CurationError("note", "note: a text")
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise CurationError("note", f"note: at most {MAX_NOTE} characters")
    if required and not note:
        raise CurationError("note", "note: say why (required for this decision)")
    return note or None


def _version(version: Any) -> int:
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        raise CurationError(
            "version",
            "version: the whole number `version` of the state "
            "you read (0 for a clinic nobody decided on yet)",
        )
    return version


def decide(
    store: Store,
    clinic_id: str,
    version: Any,
    by: str,
    action: str,
    note: str | None,
    change: Callable[[Decision], None],
    *,
    now: datetime | None = None,
) -> Decision:
    """Apply `change` to the clinic's decision read at `version`, audit it, store it."""
    version = _version(version)
    clinic = store.get(clinic_id)
    if clinic is None:
        raise ClinicNotFound(clinic_id)
    decision = _decision(store, clinic_id, clinic)
    if decision.version != version:
        raise StaleVersion(clinic_state(store, clinic_id))
    now = now or utcnow()
    before = _snapshot(decision)
    updated = decision.model_copy(deep=True)
    change(updated)
    _check_applies(clinic, updated)
    entry = {
        "at": now.isoformat(),
        "by": by,
        "action": action,
        "clinic_id": clinic_id,
        "note": note,
        "before": before,
        "after": _snapshot(updated),
    }
    updated.history = [*decision.history, entry][-HISTORY_KEPT:]
    try:
        saved = store.put_decision(updated)
    except ConflictError:
        raise StaleVersion(clinic_state(store, clinic_id)) from None
    refresh_clinic(store, clinic_id, saved)
    return saved


def refresh_clinic(store: Store, clinic_id: str, decision: Decision) -> None:
    """The search copy of a clinic with its decision applied (until the next indexing run)."""
    clinic = store.get(clinic_id)
    if clinic is not None:
        store.upsert([curate(clinic, decision)])


def _check_applies(clinic: Clinic, decision: Decision) -> None:
    """Every override must be a value the model holds: a typo is a 400, not a lost edit."""
    doc = apply_decision(crawled_view(clinic.model_dump(mode="json")), decision)
    try:
        Clinic.model_validate(doc)
    except ValidationError as err:
        first = err.errors()[0]
        path = ".".join(str(p) for p in first["loc"])
        raise CurationError(f"overrides.{path}", f"overrides.{path}: {first['msg']}") from None


# -- the decisions ---------------------------------------------------------------------------


def review(
    store: Store, clinic_id: str, *, status: Any, note: Any, version: Any, by: str
) -> Decision:
    if status not in REVIEW_STATUSES:
        raise CurationError("status", f"status: one of {', '.join(REVIEW_STATUSES)}")
    note = _note(note, required=status in ("rejected", "needs_changes"))
    now = utcnow()

    def change(d: Decision) -> None:
        d.review = Review(status=status, by=by, at=now, note=note)

    return decide(store, clinic_id, version, by, f"review:{status}", note, change, now=now)


def correct(
    store: Store, clinic_id: str, *, overrides: Any, note: Any, version: Any, by: str
) -> Decision:
    """Set overrides (field or dotted path → value); a value of null takes one back out."""
    if not isinstance(overrides, dict) or not overrides:
        raise CurationError(
            "overrides",
            "overrides: an object of field → corrected value (null removes a correction)",
        )
    if len(overrides) > MAX_OVERRIDES:
        raise CurationError("overrides", f"overrides: at most {MAX_OVERRIDES} fields at once")
    for path in overrides:
        if not isinstance(path, str) or not _known(path):
            raise CurationError(
                f"overrides.{path}", f"overrides.{path}: not a field a curator can correct"
            )
    note = _note(note, required=True)

    def change(d: Decision) -> None:
        merged = dict(d.overrides)
        for path, value in overrides.items():
            if value is None:
                merged.pop(path, None)
            else:
                merged[path] = copy.deepcopy(value)
        d.overrides = merged

    return decide(store, clinic_id, version, by, "correct", note, change)


def merge(
    store: Store, clinic_id: str, *, other_id: Any, version: Any, note: Any, by: str
) -> Decision:
    """`other_id` is a duplicate of this clinic: it leaves search, this one stays."""
    if not isinstance(other_id, str) or not other_id or other_id == clinic_id:
        raise CurationError("other_id", "other_id: the id of another clinic")
    if store.get(other_id) is None:
        raise CurationError("other_id", f"other_id: no clinic {other_id!r}")
    note = _note(note)
    saved = decide(store, clinic_id, version, by, f"merge:{other_id}", note, lambda d: None)
    _follow(
        store,
        other_id,
        by,
        f"merged_into:{clinic_id}",
        note,
        lambda d: (setattr(d, "listed", "merged"), setattr(d, "merged_into", clinic_id)),
    )
    return saved


def split(
    store: Store,
    clinic_id: str,
    *,
    other_id: Any,
    version: Any,
    note: Any,
    by: str,
    source_urls: Any = None,
) -> Decision:
    """Undo a merge: the clinic(s) a curator merged into this one (or just `other_id`) are
    listed again. With `source_urls`, undo the indexer's merge instead: the listings read
    from those pages are kept apart from this clinic from the next indexing run on."""
    if source_urls is not None:
        return _split_sources(store, clinic_id, source_urls, version=version, note=note, by=by)
    merged = [d.clinic_id for d in store.iter_decisions() if d.merged_into == clinic_id]
    if other_id is not None:
        if other_id not in merged:
            raise CurationError(
                "other_id",
                f"other_id: {other_id!r} is not merged into "
                f"{clinic_id!r} (merged: {', '.join(merged) or 'none'})",
            )
        merged = [other_id]
    if not merged:
        raise CurationError("other_id", f"nothing is merged into {clinic_id!r}")
    note = _note(note)
    saved = decide(store, clinic_id, version, by, f"split:{','.join(merged)}", note, lambda d: None)
    for other in merged:
        _follow(
            store,
            other,
            by,
            f"split_from:{clinic_id}",
            note,
            lambda d: (setattr(d, "listed", "listed"), setattr(d, "merged_into", None)),
        )
    return saved


def _split_sources(
    store: Store, clinic_id: str, source_urls: Any, *, version: Any, note: Any, by: str
) -> Decision:
    clinic = store.get(clinic_id)
    if clinic is None:
        raise ClinicNotFound(clinic_id)
    known = {s.url for s in clinic.sources}
    if (
        not isinstance(source_urls, list)
        or not source_urls
        or not all(isinstance(u, str) and u in known for u in source_urls)
    ):
        raise CurationError(
            "source_urls",
            "source_urls: a list of this clinic's source URLs "
            f"(its sources: {', '.join(sorted(known)) or 'none'})",
        )
    if set(source_urls) >= known:
        raise CurationError(
            "source_urls",
            "source_urls: keep at least one source with the clinic (to drop the listing, close it)",
        )
    note = _note(note)

    def change(d: Decision) -> None:
        d.kept_apart = sorted({*d.kept_apart, *source_urls})

    return decide(
        store, clinic_id, version, by, f"split_sources:{','.join(source_urls)}", note, change
    )


CLOSE_REASONS = ("closed", "removed")


def close(
    store: Store, clinic_id: str, *, reason: Any, note: Any, version: Any, by: str
) -> Decision:
    """`closed`: the clinic is gone for good; `removed`: taken down at its own request.
    Either keeps it out of search and exports through every re-crawl; `listed` undoes it."""
    if reason not in (*CLOSE_REASONS, "listed"):
        raise CurationError(
            "reason", "reason: closed, removed (at the clinic's request) or listed (undo)"
        )
    note = _note(note, required=reason == "removed")

    def change(d: Decision) -> None:
        d.listed = reason
        d.merged_into = None

    return decide(store, clinic_id, version, by, f"listing:{reason}", note, change)


def _follow(
    store: Store,
    clinic_id: str,
    by: str,
    action: str,
    note: str | None,
    change: Callable[[Decision], None],
) -> None:
    """The other side of a merge or split, at whatever version it is now (retried once)."""
    for _ in range(3):
        try:
            decide(store, clinic_id, _decision(store, clinic_id).version, by, action, note, change)
            return
        except StaleVersion:
            continue
        except ClinicNotFound:
            return
    raise StaleVersion(clinic_state(store, clinic_id))


# -- the audit -------------------------------------------------------------------------------


def audit_entries(
    store: Store, *, clinic_id: str | None = None, by: str | None = None
) -> Iterator[dict[str, Any]]:
    """Every decision's audit entries, newest first (per clinic, or all of them)."""
    decisions = (
        [d for d in [store.get_decision(clinic_id)] if d] if clinic_id else store.iter_decisions()
    )
    entries = [
        dict(e, clinic_id=d.clinic_id)
        for d in decisions
        for e in d.history
        if by is None or e.get("by") == by
    ]
    entries.sort(key=lambda e: (e["at"], e["clinic_id"]), reverse=True)
    yield from entries
