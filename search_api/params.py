"""Reading and checking the search API's query parameters (pure: a mapping in, a value out).

A thin loop over the declarations in katdir.filters: each parameter is read by its kind, then
the few rules that tie parameters together are checked here. Every rejection names the
parameter, the value given and what is accepted, so a client can fix its request without
reading the source.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from werkzeug.datastructures import MultiDict

from katdir.filters import (
    BY_NAME,
    FILTERS,
    MAX_RADIUS_MI,
    MAX_TEXT,
    PARAMETERS,
    InvalidValue,
)
from katdir.geo import UNITS, to_km

SEARCH_PARAMETERS: tuple[str, ...] = tuple(p.name for p in PARAMETERS)
# Each parameter's value when it is not given (its kind's default), read once: a request
# names a few of the seventeen.
ABSENT: Mapping[str, Any] = {p.name: p.parse([]) for p in PARAMETERS}
__all__ = ["MAX_TEXT", "SEARCH_PARAMETERS", "BadParameter", "SearchParams", "parse_search"]


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
    """A checked search: where, how far, the filters given (by name) and which page."""

    near: str | None
    lat: float | None
    lon: float | None
    radius: float
    unit: str
    filters: Mapping[str, Any]  # filter name → value, only the filters given
    sort: str
    page: int
    per_page: int

    @property
    def radius_km(self) -> float:
        return to_km(self.radius, self.unit)

    @property
    def q(self) -> str | None:
        return self.filters.get("q")

    @property
    def routes(self) -> tuple[str, ...]:
        """The routes asked for: they also choose which prices count (katdir.pricing)."""
        return self.filters.get("route", ())


def _read(args: MultiDict, name: str) -> Any:
    parameter = BY_NAME[name]
    raw = args.getlist(name)
    if len(raw) > 1 and not parameter.kind.repeatable:
        raise BadParameter(
            name,
            raw,
            f"one value: {parameter.kind.accepted}",
            message=f"{name} is given {len(raw)} times: give it once",
        )
    try:
        return parameter.parse(raw)
    except InvalidValue as err:
        raise BadParameter(name, err.value, err.accepted) from None


def parse_search(args: MultiDict, *, allowed_extra: tuple[str, ...] = ()) -> SearchParams:
    """The search parameters of a request, checked; raises BadParameter for the first bad one."""
    for name in args:
        if name not in BY_NAME and name not in allowed_extra:
            raise BadParameter(
                name,
                args.get(name),
                "one of the parameters " + ", ".join(SEARCH_PARAMETERS),
                message=f"unknown parameter {name!r}",
            )
    value = dict(ABSENT)
    value.update((name, _read(args, name)) for name in args if name in BY_NAME)

    unit, radius = value["unit"], value["radius"]
    max_radius = MAX_RADIUS_MI * UNITS["mi"] / UNITS[unit]
    if radius > max_radius:
        raise BadParameter(
            "radius",
            args.get("radius"),
            f"a number greater than 0 and at most {max_radius:g} ({unit})",
        )

    near, lat, lon = value["near"], value["lat"], value["lon"]
    if (lat is None) != (lon is None):
        missing = "lon" if lon is None else "lat"
        raise BadParameter(
            missing,
            None,
            "lat and lon together",
            message=f"{missing} is missing: lat and lon go together",
        )
    if near and lat is not None:
        raise BadParameter(
            "near", near, "either near or lat+lon", message="give either near or lat+lon, not both"
        )
    if not near and lat is None:
        raise BadParameter(
            "near",
            None,
            "a ZIP code, 'City, ST' or an address; or lat+lon",
            message="where to search is missing: give near or lat+lon",
        )

    return SearchParams(
        near=near,
        lat=lat,
        lon=lon,
        radius=radius,
        unit=unit,
        filters={f.name: value[f.name] for f in FILTERS if value[f.name] not in (None, ())},
        sort=value["sort"],
        page=value["page"],
        per_page=value["per_page"],
    )
