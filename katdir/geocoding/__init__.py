"""Geocoding for katdir: places and addresses to points, each with its precision (DESIGN §6).

`build_geocoder(settings)` gives the chain the CLI, the indexer and the API use: a persistent cache, an
offline US gazetteer and, when configured, an online provider (looked up by name in
`providers.py`) behind a rate limiter. Every geocoder answers geopy's `geocode` (`protocol.py`).
"""

from katdir.geocoding.cache import GeocodeCache
from katdir.geocoding.chain import GeocoderChain, build_geocoder
from katdir.geocoding.gazetteer import Gazetteer
from katdir.geocoding.precision import PRECISIONS
from katdir.geocoding.protocol import BatchGeocoder, Geocoder
from katdir.geocoding.providers import PROVIDERS, Provider, provider

__all__ = ["PRECISIONS", "PROVIDERS", "BatchGeocoder", "Gazetteer", "GeocodeCache", "Geocoder",
           "GeocoderChain", "Provider", "build_geocoder", "provider"]
