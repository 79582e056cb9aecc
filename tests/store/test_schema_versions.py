"""Store schemas carry a version: a store written before this change opens after it (SQLite:
migrated; Elasticsearch: refused with the command to run, which then works), and routes are
stored by permanent codes, so a route added mid-vocabulary relabels nothing."""

from __future__ import annotations

import functools
import sqlite3
import uuid

import orjson
import pytest

import katdir.store.sqlite as sqlite_store
from bench.synthetic import synthetic_clinics
from katdir.card import card_of
from katdir.cli import main
from katdir.model import ROUTES, Clinic, Decision
from katdir.store import NearQuery, StoreError, cell_counts, open_store
from katdir.store.base import search_fields, text_body
from katdir.store.cell_counts import CellAggregates
from katdir.store.sqlite import SCHEMA_VERSION, SQLiteStore


def unique_prefix(name: str) -> str:
    return f"katdir-test-{name}-{uuid.uuid4().hex[:8]}"


# The DDL of store schema 1, as katdir wrote it before schema versions were kept (no
# user_version; route and condition masks by position in the model's lists).
SCHEMA_1 = """
CREATE TABLE IF NOT EXISTS clinics (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL,
    lat REAL, lon REAL, x REAL, y REAL, z REAL,
    routes_mask INTEGER NOT NULL DEFAULT 0,
    conditions_mask INTEGER NOT NULL DEFAULT 0,
    min_price REAL,
    insurance INTEGER, va INTEGER, therapy INTEGER
);
CREATE TABLE IF NOT EXISTS clinic_docs (id TEXT PRIMARY KEY, doc TEXT NOT NULL) WITHOUT ROWID;
CREATE VIRTUAL TABLE IF NOT EXISTS clinic_box USING rtree(rowid, min_lat, max_lat, min_lon, max_lon);
CREATE VIRTUAL TABLE IF NOT EXISTS clinic_text USING fts5(name, body, tokenize = 'unicode61');
CREATE TABLE IF NOT EXISTS decisions (
    clinic_id TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    doc TEXT NOT NULL
);
"""


def write_schema_1(path, clinics: list[Clinic], decision: Decision) -> None:
    """A store file exactly as schema 1 wrote it, without today's store code."""
    from katdir.model import CONDITIONS

    def mask(values, vocabulary):
        return sum(1 << vocabulary.index(v) for v in set(values))

    conn = sqlite3.connect(path)
    conn.executescript(SCHEMA_1)
    with conn:
        for clinic in clinics:
            derived, loc = search_fields(clinic), clinic.location
            rowid = conn.execute(
                "INSERT INTO clinics (id, status, lat, lon, routes_mask, conditions_mask, "
                "min_price) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING rowid",
                (
                    clinic.id,
                    derived["status"],
                    loc.lat,
                    loc.lon,
                    mask(clinic.routes, ROUTES),
                    mask(clinic.conditions, CONDITIONS),
                    derived["min_price"],
                ),
            ).fetchone()[0]
            conn.execute(
                "INSERT INTO clinic_docs VALUES (?, ?)", (clinic.id, clinic.model_dump_json())
            )
            conn.execute(
                "INSERT INTO clinic_box VALUES (?, ?, ?, ?, ?)",
                (rowid, loc.lat, loc.lat, loc.lon, loc.lon),
            )
            conn.execute(
                "INSERT INTO clinic_text (rowid, name, body) VALUES (?, ?, ?)",
                (rowid, clinic.name, text_body(clinic)),
            )
        conn.execute(
            "INSERT INTO decisions VALUES (?, ?, ?)",
            (decision.clinic_id, decision.version, decision.model_dump_json()),
        )
    conn.close()


def near(clinic: Clinic, **filters) -> NearQuery:
    return NearQuery(lat=clinic.location.lat, lon=clinic.location.lon, radius_km=50, **filters)


