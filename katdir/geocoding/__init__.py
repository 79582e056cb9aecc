"""Geocoding for katdir: places and addresses to points, each with its precision (docs/architecture.md §6).

`build_geocoder(settings)` gives the chain the CLI, the indexer and the API use: a persistent cache, an
offline US gazetteer and, when configured, an online provider (looked up by name in
`providers.py`) behind a rate limiter. Every geocoder answers geopy's `geocode` (`protocol.py`).
"""

import sys

# geopy imports aiohttp, when installed (Scrapy needs it), only to offer an asyncio adapter that
# katdir never uses; that import is a third of `katdir geocode`'s start-up. Hidden while geopy
# loads (its adapter then reports itself unavailable), importable as usual afterwards.
if "geopy" not in sys.modules and "aiohttp" not in sys.modules:
    sys.modules["aiohttp"] = None  # type: ignore[assignment]
    try:
        import geopy  # noqa: F401
    finally:
        del sys.modules["aiohttp"]

from katdir.geocoding.cache import GeocodeCache  # noqa: E402
from katdir.geocoding.chain import GeocoderChain, build_geocoder  # noqa: E402
from katdir.geocoding.gazetteer import Gazetteer  # noqa: E402
from katdir.geocoding.precision import PRECISIONS  # noqa: E402
from katdir.geocoding.protocol import BatchGeocoder, Geocoder  # noqa: E402
from katdir.geocoding.providers import PROVIDERS, Provider, provider  # noqa: E402

__all__ = [
    "PRECISIONS",
    "PROVIDERS",
    "BatchGeocoder",
    "Gazetteer",
    "GeocodeCache",
    "Geocoder",
    "GeocoderChain",
    "Provider",
    "build_geocoder",
    "provider",
]
