"""Great-circle geometry shared by the stores and the tests.

Both stores measure on a sphere of Elasticsearch's mean Earth radius, so the embedded store
and Elasticsearch agree to within their coordinate quantization.
"""

from __future__ import annotations

import math
from typing import NamedTuple

EARTH_RADIUS_KM = 6371.0087714  # Elasticsearch's GeoUtils.EARTH_MEAN_RADIUS, in km
KM_PER_MILE = 1.609344
UNITS = {"mi": KM_PER_MILE, "km": 1.0}


def to_km(value: float, unit: str) -> float:
    return value * UNITS[unit]


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Distance along the sphere, in km (haversine: accurate at short distances)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlmb = math.radians(lon2 - lon1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def unit_vector(lat: float, lon: float) -> tuple[float, float, float]:
    """The point as a unit vector: the dot product of two is the cosine of their angle."""
    phi, lmb = math.radians(lat), math.radians(lon)
    return (math.cos(phi) * math.cos(lmb), math.cos(phi) * math.sin(lmb), math.sin(phi))


def min_dot_for_radius(radius_km: float) -> float:
    """Points within radius_km have a dot product with the origin of at least this."""
    return math.cos(min(math.pi, radius_km / EARTH_RADIUS_KM))


class BoundingBox(NamedTuple):
    min_lat: float
    max_lat: float
    lon_ranges: tuple[tuple[float, float], ...]  # two ranges when the box crosses 180°


def bounding_box(lat: float, lon: float, radius_km: float) -> BoundingBox:
    """The smallest lat/lon box holding the circle (Bronshtein; handles poles and 180°)."""
    angle = radius_km / EARTH_RADIUS_KM
    min_lat = lat - math.degrees(angle)
    max_lat = lat + math.degrees(angle)
    if min_lat <= -90 or max_lat >= 90:
        return BoundingBox(max(min_lat, -90.0), min(max_lat, 90.0), ((-180.0, 180.0),))
    dlon = math.degrees(math.asin(min(1.0, math.sin(angle) / math.cos(math.radians(lat)))))
    west, east = lon - dlon, lon + dlon
    if dlon >= 180 or east - west >= 360:
        ranges = ((-180.0, 180.0),)
    elif west < -180:
        ranges = ((west + 360, 180.0), (-180.0, east))
    elif east > 180:
        ranges = ((west, 180.0), (-180.0, east - 360))
    else:
        ranges = ((west, east),)
    return BoundingBox(min_lat, max_lat, ranges)