def test_a_schema_1_file_is_migrated_on_open_and_keeps_everything(tmp_path, caplog):
    clinics = list(synthetic_clinics(40, seed=8))
    decision = Decision(clinic_id=clinics[0].id, version=3)
    path = tmp_path / "old.db"
    write_schema_1(path, clinics, decision)

    with SQLiteStore(path) as store:
        assert f"store schema 1 → {SCHEMA_VERSION}" in caplog.text
        assert {c.id for c in store.iter_clinics()} == {c.id for c in clinics}
        assert store.get_decision(decision.clinic_id).version == 3
        for clinic in clinics[:10]:
            found = store.search(
                near(
                    clinic,
                    filters={"route": tuple(clinic.routes)[:1]},
                    statuses=(clinic.review.status,),
                )
            )
            assert clinic.id in [h.clinic.id for h in found.hits]
            assert all(h.card == card_of(h.document) for h in found.hits)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.close()
    caplog.clear()
    SQLiteStore(path).close()  # a second open finds it migrated
    assert "schema" not in caplog.text


# Schema 4's per-cell tables that schema 5 lays out anew (cell_prices is the same in both).
SCHEMA_4_CELLS = """
CREATE TABLE cell_routes (
    level INTEGER NOT NULL, status TEXT NOT NULL, cell INTEGER NOT NULL,
    routes_mask INTEGER NOT NULL, n INTEGER NOT NULL,
    PRIMARY KEY (level, status, cell, routes_mask)) WITHOUT ROWID;
CREATE TABLE cell_buckets (
    level INTEGER NOT NULL, status TEXT NOT NULL, cell INTEGER NOT NULL,
    series INTEGER NOT NULL, bucket INTEGER NOT NULL,
    n INTEGER NOT NULL, low REAL NOT NULL, high REAL NOT NULL,
    PRIMARY KEY (level, status, cell, series, bucket)) WITHOUT ROWID;
INSERT INTO cell_routes SELECT 6, status, cell, routes_mask, count(*) FROM clinics
    WHERE cell IS NOT NULL GROUP BY 2, 3, 4;
INSERT INTO cell_buckets SELECT level, status, cell, series, 0, sum(n), min(price), max(price)
    FROM cell_prices GROUP BY 1, 2, 3, 4;
"""


def test_a_schema_4_file_gets_todays_cells_on_open(tmp_path, caplog):
    clinics = list(synthetic_clinics(600, seed=12))
    path = tmp_path / "v4.db"
    with SQLiteStore(path) as store:
        store.rebuild(clinics)
        conn = store._connection()
        tables = ("cell_routes", "cell_prices", "cell_series")
        kept = {t: sorted(conn.execute(f"SELECT * FROM {t}")) for t in tables}
        query = NearQuery(lat=40.7, lon=-74.0, radius_km=500.0)
        answer = store.search_with_context(query)
    conn = sqlite3.connect(path)  # the file as schema 4 left it
    conn.executescript(
        "DROP TABLE cell_routes; DROP TABLE cell_series; DROP INDEX clinics_ring; "
        "DROP TABLE clinic_cards; "
        "CREATE INDEX clinics_cell ON clinics (cell); "
        + SCHEMA_4_CELLS
        + "PRAGMA user_version = 4;"
    )
    conn.close()
    with SQLiteStore(path) as store:
        assert f"store schema 4 → {SCHEMA_VERSION}, building the per-cell aggregates" in (
            caplog.text
        )
        conn = store._connection()
        names = {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}
        assert "cell_buckets" not in names and "clinics_cell" not in names
        assert "clinics_ring" in names
        for table, rows in kept.items():
            assert sorted(conn.execute(f"SELECT * FROM {table}")) == rows, table
        assert store.search_with_context(query) == answer
        assert {c.id for c in store.iter_clinics()} == {c.id for c in clinics}
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.close()


