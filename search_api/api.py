"""The public JSON API, version 1: near-me search, clinic detail, geocoding, the OpenAPI spec."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request, stream_with_context

from katdir import export
from katdir.filters import MAX_TEXT
from katdir.model import utcnow
from search_api import answers, resources
from search_api.errors import APIError
from search_api.openapi import openapi_spec
from search_api.params import BadParameter

api = Blueprint("api", __name__, url_prefix="/api/v1")


@api.get("/clinics/search")
def search_clinics():
    return answers.response(answers.search(request.args))


@api.get("/clinics/<clinic_id>")
def get_clinic(clinic_id: str):
    answer = answers.clinic(clinic_id)
    if answer is None:
        raise APIError(
            404,
            "not_found",
            f"no clinic with id {clinic_id!r}",
            {"parameter": "id", "value": clinic_id},
        )
    return answers.response(answer)


@api.get("/geocode")
def geocode():
    query = (request.args.get("q") or "").strip()
    if not query or len(query) > MAX_TEXT:
        raise BadParameter(
            "q",
            query or None,
            f"a ZIP code, 'City, ST' or an address of at most {MAX_TEXT} characters",
        )
    location = resources.geocoder().geocode(query)
    if location is None:
        raise APIError(
            404, "not_found", f"no place found for {query!r}", {"parameter": "q", "value": query}
        )
    return jsonify(
        {
            "query": query,
            "lat": location.latitude,
            "lon": location.longitude,
            "label": location.address,
            "precision": location.raw.get("precision"),
        }
    )


@api.get("/export.<fmt>")
def export_directory(fmt: str):
    """The public directory as open data, streamed: JSON Lines, CSV or GeoJSON."""
    if fmt not in export.FORMATS:
        raise APIError(
            404,
            "not_found",
            f"no export format {fmt!r}",
            {"parameter": "format", "value": fmt, "accepted": ", ".join(export.FORMATS)},
        )
    exported_at = utcnow()
    chunks = export.export_chunks(resources.store().iter_clinics(), fmt, exported_at=exported_at)
    response = Response(stream_with_context(chunks), mimetype=export.FORMATS[fmt])
    name = f"katdir-clinics-{exported_at:%Y-%m-%d}.{fmt}"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Link"] = f'<{export.LICENCE_URL}>; rel="license"'
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@api.get("/openapi.json")
def openapi():
    from search_api.curator.openapi import with_curator_api

    return jsonify(with_curator_api(openapi_spec()))
