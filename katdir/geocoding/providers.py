"""Online geocoding providers, looked up by name (geopy style): each knows its geopy class, the
options its queries need, and how to read precision and address parts from its own answers.

Adding a provider is one class here, registered with `@provider`, plus its tests: the chain,
the cache, the rate limiter and the settings (`KATDIR_GEOCODER=<name>`) need no change.
"""

from __future__ import annotations

from typing import Any, ClassVar

from geopy.geocoders import get_geocoder_for_service
from geopy.geocoders.base import Geocoder as GeopyGeocoder

from katdir.normalize import normalize_state
from katdir.settings import SettingsError

PUBLIC_NOMINATIM = "nominatim.openstreetmap.org"

# What `describe` answers: katdir's precision vocabulary and the address parts it could read.
Details = dict[str, Any]


class Provider:
    """An online geocoding service as the chain uses it. Subclasses set `name` (the
    `KATDIR_GEOCODER` value), `service` (geopy's name for its class) and read answers in
    `describe`."""

    name: ClassVar[str]
    service: ClassVar[str]
    geocode_options: ClassVar[dict[str, Any]] = {}  # sent with every query

    def build(self, **options: Any) -> GeopyGeocoder:
        """The geopy geocoder, constructed with `options` (user agent, domain, api_key…)."""
        return get_geocoder_for_service(self.service)(**options)

    def check(self, geocoder: GeopyGeocoder, *, min_delay_seconds: float) -> None:
        """Refuse a configuration that would break the service's usage policy."""

    def describe(self, raw: dict[str, Any]) -> Details | None:
        """Precision (rooftop | street | postal_code | city) and address parts (street, city,
        state, postal_code) from the provider's own answer; None for a place too coarse for a
        near-me search (a county, a state, a country)."""
        raise NotImplementedError


PROVIDERS: dict[str, type[Provider]] = {}


def provider(cls: type[Provider]) -> type[Provider]:
    """Register a provider class under its `name`."""
    PROVIDERS[cls.name] = cls
    return cls


def provider_named(name: str) -> Provider:
    """The provider for a `KATDIR_GEOCODER` value; a clear error naming the known ones."""
    try:
        return PROVIDERS[name.strip().lower()]()
    except KeyError:
        raise SettingsError(
            f"KATDIR_GEOCODER={name!r} is not a provider katdir can read; "
            f"use one of {', '.join(sorted(PROVIDERS))}, or leave it empty "
            "for offline geocoding"
        ) from None


def _details(
    precision: str,
    *,
    street: str | None = None,
    city: str | None = None,
    state: str | None = None,
    postal_code: str | None = None,
) -> Details:
    zip5 = (postal_code or "")[:5]
    return {
        "precision": precision,
        "street": street or None,
        "city": city or None,
        "state": state if state and len(state) == 2 else None,
        "postal_code": zip5 if zip5.isdigit() and len(zip5) == 5 else None,
    }


def _street(*parts: str | None) -> str | None:
    return " ".join(p for p in parts if p) or None


# Nominatim's place kinds that are settlements or parts of one ("city" precision for us).
_NOMINATIM_SETTLEMENTS = frozenset(
    {
        "city",
        "town",
        "village",
        "hamlet",
        "municipality",
        "borough",
        "suburb",
        "quarter",
        "neighbourhood",
        "city_district",
        "district",
        "isolated_dwelling",
        "locality",
    }
)


@provider
class Nominatim(Provider):
    """OpenStreetMap's Nominatim (the public service or your own)."""

    name = "nominatim"
    service = "nominatim"
    geocode_options = {"addressdetails": True, "country_codes": "us"}

    def check(self, geocoder: GeopyGeocoder, *, min_delay_seconds: float) -> None:
        if getattr(geocoder, "domain", None) == PUBLIC_NOMINATIM and min_delay_seconds < 1.0:
            raise ValueError(
                "the public Nominatim allows at most 1 request/s "
                "(https://operations.osmfoundation.org/policies/nominatim/): "
                "min_delay_seconds must be at least 1"
            )

    def describe(self, raw: dict[str, Any]) -> Details | None:
        """From class/type/addresstype/place_rank, and the address details."""
        address = raw.get("address") or {}
        osm_class = raw.get("class") or raw.get("category")  # format=json | format=jsonv2
        kind = raw.get("addresstype") or raw.get("type")
        rank = int(raw.get("place_rank") or 0)
        if "postcode" in (raw.get("addresstype"), raw.get("type")):
            precision = "postal_code"
        elif address.get("house_number") or osm_class == "building":
            precision = "rooftop"
        elif osm_class == "highway" or kind == "road" or rank >= 26:
            precision = "street"  # a street, or a named feature (a park can be large) on one
        elif kind in _NOMINATIM_SETTLEMENTS or 13 <= rank <= 25:
            precision = "city"
        else:
            return None
        state = address.get("ISO3166-2-lvl4") or ""
        return _details(
            precision,
            street=_street(address.get("house_number"), address.get("road")),
            city=next(
                (address[k] for k in ("city", "town", "village", "hamlet") if k in address), None
            ),
            state=state.removeprefix("US-") if state.startswith("US-") else None,
            postal_code=address.get("postcode"),
        )


_PHOTON_PRECISION = {
    "house": "rooftop",
    "street": "street",
    "locality": "city",
    "district": "city",
    "city": "city",
}


@provider
class Photon(Provider):
    """Komoot's Photon (OpenStreetMap data; often self-hosted). Its answers are GeoJSON
    features whose `properties.type` says what was found."""

    name = "photon"
    service = "photon"

    def describe(self, raw: dict[str, Any]) -> Details | None:
        props = raw.get("properties") or {}
        kind = props.get("type")
        if props.get("osm_value") == "postcode" or kind == "postcode":
            precision = "postal_code"
        elif props.get("housenumber") or kind == "house":
            precision = "rooftop"
        else:
            precision = _PHOTON_PRECISION.get(kind or "")
        if precision is None:  # county, state, country, or a type we do not know
            return None
        return _details(
            precision,
            street=_street(props.get("housenumber"), props.get("street")),
            city=props.get("city"),
            state=normalize_state(props.get("state")),
            postal_code=props.get("postcode"),
        )


_PELIAS_PRECISION = {
    "address": "rooftop",
    "venue": "rooftop",
    "street": "street",
    "postalcode": "postal_code",
    "locality": "city",
    "localadmin": "city",
    "borough": "city",
    "neighbourhood": "city",
}


@provider
class Pelias(Provider):
    """Pelias (self-hosted, or Geocode Earth): GeoJSON features whose `properties.layer`
    names what was found."""

    name = "pelias"
    service = "pelias"

    def describe(self, raw: dict[str, Any]) -> Details | None:
        props = raw.get("properties") or {}
        precision = _PELIAS_PRECISION.get(props.get("layer") or "")
        if precision is None:
            return None
        return _details(
            precision,
            street=_street(props.get("housenumber"), props.get("street")),
            city=props.get("locality"),
            state=props.get("region_a"),
            postal_code=props.get("postalcode"),
        )
