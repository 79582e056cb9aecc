"""What every geocoder in katdir answers — geopy's interface, so the offline gazetteer, the
chain and any geopy provider are interchangeable wherever one is asked."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class Geocoder(Protocol):
    """`geocode(query)` → a geopy `Location` (or a list with `exactly_one=False`) or None.
    katdir's geocoders put `raw["precision"]` (rooftop | street | postal_code | city) and
    `raw["source"]` in every answer."""

    def geocode(self, query: str, exactly_one: bool = True, timeout: Any = None) -> Any: ...


@runtime_checkable
class BatchGeocoder(Geocoder, Protocol):
    """A geocoder that answers many queries at once (as `geocode` would, one by one), with
    the (lat, lon, raw["precision"]) of each answer, or None."""

    def points_many(self, queries: Iterable[str]) -> dict[str, tuple[float, float, str] | None]: ...
