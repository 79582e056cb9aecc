"""The public JSON API, version 1: near-me search, clinic detail, geocoding, the OpenAPI spec."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from flask import Blueprint, jsonify, request

from katdir.geo import EARTH_RADIUS_KM, KM_PER_MILE, UNITS, to_km
from katdir.pricing import series_cost, session_price
from katdir.store import Hit, NearQuery, SearchResult, Store
from katdir.store.base import RoutePrices, context_routes
from search_api import resources
from search_api.errors import APIError
from search_api.openapi import openapi_spec
from search_api.params import MAX_RADIUS_MI, MAX_TEXT, BadParameter, SearchParams, parse_search

HALF_EARTH_KM = math.pi * EARTH_RADIUS_KM  # the whole sphere

api = Blueprint("api", __name__, url_prefix="/api/v1")


# A bare place name is ambiguous when a second place of that name has at least this share of
# the most populous one's people: "Portland" (OR 650k, ME 67k) is; "Austin" (TX 970k, MN 25k)
# is not. Places too small for GeoNames' list are never the reason to ask.
AMBIGUOUS_SHARE = 0.05
MAX_CANDIDATES = 8


def place_candidates(found: list) -> list[dict[str, Any]]:
    """The places a bare name may mean, when it is worth asking which (else [])."""
    if len(found) < 2 or not found[0].raw.get("ambiguous"):
        return []
    known = [loc for loc in found if loc.raw.get("population")]
    if len(known) < 2 or known[1].raw["population"] < AMBIGUOUS_SHARE * known[0].raw["population"]:
        return []
    return [{"label": loc.address, "lat": loc.latitude, "lon": loc.longitude,
             "population": loc.raw["population"]} for loc in known[:MAX_CANDIDATES]]


class AmbiguousPlace(BadParameter):
    """`near` names several places; the visitor chooses (a 400 listing the candidates)."""

    code = "ambiguous_place"

    def __init__(self, near: str, candidates: list[dict[str, Any]]):
        names = " / ".join(c["label"] for c in candidates[:3])
        super().__init__("near", near, "one of the candidate places, e.g. "
                         + repr(candidates[0]["label"]),
                         message=f"near={near!r} names several places ({names}…): "
                                 "add the state, e.g. " + repr(candidates[0]["label"]))
        self.candidates = candidates

    def details(self) -> dict[str, Any]:
        return {**super().details(), "candidates": self.candidates}


def resolve_origin(params: SearchParams) -> dict[str, Any]:
    """Where the search is centred: given coordinates, or the geocoded `near`, with how
    precise that point is (`precision`) and whether part of the text went unused
    (`street_ignored`: a street address searched from its ZIP or city centre)."""
    if params.lat is not None:
        return {"lat": params.lat, "lon": params.lon, "label": None, "precision": None,
                "street_ignored": False}
    found = resources.geocoder().geocode(params.near, exactly_one=False) or []
    if not found:
        raise BadParameter(
            "near", params.near, "a US ZIP code, 'City, ST' or a street address",
            message=f"near={params.near!r} is not a place we know: "
                    "try a 5-digit ZIP code or 'City, ST'")
    candidates = place_candidates(found)
    if candidates:
        raise AmbiguousPlace(params.near, candidates)
    location = found[0]
    precision = location.raw.get("precision")
    return {"lat": location.latitude, "lon": location.longitude, "label": location.address,
            "precision": precision,
            "street_ignored": bool(location.raw.get("street")) and precision in (
                "postal_code", "city")}


def distance_of(km: float) -> dict[str, float]:
    return {"mi": round(km / KM_PER_MILE, 2), "km": round(km, 2)}


def clinic_summary(hit: Hit, routes: tuple[str, ...]) -> dict[str, Any]:
    """A result: the clinic's summary, with the price of a session and of an initial series
    for the routes searched for (every route when none was asked)."""
    summary = hit.clinic.summary()
    price = session_price(hit.clinic, routes)
    series = series_cost(hit.clinic, routes)
    summary["min_session_price"] = price.amount if price else None
    summary["session_price"] = price.as_dict() if price else None
    summary["series_cost"] = series.as_dict() if series else None
    summary["distance"] = distance_of(hit.distance_km)
    return summary


def result_page(params: SearchParams, origin: dict[str, Any], result: SearchResult, *,
                price_context: dict | None = None, nearest_beyond: dict | None = None) -> dict:
    return {
        "origin": origin,
        "radius": {"value": params.radius, "unit": params.unit},
        "total": result.total,
        "page": params.page,
        "per_page": params.per_page,
        "results": [clinic_summary(hit, params.routes) for hit in result.hits],
        "facets": result.facets,
        "price_context": {route: stats.as_dict() for route, stats in (price_context or {}).items()},
        "nearest_beyond": nearest_beyond,
    }


def near_query(params: SearchParams, origin: dict[str, Any]) -> NearQuery:
    return NearQuery(
        lat=origin["lat"], lon=origin["lon"], radius_km=params.radius_km,
        routes=params.routes, conditions=params.conditions, max_price=params.max_price,
        insurance=params.insurance, va=params.va, therapy=params.therapy, text=params.q,
        sort=params.sort, page=params.page, per_page=params.per_page,
    )


def find_nearest_beyond(store: Store, query: NearQuery, unit: str) -> dict[str, Any] | None:
    """The nearest clinic that matches everything but the radius, and the radius (in `unit`)
    that would reach it — None when it is beyond the largest radius the API allows."""
    for radius_km in (4 * query.radius_km, to_km(MAX_RADIUS_MI, "mi"), HALF_EARTH_KM):
        if radius_km <= query.radius_km:
            continue
        found = store.search(replace(query, radius_km=radius_km, sort="distance", page=1,
                                     per_page=1))
        if found.hits:
            hit = found.hits[0]
            reach = math.ceil(hit.distance_km / UNITS[unit] * 1.02)  # a margin for rounding
            limit = MAX_RADIUS_MI * UNITS["mi"] / UNITS[unit]
            return {"id": hit.clinic.id, "name": hit.clinic.name,
                    "city": hit.clinic.address.city, "state": hit.clinic.address.state,
                    "distance": distance_of(hit.distance_km),
                    "radius": reach if reach <= limit else None, "unit": unit}
    return None


def search(params: SearchParams) -> dict[str, Any]:
    """A whole answer: the page of results, the local price context, and when nothing
    matches, the nearest match beyond the radius."""
    origin = resolve_origin(params)
    query = near_query(params, origin)
    store = resources.store()
    result = store.search(query)
    beyond = find_nearest_beyond(store, query, params.unit) if result.total == 0 else None
    context = store.price_context(query) if result.total else {
        route: RoutePrices(0) for route in context_routes(query)}
    return result_page(params, origin, result, price_context=context, nearest_beyond=beyond)


@api.get("/clinics/search")
def search_clinics():
    return jsonify(search(parse_search(request.args)))


@api.get("/clinics/<clinic_id>")
def get_clinic(clinic_id: str):
    clinic = resources.store().get(clinic_id)
    if clinic is None or not clinic.is_public:
        raise APIError(404, "not_found", f"no clinic with id {clinic_id!r}",
                       {"parameter": "id", "value": clinic_id})
    return jsonify(clinic.model_dump(mode="json", exclude={"overrides"}))


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
    return jsonify(openapi_spec())
