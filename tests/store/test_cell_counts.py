"""The per-cell aggregates (katdir/store/cell_counts.py) give exactly the exact path's count,
facets and price context, for any circle and the filters they keep; they stay right through
upserts, removals and status changes; and they step aside for the filters they do not keep.
(Both paths are SQL here: the stores keep no search columns in memory.)"""

from __future__ import annotations

import math
import random
import sqlite3

import pytest
from geopy.distance import great_circle
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.synthetic import EDGE_CASES, jitter, synthetic_clinics
from katdir.geo import EARTH_RADIUS_KM, KM_PER_MILE, haversine_km
from katdir.model import ROUTES
from katdir.store import NearQuery, cell_counts
from katdir.store.cell_counts import CELL_SQL, answers, cell_of, cover
from katdir.store.sqlite import CELLS, SCHEMA_VERSION, SQLiteStore


@pytest.fixture(autouse=True, scope="module")
def every_circle_by_the_cells():
    """The cells answer however few clinics are around (the store leaves small circles to the
    exact path), so that these tests compare the two paths everywhere."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(CELLS, "min_clinics", 0)
        yield


# The compared stores' search deadline: the default 2 s is not what these tests check, and a
# machine under heavy load can stall a search past it, which then fails as SearchTooCostly
# though the answers agree (stopping the process for 2.5 s mid-run reproduces it).
PATIENT = 120.0

CENTRES = [(40.7128, -74.0060), (34.0522, -118.2437), (41.8781, -87.6298), *EDGE_CASES.values()]


@pytest.fixture(scope="module")
def path(tmp_path_factory):
    path = tmp_path_factory.mktemp("cells") / "cells.db"
    with SQLiteStore(path) as store:
        store.rebuild(synthetic_clinics(6000, seed=5))
    return path


@pytest.fixture(scope="module")
def stores(path):
    fast = SQLiteStore(path, search_timeout=PATIENT, columns_in_memory=False)
    exact = SQLiteStore(
        path, cell_aggregates=False, search_timeout=PATIENT, columns_in_memory=False
    )
    yield fast, exact
    fast.close()
    exact.close()


def same_answers(fast: SQLiteStore, exact: SQLiteStore, query: NearQuery) -> None:
    got, want = fast.search(query), exact.search(query)
    assert (got.total, got.facets) == (want.total, want.facets), query
    assert [h.clinic.id for h in got.hits] == [h.clinic.id for h in want.hits], query
    assert fast.price_context(query) == exact.price_context(query), query
    # Both at once (the API's call): one cover and ring, or one pass over the matches.
    for store in (fast, exact):
        both, context = store.search_with_context(query)
        assert (both.total, both.facets) == (want.total, want.facets), query
        assert [h.clinic.id for h in both.hits] == [h.clinic.id for h in want.hits], query
        assert context == exact.price_context(query), query


queries = st.builds(
    lambda centre, dlat, dlon, radius_mi, route, statuses: NearQuery(
        lat=max(-89.0, min(89.0, centre[0] + dlat)),
        lon=(centre[1] + dlon + 180) % 360 - 180,
        radius_km=radius_mi * KM_PER_MILE,
        filters={"route": (route,)} if route else {},
        statuses=statuses,
    ),
    st.sampled_from(CENTRES),
    st.floats(-1.5, 1.5),
    st.floats(-1.5, 1.5),
    st.sampled_from([0.3, 1, 5, 10, 25, 50, 120, 400, 500]) | st.floats(0.1, 500),
    st.none() | st.sampled_from(ROUTES),
    st.sampled_from([("approved",), ("approved", "pending"), ("pending",)]),
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=queries, parts=st.sampled_from([4, 8, 16, 32, 64]))
def test_the_cells_give_the_exact_answer_for_any_circle(stores, query, parts):
    with pytest.MonkeyPatch.context() as patch:  # however finely the edge is cut
        patch.setattr(cell_counts, "ring_parts", lambda around: parts)
        same_answers(*stores, query)


def test_dense_circles_are_answered_by_the_cells(stores):
    fast, exact = stores
    rng = random.Random(2)
    for lat, lon in CENTRES[:3]:
        for radius_mi in (5, 25, 50):
            lat2, lon2 = jitter(rng, lat, lon, 3)
            query = NearQuery(lat=lat2, lon=lon2, radius_km=radius_mi * KM_PER_MILE)
            found = cover(query.lat, query.lon, query.radius_km)
            assert found is not None and found.whole, query  # most of it from kept cells
            same_answers(fast, exact, query)
    assert exact.search(NearQuery(lat=40.71, lon=-74.0, radius_km=80)).total > 500


def test_the_cells_keep_up_with_writes(tmp_path):
    clinics = list(synthetic_clinics(1500, seed=11))
    fast = SQLiteStore(tmp_path / "w.db", search_timeout=PATIENT, columns_in_memory=False)
    exact = SQLiteStore(
        tmp_path / "w.db", cell_aggregates=False, search_timeout=PATIENT, columns_in_memory=False
    )
    fast.rebuild(clinics[:1000])
    fast.upsert(clinics[1000:])  # new clinics
    moved = [
        c.model_copy(
            update={
                "location": clinics[i + 1].location,
                "prices": clinics[i + 7].prices,
                "routes": clinics[i + 3].routes,
            }
        )
        for i, c in enumerate(clinics[:300])
    ]
    fast.upsert(moved)  # moved, repriced, other routes
    for clinic in clinics[300:500]:
        assert fast.delete(clinic.id)
    fast.upsert(
        c.model_copy(update={"review": c.review.model_copy(update={"status": "rejected"})})
        for c in clinics[500:600]
    )
    with fast.writing("test run"):
        fast.upsert(clinics[300:350])  # back again, inside a run
    rebuilt = SQLiteStore(tmp_path / "r.db")
    rebuilt.rebuild(fast.iter_clinics())
    tables = ("cell_routes", "cell_prices", "cell_series")
    for table in tables:  # kept by each write = built from scratch
        kept = sorted(fast._connection().execute(f"SELECT * FROM {table}"))
        built = sorted(rebuilt._connection().execute(f"SELECT * FROM {table}"))
        assert kept == built, table
    for lat, lon in CENTRES[:3]:
        for radius_mi in (10, 50, 300):
            for route in (None, "iv", "spravato"):
                same_answers(
                    fast,
                    exact,
                    NearQuery(
                        lat=lat,
                        lon=lon,
                        radius_km=radius_mi * KM_PER_MILE,
                        filters={"route": (route,)} if route else {},
                    ),
                )
    for store in (fast, exact, rebuilt):
        store.close()


def test_small_circles_are_left_to_the_exact_path(stores, monkeypatch):
    fast, _ = stores
    monkeypatch.setattr(CELLS, "min_clinics", 4000)  # the default is higher
    conn = fast._connection()
    dense = NearQuery(lat=40.71, lon=-74.0, radius_km=40)
    sparse = NearQuery(lat=44.0, lon=-103.0, radius_km=16)  # the Black Hills
    assert CELLS._around(conn, dense) >= fast.search(dense).total
    assert CELLS._around(conn, sparse) < 4000
    assert CELLS.answer(conn, sparse, context=False, dot="1") is None
    monkeypatch.setattr(CELLS, "min_clinics", 0)
    assert CELLS._around(conn, sparse) >= fast.search(sparse).total


def test_a_circle_whose_packed_bucket_counts_could_carry_takes_the_exact_path(stores, monkeypatch):
    """Bucket counts are packed PACK_BITS to a field (schema 9): a circle with as many prices
    of a series as a field holds is answered exactly, never from sums that may have carried."""
    fast, exact = stores
    dense = NearQuery(lat=40.71, lon=-74.0, radius_km=40)
    conn = fast._connection()
    assert CELLS.answer(conn, dense, dot="1", context=True) is not None
    monkeypatch.setattr(cell_counts, "PACK_LIMIT", 8)  # as if its cells held 2**21 prices
    assert CELLS.answer(conn, dense, dot="1", context=True) is None
    same_answers(fast, exact, dense)


def test_filters_the_cells_do_not_keep_take_the_exact_path():
    base = {"lat": 40.71, "lon": -74.0, "radius_km": 40.0}
    assert answers(NearQuery(**base))
    assert answers(NearQuery(**base, filters={"route": ("iv",)}))
    assert not answers(NearQuery(**base, filters={"route": ("iv", "im")}))
    assert not answers(NearQuery(**base, filters={"condition": ("depression",)}))
    assert not answers(NearQuery(**base, filters={"max_price": 500.0}))
    assert not answers(NearQuery(**base, filters={"q": "ketamine"}))
    assert not answers(NearQuery(**base, filters={"insurance": True}))
    assert cover(89.5, 0.0, 100.0) is None  # a pole
    assert cover(51.88, 179.9, 200.0) is None  # across the 180th meridian


def destination(lat: float, lon: float, bearing: float, km: float) -> tuple[float, float]:
    """The point `km` from (lat, lon) along the great circle of `bearing` (radians), on
    katdir's sphere (geopy's great circle)."""
    point = great_circle(radius=EARTH_RADIUS_KM).destination(
        (lat, lon), math.degrees(bearing), distance=km
    )
    return point.latitude, point.longitude


@settings(max_examples=60, deadline=None)
@given(
    lat=st.floats(-60, 60),
    lon=st.floats(-170, 170),
    radius_km=st.floats(2, 200),
    parts=st.sampled_from([4, 8, 16, 32, 64]),
    seed=st.integers(0, 1000),
)
def test_the_ring_holds_every_point_of_the_edge_and_no_finest_cell_beyond_it(
    lat, lon, radius_km, parts, seed
):
    """Every point of the circle lies in a whole cell or in the ring; the ring's finest cells
    reach no farther than the circle does along their row (a finest cell of a ring cell that
    the circle misses is not scanned)."""
    found = cover(lat, lon, radius_km, parts)
    assert found is not None
    whole = {(level, cell) for level, cell in found.cells()}
    ring = {cell for first, last in found.ring for cell in range(first, last + 1)}
    rng = random.Random(seed)
    for _ in range(300):  # points inside, many near the edge
        bearing, reach = rng.uniform(0, 2 * math.pi), radius_km * math.sqrt(rng.uniform(0.8, 1))
        point = destination(lat, lon, bearing, reach * 0.999999)
        if not -180 <= point[1] < 180:
            continue
        cell = cell_of(*point)
        assert cell in ring or any(
            (level, cell_counts._up(cell, level)) in whole for level in cell_counts.LEVELS
        ), (point, cell)
    # The farthest finest cells of each ring row: the circle reaches into them.
    size = 1 / cell_counts.SCALE
    for first, last in found.ring:
        row, columns = first >> cell_counts.COL_BITS, (first, last)
        south = row * size - 90
        for cell in columns:
            west = (cell & ((1 << cell_counts.COL_BITS) - 1)) * size - 180
            nearest = min(
                haversine_km(lat, lon, south + size * i / 10, west + size * j / 10)
                for i in range(11)
                for j in range(11)
            )
            assert nearest <= radius_km + 2 * 111.2 * size / 10, (row, cell)


@given(st.floats(-90, 90), st.floats(-180, 180))
def test_python_and_sql_put_a_point_in_the_same_cell(lat, lon):
    conn = sqlite3.connect(":memory:")
    (sql,) = conn.execute(
        f"SELECT {CELL_SQL} FROM (SELECT ? AS lat, ? AS lon)", (lat, lon)
    ).fetchone()
    assert sql == cell_of(lat, lon)


def test_a_schema_3_file_gains_the_cells_on_open(tmp_path, caplog):
    path = tmp_path / "v3.db"
    clinics = list(synthetic_clinics(800, seed=4))
    with SQLiteStore(path) as store:
        store.rebuild(clinics)
        conn = store._connection()
        kept = {
            t: sorted(conn.execute(f"SELECT * FROM {t}"))
            for t in ("cell_routes", "cell_prices", "cell_series")
        }
    conn = sqlite3.connect(path)  # the file as schema 3 left it
    conn.executescript(
        "DROP TABLE cell_routes; DROP TABLE cell_prices; "
        "DROP TABLE cell_series; DROP INDEX clinics_ring; DROP TABLE clinic_cards; "
        "ALTER TABLE clinics DROP COLUMN cell; PRAGMA user_version = 3;"
    )
    conn.close()
    with SQLiteStore(path, columns_in_memory=False) as store:
        assert f"store schema 3 → {SCHEMA_VERSION}, building the per-cell aggregates" in caplog.text
        conn = store._connection()
        for table, rows in kept.items():
            assert sorted(conn.execute(f"SELECT * FROM {table}")) == rows, table
        exact = SQLiteStore(path, cell_aggregates=False, columns_in_memory=False)
        same_answers(store, exact, NearQuery(lat=40.7, lon=-74.0, radius_km=60))
        exact.close()
