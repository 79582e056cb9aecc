"""The OpenAPI 3.1 description of the public API, built from the same vocabularies it checks."""

from __future__ import annotations

from functools import cache
from typing import Any

from katdir.model import (
    CARE_STEPS,
    CONDITIONS,
    INSURANCE_FIELDS,
    PRECISIONS,
    PRICE_KINDS,
    REVIEW_STATUSES,
    ROUTES,
)
from katdir.store.base import PRICE_BANDS, SORTS
from search_api.params import DEFAULT_RADIUS, MAX_PAGE, MAX_PER_PAGE, MAX_RADIUS_MI, MAX_TEXT


def _param(name: str, schema: dict, description: str, *, explode: bool | None = None) -> dict:
    param = {"name": name, "in": "query", "required": False, "schema": schema,
             "description": description}
    if explode is not None:
        param["explode"] = explode
    return param


def _nullable(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


STRING = {"type": "string"}
BOOL = {"type": "boolean"}
NUMBER = {"type": "number"}

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {
        "type": "object",
        "required": ["code", "message", "details"],
        "properties": {"code": STRING, "message": STRING, "details": {"type": "object"}},
    }},
}

ADDRESS = {"type": "object", "properties": {
    "street": _nullable(STRING), "city": _nullable(STRING), "state": _nullable(STRING),
    "postal_code": _nullable(STRING), "country": STRING}}
LOCATION = {"type": "object", "required": ["lat", "lon", "precision"], "properties": {
    "lat": NUMBER, "lon": NUMBER, "precision": {"enum": list(PRECISIONS)}}}
PRICE = {"type": "object", "required": ["kind", "amount_min"], "properties": {
    "route": _nullable({"enum": list(ROUTES)}), "kind": {"enum": list(PRICE_KINDS)},
    "amount_min": NUMBER, "amount_max": _nullable(NUMBER), "currency": STRING,
    "sessions": _nullable({"type": "integer"}), "source_url": _nullable(STRING),
    "quote": _nullable(STRING)}}
INSURANCE = {"type": "object", "properties": {
    k: _nullable(BOOL) for k in INSURANCE_FIELDS}}
SUMMARY = {"type": "object", "required": ["id", "name", "distance"], "properties": {
    "id": STRING, "name": STRING, "organization": _nullable(STRING),
    "website": _nullable(STRING), "phone": _nullable(STRING), "address": ADDRESS,
    "location": _nullable(LOCATION), "routes": {"type": "array", "items": {"enum": list(ROUTES)}},
    "min_session_price": _nullable(NUMBER), "prices": {"type": "array", "items": PRICE},
    "conditions": {"type": "array", "items": {"enum": list(CONDITIONS)}},
    "therapy_integrated": _nullable(BOOL), "insurance": INSURANCE,
    "telehealth": _nullable(BOOL), "review_status": {"enum": list(REVIEW_STATUSES)},
    "last_seen": _nullable(STRING),
    "distance": {"type": "object", "required": ["mi", "km"],
                 "properties": {"mi": NUMBER, "km": NUMBER}}}}
CLINIC = {"type": "object", "required": ["id", "name"], "properties": {
    "id": STRING, "name": STRING, "organization": _nullable(STRING),
    "website": _nullable(STRING), "phone": _nullable(STRING), "email": _nullable(STRING),
    "address": ADDRESS, "location": _nullable(LOCATION),
    "routes": {"type": "array", "items": {"enum": list(ROUTES)}},
    "prices": {"type": "array", "items": PRICE},
    "conditions": {"type": "array", "items": {"enum": list(CONDITIONS)}},
    "therapy_integrated": _nullable(BOOL),
    "care_steps": {"type": "array", "items": {"enum": list(CARE_STEPS)}},
    "insurance": INSURANCE, "telehealth": _nullable(BOOL), "hours": _nullable(STRING),
    "sources": {"type": "array", "items": {"type": "object"}},
    "review": {"type": "object"}}}