def test_a_schema_5_file_gets_its_price_series_keyed_by_cell_on_open(tmp_path, caplog):
    clinics = list(synthetic_clinics(600, seed=13))
    path = tmp_path / "v5.db"
    with SQLiteStore(path) as store:
        store.rebuild(clinics)
        conn = store._connection()
        kept = sorted(conn.execute("SELECT * FROM cell_series"))
        query = NearQuery(lat=40.7, lon=-74.0, radius_km=500.0)
        answer = store.search_with_context(query)
    conn = sqlite3.connect(path)  # the file as schema 5 left it: cell_series keyed by series
    schema_5 = cell_counts.series_table("cell_series_5").replace(
        "PRIMARY KEY (level, status, cell, series)", "PRIMARY KEY (level, series, status, cell)"
    )
    conn.executescript(
        f"{schema_5}; INSERT INTO cell_series_5 SELECT * FROM cell_series; "
        "DROP TABLE cell_series; ALTER TABLE cell_series_5 RENAME TO cell_series; "
        "DROP TABLE clinic_cards; PRAGMA user_version = 5;"  # and no cards yet
    )
    conn.close()
    with SQLiteStore(path) as store:
        assert f"store schema 5 → {SCHEMA_VERSION}, packing the price series' buckets" in (
            caplog.text
        )
        conn = store._connection()
        (sql,) = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'cell_series'").fetchone()
        assert "PRIMARY KEY (level, status, cell, series)" in sql
        assert sorted(conn.execute("SELECT * FROM cell_series")) == kept
        assert store.search_with_context(query) == answer
        assert f"store schema 5 → {SCHEMA_VERSION}, making the result cards" in caplog.text
        store.delete(clinics[0].id)  # kept up to date in the new layout: as a fresh build
        after = sorted(conn.execute("SELECT * FROM cell_series"))
        with conn:
            sqlite_store.CELLS.build(conn)
        assert sorted(conn.execute("SELECT * FROM cell_series")) == after != kept
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.close()


def test_a_schema_6_file_gets_its_result_cards_on_open(tmp_path, caplog):
    clinics = list(synthetic_clinics(300, seed=13))
    path = tmp_path / "v6.db"
    with SQLiteStore(path) as store:
        store.rebuild(clinics)
        query = NearQuery(lat=40.7, lon=-74.0, radius_km=800.0, per_page=50)
        answer = store.search_with_context(query)
    conn = sqlite3.connect(path)  # the file as schema 6 left it: no cards
    conn.executescript("DROP TABLE clinic_cards; PRAGMA user_version = 6;")
    conn.close()
    with SQLiteStore(path) as store:
        assert f"store schema 6 → {SCHEMA_VERSION}, making the result cards" in caplog.text
        cards = dict(
            store._connection().execute(
                "SELECT c.id, k.card FROM clinics c JOIN clinic_cards k ON k.rowid = c.rowid"
            )
        )
        assert cards == {c.id: card_of(orjson.loads(c.model_dump_json())) for c in clinics}
        again = store.search_with_context(query)
        assert again == answer and answer[0].hits
        assert [h.card for h in again[0].hits] == [cards[h.document["id"]] for h in again[0].hits]
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.close()


def test_a_schema_7_file_gets_its_price_index_on_open(tmp_path, caplog):
    path = tmp_path / "v7.db"
    query = NearQuery(lat=40.7, lon=-74.0, radius_km=3000.0, sort="price", page=2)
    with SQLiteStore(path) as store:
        store.rebuild(synthetic_clinics(300, seed=13))
        answer = store.search_with_context(query)
    conn = sqlite3.connect(path)  # the file as schema 7 left it: no price index
    conn.executescript("DROP INDEX clinics_price; PRAGMA user_version = 7;")
    conn.close()
    with SQLiteStore(path) as store:
        assert f"store schema 7 → {SCHEMA_VERSION}, indexing prices" in caplog.text
        indexes = store._connection().execute("SELECT name FROM sqlite_master WHERE type='index'")
        assert "clinics_price" in {name for (name,) in indexes}
        assert store.search_with_context(query) == answer and answer[0].hits
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.close()


def test_a_file_from_a_newer_katdir_is_refused(tmp_path):
    path = tmp_path / "new.db"
    SQLiteStore(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StoreError, match="newer than this katdir's.*upgrade katdir"):
        SQLiteStore(path)


