"""The OpenAPI 3.1 document of the public API, generated: the search parameters from the
filter declarations (katdir.filters), the answers' schemas from the pydantic models
(katdir.model, search_api.schemas). Nothing in it is written twice."""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from katdir import export
from katdir.filters import EXCLUSIVE, MAX_TEXT, PARAMETERS, Parameter
from katdir.model import Clinic
from search_api import schemas

REF = "#/components/schemas/{model}"
ANSWERS: tuple[type[BaseModel], ...] = (Clinic, schemas.SearchResult, schemas.Place, schemas.Error)
ERRORS = {
    400: "A parameter is not accepted: the error names it and says what is accepted.",
    404: "Not found.",
    503: "The store cannot be reached; retry after the Retry-After seconds.",
}


def _exclusive_words() -> str:
    groups = [" + ".join(group) for group in EXCLUSIVE]
    return "Give exactly one of: " + ", or ".join(groups) + " (they exclude each other)."


def query_parameter(parameter: Parameter) -> dict[str, Any]:
    """One search parameter in OpenAPI's words, from its declaration."""
    description = parameter.help
    if any(parameter.name in group for group in EXCLUSIVE):
        description += " " + _exclusive_words()
    if not parameter.kind.repeatable:
        description += " Give it at most once."
    described: dict[str, Any] = {
        "name": parameter.name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": parameter.kind.schema(),
    }
    if parameter.kind.repeatable:
        # route=iv&route=im; a comma list (route=iv,im) is accepted too.
        described.update(style="form", explode=True)
    return described


def _json(model: str, description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": REF.format(model=model)}}},
    }


def _errors(*statuses: int) -> dict[str, Any]:
    return {str(status): _json("Error", ERRORS[status]) for status in statuses}


def component_schemas() -> dict[str, Any]:
    """Every model the answers use, by name, as JSON Schema (pydantic, serialization mode)."""
    _, top = models_json_schema([(model, "serialization") for model in ANSWERS], ref_template=REF)
    return top.get("$defs", {})


@cache
def openapi_spec() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "katdir API",
            "version": "1.0.0",
            "description": "Find ketamine-assisted therapy clinics near a place.",
        },
        "paths": {
            "/api/v1/clinics/search": {
                "get": {
                    "operationId": "searchClinics",
                    "summary": "Approved clinics near a place, nearest first.",
                    "description": "Where to search from: "
                    + _exclusive_words()
                    + " lat and lon go together. Every other parameter is "
                    "optional; a parameter not listed here is refused.",
                    "parameters": [query_parameter(p) for p in PARAMETERS],
                    # Not expressible in OpenAPI's parameter objects: stated for tools that read it.
                    "x-exclusive-parameters": [list(group) for group in EXCLUSIVE],
                    "responses": {
                        "200": _json("SearchResult", "A page of clinics."),
                        **_errors(400, 503),
                    },
                }
            },
            "/api/v1/clinics/{id}": {
                "get": {
                    "operationId": "getClinic",
                    "summary": "One approved clinic, with its prices' sources.",
                    "parameters": [
                        {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
                    ],
                    "responses": {"200": _json("Clinic", "The clinic."), **_errors(404, 503)},
                }
            },
            "/api/v1/geocode": {
                "get": {
                    "operationId": "geocode",
                    "summary": "Coordinates of a ZIP code, city or address.",
                    "parameters": [
                        {
                            "name": "q",
                            "in": "query",
                            "required": True,
                            "schema": {"type": "string", "minLength": 1, "maxLength": MAX_TEXT},
                        }
                    ],
                    "responses": {"200": _json("Place", "The place."), **_errors(400, 404)},
                }
            },
            "/api/v1/export.{format}": {
                "get": {
                    "operationId": "exportDirectory",
                    "summary": "The public directory as open data (licence and date included).",
                    "description": "GeoJSON carries `licence`, `attribution` and `exported_at` "
                    "beside its features; JSON Lines starts with a "
                    '`{"katdir_export": {...}}` line; every format is sent '
                    'with a `Link: <…>; rel="license"` header and a dated '
                    "file name.",
                    "parameters": [
                        {
                            "name": "format",
                            "in": "path",
                            "required": True,
                            "schema": {"enum": list(export.FORMATS)},
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "The export, streamed.",
                            "content": {
                                mimetype: {"schema": {"type": "string"}}
                                for mimetype in export.FORMATS.values()
                            },
                        },
                        **_errors(404),
                    },
                }
            },
        },
        "components": {"schemas": component_schemas()},
    }