SEARCH_RESULT = {"type": "object",
                 "required": ["origin", "total", "page", "per_page", "results", "facets"],
                 "properties": {
    "origin": {"type": "object", "properties": {
        "lat": NUMBER, "lon": NUMBER, "label": _nullable(STRING),
        "precision": _nullable({"enum": list(PRECISIONS)})}},
    "radius": {"type": "object"},
    "total": {"type": "integer"}, "page": {"type": "integer"}, "per_page": {"type": "integer"},
    "results": {"type": "array", "items": SUMMARY},
    "facets": {"type": "object", "properties": {
        "routes": {"type": "object", "properties": {r: {"type": "integer"} for r in ROUTES}},
        "price": {"type": "object", "properties": {
            "min": _nullable(NUMBER), "max": _nullable(NUMBER), "unknown": {"type": "integer"},
            "bands": {"type": "object",
                      "properties": {b: {"type": "integer"} for b, _, _ in PRICE_BANDS}}}}}}}}


def _error_responses(*statuses: int) -> dict[str, Any]:
    text = {400: "A parameter is not accepted; the error names it and what is accepted.",
            404: "Not found.",
            503: "The store cannot be reached; retry after the Retry-After seconds."}
    return {str(s): {"description": text[s],
                     "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
            for s in statuses}


@cache
def openapi_spec() -> dict[str, Any]:
    search_params = [
        _param("near", {"type": "string", "maxLength": MAX_TEXT},
               "Where to search: a US ZIP code, 'City, ST' or a street address. "
               "Give either near or lat+lon."),
        _param("lat", {"type": "number", "minimum": -90, "maximum": 90}, "Latitude (with lon)."),
        _param("lon", {"type": "number", "minimum": -180, "maximum": 180}, "Longitude (with lat)."),
        _param("radius", {"type": "number", "exclusiveMinimum": 0, "default": DEFAULT_RADIUS},
               f"Search radius in `unit`; at most {MAX_RADIUS_MI:g} mi."),
        _param("unit", {"enum": ["mi", "km"], "default": "mi"}, "Unit of radius."),
        _param("route", {"type": "array", "items": {"enum": list(ROUTES)}},
               "How ketamine is given; repeat or comma-separate for any of several.",
               explode=True),
        _param("condition", {"type": "array", "items": {"enum": list(CONDITIONS)}},
               "Condition treated; any of several.", explode=True),
        _param("max_price", {"type": "number", "minimum": 0},
               "Highest price of one session in USD; clinics without a known price are left out."),
        _param("insurance", BOOL, "Takes insurance (for ketamine or Spravato)."),
        _param("va", BOOL, "Takes VA Community Care."),
        _param("therapy", BOOL, "Psychotherapy integrated with the treatment."),
        _param("q", {"type": "string", "maxLength": MAX_TEXT}, "Words to look for."),
        _param("sort", {"enum": list(SORTS), "default": "distance"},
               "Nearest first; cheapest session first; or best text match first (with q)."),
        _param("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1},
               "Page of results, from 1."),
        _param("per_page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE,
                            "default": 20}, "Results per page."),
    ]
    return {
        "openapi": "3.1.0",
        "info": {"title": "katdir API", "version": "1.0.0",
                 "description": "Find ketamine-assisted therapy clinics near a place."},
        "paths": {
            "/api/v1/clinics/search": {"get": {
                "operationId": "searchClinics",
                "summary": "Approved clinics near a place, nearest first.",
                "parameters": search_params,
                "responses": {"200": {"description": "A page of clinics.", "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/SearchResult"}}}},
                    **_error_responses(400, 503)}}},
            "/api/v1/clinics/{id}": {"get": {
                "operationId": "getClinic",
                "summary": "One approved clinic, with its prices' sources.",
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": STRING}],
                "responses": {"200": {"description": "The clinic.", "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Clinic"}}}},
                    **_error_responses(404, 503)}}},
            "/api/v1/geocode": {"get": {
                "operationId": "geocode",
                "summary": "Coordinates of a ZIP code, city or address.",
                "parameters": [{"name": "q", "in": "query", "required": True,
                                "schema": {"type": "string", "minLength": 1,
                                           "maxLength": MAX_TEXT}}],
                "responses": {"200": {"description": "The place.", "content": {
                    "application/json": {"schema": {"type": "object", "properties": {
                        "query": STRING, "lat": NUMBER, "lon": NUMBER, "label": _nullable(STRING),
                        "precision": {"enum": list(PRECISIONS)}}}}}},
                    **_error_responses(400, 404)}}},
        },
        "components": {"schemas": {"Error": ERROR, "Clinic": CLINIC, "ClinicSummary": SUMMARY,
                                   "SearchResult": SEARCH_RESULT}},
    }
