"""The curator API's part of the OpenAPI document: its paths, the Bearer scheme, and the
schemas of its records (generated from the pydantic models). `with_curator_api(spec)` adds
them to the public document, so the two are written in one place each."""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

from pydantic.json_schema import models_json_schema

from katdir.curator.queue import QUEUE_REASONS
from katdir.curator.redflags import FLAGS
from katdir.curator.requests import PublicRequest
from katdir.curator.sources import CrawlSource
from katdir.model import REVIEW_STATUSES, Decision

REF = "#/components/schemas/{model}"
PREFIX = "/api/v1/curator"
STATUS_TEXT = {
    400: "Bad input: the error names the field and what is accepted.",
    401: "No valid Bearer token (missing, unknown, or its account is disabled).",
    403: "The token's account lacks the role this needs.",
    404: "No such clinic, source or request.",
    409: "The version sent is stale (or the thing exists already): the error's "
    "details.current is the state now.",
}
VERSION = {
    "type": "integer",
    "minimum": 0,
    "description": "The `version` of the clinic state you read (0 before any decision).",
}
NOTE = {"type": "string", "maxLength": 2000}


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": REF.format(model=name)}


def _body(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {
        "required": True,
        "content": {
            "application/json": {
                "schema": {"type": "object", "properties": properties, "required": required}
            }
        },
    }


def _op(op_id: str, summary: str, ok: dict[str, Any], *errors: int, **more: Any) -> dict:
    responses = {"200": {"description": "OK", "content": {"application/json": {"schema": ok}}}}
    for status in (401, 403, *errors):
        responses[str(status)] = {
            "description": STATUS_TEXT[status],
            "content": {"application/json": {"schema": _ref("Error")}},
        }
    return {
        "operationId": op_id,
        "summary": summary,
        "tags": ["curators"],
        "security": [{"curatorToken": []}],
        "responses": responses,
        **more,
    }


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


CLINIC_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}


