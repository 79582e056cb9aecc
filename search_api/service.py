"""Search as a service: a request's query parameters in, a page of results out.

The JSON API and the web pages both call `search`; neither builds queries itself. The store
and the geocoder are passed in, so the service knows nothing of Flask.
"""

from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict

from katdir.geo import KM_PER_MILE
from katdir.store import NearQuery, SearchResult, Store
from search_api.params import BadParameter, SearchParams, parse_search


def resolve_origin(params: SearchParams, geocoder: Any) -> dict[str, Any]:
    """Where the search is centred: given coordinates, or the geocoded `near`."""
    if params.lat is not None:
        return {"lat": params.lat, "lon": params.lon, "label": None, "precision": None}
    location = geocoder.geocode(params.near)
    if location is None:
        raise BadParameter(
            "near", params.near, "a US ZIP code, 'City, ST' or a street address",
            message=f"near={params.near!r} is not a place we know: "
                    "try a 5-digit ZIP code or 'City, ST'")
    return {"lat": location.latitude, "lon": location.longitude, "label": location.address,
            "precision": location.raw.get("precision")}


def near_query(params: SearchParams, origin: dict[str, Any]) -> NearQuery:
    filters = params.filters
    return NearQuery(
        lat=origin["lat"], lon=origin["lon"], radius_km=params.radius_km,
        routes=filters.get("route", ()), conditions=filters.get("condition", ()),
        max_price=filters.get("max_price"), insurance=filters.get("insurance"),
        va=filters.get("va"), therapy=filters.get("therapy"), text=filters.get("q"),
        sort=params.sort, page=params.page, per_page=params.per_page,
    )


def result_page(params: SearchParams, origin: dict[str, Any], result: SearchResult) -> dict:
    """The search answer as the API returns it (and the pages render it)."""
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


def search(args: MultiDict, *, store: Store, geocoder: Any) -> dict[str, Any]:
    """Check the parameters, find the origin, ask the store; raises BadParameter on bad input."""
    params = parse_search(args)
    origin = resolve_origin(params, geocoder)
    return result_page(params, origin, store.search(near_query(params, origin)))
