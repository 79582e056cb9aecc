"""The search columns in memory (katdir/store/columns.py) give exactly the SQL path's answers —
count, facets, price context and every page, in either order, under every filter — for any
circle; and a store never answers from columns that a commit has made stale."""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from geopy.distance import great_circle
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.synthetic import EDGE_CASES, synthetic_clinics
from katdir.geo import KM_PER_MILE
from katdir.model import CONDITIONS, ROUTES
from katdir.settings import load_settings
from katdir.store import NearQuery, open_store
from katdir.store import columns as columns_module
from katdir.store.base import route_prices_of
from katdir.store.sqlite import SQLiteStore

CENTRES = [(40.7128, -74.0060), (34.0522, -118.2437), (41.8781, -87.6298), *EDGE_CASES.values()]
PATIENT = 120.0  # the SQL path's deadline is not what these tests check


@pytest.fixture(scope="module")
def path(tmp_path_factory):
    path = tmp_path_factory.mktemp("columns") / "columns.db"
    with SQLiteStore(path, columns_in_memory=False) as store:
        store.rebuild(synthetic_clinics(6000, seed=8))
    return path


@pytest.fixture(scope="module", params=["counted", "sorted"])
def stores(path, request):
    """(columns in memory, loaded; SQL only). The price context from the columns either
    counted at each of a route's prices (their PriceLevels) or sorted (a partition): the
    synthetic clinics' prices are few enough to be counted, unless the limit is 0."""
    fast = SQLiteStore(path, search_timeout=PATIENT)
    with pytest.MonkeyPatch.context() as patch:
        if request.param == "sorted":
            patch.setattr(columns_module, "MAX_PRICE_LEVELS", 0)
        fast.load_columns()
    counted = [levels is not None for levels in fast._columns.price_levels.values()]
    assert all(counted) if request.param == "counted" else not any(counted)
    sql = SQLiteStore(path, search_timeout=PATIENT, columns_in_memory=False)
    yield fast, sql
    fast.close()
    sql.close()


@contextlib.contextmanager
def fast_and_sql(path: Path) -> Iterator[tuple[SQLiteStore, SQLiteStore]]:
    """Two stores on one file: with the search columns in memory, and SQL alone."""
    with SQLiteStore(path) as fast, SQLiteStore(path, columns_in_memory=False) as sql:
        yield fast, sql


def answered_by_columns(store: SQLiteStore, query: NearQuery) -> bool:
    with store._transaction(conn := store._connection()):
        return store._from_columns(conn, query) is not None


def same_answers(fast: SQLiteStore, sql: SQLiteStore, query: NearQuery) -> None:
    got, want = fast.search_with_context(query), sql.search_with_context(query)
    assert (got[0].total, got[0].facets) == (want[0].total, want[0].facets), query
    assert [(h.clinic.id, h.distance_km, h.card) for h in got[0].hits] == [
        (h.clinic.id, h.distance_km, h.card) for h in want[0].hits
    ], query
    assert got[1] == want[1], query
    assert fast.search(query) == sql.search(query), query
    assert fast.price_context(query) == sql.price_context(query), query


filters = st.fixed_dictionaries(
    {},
    optional={
        "route": st.lists(st.sampled_from(ROUTES), min_size=1, max_size=3, unique=True).map(tuple),
        "max_price": st.sampled_from([150.0, 400.0, 450.0, 800.0]),
        "insurance": st.booleans(),
        "spravato_insurance": st.booleans(),
        "va": st.booleans(),
        "therapy": st.booleans(),
        "telehealth": st.booleans(),
        "condition": st.lists(st.sampled_from(CONDITIONS), min_size=1, max_size=2, unique=True).map(
            tuple
        ),
    },
)
queries = st.builds(
    lambda centre, dlat, dlon, radius_mi, filters, sort, page, per_page, statuses: NearQuery(
        lat=max(-89.0, min(89.0, centre[0] + dlat)),
        lon=(centre[1] + dlon + 180) % 360 - 180,
        radius_km=radius_mi * KM_PER_MILE,
        filters=filters,
        sort=sort,
        page=page,
        per_page=per_page,
        statuses=statuses,
    ),
    st.sampled_from(CENTRES),
    st.floats(-1.5, 1.5),
    st.floats(-1.5, 1.5),
    st.sampled_from([0.3, 1, 5, 10, 25, 50, 120, 400, 500]) | st.floats(0.1, 500),
    filters,
    st.sampled_from(["distance", "price", "relevance"]),
    st.sampled_from([1, 1, 2, 3, 40]),
    st.sampled_from([1, 5, 20, 50]),
    st.sampled_from([("approved",), ("approved", "pending"), ("pending",), ("withdrawn",)]),
)


