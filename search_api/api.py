"""The public JSON API, version 1: near-me search, clinic detail, geocoding, the OpenAPI spec."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request

from katdir.geo import KM_PER_MILE
from katdir.store import NearQuery, SearchResult
from search_api import resources
from search_api.errors import APIError
from search_api.openapi import openapi_spec
from search_api.params import MAX_TEXT, BadParameter, SearchParams, parse_search

api = Blueprint("api", __name__, url_prefix="/api/v1")


def resolve_origin(params: SearchParams) -> dict[str, Any]:
    """Where the search is centred: given coordinates, or the geocoded `near`."""
    if params.lat is not None:
        return {"lat": params.lat, "lon": params.lon, "label": None, "precision": None}
    location = resources.geocoder().geocode(params.near)
    if location is None:
        raise BadParameter(
            "near", params.near, "a US ZIP code, 'City, ST' or a street address",
            message=f"near={params.near!r} is not a place we know: "
                    "try a 5-digit ZIP code or 'City, ST'")
    return {"lat": location.latitude, "lon": location.longitude, "label": location.address,
            "precision": location.raw.get("precision")}


def result_page(params: SearchParams, origin: dict[str, Any], result: SearchResult) -> dict:
    results = []
    for hit in result.hits:
        summary = hit.clinic.summary()
        summary["distance"] = {"mi": round(hit.distance_km / KM_PER_MILE, 2),
                               "km": round(hit.distance_km, 2)}
        results.append(summary)
    return {
        "origin": origin,
        "radius": {"value": params.radius, "unit": params.unit},
        "total": result.total,
        "page": params.page,
        "per_page": params.per_page,
        "results": results,
        "facets": result.facets,
    }


def near_query(params: SearchParams, origin: dict[str, Any]) -> NearQuery:
    return NearQuery(
        lat=origin["lat"], lon=origin["lon"], radius_km=params.radius_km,
        routes=params.routes, conditions=params.conditions, max_price=params.max_price,
        insurance=params.insurance, va=params.va, therapy=params.therapy, text=params.q,
        sort=params.sort, page=params.page, per_page=params.per_page,
    )


@api.get("/clinics/search")
def search_clinics():
    params = parse_search(request.args)
    origin = resolve_origin(params)
    result = resources.store().search(near_query(params, origin))
    return jsonify(result_page(params, origin, result))


@api.get("/clinics/<clinic_id>")
def get_clinic(clinic_id: str):
    clinic = resources.store().get(clinic_id)
    if clinic is None or not clinic.is_public:
        raise APIError(404, "not_found", f"no clinic with id {clinic_id!r}",
                       {"parameter": "id", "value": clinic_id})
    return jsonify(clinic.public_view())


@api.get("/geocode")
def geocode():
    query = (request.args.get("q") or "").strip()
    if not query or len(query) > MAX_TEXT:
        raise BadParameter("q", query or None,
                           f"a ZIP code, 'City, ST' or an address of at most {MAX_TEXT} characters")
    location = resources.geocoder().geocode(query)
    if location is None:
        raise APIError(404, "not_found", f"no place found for {query!r}",
                       {"parameter": "q", "value": query})
    return jsonify({"query": query, "lat": location.latitude, "lon": location.longitude,
                    "label": location.address, "precision": location.raw.get("precision")})


@api.get("/openapi.json")
def openapi():
    from search_api.curator.openapi import with_curator_api

    return jsonify(with_curator_api(openapi_spec()))
