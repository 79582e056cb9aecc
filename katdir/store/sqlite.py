"""The embedded store: one SQLite file with an R*Tree for near-me search and FTS5 for text.

Near-me search narrows candidates with the R*Tree bounding box, then keeps and orders them
by the dot product of unit vectors — plain arithmetic inside SQLite, monotone in the
great-circle distance — so that counting, facets and top-k never pull every match into
Python. Only the returned page gets its exact haversine distance.

A text search runs the FTS5 match once per search, into a temporary table of matching rows
that the spatial candidates are joined to by rowid (never an FTS5 query per candidate), and
every search runs under a deadline that SQLite's progress handler enforces.

Each process also holds the search columns in memory (katdir/store/columns.py), loaded again
after every commit: a search without text whose box holds up to 200,000 candidates is
answered from them, with the same answer, in a fraction of the time; SQL answers the rest, and
answers while they load. Dense circles beyond that are counted by per-cell aggregates
(katdir/store/cell_counts.py).
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import functools
import json
import logging
import math
import os
import queue
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import orjson

from katdir.card import card_of
from katdir.filters import FILTERS, MAX_TEXT_WORDS, Parameter, indexed_filters
from katdir.geo import bounding_box, haversine_km, min_dot_for_radius, unit_vector
from katdir.model import CONDITIONS, ROUTES, Clinic, Decision
from katdir.store import cell_counts
from katdir.store.base import (
    PRICE_BANDS,
    SEARCH_TIMEOUT,
    ConflictError,
    Hit,
    NearQuery,
    Record,
    RoutePrices,
    SearchResult,
    SearchTooCostly,
    Store,
    StoreError,
    StoreUnavailable,
    WriterBusy,
    client_gone,
    context_routes,
    no_price_context,
    search_fields,
    text_body,
)
from katdir.store.columns import Answer as ColumnsAnswer
from katdir.store.columns import Columns, Layout

log = logging.getLogger(__name__)

# The schema's version, kept in the file (`PRAGMA user_version`). 0: a file written before
# versions were kept (schema 1) or a new file. Raise it with any change to the tables below or
# to what their rows mean; `_migrate` then re-derives the search tables from the documents.
# 3: the `records` table (curators' accounts, tokens, requests, sources), and `status` also
# says closed / removed / merged (Clinic.search_status).
# 4: `clinics.cell` and the per-cell aggregates (katdir/store/cell_counts.py).
# 5: the aggregates' route counts and price buckets as columns (one row a cell and route or
# price series: `cell_routes` by route, `cell_series` instead of `cell_buckets`).
# 6: `cell_series` keyed by cell before series (cell_counts.series_table).
# 7: `clinic_cards`, each clinic's result card (katdir.card), by its search row.
# 8: the index `clinics_price` (a dense circle's cheapest clinics, SQLiteStore._cheapest).
# 9: `cell_series`'s bucket counts packed three to a column (cell_counts.PACK_COLUMNS), and
# `cell_prices` keyed by price bucket before cell (cell_counts.prices_table).
SCHEMA_VERSION = 9
# Each route's and condition's permanent bit in the masks: never renumber or reuse one; a new
# word gets the next unused code wherever it sits in the model's list (tests check both).
ROUTE_CODES: dict[str, int] = {"iv": 0, "im": 1, "oral": 2, "spravato": 3, "intranasal_ketamine": 4}
CONDITION_CODES: dict[str, int] = {
    "depression": 0,
    "anxiety": 1,
    "ptsd": 2,
    "ocd": 3,
    "chronic_pain": 4,
    "bipolar": 5,
    "suicidal_ideation": 6,
    "substance_use": 7,
    "eating_disorders": 8,
    "migraine": 9,
    "fibromyalgia": 10,
    "other": 11,
}
if set(ROUTE_CODES) != set(ROUTES) or set(CONDITION_CODES) != set(CONDITIONS):
    raise RuntimeError(
        "a route or condition of katdir.model has no code in katdir.store.sqlite "
        "(ROUTE_CODES / CONDITION_CODES): give it the next unused one"
    )
if len(set(ROUTE_CODES.values())) != len(ROUTE_CODES) or len(set(CONDITION_CODES.values())) != len(
    CONDITION_CODES
):
    raise RuntimeError(
        "two words share a code in katdir.store.sqlite's ROUTE_CODES or CONDITION_CODES"
    )
# Derived from the documents in `clinic_docs`, so a migration can always rebuild them.
DERIVED_TABLES = ("clinics", "clinic_box", "clinic_text", "clinic_cards", *cell_counts.TABLES)

# `clinics` holds only what search reads, one small row per clinic, numbered in spatial order
# on a rebuild, so that one metro's rows share pages; the full documents live apart. A result
# card (katdir.card) is kept under its clinic's rowid: a page of results, near one another, is
# then read from a few neighbouring pages (four times less work than by id among the docs).
SCHEMA_TEMPLATE = """
CREATE TABLE IF NOT EXISTS clinics (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL,
    lat REAL, lon REAL, x REAL, y REAL, z REAL,
    cell INTEGER,
    min_price REAL,
    {price_columns},
    {filter_columns}
);
CREATE TABLE IF NOT EXISTS clinic_docs (id TEXT PRIMARY KEY, doc TEXT NOT NULL) WITHOUT ROWID;
CREATE VIRTUAL TABLE IF NOT EXISTS clinic_box USING rtree(rowid, min_lat, max_lat, min_lon, max_lon);
CREATE VIRTUAL TABLE IF NOT EXISTS clinic_text USING fts5(name, body, tokenize = 'unicode61');
CREATE TABLE IF NOT EXISTS decisions (
    clinic_id TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    doc TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS records (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    version INTEGER NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (kind, key)
) WITHOUT ROWID;
"""
# The lowest per-session price of each route (katdir.pricing), one column per route.
PRICE_COLUMNS = {route: f"price_{route}" for route in ROUTES}

# -- the search filters (katdir.filters): each kind has one column type and one SQL clause ----

# A flag is 0/1/NULL; words of a vocabulary are a bit mask, so "any of them" is one AND.
COLUMN_TYPES = {"flag": "INTEGER", "any_of": "INTEGER NOT NULL DEFAULT 0", "at_most": "REAL"}
INDEXED = indexed_filters()


def column_of(f: Parameter) -> str:
    return f"{f.field}_mask" if f.kind.name == "any_of" else f.field


def mask_codes(f: Parameter) -> dict[str, int]:
    """The permanent bit of each word of an any-of filter's vocabulary (never its position)."""
    return {"routes": ROUTE_CODES, "conditions": CONDITION_CODES}[f.field]


for _f in indexed_filters("any_of"):
    if _f.field not in ("routes", "conditions"):
        raise RuntimeError(
            f"the search filter {_f.name!r} has no permanent codes for its words: "
            "add them beside ROUTE_CODES in katdir.store.sqlite"
        )


def stored_value(f: Parameter, value: Any) -> Any:
    """A filter's value as its column keeps it (a clinic's, or a query's)."""
    if f.kind.name == "any_of":
        return _mask(value, mask_codes(f))
    if f.kind.name == "flag":
        return _bool(value)
    return value


# Kind → the condition a filter's value puts on the clinics `c`, as :name (the filter's name).
# The text kind is not here: its matches are joined (see SQLiteStore._matches).
SQL_CLAUSES: dict[str, Callable[[Parameter, NearQuery], str]] = {
    "flag": lambda f, query: f"c.{column_of(f)} = :{f.name}",
    "any_of": lambda f, query: f"(c.{column_of(f)} & :{f.name}) != 0",
    "at_most": lambda f, query: f"c.{column_of(f)} <= :{f.name}",
    "session_price_at_most": lambda f, query: f"{price_expression(query.routes)} <= :{f.name}",
}

# The same conditions over the search columns in memory (katdir/store/columns.py), for the
# matches at positions `at`: a NaN (NULL) fails every comparison, as in SQL.
ARRAY_CLAUSES: dict[str, Callable[[Columns, Parameter, Any, NearQuery, Any], Any]] = {
    "flag": lambda columns, f, value, query, at: columns.c[column_of(f)][at] == value,
    "any_of": lambda columns, f, value, query, at: (columns.c[column_of(f)][at] & value) != 0,
    "at_most": lambda columns, f, value, query, at: columns.c[column_of(f)][at] <= value,
    "session_price_at_most": lambda columns, f, value, query, at: (
        columns.price(query.routes, at) <= value
    ),
}
if set(ARRAY_CLAUSES) != set(SQL_CLAUSES):  # else the columns would answer without a filter
    raise RuntimeError("each kind of search filter needs a clause in SQL_CLAUSES and ARRAY_CLAUSES")


def column_layout() -> Layout:
    """The columns of `clinics` that searches read, for the search columns in memory."""
    return Layout(
        integers=("rowid", *(column_of(f) for f in INDEXED if f.kind.name == "any_of")),
        reals=(
            "lat",
            "lon",
            "x",
            "y",
            "z",
            "min_price",
            *PRICE_COLUMNS.values(),
            *(column_of(f) for f in INDEXED if f.kind.name in ("flag", "at_most")),
        ),
        routes=ROUTES,
        price_columns=PRICE_COLUMNS,
        route_bits={route: 1 << ROUTE_CODES[route] for route in ROUTES},
    )


# A store of at most this many clinics loads its columns on the searching thread (~20 ms);
# a larger one on a thread of its own, its searches taking the SQL path meanwhile.
COLUMNS_LOADED_INLINE = 20_000

SCHEMA = (
    SCHEMA_TEMPLATE.format(
        price_columns=", ".join(f"{c} REAL" for c in PRICE_COLUMNS.values()),
        filter_columns=",\n    ".join(
            f"{column_of(f)} {COLUMN_TYPES[f.kind.name]}" for f in INDEXED
        ),
    )
    + ";"
    + cell_counts.SCHEMA
)
# The clinics of the cells a circle's edge crosses, with what the per-cell aggregates read of
# them (katdir/store/cell_counts.py: the ring) in the index itself: no look-up of each row.
RING_INDEX = (
    "CREATE INDEX IF NOT EXISTS clinics_ring ON clinics (cell, status, x, y, z, routes_mask, "
    f"min_price, {', '.join(PRICE_COLUMNS.values())})"
)
SCHEMA += ";" + RING_INDEX
SCHEMA_CARDS = (
    "CREATE TABLE IF NOT EXISTS clinic_cards (rowid INTEGER PRIMARY KEY, card BLOB NOT NULL)"
)
SCHEMA += ";" + SCHEMA_CARDS
# Clinics by lowest price: where a circle holds many, its cheapest are found sooner by price
# than by visiting all of them (SQLiteStore._cheapest).
PRICE_INDEX = "CREATE INDEX IF NOT EXISTS clinics_price ON clinics (min_price)"
SCHEMA += ";" + PRICE_INDEX
SEARCH_COLUMNS = (
    "id",
    "status",
    "lat",
    "lon",
    "x",
    "y",
    "z",
    "cell",
    "min_price",
    *PRICE_COLUMNS.values(),
    *(column_of(f) for f in INDEXED),
)


_ID, _LAT, _LON = (SEARCH_COLUMNS.index(column) for column in ("id", "lat", "lon"))


class _Beside(threading.Thread):
    """`work(*args)` on a thread of its own; `join()` waits for it and raises what it raised."""

    def __init__(self, work: Callable[..., Any], *args: Any):
        super().__init__(name="katdir-store-beside", daemon=True)
        self._work, self._args, self._error = work, args, None
        self.start()

    def run(self) -> None:
        try:
            self._work(*self._args)
        except BaseException as error:  # noqa: BLE001 (handed to the thread that joins)
            self._error = error

    def join(self, timeout: float | None = None) -> None:
        super().join(timeout)
        if self._error is not None:
            raise self._error


def _spatial_order(row: tuple) -> tuple:
    """Quarter-degree strips of latitude, then longitude, then id, of a search row (as SQLite
    would sort `CAST((lat + 90) * 4 AS INTEGER), lon, id`: clinics without a point first), so
    that rows near each other on the map end up near each other in the file."""
    lat = row[_LAT]
    if lat is None:
        return (False, 0, 0.0, row[_ID])
    return (True, int((lat + 90) * 4), row[_LON], row[_ID])


@functools.cache
def placeholders(count: int) -> str:
    """`?, ?, …`: the parameters of an IN list of `count` values (a page's at most)."""
    return ", ".join("?" * count)


_COLUMNS = ", ".join(SEARCH_COLUMNS)
_PLACES = placeholders(len(SEARCH_COLUMNS))
UPSERT_ROW = (
    f"INSERT INTO clinics ({_COLUMNS}) VALUES ({_PLACES}) ON CONFLICT(id) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in SEARCH_COLUMNS[1:])
    + " RETURNING rowid"
)

DOT = "(c.x * :ox + c.y * :oy + c.z * :oz)"  # cosine of the angle to the origin
# Counts, facets and price context from per-cell aggregates where they answer exactly.
CELLS = cell_counts.CellAggregates(ROUTE_CODES, PRICE_COLUMNS)
_WORD = re.compile(r"\w+", re.UNICODE)
# A search's matches, copied once when both its facets and its price context are asked
# (the columns facet_columns and the price context read; one table per connection).
MATCH_PRICES = (
    "CREATE TEMP TABLE IF NOT EXISTS match_prices (routes_mask INTEGER, min_price REAL, "
    + ", ".join(f"{column} REAL" for column in PRICE_COLUMNS.values())
    + ")"
)
MATCH_COLUMNS = ("routes_mask", "min_price", *PRICE_COLUMNS.values())
T = TypeVar("T")
DOCUMENT_JSON = Clinic.__pydantic_serializer__.to_json  # = model_dump_json(), as UTF-8 bytes
PAD = 1e-4  # degrees, about 11 m
MMAP_BYTES = 2**31  # the first 2 GiB of the file mapped (most SQLite builds cap it there)
# Connections one store keeps open, whatever the number of threads: a gunicorn worker's
# threads, or a development server's busiest moment. Each may hold a 32 MiB page cache.
POOL_SIZE = 4
POOL_WAIT = 10.0  # seconds a thread waits for a free connection before the store is "busy"
PROGRESS_STEPS = 10_000  # SQLite VM steps between two looks at the deadline (well under 1 ms)
# A search's text matches (and their score when it sorts by relevance): filled once per
# search, in the connection's private temp database, emptied when the search ends.
TEXT_MATCHES = "CREATE TEMP TABLE IF NOT EXISTS text_match (rowid INTEGER PRIMARY KEY, rank REAL)"
FILL_TEXT_MATCHES = (
    "INSERT INTO temp.text_match SELECT rowid, {rank} FROM clinic_text "
    "WHERE clinic_text MATCH :text"
)


def _mask(values: Iterable[str], codes: dict[str, int]) -> int:
    return sum(1 << codes[v] for v in set(values) if v in codes)


def _bool(value: bool | None) -> int | None:
    return None if value is None else int(value)


def fts_query(text: str) -> str | None:
    """Words of a visitor's text as an FTS5 query (every word, prefix match); no syntax leaks."""
    words = _WORD.findall(text.lower())
    if len(words) > MAX_TEXT_WORDS:
        raise SearchTooCostly(f"a text search takes at most {MAX_TEXT_WORDS} words")
    return " AND ".join(f'"{w}"*' for w in words) or None


NO_PRICE = 1e300  # stands for a missing price inside min(): SQLite's min(a, NULL) is NULL


@functools.cache
def price_expression(routes: tuple[str, ...]) -> str:
    """The per-session price a search on `routes` filters, sorts and counts by."""
    columns = [f"c.{PRICE_COLUMNS[r]}" for r in ROUTES if r in routes]
    if not columns:
        return "c.min_price"
    if len(columns) == 1:
        return columns[0]
    lowest = ", ".join(f"coalesce({c}, {NO_PRICE})" for c in columns)
    return f"nullif(min({lowest}), {NO_PRICE})"


@functools.cache
def facet_columns(routes: tuple[str, ...]) -> str:
    """Count, route counts and price facets of the matches, in one aggregate row."""
    price = price_expression(routes)
    columns = ["count(*)"]
    columns += [f"total((c.routes_mask & {1 << ROUTE_CODES[route]}) != 0)" for route in ROUTES]
    columns += [f"min({price})", f"max({price})", f"total({price} IS NULL)"]
    for _, low, high in PRICE_BANDS:
        cond = [f"{price} >= {low}" if low is not None else f"{price} IS NOT NULL"]
        if high is not None:
            cond.append(f"{price} < {high}")
        columns.append(f"total({' AND '.join(cond)})")
    return ", ".join(columns)


class _Lease:
    """A pooled connection lent to one thread; back in the pool when released, or when its
    thread ends without releasing it (the thread-local slot drops the lease)."""

    def __init__(self, conn: sqlite3.Connection, store: SQLiteStore):
        self.conn, self._store = conn, store

    def give_back(self) -> None:
        conn, self.conn = self.conn, None
        if conn is not None:
            self._store._return(conn)

    def __del__(self) -> None:
        try:
            self.give_back()
        except Exception:  # noqa: BLE001 - interpreter shutdown: nothing left to return to
            pass


class SQLiteStore(Store):
    """Clinics in one SQLite file (WAL mode: readers never wait for the indexer).

    Connections come from a small pool (POOL_SIZE): a thread keeps the one it was lent until
    `release()` (the web app calls it when a request ends), so a server's memory and file
    descriptors stay flat however many threads it starts.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        search_timeout: float = SEARCH_TIMEOUT,
        pool_size: int = POOL_SIZE,
        cell_aggregates: bool = True,
        columns_in_memory: bool = True,
    ):
        self.path = Path(path)
        # False: every search counts by visiting its matches (the exact path), as the
        # property tests and `python -m bench cells` compare against.
        self.cell_aggregates = cell_aggregates
        # False: no search columns in memory (katdir/store/columns.py); every search takes
        # the SQL path. A database in memory has no file another connection could load from.
        self.columns_in_memory = columns_in_memory and str(path) != ":memory:"
        self._columns: Columns | None = None
        self._loading_columns = threading.Lock()
        self._next_columns_load = 0.0  # time.monotonic() before which no load starts
        self.search_timeout = search_timeout
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._idle: queue.LifoQueue[sqlite3.Connection] = queue.LifoQueue()  # warmest first
        self._slots = threading.BoundedSemaphore(pool_size)
        self.pool_size = pool_size
        self._watching = threading.Lock()
        self._watcher: sqlite3.Connection | None = None
        self._watcher_pid = 0
        try:
            self._migrate(self._connection())
            self._add_missing_columns()
        except sqlite3.Error as err:
            self.close()
            raise StoreError(
                f"{self.path} cannot be used as a katdir store ({err}): "
                "give KATDIR_STORE a new file or one katdir made"
            ) from None

    def _add_missing_columns(self) -> None:
        """A file made before a search filter's column existed (a filter declared since, with
        no change to SCHEMA_VERSION): add the column and fill the search rows again from the
        documents (they are derived data)."""
        conn = self._connection()
        present = {row[1] for row in conn.execute("PRAGMA table_info(clinics)")}
        wanted = {
            **{c: "REAL" for c in PRICE_COLUMNS.values()},
            **{column_of(f): COLUMN_TYPES[f.kind.name] for f in INDEXED},
        }
        missing = [column for column in wanted if column not in present]
        if not missing:
            return
        log.info("adding the columns %s to %s and filling them", ", ".join(missing), self.path)
        with conn:
            for column in missing:
                conn.execute(f"ALTER TABLE clinics ADD COLUMN {column} {wanted[column]}")
            conn.execute("DROP INDEX IF EXISTS clinics_ring")  # a price column may be new
            conn.execute(RING_INDEX)
            assignments = ", ".join(f"{c} = ?" for c in SEARCH_COLUMNS[1:])
            for (doc,) in conn.execute("SELECT doc FROM clinic_docs").fetchall():
                row = self._search_row(Clinic.model_validate_json(doc))
                conn.execute(f"UPDATE clinics SET {assignments} WHERE id = ?", (*row[1:], row[0]))
            CELLS.build(conn)

    @classmethod
    def from_url(cls, url: str, **options: Any) -> SQLiteStore:
        return cls(url.removeprefix("sqlite:///") or ":memory:", **options)

    def _connection(self) -> sqlite3.Connection:
        """This thread's connection: lent from the pool on first use, kept until released."""
        lease = getattr(self._local, "lease", None)
        if lease is not None and lease.conn is not None:
            return lease.conn
        if not self._slots.acquire(timeout=POOL_WAIT):
            raise StoreUnavailable(
                f"all {self.pool_size} connections to {self.path.name} "
                f"stayed busy for {POOL_WAIT:g} s"
            )
        try:
            conn = self._idle.get_nowait()
        except queue.Empty:
            try:
                conn = self._open()
            except BaseException:
                self._slots.release()
                raise
        self._local.lease = _Lease(conn, self)
        return conn

    def _open(self) -> sqlite3.Connection:
        # Used by one thread at a time (the lease), though not always the one that opened it.
        conn = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA cache_size=-32768")  # 32 MiB: a metro's rows stay in memory
        conn.execute("PRAGMA temp_store=MEMORY")
        # Reads straight from the OS's page cache (shared by every worker) instead of copying
        # each page into this connection's cache: ~15 % less CPU a search (bench/results/).
        conn.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
        conn.execute(TEXT_MATCHES)
        conn.set_progress_handler(self._should_stop, PROGRESS_STEPS)
        return conn

    def _return(self, conn: sqlite3.Connection) -> None:
        try:
            if conn.in_transaction:
                conn.rollback()
            self._idle.put(conn)
        except sqlite3.Error:  # closed under us (store closed): nothing to keep
            pass
        finally:
            self._slots.release()

    def generation(self) -> int:
        """`PRAGMA data_version` of a read-only connection kept only to watch (one per
        process): it moves with every commit of any other connection — an index run, an
        import, a curator's decision, in this process or another."""
        with self._watching:
            if self._watcher is None or self._watcher_pid != os.getpid():  # none, or forked
                self._watcher = sqlite3.connect(
                    f"file:{self.path}?mode=ro", uri=True, check_same_thread=False
                )
                self._watcher_pid = os.getpid()
            return self._watcher.execute("PRAGMA data_version").fetchone()[0]

    def release(self) -> None:
        """Give this thread's connection back to the pool."""
        lease = getattr(self._local, "lease", None)
        self._local.lease = None
        if lease is not None:
            lease.give_back()

    def _should_stop(self) -> bool:
        """SQLite's progress handler: a true answer interrupts the running statement."""
        deadline = getattr(self._local, "deadline", None)
        if deadline is None:
            return False
        if time.monotonic() > deadline:
            self._local.stopped = "took longer than {:g} s".format(self.search_timeout)
            return True
        gone = client_gone.get()
        if gone is not None and gone():
            self._local.stopped = "was abandoned by its client"
            return True
        return False

    def _migrate(self, conn: sqlite3.Connection) -> None:
        """Bring the file to SCHEMA_VERSION: create it, or re-derive the search tables of an
        older one from its documents (decisions and documents are kept as they are). Refuses a
        file from a newer katdir. One process migrates; the others wait, then find it done."""
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version == SCHEMA_VERSION:
            return
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} has store schema {version}, newer than this katdir's "
                f"({SCHEMA_VERSION}): upgrade katdir to open it"
            )
        conn.isolation_level = None  # explicit transaction: DDL and data move together
        try:
            conn.execute("BEGIN IMMEDIATE")
            version = conn.execute("PRAGMA user_version").fetchone()[0]  # another process?
            exists = (
                conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'clinic_docs'").fetchone()
                is not None
            )
            if 3 <= version < SCHEMA_VERSION and exists:
                # Only the tables added since are new: each step from the file's version on,
                # each logged, in this one transaction.
                if version in (3, 4):  # the cells, built straight in today's layout (6)
                    log.warning(
                        "%s: store schema %d → %d, building the per-cell aggregates",
                        self.path,
                        version,
                        SCHEMA_VERSION,
                    )
                    if version == 3:
                        conn.execute("ALTER TABLE clinics ADD COLUMN cell INTEGER")
                        conn.execute(
                            f"UPDATE clinics SET cell = {cell_counts.CELL_SQL} "
                            "WHERE lat IS NOT NULL AND lon IS NOT NULL"
                        )
                    else:  # schema 4's histograms stay; its other two tables are laid out anew
                        conn.execute("DROP TABLE cell_routes")
                        conn.execute("DROP TABLE cell_buckets")
                        cell_counts.relayout_prices(conn)
                    conn.execute("DROP INDEX IF EXISTS clinics_cell")
                    conn.execute(RING_INDEX)
                    CELLS.create(conn)
                    CELLS.build(conn, prices=version == 3)
                else:  # 6 (keyed by cell) and 9 (buckets packed, histograms keyed by bucket)
                    log.warning(
                        "%s: store schema %d → %d, packing the price series' buckets",
                        self.path,
                        version,
                        SCHEMA_VERSION,
                    )
                    cell_counts.relayout_prices(conn)
                    conn.execute("DROP TABLE cell_series")
                    conn.execute(cell_counts.series_table())
                    CELLS.build_series(conn)
                if version < 7:  # 7: the result cards
                    log.warning(
                        "%s: store schema %d → %d, making the result cards",
                        self.path,
                        version,
                        SCHEMA_VERSION,
                    )
                    conn.execute(SCHEMA_CARDS)
                    self._fill_cards(conn)
                if version < 8:  # 8: the price index
                    log.warning(
                        "%s: store schema %d → %d, indexing prices",
                        self.path,
                        version,
                        SCHEMA_VERSION,
                    )
                    conn.execute(PRICE_INDEX)
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            elif version < SCHEMA_VERSION:
                if exists:
                    log.warning(
                        "%s: store schema %d → %d, re-deriving the search tables from "
                        "the stored clinics",
                        self.path,
                        version or 1,
                        SCHEMA_VERSION,
                    )
                    for table in DERIVED_TABLES:
                        conn.execute(f"DROP TABLE IF EXISTS {table}")
                for statement in SCHEMA.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                if exists:
                    self._fill_stored(conn)
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        finally:
            conn.isolation_level = ""

    @staticmethod
    def _fill_cards(conn: sqlite3.Connection) -> None:
        """Make every clinic's result card from its stored document (the search rows first):
        for a migration, which has only the stored documents (a rebuild makes each card as it
        loads the search rows)."""
        conn.executemany(
            "INSERT INTO clinic_cards VALUES (?, ?)",
            (
                (rowid, card_of(orjson.loads(doc)))
                for rowid, doc in conn.execute(
                    "SELECT c.rowid, d.doc FROM clinics c JOIN clinic_docs d ON d.id = c.id"
                )
            ),
        )

    def close(self) -> None:
        """Release this thread's connection and close every idle one (the pool stays usable:
        a later call opens connections anew)."""
        self.release()
        with self._watching:
            if self._watcher is not None and self._watcher_pid == os.getpid():
                self._watcher.close()
            self._watcher = None
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                break

    # -- writing -------------------------------------------------------------------------

    @contextlib.contextmanager
    def writing(self, run: str) -> Iterator[None]:
        """The run's reads and writes in one transaction, under a lock file that a second
        writer finds taken (the kernel drops it when the holder dies, even by kill -9)."""
        if getattr(self._local, "run", None):  # a run inside a run: the outer one decides
            yield
            return
        with self._writer_lock(run):
            conn = self._connection()
            conn.execute("BEGIN IMMEDIATE")
            self._local.run = run
            try:
                yield
            except BaseException:
                conn.rollback()
                raise
            else:
                conn.commit()
            finally:
                self._local.run = None

    @contextlib.contextmanager
    def _writer_lock(self, run: str) -> Iterator[None]:
        if str(self.path) == ":memory:":
            yield
            return
        fd = os.open(self._lock_path(), os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise self._busy(fd) from None
            os.ftruncate(fd, 0)
            os.pwrite(
                fd,
                f"{run} (pid {os.getpid()}, since "
                f"{time.strftime('%Y-%m-%d %H:%M:%S %Z')})".encode(),
                0,
            )
            yield
        finally:
            os.close(fd)  # closing drops the lock

    def _lock_path(self) -> Path:
        return self.path.with_name(self.path.name + ".writer")

    def _busy(self, fd: int) -> WriterBusy:
        holder = os.pread(fd, 500, 0).decode("utf-8", "replace").strip() or "another run"
        return WriterBusy(
            f"{self.path} is being written by {holder}; run this again when it has finished"
        )

    def _refuse_during_a_run(self) -> None:
        """A write from outside a run (a curator's) while another run holds the store would
        wait for the whole run in SQLite's lock: WriterBusy at once instead, naming it."""
        if getattr(self._local, "run", None) or str(self.path) == ":memory:":
            return
        try:
            fd = os.open(self._lock_path(), os.O_RDONLY)
        except FileNotFoundError:  # no run ever wrote here
            return
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                raise self._busy(fd) from None
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def _transaction(self, conn: sqlite3.Connection):
        """A write's own transaction, or none inside a run (the run commits everything)."""
        return contextlib.nullcontext() if getattr(self._local, "run", None) else conn

    def upsert(self, clinics: Iterable[Clinic]) -> int:
        self._refuse_during_a_run()
        conn = self._connection()
        written = 0
        with self._transaction(conn):
            for clinic in clinics:
                self._write(conn, clinic)
                written += 1
        return written

    @staticmethod
    def _search_row(clinic: Clinic) -> tuple:
        derived = search_fields(clinic)
        loc = clinic.location
        x, y, z = unit_vector(loc.lat, loc.lon) if loc else (None, None, None)
        return (
            clinic.id,
            derived["status"],
            loc.lat if loc else None,
            loc.lon if loc else None,
            x,
            y,
            z,
            cell_counts.cell_of(loc.lat, loc.lon) if loc else None,
            derived["min_price"],
            *(derived["route_prices"][r] for r in PRICE_COLUMNS),
            *(stored_value(f, derived[f.field]) for f in INDEXED),
        )

    def _write(self, conn: sqlite3.Connection, clinic: Clinic) -> None:
        before = CELLS.search_row(conn, clinic.id)
        (rowid,) = conn.execute(UPSERT_ROW, self._search_row(clinic)).fetchone()
        after = CELLS.search_row(conn, rowid, by="rowid")
        if before != after:  # the cells count the clinic where it is now, as it is now
            CELLS.adjust(conn, before, -1)
            CELLS.adjust(conn, after, 1)
        doc = DOCUMENT_JSON(clinic)
        conn.execute(
            "INSERT OR REPLACE INTO clinic_docs VALUES (?, CAST(? AS TEXT))", (clinic.id, doc)
        )
        conn.execute("DELETE FROM clinic_box WHERE rowid = ?", (rowid,))
        if clinic.location:
            loc = clinic.location
            conn.execute(
                "INSERT INTO clinic_box VALUES (?, ?, ?, ?, ?)",
                (rowid, loc.lat, loc.lat, loc.lon, loc.lon),
            )
        conn.execute("DELETE FROM clinic_text WHERE rowid = ?", (rowid,))
        conn.execute(
            "INSERT INTO clinic_text (rowid, name, body) VALUES (?, ?, ?)",
            (rowid, clinic.name, text_body(clinic)),
        )
        conn.execute(
            "INSERT OR REPLACE INTO clinic_cards VALUES (?, ?)", (rowid, card_of(orjson.loads(doc)))
        )

    def delete(self, clinic_id: str) -> bool:
        self._refuse_during_a_run()
        conn = self._connection()
        with self._transaction(conn):
            CELLS.adjust(conn, CELLS.search_row(conn, clinic_id), -1)
            row = conn.execute(
                "DELETE FROM clinics WHERE id = ? RETURNING rowid", (clinic_id,)
            ).fetchone()
            if row is None:
                return False
            conn.execute("DELETE FROM clinic_docs WHERE id = ?", (clinic_id,))
            conn.execute("DELETE FROM clinic_box WHERE rowid = ?", (row[0],))
            conn.execute("DELETE FROM clinic_text WHERE rowid = ?", (row[0],))
            conn.execute("DELETE FROM clinic_cards WHERE rowid = ?", (row[0],))
        return True

    def rebuild(self, clinics: Iterable[Clinic]) -> int:
        """Reload everything in one transaction (readers see the old content until it commits),
        numbering the search rows in spatial order."""
        conn = self._connection()
        with self._transaction(conn):
            for table in ("clinic_docs", *DERIVED_TABLES):
                conn.execute(f"DELETE FROM {table}")
            # In key order: the documents' B-tree is then filled from left to right instead of
            # splitting pages all over it (about half the CPU of this insert and its commit).
            clinics = sorted(clinics, key=lambda clinic: clinic.id)
            # `model_dump_json`'s bytes before it decodes them (a third of its CPU here): the
            # cards parse them as they are, and SQLite keeps them as the same TEXT.
            docs = self._fill_search_tables(
                conn, clinics, lambda: [DOCUMENT_JSON(clinic) for clinic in clinics]
            )
            conn.executemany(
                "INSERT INTO clinic_docs VALUES (?, CAST(? AS TEXT))",
                ((clinic.id, doc) for clinic, doc in zip(clinics, docs)),
            )
            return len(clinics)

    def _build_from_rows(self, conn: sqlite3.Connection) -> None:
        """clinic_box and the cells' aggregates from the (filled) `clinics` table, without the
        progress handler: it would want the GIL back every few thousand steps."""
        conn.set_progress_handler(None, 0)
        try:
            conn.execute(
                "INSERT INTO clinic_box SELECT rowid, lat, lat, lon, lon FROM clinics "
                "WHERE lat IS NOT NULL"
            )
            CELLS.build(conn)
        finally:
            conn.set_progress_handler(self._should_stop, PROGRESS_STEPS)

    def reindex(self) -> int:
        """Re-derive the search tables from the stored documents, in one transaction."""
        conn = self._connection()
        with self._transaction(conn):
            for table in DERIVED_TABLES:
                conn.execute(f"DELETE FROM {table}")
            return self._fill_stored(conn)

    def _fill_stored(self, conn: sqlite3.Connection) -> int:
        """Load the (empty) search tables from the stored documents."""
        docs = [doc for (doc,) in conn.execute("SELECT doc FROM clinic_docs")]
        clinics = [Clinic.model_validate_json(doc) for doc in docs]
        return len(self._fill_search_tables(conn, clinics, lambda: docs))

    def _fill_search_tables(
        self,
        conn: sqlite3.Connection,
        clinics: list[Clinic],
        documents: Callable[[], list[str | bytes]],
    ) -> list[str | bytes]:
        """Load the (empty) search tables from the clinics, rows numbered in spatial order, and
        return `documents()` (each clinic's stored JSON, in the order of `clinics`), which is
        called while the boxes and the cells' aggregates are built beside it."""
        rows = sorted(
            ((*self._search_row(clinic), at) for at, clinic in enumerate(clinics)),
            key=_spatial_order,
        )
        width = len(SEARCH_COLUMNS)
        # Numbered here (the tables are empty), so the text rows need no look-up of their rowid.
        conn.executemany(
            f"INSERT INTO clinics (rowid, {_COLUMNS}) VALUES (?, {_PLACES})",
            ((rowid, *row[:width]) for rowid, row in enumerate(rows, 1)),
        )
        # The boxes and the cells' aggregates are SQL over those rows alone, and SQLite lets go
        # of the GIL while it runs them: they are built on a second thread while this one makes
        # the documents, the cards and the text rows (nothing else uses the connection
        # meanwhile), which the rows' insert therefore need not wait for.
        beside = _Beside(self._build_from_rows, conn)
        try:
            docs = documents()
            # Each card from the document in hand (the same as _fill_cards reads back).
            cards = [
                (rowid, card_of(orjson.loads(docs[row[-1]]))) for rowid, row in enumerate(rows, 1)
            ]
            texts = [
                (rowid, clinics[row[-1]].name, text_body(clinics[row[-1]]))
                for rowid, row in enumerate(rows, 1)
            ]
        finally:
            beside.join()
        conn.executemany("INSERT INTO clinic_text (rowid, name, body) VALUES (?, ?, ?)", texts)
        conn.executemany("INSERT INTO clinic_cards VALUES (?, ?)", cards)
        return docs

    # -- curators' decisions -------------------------------------------------------------

    def get_decision(self, clinic_id: str) -> Decision | None:
        row = (
            self._connection()
            .execute("SELECT doc FROM decisions WHERE clinic_id = ?", (clinic_id,))
            .fetchone()
        )
        return Decision.model_validate_json(row[0]) if row else None

    def put_decision(self, decision: Decision) -> Decision:
        self._refuse_during_a_run()
        stored = decision.model_copy(update={"version": decision.version + 1})
        conn = self._connection()
        with self._transaction(conn):
            if decision.version == 0:
                cursor = conn.execute(
                    "INSERT INTO decisions VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                    (stored.clinic_id, stored.version, stored.model_dump_json()),
                )
            else:
                cursor = conn.execute(
                    "UPDATE decisions SET version = ?, doc = ? WHERE clinic_id = ? AND version = ?",
                    (stored.version, stored.model_dump_json(), stored.clinic_id, decision.version),
                )
            if cursor.rowcount != 1:
                raise ConflictError(
                    f"the decision on {decision.clinic_id} changed since "
                    f"version {decision.version} was read"
                )
        return stored

    def iter_decisions(self) -> Iterator[Decision]:
        for (doc,) in self._connection().execute("SELECT doc FROM decisions ORDER BY clinic_id"):
            yield Decision.model_validate_json(doc)

    # -- curators' records ---------------------------------------------------------------

    def get_record(self, kind: str, key: str) -> Record | None:
        row = (
            self._connection()
            .execute("SELECT version, doc FROM records WHERE kind = ? AND key = ?", (kind, key))
            .fetchone()
        )
        return Record(kind, key, row[0], json.loads(row[1])) if row else None

    def put_record(self, kind: str, key: str, doc: dict[str, Any], version: int | None) -> Record:
        conn = self._connection()
        text = json.dumps(doc, sort_keys=True)
        with conn:
            if version is None:
                row = conn.execute(
                    "INSERT INTO records VALUES (?, ?, 1, ?) ON CONFLICT DO UPDATE SET "
                    "version = version + 1, doc = excluded.doc RETURNING version",
                    (kind, key, text),
                ).fetchone()
                return Record(kind, key, row[0], doc)
            if version == 0:
                cursor = conn.execute(
                    "INSERT INTO records VALUES (?, ?, 1, ?) ON CONFLICT DO NOTHING",
                    (kind, key, text),
                )
            else:
                cursor = conn.execute(
                    "UPDATE records SET version = ?, doc = ? WHERE kind = ? AND key = ? "
                    "AND version = ?",
                    (version + 1, text, kind, key, version),
                )
            if cursor.rowcount != 1:
                raise ConflictError(f"the {kind} {key!r} changed since version {version} was read")
        return Record(kind, key, version + 1, doc)

    def iter_records(self, kind: str) -> Iterator[Record]:
        rows = (
            self._connection()
            .execute("SELECT key, version, doc FROM records WHERE kind = ? ORDER BY key", (kind,))
            .fetchall()
        )
        for key, version, doc in rows:
            yield Record(kind, key, version, json.loads(doc))

    # -- reading -------------------------------------------------------------------------

    def get(self, clinic_id: str) -> Clinic | None:
        row = (
            self._connection()
            .execute("SELECT doc FROM clinic_docs WHERE id = ?", (clinic_id,))
            .fetchone()
        )
        return Clinic.model_validate_json(row[0]) if row else None

    def iter_clinics(self) -> Iterator[Clinic]:
        for (doc,) in self._connection().execute("SELECT doc FROM clinic_docs ORDER BY id"):
            yield Clinic.model_validate_json(doc)

    def count(self) -> int:
        return self._connection().execute("SELECT count(*) FROM clinics").fetchone()[0]

    def search(self, query: NearQuery) -> SearchResult:
        conn = self._connection()
        return self._bounded(conn, lambda: self._search(conn, query, context=False)[0])

    def search_with_context(self, query: NearQuery) -> tuple[SearchResult, dict[str, RoutePrices]]:
        # One read snapshot, one cover and ring (cells) or one pass over the matches (exact).
        conn = self._connection()
        return self._bounded(conn, lambda: self._search(conn, query, context=True))

    def _bounded(self, conn: sqlite3.Connection, work: Callable[[], T]) -> T:
        """Run a search's statements in one read snapshot under the search deadline."""
        self._local.deadline = time.monotonic() + self.search_timeout
        try:
            with self._transaction(conn):  # one read snapshot; its end empties text_match
                if not conn.in_transaction:  # else each SELECT would take a snapshot of its own
                    conn.execute("BEGIN")
                return work()
        except sqlite3.OperationalError as err:
            stopped = getattr(self._local, "stopped", None)
            if stopped and "interrupt" in str(err):
                raise SearchTooCostly(f"the search {stopped} and was stopped") from err
            raise
        finally:
            self._local.deadline = self._local.stopped = None

    def _search(
        self, conn: sqlite3.Connection, query: NearQuery, *, context: bool
    ) -> tuple[SearchResult, dict[str, RoutePrices]]:
        """The page, count and facets of `query`, and its price context when `context` is
        asked (every route at 0 when nothing matches, or when it is not asked)."""
        answered = self._from_columns(conn, query)
        if answered is not None:
            found, hits = answered
            return SearchResult(found.total, hits, found.facets), (
                found.context if context else no_price_context(query)
            )
        prices = no_price_context(query)
        source, filters, params = self._matches(conn, query)
        params.update(limit=query.per_page, offset=query.offset)
        where = " AND ".join([*filters, f"{DOT} >= :min_dot"])

        counted = self.cell_aggregates and CELLS.answer(conn, query, dot=DOT, context=context)
        if counted:
            total, facets = counted["total"], counted["facets"]
            prices = counted.get("context", prices)
        elif context:  # the matches copied once, for the facets and the price context
            self._copy_matches(conn, source, where, params)
            total, facets = self._facets(
                conn.execute(
                    f"SELECT {facet_columns(query.routes)} FROM temp.match_prices c"
                ).fetchone()
            )
            if total:
                prices = self._copied_context(conn, query)
        else:
            total, facets = self._facets(
                conn.execute(
                    f"SELECT {facet_columns(query.routes)} {source} WHERE {where}", params
                ).fetchone()
            )
        if total == 0:
            return SearchResult(0, [], facets), prices

        order = f"{DOT} DESC, c.id"
        if query.sort == "price":
            price = price_expression(query.routes)
            order = f"{price} IS NULL, {price}, {order}"
        elif query.sort == "relevance" and query.text:
            order = f"m.rank, {order}"
        page_sql = (
            f"SELECT c.rowid, c.lat, c.lon {source} WHERE {{where}} "
            f"ORDER BY {order} LIMIT :limit OFFSET :offset"
        )

        rows = None
        wanted = query.offset + query.per_page
        if query.sort == "price" and not query.routes and not query.text:
            rows = self._cheapest(conn, filters, params, total - facets["price"]["unknown"], wanted)
        elif order.startswith(DOT) and total > 4 * wanted:
            # Nearest first among many: the page lies within a smaller circle holding about
            # twice the clinics it needs (by area); sorting that circle is enough when it
            # holds them all. When density misleads, a circle twice as wide is tried, and so
            # on, the full circle last (one step straight to the full circle cost up to
            # ~60 ms at 1M). The R*Tree is asked for the smaller circle's box too, or it
            # would hand over every candidate of the whole circle again.
            inner = query.radius_km * math.sqrt(2 * wanted / total)
            while rows is None and inner < query.radius_km:
                inner_filters, inner_params = self._filters(
                    dataclasses.replace(query, radius_km=inner)
                )
                rows = conn.execute(
                    page_sql.format(where=" AND ".join([*inner_filters, f"{DOT} >= :inner"])),
                    {**params, **inner_params, "inner": min_dot_for_radius(inner)},
                ).fetchall()
                if len(rows) < query.per_page:
                    rows, inner = None, 2 * inner
        if rows is None:
            rows = conn.execute(page_sql.format(where=where), params).fetchall()
        return SearchResult(total, self._hits(conn, query, rows), facets), prices

    @staticmethod
    def _cheapest(
        conn: sqlite3.Connection,
        filters: list[str],
        params: dict[str, Any],
        priced: int,
        wanted: int,
    ) -> list[tuple] | None:
        """The page of a search by lowest price (no route, no text) read in price order from
        `clinics_price`, when the circle holds enough priced matches (`priced`) that the walk
        from the cheapest clinic anywhere meets `wanted` of them (about wanted × clinics ÷
        priced rows) well before visiting them all; else None. The page lies wholly among
        the priced matches, whose order is the search's: price, then nearest, then id."""
        if priced < wanted:
            return None
        (clinics,) = conn.execute("SELECT max(rowid) FROM clinics").fetchone()  # about how many
        if priced * priced < 2 * wanted * (clinics or 0):
            return None
        row_filters = [f for f in filters if not f.lstrip("(").startswith("b.")]  # no R*Tree
        where = " AND ".join(["c.min_price IS NOT NULL", *row_filters, f"{DOT} >= :min_dot"])
        return conn.execute(
            f"SELECT c.rowid, c.lat, c.lon FROM clinics c INDEXED BY clinics_price "
            f"WHERE {where} ORDER BY c.min_price, {DOT} DESC, c.id LIMIT :limit OFFSET :offset",
            params,
        ).fetchall()

    def price_context(self, query: NearQuery) -> dict[str, RoutePrices]:
        conn = self._connection()
        return self._bounded(conn, lambda: self._price_context(conn, query))

    def _price_context(self, conn: sqlite3.Connection, query: NearQuery) -> dict[str, RoutePrices]:
        answered = self._from_columns(conn, query, page=False)
        if answered is not None:
            return answered[0].context
        counted = self.cell_aggregates and CELLS.answer(
            conn, query, dot=DOT, facets=False, context=True
        )
        if counted:
            return counted["context"]
        source, filters, params = self._matches(conn, query)
        self._copy_matches(conn, source, " AND ".join([*filters, f"{DOT} >= :min_dot"]), params)
        return self._copied_context(conn, query)

    # -- the search columns in memory ---------------------------------------------------------

    def _from_columns(
        self, conn: sqlite3.Connection, query: NearQuery, *, page: bool = True
    ) -> tuple[ColumnsAnswer, list[Hit]] | None:
        """`query` answered from the search columns in memory, with its page's hits read in
        this read transaction (none unless `page`); None when it asks a text, when the
        columns are not loaded at this generation, when its circle holds too many
        candidates, or when the file moved on while it was answered (then this transaction
        may see a later state). Inside a writing run, never: this connection sees the run's
        writes, which are not committed."""
        if not self.columns_in_memory or query.text or getattr(self._local, "run", None):
            return None
        generation = self.generation()
        columns = self._columns_at(conn, generation)
        if columns is None:
            return None
        values = {
            f.name: stored_value(f, value)
            for f in FILTERS
            if (value := query.filters.get(f.name)) is not None
            and value != ()
            and f.kind.name in ARRAY_CLAUSES
        }
        found = columns.answer(query, ARRAY_CLAUSES, values, PAD)
        if found is None:
            return None
        try:
            hits = self._hits(conn, query, found.rows) if page else []
        except KeyError:  # a clinic of the page deleted since the columns were loaded
            return None
        # The transaction's snapshot was taken between the two looks at the generation: the
        # same generation means no commit came between, so it is the columns' state.
        if self.generation() != generation:
            return None
        return found, hits

    def warm(self) -> None:
        if self.columns_in_memory and self._loading_columns.acquire(blocking=False):
            threading.Thread(target=self._load_columns, name="katdir-columns", daemon=True).start()

    def load_columns(self) -> None:
        """Have the search columns of this generation when this returns (unless a commit
        overtakes the load): loaded on this thread, or by the one warm() began."""
        self._loading_columns.acquire()
        self._load_columns()

    def _columns_at(self, conn: sqlite3.Connection, generation: int) -> Columns | None:
        """The search columns at `generation`, or None while they are being loaded: here when
        the store is small (COLUMNS_LOADED_INLINE), else on a thread of their own."""
        columns = self._columns
        if columns is not None and columns.generation == generation:
            return columns
        if not self._loading_columns.acquire(blocking=False):
            return None  # being loaded by another thread
        (last,) = conn.execute("SELECT max(rowid) FROM clinics").fetchone()  # about how many
        if (last or 0) > COLUMNS_LOADED_INLINE:
            self._loading_columns.release()
            self.warm()
            return None
        self._load_columns()
        columns = self._columns
        return columns if columns is not None and columns.generation == generation else None

    def _load_columns(self) -> None:
        """Load the search columns, and keep them if no commit came meanwhile (the caller
        holds `_loading_columns`; this releases it)."""
        started = time.monotonic()
        try:
            if started < self._next_columns_load:
                return  # the last load came to nothing: a commit overtook it
            before = self.generation()
            if self._columns is not None and self._columns.generation == before:
                return  # loaded meanwhile, by another thread
            conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
            try:
                columns = Columns.load(conn, before, column_layout())  # one read transaction
            finally:
                conn.close()
            took = time.monotonic() - started
            if self.generation() == before:
                self._columns = columns
                log.info("search columns of %d clinics loaded in %.2f s", columns.size, took)
            else:  # commits come faster than a load: wait a while before the next try
                self._next_columns_load = time.monotonic() + max(1.0, 4 * took)
        except Exception:  # a search must not fail for them: SQL answers meanwhile
            log.exception("the search columns could not be loaded: searches use SQL")
        finally:
            self._loading_columns.release()

    @staticmethod
    def _copy_matches(
        conn: sqlite3.Connection, source: str, where: str, params: dict[str, Any]
    ) -> None:
        """One pass over the matches copies their routes and prices into a temp table; counts,
        facets, extremes and the middle prices are then read from it, without the geometry."""
        conn.execute(MATCH_PRICES)
        conn.execute("DELETE FROM temp.match_prices")
        conn.execute(
            f"INSERT INTO temp.match_prices ({', '.join(MATCH_COLUMNS)}) "
            f"SELECT {', '.join(f'c.{c}' for c in MATCH_COLUMNS)} {source} WHERE {where}",
            params,
        )

    @staticmethod
    def _copied_context(conn: sqlite3.Connection, query: NearQuery) -> dict[str, RoutePrices]:
        """The price context of the matches `_copy_matches` copied."""
        routes = context_routes(query)
        columns = [PRICE_COLUMNS[r] for r in routes]
        aggregates = ", ".join(f"count({c}), min({c}), max({c})" for c in columns)
        row = conn.execute(f"SELECT {aggregates} FROM temp.match_prices").fetchone()
        context = {}
        for i, (route, column) in enumerate(zip(routes, columns, strict=True)):
            count, lowest, highest = row[3 * i : 3 * i + 3]
            if not count:
                context[route] = RoutePrices(0)
                continue
            # The middle one or two of the sorted prices: SQLite has no median aggregate.
            middle = [
                value
                for (value,) in conn.execute(
                    f"SELECT {column} FROM temp.match_prices WHERE {column} IS NOT NULL "
                    f"ORDER BY {column} LIMIT :n OFFSET :skip",
                    {"n": 2 - count % 2, "skip": (count - 1) // 2},
                )
            ]
            context[route] = RoutePrices(count, lowest, sum(middle) / len(middle), highest)
        return context

    def _matches(
        self, conn: sqlite3.Connection, query: NearQuery
    ) -> tuple[str, list[str], dict[str, Any]]:
        """FROM clause, filters and parameters of the clinics that match `query` (inside
        `_bounded`). A text is matched once, into temp.text_match, and joined by rowid —
        never once per candidate."""
        ox, oy, oz = unit_vector(query.lat, query.lon)
        filters, params = self._filters(query)
        params.update(ox=ox, oy=oy, oz=oz, min_dot=min_dot_for_radius(query.radius_km))
        # CROSS JOIN fixes the order: the R*Tree first, then clinics by rowid.
        source = "FROM clinic_box b CROSS JOIN clinics c ON c.rowid = b.rowid"
        if query.text:
            relevance = "bm25(clinic_text, 10.0, 1.0)" if query.sort == "relevance" else "NULL"
            conn.execute("DELETE FROM temp.text_match")
            conn.execute(FILL_TEXT_MATCHES.format(rank=relevance), {"text": params["text"]})
            source += " JOIN temp.text_match m ON m.rowid = c.rowid"
        return source, filters, params

    def _hits(self, conn: sqlite3.Connection, query: NearQuery, rows: list[tuple]) -> list[Hit]:
        """The hits of a page's rows `(rowid, lat, lon)`: each carries its result card as it
        was made (read by search row, with the clinic's id, in one statement); a clinic's
        document (bytes: no text decoding, validated when it was written) is read only if
        the Hit's caller asks for it. A KeyError when a row is no longer there."""
        found = {
            rowid: (cid, card)
            for rowid, cid, card in conn.execute(
                "SELECT k.rowid, c.id, k.card FROM clinic_cards k JOIN clinics c "
                f"ON c.rowid = k.rowid WHERE k.rowid IN ({placeholders(len(rows))})",
                [rowid for rowid, _, _ in rows],
            )
        }
        hits = []
        for rowid, lat, lon in rows:
            cid, card = found[rowid]
            distance = haversine_km(query.lat, query.lon, lat, lon)
            hits.append(Hit(None, distance, functools.partial(self._document, cid), card))
        return hits

    def _document(self, clinic_id: str) -> bytes:
        found = (
            self._connection()
            .execute("SELECT CAST(doc AS BLOB) FROM clinic_docs WHERE id = ?", (clinic_id,))
            .fetchone()
        )
        if found is None:
            raise StoreError(f"clinic {clinic_id!r} was deleted after the search that found it")
        return found[0]

    @staticmethod
    def _filters(query: NearQuery) -> tuple[list[str], dict[str, Any]]:
        box = bounding_box(query.lat, query.lon, query.radius_km)
        # The R*Tree keeps float32 boxes; pad so rounding never drops a point on the edge.
        params: dict[str, Any] = {"min_lat": box.min_lat - PAD, "max_lat": box.max_lat + PAD}
        lon_clauses = []
        for i, (west, east) in enumerate(box.lon_ranges):
            params[f"w{i}"], params[f"e{i}"] = west - PAD, east + PAD
            lon_clauses.append(f"(b.min_lon >= :w{i} AND b.max_lon <= :e{i})")
        where = ["b.min_lat >= :min_lat", "b.max_lat <= :max_lat", f"({' OR '.join(lon_clauses)})"]
        statuses = [f":status{i}" for i in range(len(query.statuses))]
        params.update({f"status{i}": s for i, s in enumerate(query.statuses)})
        where.append(f"c.status IN ({', '.join(statuses)})")
        for f in FILTERS:
            value = query.filters.get(f.name)
            if value is not None and value != () and f.kind.name in SQL_CLAUSES:
                where.append(SQL_CLAUSES[f.kind.name](f, query))
                params[f.name] = stored_value(f, value)
        if query.text:
            # A text of no words matches nothing, like an empty match in Elasticsearch.
            params["text"] = fts_query(query.text) or '""'
        return where, params

    @staticmethod
    def _facets(row: tuple) -> tuple[int, dict[str, Any]]:
        total = row[0]
        n = len(ROUTES)
        routes = {route: int(row[1 + i]) for i, route in enumerate(ROUTES)}
        low, high, unknown = row[1 + n], row[2 + n], int(row[3 + n])
        bands = {name: int(row[4 + n + i]) for i, (name, _, _) in enumerate(PRICE_BANDS)}
        return total, {
            "routes": routes,
            "price": {"min": low, "max": high, "unknown": unknown, "bands": bands},
        }