@settings(
    max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=queries)
def test_the_columns_give_the_sql_answer_for_any_search(stores, query):
    fast, sql = stores
    assert answered_by_columns(fast, query)
    assert not answered_by_columns(sql, query)
    same_answers(fast, sql, query)


def test_ties_in_distance_and_price_are_broken_by_id_as_in_sql(tmp_path):
    """Clinics at one point with one price: only their ids order them."""
    clinics = list(synthetic_clinics(30, seed=3))
    first = clinics[0]
    twins = [
        clinic.model_copy(
            update={
                "id": f"twin-{(i * 7) % 30:02d}",
                "location": first.location,
                "prices": first.prices if i % 3 else clinic.prices,
            }
        )
        for i, clinic in enumerate(clinics)
    ]
    with fast_and_sql(tmp_path / "t.db") as (fast, sql):
        fast.upsert(twins)
        point = first.location
        for sort in ("distance", "price"):
            for page in (1, 2, 3):
                query = NearQuery(point.lat, point.lon, 5.0, sort=sort, page=page, per_page=7)
                assert answered_by_columns(fast, query)
                same_answers(fast, sql, query)


def placed(clinic, lat: float, lon: float, km: float, bearing: float):
    """`clinic` moved `km` from (lat, lon) along `bearing`."""
    point = great_circle(kilometers=km).destination((lat, lon), bearing)
    moved = {"lat": point.latitude, "lon": point.longitude}
    return clinic.model_copy(update={"location": clinic.location.model_copy(update=moved)})


@pytest.mark.parametrize("spread", ["centre", "ring"])
def test_a_page_of_the_nearest_among_many_is_the_sql_page(tmp_path, monkeypatch, spread):
    """Among many matches the page's nearest are looked for in a smaller circle first: found
    there when the clinics crowd the centre, in the whole circle when they keep to its rim."""
    lat, lon = 40.0, -100.0
    clinics = [
        placed(clinic, lat, lon, 0.5 + (i % 40) ** 2 / 40 if spread == "centre" else 45 + i % 5, i)
        for i, clinic in enumerate(synthetic_clinics(400, seed=5))
    ]
    narrowed = []
    page_keys = columns_module.Columns._page_keys

    def spy(query, matches, wanted, dot, first):
        keys = page_keys(query, matches, wanted, dot, first)
        narrowed.append(keys.size < first.size)
        return keys

    monkeypatch.setattr(columns_module.Columns, "_page_keys", staticmethod(spy))
    with fast_and_sql(tmp_path / "n.db") as (fast, sql):
        fast.upsert(clinics)
        for page in (1, 2):
            query = NearQuery(lat, lon, 50.0, page=page, per_page=10)
            assert answered_by_columns(fast, query)
            same_answers(fast, sql, query)
    assert (narrowed and all(narrowed)) if spread == "centre" else not any(narrowed)


def test_a_commit_makes_the_columns_stale_and_they_are_never_used_stale(tmp_path):
    clinics = list(synthetic_clinics(800, seed=13))
    with fast_and_sql(tmp_path / "w.db") as (fast, sql):
        fast.rebuild(clinics[:600])
        query = NearQuery(40.7128, -74.0060, 400.0)
        same_answers(fast, sql, query)
        loaded = fast._columns
        assert loaded is not None and loaded.generation == fast.generation()
        sql.upsert(clinics[600:])  # a commit by another connection (here: another store)
        assert loaded.generation != fast.generation()
        same_answers(fast, sql, query)  # loaded again, inline: a small store
        assert fast._columns is not loaded
        for clinic in clinics[:50]:
            sql.delete(clinic.id)
        same_answers(fast, sql, query)


@pytest.mark.parametrize("commit", ["before the page is read", "after the page is read"])
def test_columns_stale_during_a_search_give_way_to_sql(tmp_path, monkeypatch, commit):
    """A commit while the columns answer: the SQL path answers instead, in the same read
    transaction, so the answer is never a mix of two states. The transaction's snapshot is
    taken when the page is read: a commit before it gives the new state, one after it the
    state before."""
    clinics = list(synthetic_clinics(300, seed=17))
    with fast_and_sql(tmp_path / "s.db") as (fast, sql):
        fast.rebuild(clinics[:200])
        query = NearQuery(40.7128, -74.0060, 800.0)
        same_answers(fast, sql, query)
        before = sql.search(query)
        hits, from_columns, answered = SQLiteStore._hits, SQLiteStore._from_columns, []

        def watched(self, conn, query):
            answered.append(from_columns(self, conn, query))
            return answered[-1]

        def committing(self, conn, query, rows):
            monkeypatch.setattr(SQLiteStore, "_hits", hits)
            if commit == "before the page is read":
                sql.upsert(clinics[200:])
                return hits(self, conn, query, rows)
            page = hits(self, conn, query, rows)
            sql.upsert(clinics[200:])
            return page

        monkeypatch.setattr(SQLiteStore, "_hits", committing)
        monkeypatch.setattr(SQLiteStore, "_from_columns", watched)
        found = fast.search(query)
        assert SQLiteStore._hits is hits and answered == [None]  # the commit came mid-search
        after = sql.search(query)
        assert after != before
        assert found == (after if commit == "before the page is read" else before)
        assert fast.search(query) == after


