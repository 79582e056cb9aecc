"""The embedded store's file across a new search filter: a file written before a filter's
column existed opens with the column added and filled from the stored clinics."""

from __future__ import annotations

import random
import sqlite3

import pytest

from katdir.filters import indexed_filters
from katdir.geo import haversine_km
from katdir.model import Clinic
from katdir.store import NearQuery, open_store
from katdir.store.sqlite import SEARCH_COLUMNS, SQLiteStore, column_of

CLINICS = [
    Clinic(
        id=f"c{i}",
        name=f"Clinic {i}",
        location={"lat": 39.74, "lon": -104.99 + i / 100},
        routes=["iv"],
        telehealth=(True, False, None)[i % 3],
        therapy_integrated=i % 2 == 0,
        conditions=["ptsd"] if i % 2 else ["depression"],
        insurance={
            "accepts_insurance": i % 2 == 1,
            "va_community_care": i % 3 == 0,
            "spravato_insurance": i % 4 == 0,
        },
        review={"status": "approved"},
    )
    for i in range(9)
]


@pytest.mark.parametrize("f", indexed_filters(), ids=lambda f: f.name)
def test_a_file_without_a_filters_column_gets_it_filled_when_opened(tmp_path, f):
    path = tmp_path / "old.db"
    with open_store(f"sqlite:///{path}") as store:
        store.rebuild(CLINICS)
    # The file as the store wrote it before this filter existed (and so before the per-cell
    # aggregates' ring index, which holds some filters' columns).
    with sqlite3.connect(path) as conn:
        conn.execute("DROP INDEX clinics_ring")
        conn.execute(f"ALTER TABLE clinics DROP COLUMN {column_of(f)}")
    value = True if f.kind.name == "flag" else (f.value_of(CLINICS[1])[0],)
    with open_store(f"sqlite:///{path}") as store:
        found = store.search(
            NearQuery(lat=39.74, lon=-104.99, radius_km=50, per_page=100, filters={f.name: value})
        )
        expected = {
            c.id
            for c in CLINICS
            if (
                f.value_of(c) is value if f.kind.name == "flag" else set(f.value_of(c)) & set(value)
            )
        }
        assert {h.clinic.id for h in found.hits} == expected and expected
    with sqlite3.connect(path) as conn:
        columns = {row[1] for row in conn.execute("PRAGMA table_info(clinics)")}
        ring = conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'clinics_ring'").fetchone()
    assert column_of(f) in columns and ring


def test_the_generation_moves_with_every_commit_of_another_connection(tmp_path):
    from bench.synthetic import synthetic_clinics

    url = f"sqlite:///{tmp_path / 'g.db'}"
    first, second, *_ = synthetic_clinics(3, seed=2)
    with open_store(url) as watched, open_store(url) as writer:
        before = watched.generation()
        watched.search(NearQuery(lat=40.0, lon=-105.0, radius_km=50))  # reading changes nothing
        assert watched.generation() == before
        writer.upsert([first])
        after = watched.generation()
        assert after != before
        assert watched.generation() == after
        watched.upsert([second])  # this store's own writes too: its watcher only watches
        assert watched.generation() != after


def test_a_rebuild_numbers_rows_in_sqlites_spatial_order_and_indexes_each_rows_own_text(
    tmp_path,
):
    """The rebuild sorts the search rows in Python; their numbering is the one SQLite gives
    `ORDER BY CAST((lat + 90) * 4 AS INTEGER), lon, id` (clinics without a point first), and
    each row's text and box are its own clinic's."""
    from bench.synthetic import EDGE_CASES, synthetic_clinics

    clinics = [
        *synthetic_clinics(400, seed=7),
        *(
            Clinic(id=f"edge-{name}", name=name, location={"lat": lat, "lon": lon})
            for name, (lat, lon) in EDGE_CASES.items()
        ),
        Clinic(id="z-nowhere", name="Nowhere Clinic"),
        Clinic(id="a-nowhere", name="Elsewhere Clinic"),
        # one strip, one longitude: the id decides; the strip's edge, both sides of it
        *(
            Clinic(id=f"tie-{n}", name=f"Tie {n}", location={"lat": lat, "lon": -105.0})
            for n, lat in ((2, 39.5), (1, 39.5), (3, 39.7499999), (4, 39.75), (5, -0.25))
        ),
    ]
    with open_store(f"sqlite:///{tmp_path / 'order.db'}") as store:
        store.rebuild(reversed(clinics))
        conn = store._connection()
        numbered = [r[0] for r in conn.execute("SELECT id FROM clinics ORDER BY rowid")]
        by_sqlite = [
            r[0]
            for r in conn.execute(
                "SELECT id FROM clinics ORDER BY CAST((lat + 90) * 4 AS INTEGER), lon, id"
            )
        ]
        texts = dict(
            conn.execute(
                "SELECT c.id, t.name FROM clinic_text t JOIN clinics c ON c.rowid = t.rowid"
            )
        )
        boxes = dict(
            conn.execute(
                "SELECT c.id, b.min_lat FROM clinic_box b JOIN clinics c ON c.rowid = b.rowid"
            )
        )
    assert numbered == by_sqlite and len(numbered) == len(clinics)
    assert numbered[:2] == ["a-nowhere", "z-nowhere"]
    assert texts == {c.id: c.name for c in clinics}
    assert boxes == pytest.approx({c.id: c.location.lat for c in clinics if c.location}, abs=1e-4)


