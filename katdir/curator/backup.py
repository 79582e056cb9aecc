"""`katdir backup` / `katdir restore`: the curators' work as JSON Lines.

One line per item — accounts (password hashes only), API tokens (hashes only), decisions
(review, overrides, listing, and each one's audit history), public requests and crawl
sources — after a header line. Clinics are not in it: they come back from the crawl output,
and a restore applies each decision to the clinic it names, so crawl output plus a backup
rebuild the same public directory. A restore checks every line before it writes anything.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from katdir.curator.accounts import Account
from katdir.curator.decisions import refresh_clinic
from katdir.curator.requests import PublicRequest
from katdir.curator.sources import CrawlSource
from katdir.jsonl import JSONLinesError, json_objects
from katdir.model import Decision, utcnow
from katdir.store import ConflictError, Store

FORMAT = "katdir-curation-backup"
FORMAT_VERSION = 1
# What each kind of record must look like, so a restore refuses a damaged file up front.
RECORD_MODELS = {"account": Account, "request": PublicRequest, "source": CrawlSource}


class BackupError(ValueError):
    """A backup file that cannot be restored: which line, and what is wrong with it."""


@dataclass
class RestoreSummary:
    counts: dict[str, int] = field(default_factory=dict)

    def describe(self) -> str:
        return "restored " + ", ".join(f"{n} {kind}(s)" for kind, n in sorted(self.counts.items()))


def backup_lines(store: Store) -> Iterator[str]:
    yield json.dumps(
        {"type": FORMAT, "version": FORMAT_VERSION, "created_at": utcnow().isoformat()}
    )
    for kind in ("account", "token", "request", "source"):
        for record in store.iter_records(kind):
            yield json.dumps({"type": kind, "key": record.key, "doc": record.doc}, sort_keys=True)
    for decision in store.iter_decisions():
        yield json.dumps(
            {
                "type": "decision",
                "key": decision.clinic_id,
                "doc": decision.model_dump(mode="json"),
            },
            sort_keys=True,
        )


def _parse(lines: Iterable[str]) -> list[dict[str, Any]]:
    items = []
    try:
        numbered = list(json_objects(lines))
    except JSONLinesError as err:
        raise BackupError(str(err)) from None
    for number, item in numbered:
        if not isinstance(item.get("type"), str):
            raise BackupError(f"line {number}: an object with a type is expected")
        if not items:  # the first line says what the file is
            if item["type"] != FORMAT or item.get("version") != FORMAT_VERSION:
                raise BackupError(
                    f"line {number}: not a {FORMAT} version {FORMAT_VERSION} "
                    "file (its first line says what it is)"
                )
            items.append(item)
            continue
        kind, key, doc = item["type"], item.get("key"), item.get("doc")
        if (
            kind not in (*RECORD_MODELS, "token", "decision")
            or not isinstance(key, str)
            or not isinstance(doc, dict)
        ):
            raise BackupError(
                f"line {number}: type must be account, token, request, source "
                "or decision, with a key and a doc"
            )
        try:
            if kind == "decision":
                Decision.model_validate(doc)
            elif kind in RECORD_MODELS:
                RECORD_MODELS[kind].model_validate(doc)
            elif not isinstance(doc.get("email"), str):
                raise BackupError(f"line {number}: a token needs the email it belongs to")
        except ValidationError as err:
            first = err.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise BackupError(f"line {number}: {kind} {key}: {where}: {first['msg']}") from None
        items.append(item)
    if not items:
        raise BackupError("the file is empty")
    return items[1:]


def restore(store: Store, lines: Iterable[str]) -> RestoreSummary:
    """Put back every item of a backup over what the store holds (the backup wins)."""
    items = _parse(lines)
    summary = RestoreSummary()
    for item in items:
        kind = item["type"]
        if kind == "decision":
            decision = Decision.model_validate(item["doc"])
            for _ in range(3):
                current = store.get_decision(decision.clinic_id)
                try:
                    saved = store.put_decision(
                        decision.model_copy(update={"version": current.version if current else 0})
                    )
                    break
                except ConflictError:
                    continue
            else:
                raise BackupError(f"decision {decision.clinic_id} keeps changing; try again")
            refresh_clinic(store, decision.clinic_id, saved)
        else:
            store.put_record(kind, item["key"], item["doc"], None)
        summary.counts[kind] = summary.counts.get(kind, 0) + 1
    return summary
