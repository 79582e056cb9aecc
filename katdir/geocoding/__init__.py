"""Geocoding for katdir: places and addresses to points, each with its precision (DESIGN §6).

`build_geocoder(settings)` gives the chain the CLI, the indexer and the API use: a persistent cache, an
offline US gazetteer and, when configured, an online geopy geocoder behind a rate limiter.
"""

from katdir.geocoding.cache import GeocodeCache
from katdir.geocoding.chain import GeocoderChain, build_geocoder
from katdir.geocoding.gazetteer import Gazetteer
from katdir.geocoding.precision import PRECISIONS

__all__ = ["PRECISIONS", "Gazetteer", "GeocodeCache", "GeocoderChain", "build_geocoder"]
