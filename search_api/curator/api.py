"""The curator API under /api/v1/curator (Bearer token): the queue, a clinic's full state,
decisions with optimistic concurrency (a stale `version` gets 409 and the current state),
the audit trail, crawl sources and public requests."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, jsonify, request

from katdir.curator import decisions, sources
from katdir.curator import requests as public_requests
from katdir.curator.queue import MAX_PER_PAGE, QUEUE_REASONS, QueueFilters, board
from katdir.curator.redflags import FLAGS, price_medians, red_flags
from katdir.model import REVIEW_STATUSES
from search_api import resources
from search_api.curator.auth import api_principal
from search_api.errors import APIError, error_response

bp = Blueprint("curator_api", __name__, url_prefix="/api/v1/curator")
MAX_BODY = 64 * 1024
MAX_AUDIT = 1000


@bp.errorhandler(decisions.CurationError)
def _bad_input(err: decisions.CurationError):
    return error_response(400, "invalid_parameter", err.message, {"parameter": err.field})


@bp.errorhandler(decisions.AlreadyExists)
def _exists(err: decisions.AlreadyExists):
    return error_response(409, "already_exists", err.message, {"parameter": err.field})


@bp.errorhandler(decisions.StaleVersion)
def _stale(err: decisions.StaleVersion):
    return error_response(
        409,
        "stale_version",
        f"this clinic was changed since the version you sent; version "
        f"{err.current['version']} is current: review it and send that",
        {"current": err.current},
    )


@bp.errorhandler(decisions.ClinicNotFound)
def _not_found(err: decisions.ClinicNotFound):
    return error_response(
        404,
        "not_found",
        f"no clinic with id {err.args[0]!r}",
        {"parameter": "id", "value": err.args[0]},
    )


@bp.after_request
def _challenge(response: Response) -> Response:
    if response.status_code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="katdir curators"'
    response.headers["Cache-Control"] = "no-store"  # private fields stay out of caches
    return response


def body() -> dict[str, Any]:
    if (request.content_length or 0) > MAX_BODY:
        raise APIError(413, "too_large", f"the body may be at most {MAX_BODY} bytes")
    try:
        data = request.get_json(silent=True)
    except RecursionError:  # nested deeper than json can read
        data = None
    if not isinstance(data, dict):
        raise APIError(400, "invalid_body", "send a JSON object (Content-Type: application/json)")
    return data


def _int_arg(name: str, default: int | None, low: int, high: int) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isascii() or not raw.isdigit() or not low <= int(raw) <= high:
        raise APIError(
            400,
            "invalid_parameter",
            f"{name}: a whole number from {low} to {high}",
            {"parameter": name, "value": raw},
        )
    return int(raw)


def _choice_arg(name: str, choices: tuple[str, ...] | list[str]) -> str | None:
    raw = request.args.get(name) or None
    if raw is not None and raw not in choices:
        raise APIError(
            400,
            "invalid_parameter",
            f"{name}: one of {', '.join(choices)}",
            {"parameter": name, "value": raw, "accepted": list(choices)},
        )
    return raw


def queue_filters() -> QueueFilters:
    source = request.args.get("source") or None
    if source is not None and len(source) > 200:
        raise APIError(
            400, "invalid_parameter", "source: at most 200 characters", {"parameter": "source"}
        )
    return QueueFilters(
        reason=_choice_arg("reason", QUEUE_REASONS),
        state=_choice_arg("state", REVIEW_STATUSES),
        source=source,
        min_age_days=_int_arg("min_age", None, 0, 36500),
        flag=_choice_arg("flag", tuple(FLAGS)),
        page=_int_arg("page", 1, 1, 10000),
        per_page=_int_arg("per_page", 50, 1, MAX_PER_PAGE),
    )


@bp.get("/queue")
def queue():
    api_principal()
    return jsonify(board(resources.store(), queue_filters()))


def full_state(clinic_id: str) -> dict[str, Any]:
    store = resources.store()
    state = decisions.clinic_state(store, clinic_id)
    clinic = store.get(clinic_id)
    medians = price_medians(c for c in store.iter_clinics() if c.is_public)
    state["flags"] = [f.as_dict() for f in red_flags(clinic, medians)]
    state["requests"] = [
        r.model_dump(mode="json") for r in public_requests.list_requests(store, clinic_id=clinic_id)
    ]
    return state


@bp.get("/clinics/<clinic_id>")
def clinic(clinic_id: str):
    api_principal()
    return jsonify(full_state(clinic_id))


def _decided(clinic_id: str, status: int = 200):
    response = jsonify(full_state(clinic_id))
    response.status_code = status
    return response


@bp.post("/clinics/<clinic_id>/review")
def review(clinic_id: str):
    who = api_principal()
    data = body()
    decisions.review(
        resources.store(),
        clinic_id,
        status=data.get("status"),
        note=data.get("note"),
        version=data.get("version"),
        by=who.email,
    )
    return _decided(clinic_id)


@bp.patch("/clinics/<clinic_id>")
def correct(clinic_id: str):
    who = api_principal()
    data = body()
    decisions.correct(
        resources.store(),
        clinic_id,
        overrides=data.get("overrides"),
        note=data.get("note"),
        version=data.get("version"),
        by=who.email,
    )
    return _decided(clinic_id)


@bp.post("/clinics/<clinic_id>/merge")
def merge(clinic_id: str):
    who = api_principal()
    data = body()
    decisions.merge(
        resources.store(),
        clinic_id,
        other_id=data.get("other_id"),
        version=data.get("version"),
        note=data.get("note"),
        by=who.email,
    )
    return _decided(clinic_id)


@bp.post("/clinics/<clinic_id>/split")
def split(clinic_id: str):
    who = api_principal()
    data = body()
    decisions.split(
        resources.store(),
        clinic_id,
        other_id=data.get("other_id"),
        version=data.get("version"),
        note=data.get("note"),
        by=who.email,
        source_urls=data.get("source_urls"),
    )
    return _decided(clinic_id)


@bp.post("/clinics/<clinic_id>/close")
def close(clinic_id: str):
    who = api_principal()
    data = body()
    store = resources.store()
    request_id = data.get("request_id")
    if request_id is not None and (
        not isinstance(request_id, str) or store.get_record("request", request_id) is None
    ):
        # checked before deciding, so a bad id never leaves the decision half-done
        raise APIError(
            400,
            "invalid_parameter",
            "request_id: the id of an existing request",
            {"parameter": "request_id"},
        )
    decisions.close(
        store,
        clinic_id,
        reason=data.get("reason", "closed"),
        note=data.get("note"),
        version=data.get("version"),
        by=who.email,
    )
    if request_id:
        public_requests.resolve(
            store, request_id, status="accepted", note=data.get("note"), by=who.email
        )
    return _decided(clinic_id)


@bp.get("/audit")
def audit():
    api_principal("admin")
    clinic_id = request.args.get("clinic_id") or None
    by = request.args.get("by") or None
    limit = _int_arg("limit", 100, 1, MAX_AUDIT)
    fmt = _choice_arg("format", ("json", "jsonl")) or "json"
    entries = list(decisions.audit_entries(resources.store(), clinic_id=clinic_id, by=by))
    if fmt == "jsonl":
        lines = "".join(json.dumps(e, sort_keys=True) + "\n" for e in entries[:limit])
        return Response(lines, mimetype="application/x-ndjson")
    return jsonify({"total": len(entries), "entries": entries[:limit]})


@bp.get("/sources")
def list_sources():
    api_principal()
    return jsonify(
        {"sources": [s.model_dump(mode="json") for s in sources.list_sources(resources.store())]}
    )


@bp.post("/sources")
def add_source():
    who = api_principal()
    data = body()
    source = sources.add_source(
        resources.store(),
        url=data.get("url"),
        kind=data.get("kind", "clinic_site"),
        interval_hours=data.get("interval_hours"),
        by=who.email,
        allow_private=resources.settings().allow_private_hosts,
    )
    response = jsonify(source.model_dump(mode="json"))
    response.status_code = 201
    return response


@bp.post("/sources/<source_id>/crawl")
def crawl_source(source_id: str):
    api_principal()
    try:
        source = sources.request_crawl(resources.store(), source_id)
    except decisions.CurationError:
        raise APIError(
            404, "not_found", f"no source {source_id!r}", {"parameter": "id", "value": source_id}
        ) from None
    response = jsonify(
        {**source.model_dump(mode="json"), "message": "queued: the next `katdir refresh` crawls it"}
    )
    response.status_code = 202
    return response


@bp.get("/requests")
def list_requests():
    api_principal()
    status = _choice_arg("status", ("open", "accepted", "dismissed"))
    clinic_id = request.args.get("clinic_id") or None
    found = public_requests.list_requests(resources.store(), status=status, clinic_id=clinic_id)
    return jsonify({"requests": [r.model_dump(mode="json") for r in found]})


@bp.post("/requests")
def add_request():
    """A request a curator takes down (a phone call, an email), or resolves one (`id`)."""
    who = api_principal()
    data = body()
    store = resources.store()
    if data.get("id") is not None:
        if not isinstance(data["id"], str):
            raise APIError(400, "invalid_parameter", "id: the id of a request", {"parameter": "id"})
        done = public_requests.resolve(
            store, data["id"], status=data.get("status"), note=data.get("note"), by=who.email
        )
        return jsonify(done.model_dump(mode="json"))
    made = public_requests.submit(
        store,
        clinic_id=data.get("clinic_id"),
        kind=data.get("kind"),
        message=data.get("message"),
        contact=data.get("contact"),
        origin="curator",
    )
    response = jsonify(made.model_dump(mode="json"))
    response.status_code = 201
    return response
