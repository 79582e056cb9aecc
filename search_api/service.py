"""Search as a service: a request's query parameters in, an answer a visitor can act on out.

The JSON API and the web pages both call `search`; neither builds queries itself. The store
and the geocoder are passed in, so the service knows nothing of Flask. Besides the page of
results, the answer says what the prices around are (`price_context`), where the nearest
match is when there is none within the radius (`nearest_beyond`), and asks which place a bare
name means when several places share it.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import orjson
from werkzeug.datastructures import MultiDict

from katdir.card import result_json, shown
from katdir.filters import MAX_RADIUS_MI
from katdir.geo import EARTH_RADIUS_KM, KM_PER_MILE, UNITS, to_km
from katdir.store import Hit, NearQuery, SearchResult, Store
from katdir.store.base import RoutePrices
from search_api.params import BadParameter, SearchParams, parse_search

HALF_EARTH_KM = math.pi * EARTH_RADIUS_KM  # a radius that holds the whole sphere
# A bare place name is ambiguous when a second place of that name has at least this share of
# the most populous one's people: "Portland" (OR 650k, ME 67k) is; "Austin" (TX 970k, MN 25k)
# is not. Places too small for GeoNames' list are never the reason to ask.
AMBIGUOUS_SHARE = 0.05
MAX_CANDIDATES = 8


class AmbiguousPlace(BadParameter):
    """`near` names several places; the visitor chooses (a 400 listing the candidates)."""

    code = "ambiguous_place"

    def __init__(self, near: str, candidates: list[dict[str, Any]]):
        names = " / ".join(c["label"] for c in candidates[:3])
        example = repr(candidates[0]["label"])
        super().__init__(
            "near",
            near,
            f"one of the candidate places, e.g. {example}",
            message=f"near={near!r} names several places ({names}…): add the state, e.g. {example}",
        )
        self.candidates = candidates

    def details(self) -> dict[str, Any]:
        return {**super().details(), "candidates": self.candidates}


def place_candidates(found: list) -> list[dict[str, Any]]:
    """The places a bare name may mean, when it is worth asking which (else [])."""
    if len(found) < 2 or not found[0].raw.get("ambiguous"):
        return []
    known = [loc for loc in found if loc.raw.get("population")]
    if len(known) < 2 or known[1].raw["population"] < AMBIGUOUS_SHARE * known[0].raw["population"]:
        return []
    return [
        {
            "label": loc.address,
            "lat": loc.latitude,
            "lon": loc.longitude,
            "population": loc.raw["population"],
        }
        for loc in known[:MAX_CANDIDATES]
    ]


def resolve_origin(params: SearchParams, geocoder: Any) -> dict[str, Any]:
    """Where the search is centred: given coordinates, or the geocoded `near`, with how
    precise that point is (`precision`) and whether part of the text went unused
    (`street_ignored`: a street address searched from its ZIP or city centre)."""
    if params.lat is not None:
        return {
            "lat": params.lat,
            "lon": params.lon,
            "label": None,
            "precision": None,
            "street_ignored": False,
        }
    found = geocoder.geocode(params.near, exactly_one=False) or []
    if not found:
        raise BadParameter(
            "near",
            params.near,
            "a US ZIP code, 'City, ST' or a street address",
            message=f"near={params.near!r} is not a place we know: "
            "try a 5-digit ZIP code or 'City, ST'",
        )
    candidates = place_candidates(found)
    if candidates:
        raise AmbiguousPlace(params.near, candidates)
    location = found[0]
    precision = location.raw.get("precision")
    return {
        "lat": location.latitude,
        "lon": location.longitude,
        "label": location.address,
        "precision": precision,
        "street_ignored": bool(location.raw.get("street")) and precision in ("postal_code", "city"),
    }


def near_query(params: SearchParams, origin: dict[str, Any]) -> NearQuery:
    return NearQuery(
        lat=origin["lat"],
        lon=origin["lon"],
        radius_km=params.radius_km,
        filters=params.filters,
        sort=params.sort,
        page=params.page,
        per_page=params.per_page,
    )


def distance_of(km: float) -> dict[str, float]:
    return {"mi": round(km / KM_PER_MILE, 2), "km": round(km, 2)}


def clinic_summary(hit: Hit, routes: tuple[str, ...]) -> orjson.Fragment:
    """A result: the clinic's card as it was stored (katdir.card), with its distance and the
    price of a session and of an initial series for the routes searched for (every route
    when none was); JSON already, which the answer's encoder puts in as it is."""
    return orjson.Fragment(result_json(hit.card, distance_of(hit.distance_km), routes))


def result_page(
    params: SearchParams,
    origin: dict[str, Any],
    result: SearchResult,
    *,
    price_context: dict[str, RoutePrices] | None = None,
    nearest_beyond: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The search answer as the API returns it (and the pages render it)."""
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


def find_nearest_beyond(store: Store, query: NearQuery, unit: str) -> dict[str, Any] | None:
    """The nearest clinic that matches everything but the radius, and the radius (in `unit`,
    rounded up) that reaches it — None when it is beyond the largest radius allowed. Wider
    circles one after the other, so that a near miss costs a small search."""
    for radius_km in (4 * query.radius_km, to_km(MAX_RADIUS_MI, "mi"), HALF_EARTH_KM):
        if radius_km <= query.radius_km:
            continue
        found = store.search(
            replace(query, radius_km=radius_km, sort="distance", page=1, per_page=1)
        )
        if found.hits:
            hit = found.hits[0]
            clinic = shown(hit.card)
            reach = math.ceil(hit.distance_km * 1.01 / UNITS[unit])  # a margin for rounding
            limit = MAX_RADIUS_MI * UNITS["mi"] / UNITS[unit]
            return {
                "id": clinic["id"],
                "name": clinic["name"],
                "city": clinic["address"]["city"],
                "state": clinic["address"]["state"],
                "distance": distance_of(hit.distance_km),
                "radius": reach if reach <= limit else None,
                "unit": unit,
            }
    return None


def search(
    args: MultiDict,
    *,
    store: Store,
    geocoder: Any,
) -> dict[str, Any]:
    """Check the parameters, find the origin, ask the store; raises BadParameter on bad input
    (AmbiguousPlace when `near` names several places). The answer's results are JSON already
    (orjson.Fragment): it is for the app's JSON encoder, which writes them as they are."""
    params = parse_search(args)
    origin = resolve_origin(params, geocoder)
    query = near_query(params, origin)
    result, context = store.search_with_context(query)
    beyond = None if result.total else find_nearest_beyond(store, query, params.unit)
    return result_page(params, origin, result, price_context=context, nearest_beyond=beyond)
