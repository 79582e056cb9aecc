"""Curators' decisions applied to clinics: review status, overrides, acknowledged changes.

The store's `Decision` (get_decision / put_decision, kept apart from clinics so no re-crawl
or rebuild drops it) is the source of truth for a clinic's review and its overrides. The
stored `Clinic` carries a copy, because search filters on `review.status` and shows the
corrected values. Every indexing run re-applies each clinic's decision:

- `review` (and whether the clinic is listed at all) is the decision's; a clinic without a decision keeps the review it has (a new
  clinic starts `pending`, or `approved` with `--approve`; records imported with a review or
  overrides keep them until a curator decides).
- each override (`field`, or a dotted path such as `address.street` or
  `insurance.va_community_care`) replaces the crawled value, and the crawled value is kept
  in `crawled_values`, so the next run compares crawled with crawled and a curator can see
  what the source says now. Crawled values never overwrite an override. An override the
  model cannot hold (a curator's typo) is skipped with a warning, never fatal.
- pending `changes` recorded at or before the decision's review time are acknowledged and
  dropped: reviewing a clinic takes it out of the queue.

`curate(clinic, decision)` does the same to one stored clinic, for the curator endpoints to
refresh the search copy as soon as a decision is saved rather than at the next run.
"""

from __future__ import annotations

import copy
import logging
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from katdir.model import Clinic, Decision

log = logging.getLogger(__name__)

_MISSING = object()


def get_path(doc: dict[str, Any], path: str) -> Any:
    """The value at a dotted path of a clinic document, or `_MISSING`."""
    value: Any = doc
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return _MISSING
        value = value[part]
    return value


def set_path(doc: dict[str, Any], path: str, value: Any) -> bool:
    """Set a dotted path; the top-level field it changes is copied first, so a document made
    by a shallow copy never changes the one it was copied from."""
    parts = path.split(".")
    if len(parts) > 1 and isinstance(doc.get(parts[0]), dict):
        doc[parts[0]] = copy.deepcopy(doc[parts[0]])
    target: Any = doc
    for part in parts[:-1]:
        if not isinstance(target.get(part), dict):
            if target.get(part) is not None:
                return False
            target[part] = {}
        target = target[part]
    target[parts[-1]] = value
    return True


def _known(path: str) -> bool:
    return path.split(".")[0] in Clinic.model_fields and path.split(".")[0] not in _NOT_OVERRIDABLE


# Bookkeeping fields are the indexer's and the curators' own; an override cannot move them.
_NOT_OVERRIDABLE = frozenset(
    {
        "id",
        "review",
        "overrides",
        "changes",
        "crawled_values",
        "version",
        "first_seen",
        "last_seen",
        "last_changed",
        "missing_crawls",
        "sources",
        "listed",
        "merged_into",
    }
)


def crawled_view(doc: dict[str, Any]) -> dict[str, Any]:
    """A clinic document as the crawl had it: overrides taken back out (JSON mode)."""
    view = dict(doc)
    for path, value in (doc.get("crawled_values") or {}).items():
        set_path(view, path, copy.deepcopy(value))
    view["crawled_values"] = {}
    return view


def _time(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def acknowledged(
    changes: list[dict[str, Any]], review: dict[str, Any] | None
) -> list[dict[str, Any]]:
    """The changes a review made at or after them has not yet seen."""
    reviewed_at = _time((review or {}).get("at"))
    if reviewed_at is None:
        return list(changes)
    return [c for c in changes if _time(c["at"]) > reviewed_at]


def apply_decision(doc: dict[str, Any], decision: Decision | None) -> dict[str, Any]:
    """Apply a decision (or, without one, the clinic's own review and overrides) to a clinic
    document whose fields hold crawled values (JSON mode); returns the document."""
    if decision is not None:
        doc["review"] = decision.review.model_dump(mode="json")
        doc["listed"], doc["merged_into"] = decision.listed, decision.merged_into
        overrides = dict(decision.overrides)
    else:
        overrides = dict(doc.get("overrides") or {})
    crawled: dict[str, Any] = {}
    for path in sorted(overrides):
        if not _known(path):
            log.warning("clinic %s: override of %r ignored (no such field)", doc.get("id"), path)
            continue
        current = get_path(doc, path)
        if set_path(doc, path, copy.deepcopy(overrides[path])):
            crawled[path] = None if current is _MISSING else copy.deepcopy(current)
    doc["overrides"] = overrides
    doc["crawled_values"] = crawled
    doc["changes"] = acknowledged(doc.get("changes") or [], doc.get("review"))
    return doc


def validated(doc: dict[str, Any]) -> Clinic:
    """The clinic a document describes; overrides the model cannot hold are taken back out
    (logged), so one bad correction never stops a run."""
    try:
        return Clinic.model_validate(doc)
    except ValidationError as err:
        bad_fields = {str(e["loc"][0]) for e in err.errors() if e["loc"]}
        bad = [p for p in doc.get("crawled_values") or {} if p.split(".")[0] in bad_fields]
        if not bad:
            raise
        for path in bad:
            log.warning(
                "clinic %s: override of %r is not a valid value and was not applied",
                doc.get("id"),
                path,
            )
            set_path(doc, path, doc["crawled_values"].pop(path))
        return Clinic.model_validate(doc)


def curate(clinic: Clinic, decision: Decision) -> Clinic:
    """The stored clinic with a (new) decision applied, at its next version."""
    doc = apply_decision(crawled_view(clinic.model_dump(mode="json")), decision)
    doc["version"] = clinic.version + 1
    return validated(doc)