def test_a_route_added_mid_vocabulary_relabels_no_stored_row(tmp_path, monkeypatch):
    clinics = [c for c in synthetic_clinics(200, seed=9) if c.routes][:60]
    path = tmp_path / "k.db"
    with SQLiteStore(path) as store:
        store.upsert(clinics)
    # A new route inserted second in the model's list gets the next unused code.
    monkeypatch.setattr(sqlite_store, "ROUTES", (ROUTES[0], "ketamine_lozenge", *ROUTES[1:]))
    monkeypatch.setattr(
        sqlite_store, "ROUTE_CODES", {**sqlite_store.ROUTE_CODES, "ketamine_lozenge": 5}
    )
    # A fresh cache for the facet columns, so that they see the new route (and none is left).
    monkeypatch.setattr(
        sqlite_store, "facet_columns", functools.cache(sqlite_store.facet_columns.__wrapped__)
    )
    # The per-cell aggregates count by the same permanent codes.
    monkeypatch.setattr(
        sqlite_store, "CELLS", CellAggregates(sqlite_store.ROUTE_CODES, sqlite_store.PRICE_COLUMNS)
    )
    with SQLiteStore(path) as store:
        for route in ROUTES:
            for clinic in clinics[:5]:
                found = store.search(
                    near(
                        clinic,
                        filters={"route": (route,)},
                        per_page=100,
                        statuses=(clinic.review.status,),
                    )
                )
                assert all(route in h.clinic.routes for h in found.hits), route
                assert (clinic.id in [h.clinic.id for h in found.hits]) == (route in clinic.routes)
        facets = store.search(near(clinics[0], statuses=(clinics[0].review.status,))).facets
        assert facets["routes"]["ketamine_lozenge"] == 0


def test_every_route_and_condition_has_a_permanent_code():
    # Codes already written to stores must never change: this list only grows.
    assert sqlite_store.ROUTE_CODES == {
        "iv": 0,
        "im": 1,
        "oral": 2,
        "spravato": 3,
        "intranasal_ketamine": 4,
    }
    assert sqlite_store.CONDITION_CODES["depression"] == 0
    assert sqlite_store.CONDITION_CODES["other"] == 11


def test_katdir_rebuild_on_sqlite(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'k.db'}"
    with open_store(url) as store:
        store.upsert(list(synthetic_clinics(30, seed=3)))
    monkeypatch.setenv("KATDIR_STORE", url)
    assert main(["rebuild"]) == 0
    assert "from 30 clinics" in capsys.readouterr().err
    with open_store(url) as store:
        assert store.count() == 30


@pytest.mark.elasticsearch
def test_an_index_of_schema_1_is_refused_with_the_command_that_then_fixes_it(
    es_url, monkeypatch, capsys
):
    from katdir.store import es_schema as schema

    prefix = unique_prefix("v1")
    clinics = list(synthetic_clinics(25, seed=5, status="approved"))
    store = open_store(es_url, es_prefix=prefix)
    try:
        # Schema 1: the same mapping without `_meta`, as katdir made indices before.
        old_mappings = {k: v for k, v in schema.CLINIC_MAPPINGS.items() if k != "_meta"}
        index = schema.initial_clinics_index(prefix)
        store.es.indices.create(
            index=index, mappings=old_mappings, aliases={schema.clinics_alias(prefix): {}}
        )
        for clinic in clinics:
            store.es.index(index=index, id=clinic.id, document=schema.clinic_document(clinic))
        store.es.indices.refresh(index=index)

        with pytest.raises(StoreError, match=r"store schema 1.*run `katdir rebuild`"):
            store.search(near(clinics[0]))
        assert store.count() == 25  # the documents stay readable for the rebuild

        monkeypatch.setenv("KATDIR_STORE", es_url)
        monkeypatch.setenv("KATDIR_ES_PREFIX", prefix)
        assert main(["rebuild"]) == 0
        with open_store(es_url, es_prefix=prefix) as fresh:
            found = fresh.search(near(clinics[0]))
            assert clinics[0].id in [h.clinic.id for h in found.hits]
            [mapping] = fresh.es.indices.get_mapping(index=fresh.alias).values()
            assert schema.schema_version(mapping) == schema.SCHEMA_VERSION
            assert {c.id for c in fresh.iter_clinics()} == {c.id for c in clinics}
    finally:
        store.drop_everything()
        store.close()


