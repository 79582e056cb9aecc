"""Requests from the public: a correction to a clinic's listing, or its removal.

No account and no tracking: a request keeps the clinic, what was asked, an optional contact
the requester chose to give, and when — never an IP address. Each lands in the curators'
queue beside its clinic until a curator accepts or dismisses it.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict

from katdir.curator.decisions import CurationError
from katdir.model import utcnow
from katdir.store import ConflictError, Store

RequestKind = Literal["correction", "removal"]
REQUEST_KINDS: tuple[str, ...] = get_args(RequestKind)
RequestStatus = Literal["open", "accepted", "dismissed"]
MAX_MESSAGE = 2000
MAX_CONTACT = 200
MAX_OPEN_PER_CLINIC = 50  # a flood against one clinic stops here; curators see the 50


class PublicRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    clinic_id: str
    kind: RequestKind
    message: str
    contact: str | None = None
    created_at: datetime
    origin: Literal["public", "curator"] = "public"
    status: RequestStatus = "open"
    resolved_by: str | None = None
    resolved_at: datetime | None = None
    note: str | None = None


def _text(value: Any, field: str, limit: int, *, required: bool) -> str | None:
    if value is not None and not isinstance(value, str):
        raise CurationError(field, f"{field}: a text")
    value = (value or "").strip()
    if len(value) > limit:
        raise CurationError(field, f"{field}: at most {limit} characters")
    if required and not value:
        raise CurationError(field, f"{field}: say what should change")
    return value or None


def submit(
    store: Store,
    *,
    clinic_id: Any,
    kind: Any,
    message: Any,
    contact: Any = None,
    origin: str = "public",
) -> PublicRequest:
    if kind not in REQUEST_KINDS:
        raise CurationError("kind", f"kind: one of {', '.join(REQUEST_KINDS)}")
    if not isinstance(clinic_id, str) or store.get(clinic_id) is None:
        raise CurationError("clinic_id", f"clinic_id: no clinic {clinic_id!r}")
    text = _text(message, "message", MAX_MESSAGE, required=kind == "correction")
    open_ones = [r for r in list_requests(store, status="open") if r.clinic_id == clinic_id]
    if len(open_ones) >= MAX_OPEN_PER_CLINIC:
        raise CurationError(
            "clinic_id", "this clinic has many open requests already; curators will look at them"
        )
    now = utcnow()
    request = PublicRequest(
        id=f"req-{now.strftime('%Y%m%d%H%M%S')}-{secrets.token_hex(4)}",
        clinic_id=clinic_id,
        kind=kind,
        message=text or "(removal requested)",
        contact=_text(contact, "contact", MAX_CONTACT, required=False),
        created_at=now,
        origin=origin,
    )
    store.put_record("request", request.id, request.model_dump(mode="json"), 0)
    return request


def list_requests(
    store: Store, *, status: str | None = None, clinic_id: str | None = None
) -> list[PublicRequest]:
    found = (PublicRequest.model_validate(r.doc) for r in store.iter_records("request"))
    return [
        r
        for r in found
        if (status is None or r.status == status)
        and (clinic_id is None or r.clinic_id == clinic_id)
    ]


def resolve(store: Store, request_id: str, *, status: Any, note: Any, by: str) -> PublicRequest:
    if status not in ("accepted", "dismissed"):
        raise CurationError("status", "status: accepted or dismissed")
    record = store.get_record("request", request_id)
    if record is None:
        raise CurationError("id", f"no request {request_id!r}")
    request = PublicRequest.model_validate(record.doc)
    request.status, request.resolved_by, request.resolved_at = status, by, utcnow()
    request.note = _text(note, "note", MAX_MESSAGE, required=False)
    try:
        store.put_record("request", request_id, request.model_dump(mode="json"), record.version)
    except ConflictError:
        raise CurationError(
            "id", f"request {request_id} was just changed by someone else; reload it"
        ) from None
    return request
