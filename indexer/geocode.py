"""Points for clinics through the geocoder chain (docs/architecture.md §6), asked once per distinct query.

Two kinds of question: `coarse_point` (the ZIP or city centroid, which the offline gazetteer
answers as final, so matching never goes online), and `locate` (a clinic's whole address,
which may go online and be cached when an online geocoder is configured). `Locator` keeps
every answer of a run in memory, so thousands of listings at one address cost one lookup.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from katdir.geocoding.protocol import BatchGeocoder, Geocoder
from katdir.model import Address, Clinic, Location

log = logging.getLogger(__name__)

# A geocoder answers with one of these; anything else is read as the coarsest.
_PRECISIONS = ("rooftop", "street", "postal_code", "city")


def address_queries(address: Address) -> list[str]:
    """What to ask for an address, finest first: the whole line, the ZIP, the city."""
    queries = [address.one_line()]
    if address.postal_code:
        queries.append(address.postal_code[:5])
    if address.city and address.state:
        queries.append(f"{address.city}, {address.state}")
    return [q for q in dict.fromkeys(queries) if q]


class Locator:
    """A geocoder's answers for one indexing run, each query asked once."""

    def __init__(self, geocoder: Geocoder):
        self.geocoder = geocoder
        self._answers: dict[str, tuple[float, float, str] | None] = {}

    def ask(self, query: str) -> tuple[float, float, str] | None:
        """(lat, lon, precision) for a query, or None; never raises for one bad query."""
        try:
            return self._answers[query]
        except KeyError:
            pass
        try:
            found = self.geocoder.geocode(query)
        except Exception:  # one failing query must not stop a run of thousands
            log.exception("geocoding failed for a clinic address query")
            found = None
        answer = self._answers[query] = _answer(found)
        return answer

    def prefetch(self, addresses: Iterable[Address | None]) -> None:
        """Ask for the whole line of many addresses at once, when the geocoder answers batches
        (`BatchGeocoder.points_many`, the chain's: one cache read instead of one per address);
        `locate` then finds the answers here. The same answers as asking one by one."""
        if not isinstance(self.geocoder, BatchGeocoder):
            return
        queries = [address.one_line() for address in addresses if address is not None]
        try:
            found = self.geocoder.points_many(q for q in queries if q and q not in self._answers)
        except Exception:  # `ask` will try them one by one, and log what fails
            log.exception("geocoding a batch of clinic addresses failed")
            return
        for query, point in found.items():
            self._answers[query] = _ranked(point)

    def coarse_point(self, address: Address | None) -> tuple[float, float] | None:
        """The ZIP centroid, else the city's: enough to tell towns apart, never online."""
        if address is None:
            return None
        for query in (
            address.postal_code[:5] if address.postal_code else None,
            f"{address.city}, {address.state}" if address.city and address.state else None,
        ):
            if query:
                answer = self.ask(query)
                if answer is not None:
                    return answer[0], answer[1]
        return None

    def locate(self, address: Address | None) -> dict[str, Any] | None:
        """The finest point the chain has for an address: {lat, lon, precision} (a `Location`)."""
        if address is None:
            return None
        for query in address_queries(address):
            answer = self.ask(query)
            if answer is not None:
                return {"lat": answer[0], "lon": answer[1], "precision": answer[2]}
        return None


def _answer(found: Any) -> tuple[float, float, str] | None:
    """(lat, lon, precision) of a geocoder's Location."""
    if found is None:
        return None
    return _ranked((found.latitude, found.longitude, (found.raw or {}).get("precision")))


def _ranked(point: tuple[float, float, Any] | None) -> tuple[float, float, str] | None:
    """A point whose precision is one of ours (anything else is read as the coarsest)."""
    if point is None:
        return None
    lat, lon, precision = point
    return lat, lon, precision if precision in _PRECISIONS else "city"


def geocode_clinic(clinic: Clinic, geocoder: Geocoder) -> bool:
    """Give the clinic a location from its address; False when no place was found."""
    location = Locator(geocoder).locate(clinic.address)
    if location is None:
        return False
    clinic.location = Location(**location)
    return True