def test_a_rebuild_stores_what_writing_each_clinic_stores(tmp_path):
    """The bulk path (rows numbered in spatial order; the boxes and cells built beside the
    documents, cards and text rows) and the one-clinic path give, clinic by clinic, the same
    search row, document, text, card and box, and the same per-cell aggregates."""
    from bench.synthetic import synthetic_clinics
    from katdir.store import cell_counts

    clinics = [*synthetic_clinics(300, seed=13), Clinic(id="z-nowhere", name="Nowhere Clinic")]
    by_id = {
        "clinics": f"SELECT {', '.join(SEARCH_COLUMNS)} FROM clinics ORDER BY id",
        "docs": "SELECT id, doc FROM clinic_docs ORDER BY id",
        "text": "SELECT c.id, t.name, t.body FROM clinic_text t JOIN clinics c "
        "ON c.rowid = t.rowid ORDER BY c.id",
        "cards": "SELECT c.id, k.card FROM clinic_cards k JOIN clinics c ON c.rowid = k.rowid "
        "ORDER BY c.id",
        "boxes": "SELECT c.id, b.min_lat, b.max_lat, b.min_lon, b.max_lon FROM clinic_box b "
        "JOIN clinics c ON c.rowid = b.rowid ORDER BY c.id",
        **{table: f"SELECT * FROM {table} ORDER BY 1, 2, 3, 4, 5" for table in cell_counts.TABLES},
    }
    stored = []
    for bulk in (True, False):
        with open_store(f"sqlite:///{tmp_path / f'{bulk}.db'}") as store:
            if bulk:
                store.rebuild(clinics)
            else:
                store.upsert(clinics)
            conn = store._connection()
            stored.append({name: conn.execute(sql).fetchall() for name, sql in by_id.items()})
    rebuilt, written = stored
    assert len(rebuilt["cards"]) == len(clinics) and rebuilt["cell_routes"]
    for name in by_id:
        assert rebuilt[name] == written[name], name


@pytest.mark.parametrize(
    ("radius_km", "page_statements"),
    [(320, 1), (80, 2), (40, 3)],  # found at once; in the circle twice as wide; in the full one
)
def test_a_page_of_the_nearest_widens_its_smaller_circle_until_it_holds_the_page(
    tmp_path, radius_km, page_statements
):
    """Nearest first among many, the page is looked for in a circle sized for twice the page by
    area. Here every clinic is ~30 km east of the centre, farther than density suggests: that
    circle is doubled until it holds the page (the full circle last), and the page is still
    the nearest clinics."""
    rng = random.Random(4)
    centre = (39.74, -104.99)
    clinics = [
        Clinic(
            id=f"c{i:03d}",
            name=f"Clinic {i}",
            location={"lat": 39.74 + rng.uniform(0, 0.02), "lon": -104.64 + rng.uniform(0, 0.02)},
            review={"status": "approved"},
        )
        for i in range(200)
    ]
    nearest = sorted(
        clinics, key=lambda c: (haversine_km(*centre, c.location.lat, c.location.lon), c.id)
    )
    # The SQL path (the search columns in memory do the same work over arrays).
    with SQLiteStore(tmp_path / "sparse.db", columns_in_memory=False) as store:
        store.rebuild(clinics)
        pages: list[str] = []
        store._connection().set_trace_callback(
            lambda sql: pages.append(sql) if "LIMIT" in sql and "ORDER BY" in sql else None
        )
        result = store.search(
            NearQuery(lat=centre[0], lon=centre[1], radius_km=radius_km, per_page=10)
        )
    assert result.total == len(clinics)
    assert [h.clinic.id for h in result.hits] == [c.id for c in nearest[:10]]
    assert len(pages) == page_statements