@pytest.mark.elasticsearch
def test_an_index_made_before_a_search_filter_is_refused_with_the_command_that_fixes_it(
    es_url, monkeypatch
):
    """A filter declared since the index was made (katdir.filters): the index has no field for
    it, so searches and writes are refused until `katdir rebuild` makes one from the template."""
    from katdir.store import es_schema as schema

    prefix = unique_prefix("filter")
    clinics = list(synthetic_clinics(25, seed=5, status="approved"))
    store = open_store(es_url, es_prefix=prefix)
    try:
        old = {
            **schema.CLINIC_MAPPINGS,
            "properties": {
                k: v for k, v in schema.CLINIC_MAPPINGS["properties"].items() if k != "telehealth"
            },
        }
        index = schema.initial_clinics_index(prefix)
        store.es.indices.create(
            index=index, mappings=old, aliases={schema.clinics_alias(prefix): {}}
        )
        store.es.indices.refresh(index=index)
        with pytest.raises(StoreError, match=r"search filter\(s\) telehealth.*`katdir rebuild`"):
            store.search(near(clinics[0]))

        monkeypatch.setenv("KATDIR_STORE", es_url)
        monkeypatch.setenv("KATDIR_ES_PREFIX", prefix)
        assert main(["rebuild"]) == 0
        with open_store(es_url, es_prefix=prefix) as fresh:
            fresh.upsert(clinics)
            found = fresh.search(
                NearQuery(
                    lat=clinics[0].location.lat,
                    lon=clinics[0].location.lon,
                    radius_km=20_000,
                    per_page=100,
                    filters={"telehealth": True},
                )
            )
            assert found.total == sum(c.telehealth is True for c in clinics) > 0
    finally:
        store.drop_everything()
        store.close()


def test_a_schema_8_file_gets_its_price_buckets_packed_on_open(tmp_path, caplog, monkeypatch):
    monkeypatch.setattr(sqlite_store.CELLS, "min_clinics", 0)  # the cells answer
    clinics = list(synthetic_clinics(400, seed=13))
    path = tmp_path / "v8.db"
    query = NearQuery(lat=40.7, lon=-74.0, radius_km=600.0)
    with SQLiteStore(path) as store:
        store.rebuild(clinics)
        conn = store._connection()
        kept = sorted(conn.execute("SELECT * FROM cell_series"))
        answer = store.search_with_context(query)
    buckets = [f"b{b}" for b in range(cell_counts.BUCKETS)]
    conn = sqlite3.connect(path)  # the file as schema 8 left it: one column a bucket
    conn.execute(
        "CREATE TABLE cell_series_8 (level INTEGER NOT NULL, series INTEGER NOT NULL, "
        "status TEXT NOT NULL, cell INTEGER NOT NULL, n INTEGER NOT NULL, low REAL NOT NULL, "
        f"high REAL NOT NULL, {', '.join(f'{b} INTEGER NOT NULL' for b in buckets)}, "
        "PRIMARY KEY (level, status, cell, series)) WITHOUT ROWID"
    )
    conn.executemany(
        f"INSERT INTO cell_series_8 VALUES ({', '.join('?' * (7 + len(buckets)))})",
        [(*row[:7], *cell_counts.unpacked(row[7:])) for row in kept],
    )
    kept_prices = sorted(conn.execute("SELECT * FROM cell_prices"))
    conn.executescript(  # and its histograms keyed by cell, with no bucket
        "DROP TABLE cell_series; ALTER TABLE cell_series_8 RENAME TO cell_series; "
        "CREATE TABLE cell_prices_8 (level INTEGER NOT NULL, series INTEGER NOT NULL, "
        "status TEXT NOT NULL, cell INTEGER NOT NULL, price REAL NOT NULL, n INTEGER NOT NULL, "
        "PRIMARY KEY (level, series, status, cell, price)) WITHOUT ROWID; "
        "INSERT INTO cell_prices_8 SELECT level, series, status, cell, price, n FROM cell_prices; "
        "DROP TABLE cell_prices; ALTER TABLE cell_prices_8 RENAME TO cell_prices; "
        "PRAGMA user_version = 8;"
    )
    conn.close()
    with SQLiteStore(path) as store:
        assert f"store schema 8 → {SCHEMA_VERSION}, packing the price series' buckets" in (
            caplog.text
        )
        assert "indexing prices" not in caplog.text
        conn = store._connection()
        assert sorted(conn.execute("SELECT * FROM cell_series")) == kept
        assert sorted(conn.execute("SELECT * FROM cell_prices")) == kept_prices
        assert store.search_with_context(query) == answer and answer[0].total
        store.delete(clinics[0].id)  # kept up to date in the new layout: as a fresh build
        after = {t: sorted(conn.execute(f"SELECT * FROM {t}")) for t in cell_counts.TABLES}
        with conn:
            sqlite_store.CELLS.build(conn)
        assert {t: sorted(conn.execute(f"SELECT * FROM {t}")) for t in cell_counts.TABLES} == after
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.close()