def test_a_circle_of_too_many_candidates_is_left_to_sql(stores, monkeypatch):
    fast, sql = stores
    query = NearQuery(40.7128, -74.0060, 800.0)
    assert answered_by_columns(fast, query)
    monkeypatch.setattr(columns_module, "MAX_CANDIDATES", 10)
    assert not answered_by_columns(fast, query)
    same_answers(fast, sql, query)


def test_a_text_search_is_left_to_sql(stores):
    fast, sql = stores
    query = NearQuery(40.7128, -74.0060, 80.0, filters={"q": "ketamine"})
    assert not answered_by_columns(fast, query)
    same_answers(fast, sql, query)


def test_warm_loads_the_columns_on_a_thread_of_their_own(path):
    with SQLiteStore(path) as store:
        store.warm()
        deadline = time.monotonic() + 60
        while store._columns is None:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert store._columns.generation == store.generation()
        assert answered_by_columns(store, NearQuery(40.7128, -74.0060, 80.0))


def test_a_load_overtaken_by_a_commit_is_dropped_and_not_retried_at_once(tmp_path, monkeypatch):
    with SQLiteStore(tmp_path / "o.db") as store:
        store.upsert(list(synthetic_clinics(50, seed=19)))
        generations = iter(range(100))
        monkeypatch.setattr(store, "generation", lambda: next(generations))  # a commit each look
        store.load_columns()
        assert store._columns is None
        monkeypatch.setattr(store, "generation", lambda: 7)
        store.load_columns()  # too soon: not even tried
        assert store._columns is None
        store._next_columns_load = 0.0
        store.load_columns()
        assert store._columns is not None and store._columns.generation == 7


def test_inside_a_writing_run_searches_see_the_runs_own_writes(tmp_path):
    clinics = list(synthetic_clinics(400, seed=23))
    with SQLiteStore(tmp_path / "r.db") as store:
        store.upsert(clinics[:200])
        query = NearQuery(40.7128, -74.0060, 800.0, per_page=50)
        before = store.search(query).total
        assert store._columns is not None  # loaded, at the last commit
        with store.writing("test run"):
            store._write(store._connection(), clinics[200])
            for late in clinics[201:]:
                store._write(store._connection(), late)
            inside = store.search(query).total
        with SQLiteStore(tmp_path / "r.db", columns_in_memory=False) as sql:
            assert inside == sql.search(query).total
        assert store.search(query).total == inside != before


def test_the_setting_turns_the_columns_off(path, monkeypatch):
    monkeypatch.setenv("KATDIR_SEARCH_COLUMNS", "off")
    monkeypatch.setenv("KATDIR_STORE", f"sqlite:///{path}")
    with open_store(load_settings()) as store:
        assert store.columns_in_memory is False
        store.warm()
        assert not answered_by_columns(store, NearQuery(40.7128, -74.0060, 80.0))
        assert store._columns is None
    with open_store(f"sqlite:///{path}") as store:  # on by default
        assert store.columns_in_memory is True


@settings(max_examples=300, deadline=None)
@given(
    prices=st.lists(st.sampled_from([float("nan"), 95.0, 400.0, 400.5, 650.0, 1e4]), max_size=40),
    chosen=st.lists(st.integers(0, 39), max_size=40),
)
def test_a_routes_price_levels_give_the_context_of_its_sorted_prices(prices, chosen):
    column = np.array(prices, dtype=np.float64)
    at = np.array(sorted({i for i in chosen if i < column.size}), dtype=np.int64)
    levels = columns_module.PriceLevels.of(column)
    known = sorted(p for p in column[at].tolist() if not math.isnan(p))
    assert levels.context(at) == route_prices_of(known)


def test_a_route_with_too_many_distinct_prices_is_sorted_not_counted(monkeypatch):
    monkeypatch.setattr(columns_module, "MAX_PRICE_LEVELS", 2)
    assert columns_module.PriceLevels.of(np.array([400.0, 500.0, 400.0, np.nan])) is not None
    assert columns_module.PriceLevels.of(np.array([400.0, 500.0, 600.0])) is None