@cache
def curator_openapi() -> dict[str, Any]:
    state = _ref("CuratorClinicState")
    paths = {
        "/queue": {
            "get": _op(
                "curatorQueue",
                "Clinics waiting for review, with why, red flags and requests.",
                {"type": "object"},
                400,
                parameters=[
                    _query("reason", {"enum": list(QUEUE_REASONS)}, "Why it waits."),
                    _query("state", {"enum": list(REVIEW_STATUSES)}, "Review status."),
                    _query("source", {"type": "string", "maxLength": 200}, "Part of a source URL."),
                    _query("min_age", {"type": "integer", "minimum": 0}, "Waiting ≥ days."),
                    _query("flag", {"enum": list(FLAGS)}, "A red flag."),
                    _query("page", {"type": "integer", "minimum": 1}, "Page, from 1."),
                    _query("per_page", {"type": "integer", "minimum": 1, "maximum": 100}, ""),
                ],
            )
        },
        "/clinics/{id}": {
            "get": _op(
                "curatorClinic",
                "A clinic with private fields, version and history.",
                state,
                404,
                parameters=[CLINIC_ID],
            ),
            "patch": _op(
                "curatorCorrect",
                "Correct fields (overrides beat crawled values; null removes one).",
                state,
                400,
                404,
                409,
                parameters=[CLINIC_ID],
                requestBody=_body(
                    {"overrides": {"type": "object"}, "note": NOTE, "version": VERSION},
                    ["overrides", "note", "version"],
                ),
            ),
        },
        "/clinics/{id}/review": {
            "post": _op(
                "curatorReview",
                "Approve, reject (with a note), or ask for changes.",
                state,
                400,
                404,
                409,
                parameters=[CLINIC_ID],
                requestBody=_body(
                    {"status": {"enum": list(REVIEW_STATUSES)}, "note": NOTE, "version": VERSION},
                    ["status", "version"],
                ),
            )
        },
        "/clinics/{id}/merge": {
            "post": _op(
                "curatorMerge",
                "other_id is a duplicate of this clinic: it leaves search.",
                state,
                400,
                404,
                409,
                parameters=[CLINIC_ID],
                requestBody=_body(
                    {"other_id": {"type": "string"}, "note": NOTE, "version": VERSION},
                    ["other_id", "version"],
                ),
            )
        },
        "/clinics/{id}/split": {
            "post": _op(
                "curatorSplit",
                "Undo a curator's merge into this clinic (all, or other_id); or, "
                "with source_urls, the indexer's: those pages' listings are kept apart from the "
                "next indexing run on.",
                state,
                400,
                404,
                409,
                parameters=[CLINIC_ID],
                requestBody=_body(
                    {
                        "other_id": {"type": "string"},
                        "source_urls": {"type": "array", "items": {"type": "string"}},
                        "note": NOTE,
                        "version": VERSION,
                    },
                    ["version"],
                ),
            )
        },
        "/clinics/{id}/close": {
            "post": _op(
                "curatorClose",
                "Closed for good, removed on request (a note is required), or "
                "listed again; closes request_id.",
                state,
                400,
                404,
                409,
                parameters=[CLINIC_ID],
                requestBody=_body(
                    {
                        "reason": {"enum": ["closed", "removed", "listed"]},
                        "note": NOTE,
                        "version": VERSION,
                        "request_id": {"type": "string"},
                    },
                    ["version"],
                ),
            )
        },
        "/audit": {
            "get": _op(
                "curatorAudit",
                "Every decision: who, when, what, before and after (admins).",
                {"type": "object"},
                400,
                parameters=[
                    _query("clinic_id", {"type": "string"}, "One clinic's trail."),
                    _query("by", {"type": "string"}, "One curator's decisions."),
                    _query("limit", {"type": "integer", "minimum": 1, "maximum": 1000}, ""),
                    _query("format", {"enum": ["json", "jsonl"]}, "jsonl: one entry a line."),
                ],
            )
        },
        "/sources": {
            "get": _op(
                "curatorSources",
                "Sources to crawl, with their last crawl.",
                {
                    "type": "object",
                    "properties": {"sources": {"type": "array", "items": _ref("CrawlSource")}},
                },
            ),
            "post": _op(
                "curatorAddSource",
                "Add a clinic site or directory profile (public http(s) URLs only).",
                _ref("CrawlSource"),
                400,
                409,
                requestBody=_body(
                    {
                        "url": {"type": "string", "maxLength": 2000},
                        "kind": {"enum": ["clinic_site", "directory"]},
                        "interval_hours": {"type": "integer", "minimum": 1},
                    },
                    ["url"],
                ),
            ),
        },
        "/sources/{id}/crawl": {
            "post": _op(
                "curatorCrawlSource",
                "Crawl this source at the next `katdir refresh`.",
                _ref("CrawlSource"),
                404,
                parameters=[CLINIC_ID],
            )
        },
        "/requests": {
            "get": _op(
                "curatorRequests",
                "Corrections and removals asked for.",
                {
                    "type": "object",
                    "properties": {"requests": {"type": "array", "items": _ref("PublicRequest")}},
                },
                400,
                parameters=[
                    _query("status", {"enum": ["open", "accepted", "dismissed"]}, ""),
                    _query("clinic_id", {"type": "string"}, ""),
                ],
            ),
            "post": _op(
                "curatorAddRequest",
                "Take down a request (clinic_id, kind, message), "
                "or resolve one (id, status accepted|dismissed).",
                _ref("PublicRequest"),
                400,
                requestBody=_body(
                    {
                        "clinic_id": {"type": "string"},
                        "kind": {"enum": ["correction", "removal"]},
                        "message": {"type": "string", "maxLength": 2000},
                        "id": {"type": "string"},
                        "status": {"enum": ["accepted", "dismissed"]},
                    },
                    [],
                ),
            ),
        },
    }
    _, top = models_json_schema(
        [(m, "serialization") for m in (PublicRequest, CrawlSource, Decision)], ref_template=REF
    )
    schemas = top.get("$defs", {})
    schemas["CuratorClinicState"] = {
        "type": "object",
        "required": ["clinic", "version"],
        "properties": {
            "clinic": {"type": "object", "description": "The whole stored clinic."},
            "crawled": {"type": "object", "description": "The clinic as crawled, under overrides."},
            "decision": _ref("Decision"),
            "version": VERSION,
            "history": {"type": "array", "items": {"type": "object"}},
            "flags": {"type": "array", "items": {"type": "object"}},
            "requests": {"type": "array", "items": _ref("PublicRequest")},
        },
    }
    return {"paths": {PREFIX + p: v for p, v in paths.items()}, "schemas": schemas}


def with_curator_api(spec: dict[str, Any]) -> dict[str, Any]:
    """The public document with the curator API added (a copy: the cached one is untouched)."""
    added = copy.deepcopy(spec)
    part = curator_openapi()
    added["paths"].update(copy.deepcopy(part["paths"]))
    components = added.setdefault("components", {})
    for name, schema in part["schemas"].items():
        components.setdefault("schemas", {}).setdefault(name, copy.deepcopy(schema))
    components.setdefault("securitySchemes", {})["curatorToken"] = {
        "type": "http",
        "scheme": "bearer",
        "description": "An API token from `katdir tokens create EMAIL`.",
    }
    return added
