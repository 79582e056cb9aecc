"""The per-cell aggregates (katdir/store/cell_counts.py, a prototype) give the store's own
count and facets for every circle: dense metros, small circles inside one cell, circles across
the 180th meridian; and step aside (None) for filters they do not keep."""

from __future__ import annotations

import random

import pytest

from bench.bench_cells import todays_facets
from bench.synthetic import EDGE_CASES, jitter, synthetic_clinics
from katdir.geo import KM_PER_MILE
from katdir.store import NearQuery
from katdir.store.cell_counts import CellCounts
from katdir.store.sqlite import SQLiteStore


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    store = SQLiteStore(tmp_path_factory.mktemp("cells") / "cells.db")
    store.rebuild(synthetic_clinics(6000, seed=5))
    yield store
    store.close()


def circles(seed: int = 2) -> list[NearQuery]:
    rng = random.Random(seed)
    centres = [(40.7128, -74.0060), (34.0522, -118.2437), (41.8781, -87.6298),
               *EDGE_CASES.values()]
    queries = []
    for lat, lon in centres:
        for radius_mi in (0.5, 5, 25, 50, 400):
            lat2, lon2 = jitter(rng, lat, lon, 3)
            queries.append(NearQuery(lat=lat2, lon=lon2, radius_km=radius_mi * KM_PER_MILE))
    queries.append(NearQuery(lat=51.88, lon=179.9, radius_km=200))  # across the 180th meridian
    return queries


@pytest.mark.parametrize("cell_deg", [0.05, 0.1, 0.5])
def test_the_aggregates_give_the_stores_own_answer(store, cell_deg):
    conn = store._connection()
    cells = CellCounts(conn, cell_deg, schema="temp")
    cells.build()
    queries = circles()
    assert any(todays_facets(conn, q)[0] > 100 for q in queries)  # dense circles are there
    for query in queries:
        assert tuple(cells.facets(query)) == tuple(todays_facets(conn, query)), query


def test_filters_the_aggregates_do_not_keep_are_left_to_the_store(store):
    cells = CellCounts(store._connection(), 0.1, schema="temp")
    cells.build()
    base = {"lat": 40.71, "lon": -74.0, "radius_km": 40.0}
    assert cells.facets(NearQuery(**base, filters={"condition": ("depression",)})) is None
    assert cells.facets(NearQuery(**base, filters={"max_price": 500.0})) is None
    assert cells.facets(NearQuery(**base, filters={"q": "ketamine"})) is None
    assert cells.facets(NearQuery(**base, filters={"insurance": True})) is None
    assert cells.facets(NearQuery(**base, filters={"route": ("iv",)})) is None
    assert cells.facets(NearQuery(**base)) is not None
