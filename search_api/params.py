"""Reading and checking the search API's query parameters (pure: a mapping in, a value out).

Every rejection names the parameter, the value given and what is accepted, so a client
can fix its request without reading the source.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from werkzeug.datastructures import MultiDict

from katdir.geo import UNITS, to_km
from katdir.model import CONDITIONS, ROUTES
from katdir.store.base import SORTS

DEFAULT_RADIUS = 25.0
MAX_RADIUS_MI = 500.0
MAX_PER_PAGE = 100
MAX_PAGE = 1000
MAX_TEXT = 200
TRUE_WORDS = {"true", "1", "yes", "on"}
FALSE_WORDS = {"false", "0", "no", "off"}

SEARCH_PARAMETERS = (
    "near", "lat", "lon", "radius", "unit", "route", "max_price", "insurance", "va", "therapy",
    "condition", "q", "sort", "page", "per_page",
)


class BadParameter(ValueError):
    """A query parameter the API cannot use; becomes a 400 naming it."""

    code = "invalid_parameter"

    def __init__(self, parameter: str, value: Any, accepted: str, message: str | None = None):
        self.parameter = parameter
        self.value = value
        self.accepted = accepted
        given = "is missing" if value is None else f"={value!r} is not accepted"
        self.message = message or f"{parameter}{given}: expected {accepted}"
        super().__init__(self.message)

    def details(self) -> dict[str, Any]:
        return {"parameter": self.parameter, "value": self.value, "accepted": self.accepted}


@dataclass(frozen=True)
class SearchParams:
    near: str | None
    lat: float | None
    lon: float | None
    radius: float
    unit: str
    routes: tuple[str, ...]
    conditions: tuple[str, ...]
    max_price: float | None
    insurance: bool | None
    va: bool | None
    therapy: bool | None
    q: str | None
    sort: str
    page: int
    per_page: int

    @property
    def radius_km(self) -> float:
        return to_km(self.radius, self.unit)


def _number(args: MultiDict, name: str, low: float, high: float, accepted: str) -> float | None:
    raw = args.get(name)
    if raw is None or raw.strip() == "":
        return None
    try:
        value = float(raw)
    except ValueError:
        raise BadParameter(name, raw, accepted) from None
    if not math.isfinite(value) or not low <= value <= high:
        raise BadParameter(name, raw, accepted)
    return value


def _integer(args: MultiDict, name: str, default: int, low: int, high: int) -> int:
    raw = args.get(name)
    if raw is None or raw.strip() == "":
        return default
    accepted = f"a whole number from {low} to {high}"
    try:
        value = int(raw)
    except ValueError:
        raise BadParameter(name, raw, accepted) from None
    if not low <= value <= high:
        raise BadParameter(name, raw, accepted)
    return value


def _choices(args: MultiDict, name: str, vocabulary: tuple[str, ...]) -> tuple[str, ...]:
    """A repeatable parameter that also takes comma lists: route=iv&route=im or route=iv,im."""
    values = [v.strip().lower() for raw in args.getlist(name) for v in raw.split(",") if v.strip()]
    for value in values:
        if value not in vocabulary:
            raise BadParameter(name, value, "one or more of " + ", ".join(vocabulary))
    return tuple(dict.fromkeys(values))


def _boolean(args: MultiDict, name: str) -> bool | None:
    raw = args.get(name)
    if raw is None or raw.strip() == "":
        return None
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise BadParameter(name, raw, "true or false")


def _choice(args: MultiDict, name: str, options: tuple[str, ...], default: str) -> str:
    raw = args.get(name)
    if raw is None or raw.strip() == "":
        return default
    if raw.strip().lower() not in options:
        raise BadParameter(name, raw, "one of " + ", ".join(options))
    return raw.strip().lower()


def parse_search(args: MultiDict, *, allowed_extra: tuple[str, ...] = ()) -> SearchParams:
    """The search parameters of a request, checked; raises BadParameter for the first bad one."""
    for name in args:
        if name not in SEARCH_PARAMETERS and name not in allowed_extra:
            raise BadParameter(name, args.get(name), "one of the parameters "
                               + ", ".join(SEARCH_PARAMETERS),
                               message=f"unknown parameter {name!r}")

    unit = _choice(args, "unit", tuple(UNITS), "mi")
    max_radius = MAX_RADIUS_MI * UNITS["mi"] / UNITS[unit]
    radius_text = f"a number greater than 0 and at most {max_radius:g} ({unit})"
    radius = _number(args, "radius", 0, max_radius, radius_text)
    if radius == 0:
        raise BadParameter("radius", args.get("radius"), radius_text)

    lat = _number(args, "lat", -90, 90, "a latitude in degrees from -90 to 90")
    lon = _number(args, "lon", -180, 180, "a longitude in degrees from -180 to 180")
    near = (args.get("near") or "").strip() or None
    if (lat is None) != (lon is None):
        missing = "lon" if lon is None else "lat"
        raise BadParameter(missing, None, "lat and lon together",
                           message=f"{missing} is missing: lat and lon go together")
    if near and lat is not None:
        raise BadParameter("near", near, "either near or lat+lon",
                           message="give either near or lat+lon, not both")
    if not near and lat is None:
        raise BadParameter("near", None, "a ZIP code, 'City, ST' or an address; or lat+lon",
                           message="where to search is missing: give near or lat+lon")
    if near and len(near) > MAX_TEXT:
        raise BadParameter("near", near[:40] + "…", f"at most {MAX_TEXT} characters")

    q = (args.get("q") or "").strip() or None
    if q and len(q) > MAX_TEXT:
        raise BadParameter("q", q[:40] + "…", f"at most {MAX_TEXT} characters")

    return SearchParams(
        near=near,
        lat=lat,
        lon=lon,
        radius=DEFAULT_RADIUS if radius is None else radius,
        unit=unit,
        routes=_choices(args, "route", ROUTES),
        conditions=_choices(args, "condition", CONDITIONS),
        max_price=_number(args, "max_price", 0, 1_000_000, "a price in USD, 0 or more"),
        insurance=_boolean(args, "insurance"),
        va=_boolean(args, "va"),
        therapy=_boolean(args, "therapy"),
        q=q,
        sort=_choice(args, "sort", SORTS, "distance"),
        page=_integer(args, "page", 1, 1, MAX_PAGE),
        per_page=_integer(args, "per_page", 20, 1, MAX_PER_PAGE),
    )
