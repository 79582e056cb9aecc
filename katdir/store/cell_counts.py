"""Counts, facets and price context of a near-me search without visiting every match: the
SQLite store's per-cell aggregates.

The map is cut into nested lat/lon grids (level j: cells of 2**-j degrees, 1° down to 1/64°;
a cell of one level is exactly four of the next, since dividing by a power of two is exact in
floating point). For every cell of every level the store keeps, in the same transaction as
the clinics' rows:

- `cell_routes`: per review status and route key (0: every clinic; a route's bit: the
  clinics offering it), one row: how many clinics, and how many of them offer each route
  (one column per permanent route code);
- `cell_prices`: a histogram — per price *series* (below), status and price value, how many
  clinics have that price;
- `cell_series`: per series and status, one row: how many prices, the lowest, the highest and
  how many fall in each price bucket (`BUCKET_EDGES`; packed three to a column, PACK_BITS).

So a search's counts and facets read one row per whole cell, whatever routes its clinics
offer, and its price figures one row per cell and series.

A price series is one price column among some clinics: the lowest session price of any route
among all clinics (the facets of a search without a route), route R's price among the
clinics that offer R (a search for R), and route R's price among all clinics (the price
context of a search without a route) — the ones katdir.pricing and the exact path use.

A search covers its circle with the largest cells wholly inside it, coarse in the middle and
finer towards the edge (`cover`), adds up their kept rows, and does exact per-row work only in
the ring of cells the edge crosses (its clinics read from the covering index `clinics_ring`,
katdir.store.sqlite), cut the finer the more clinics are around (`ring_parts`). Sums,
minima and maxima combine exactly; a median is found by counting: the buckets say which
bucket holds the middle rank, and the histogram rows of that bucket alone (plus the ring's
prices) say which price it is. So every answer is
the one the exact statement gives; a search with a filter the cells do not keep (see
`katdir.filters.Parameter.aggregated`) is answered by the exact path instead.
"""

from __future__ import annotations

import bisect
import collections
import functools
import itertools
import json
import math
import operator
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from katdir.filters import BY_NAME
from katdir.geo import EARTH_RADIUS_KM, bounding_box, min_dot_for_radius, unit_vector
from katdir.store.base import PRICE_BANDS, NearQuery, RoutePrices, context_routes

FINEST = 6  # the finest level: cells of 1/64 degree (about 1.7 km north to south)
LEVELS = tuple(range(FINEST + 1))
SCALE = 2**FINEST  # finest cells per degree
COL_BITS = 15  # a cell id is row << COL_BITS | column
MAX_ROW, MAX_COL = 180 * SCALE - 1, 360 * SCALE - 1
# The finest cell of a row, in SQL and in Python: the same float arithmetic, so both agree on
# every point (a point on the 180th meridian or a pole joins the last column or row).
CELL_SQL = (
    f"((min(CAST((lat + 90) * {SCALE} AS INTEGER), {MAX_ROW}) << {COL_BITS}) | "
    f"min(CAST((lon + 180) * {SCALE} AS INTEGER), {MAX_COL}))"
)
# Price buckets (USD, upper edges exclusive; the last one is open): the facet bands' edges are
# among them, so the bands are sums of buckets.
BUCKET_EDGES: tuple[float, ...] = (*range(50, 1001, 50), 1250, 1500, 2000, 3000, 5000, 10000)
BUCKETS = len(BUCKET_EDGES) + 1
_BAND_BUCKETS = []
for _, _low, _high in PRICE_BANDS:
    for _edge in (_low, _high):
        if _edge is not None and _edge not in BUCKET_EDGES:
            raise RuntimeError(
                f"the price band edge {_edge} is not a bucket edge of "
                "katdir.store.cell_counts.BUCKET_EDGES"
            )
    _BAND_BUCKETS.append(
        range(
            0 if _low is None else BUCKET_EDGES.index(_low) + 1,
            BUCKETS if _high is None else BUCKET_EDGES.index(_high) + 1,
        )
    )
# Half a micro-radian: whole cells are inside by at least this, ring cells reach out by it,
# far more than float rounding moves a point, far less than anything on a map.
_EPS = 1e-9
# Below this many clinics around a circle (CellAggregates._around), its matches are visited:
# measured on the benchmark stores (search + price context, the `bench search` mix), the
# cells' fixed work (~1–2 ms of CPU: the cover, a few hundred index seeks) is then the larger.
# The bound counts whole coarse cells under the box: 1–4× the matches.
MIN_CLINICS = 1_500
_LIMIT_RAD = 0.5  # wider circles (none a visitor can ask for) take the exact path

# Route counts a cell_routes row keeps, one column per permanent route code (r0 for code 0…):
# room for routes not yet in the vocabulary, since a new one takes the next code.
ROUTE_SLOTS = 8
ROUTE_COLUMNS = tuple(f"r{code}" for code in range(ROUTE_SLOTS))
# A series row keeps its bucket counts packed, three to an integer column (PACK_BITS each:
# bucket b in column b // 3 at bit PACK_BITS * (b % 3)), so a search sums 9 columns a row
# instead of 27 (schema 9: a third less of the series' reading). Sums stay exact while no
# field reaches 2**PACK_BITS: `answer` leaves a circle of that many prices or more to the
# exact path, and sum() of integers is exact (total() would round above 2**53).
PACK_BITS = 21
PACK_LIMIT = 1 << PACK_BITS
PACK_COLUMNS = tuple(f"p{j}" for j in range((BUCKETS + 2) // 3))


def bucket_place(bucket: int) -> tuple[str, int]:
    """The packed column of a bucket, and what one price of it adds there."""
    return PACK_COLUMNS[bucket // 3], 1 << (PACK_BITS * (bucket % 3))


_PACK_PLACES = tuple((b // 3, PACK_BITS * (b % 3)) for b in range(BUCKETS))  # column, shift


def unpacked(packs: Sequence[int]) -> list[int]:
    """Bucket counts from a series row's packed columns (or their sums)."""
    mask = PACK_LIMIT - 1
    return [(packs[column] >> shift) & mask for column, shift in _PACK_PLACES]


def series_table(name: str = "cell_series") -> str:
    """`cell_series`'s statement. A cell's series rows are side by side (the key's order), so a
    search reads every series it needs of a run of cells in one index seek, and a series with
    no prices there (often "R where R is not offered") costs nothing (schema 6)."""
    return f"""CREATE TABLE IF NOT EXISTS {name} (
    level INTEGER NOT NULL, series INTEGER NOT NULL, status TEXT NOT NULL,
    cell INTEGER NOT NULL, n INTEGER NOT NULL, low REAL NOT NULL, high REAL NOT NULL,
    {", ".join(f"{c} INTEGER NOT NULL" for c in PACK_COLUMNS)},
    PRIMARY KEY (level, status, cell, series)) WITHOUT ROWID"""


def prices_table(name: str = "cell_prices") -> str:
    """`cell_prices`'s statement. A histogram row is keyed by its price bucket before its
    cell, so a search reads one bucket's prices of a run of cells in one index seek (the
    median, `_histogram`), not one seek a cell (schema 9)."""
    return f"""CREATE TABLE IF NOT EXISTS {name} (
    level INTEGER NOT NULL, series INTEGER NOT NULL, status TEXT NOT NULL,
    bucket INTEGER NOT NULL, cell INTEGER NOT NULL, price REAL NOT NULL, n INTEGER NOT NULL,
    PRIMARY KEY (level, series, status, bucket, cell, price)) WITHOUT ROWID"""


def relayout_prices(conn: sqlite3.Connection) -> None:
    """Copy a `cell_prices` of schema 4–8 (no bucket column) into today's layout."""
    conn.execute(prices_table("cell_prices_new"))
    conn.execute(
        f"INSERT INTO cell_prices_new SELECT level, series, status, {_bucket_sql('price')}, "
        "cell, price, n FROM cell_prices ORDER BY 1, 2, 3, 4, 5, 6"
    )
    conn.execute("DROP TABLE cell_prices")
    conn.execute("ALTER TABLE cell_prices_new RENAME TO cell_prices")


SCHEMA = f"""
CREATE TABLE IF NOT EXISTS cell_routes (
    level INTEGER NOT NULL, route INTEGER NOT NULL, status TEXT NOT NULL,
    cell INTEGER NOT NULL, n INTEGER NOT NULL,
    {", ".join(f"{c} INTEGER NOT NULL" for c in ROUTE_COLUMNS)},
    PRIMARY KEY (level, route, status, cell)) WITHOUT ROWID;
{prices_table()};
{series_table()}
"""
TABLES = ("cell_routes", "cell_prices", "cell_series")
_ROUTES_UPSERT = (
    f"INSERT INTO cell_routes VALUES ({', '.join('?' * (5 + ROUTE_SLOTS))}) ON CONFLICT DO UPDATE "
    f"SET n = n + excluded.n, {', '.join(f'{c} = {c} + excluded.{c}' for c in ROUTE_COLUMNS)}"
)


# Runs of cells go to SQL as one JSON array of integers, each run (level, first cell, last cell)
# packed into one: json_each hands SQLite an integer element as it is, where `value ->> i` would
# parse an element's text again at each use (measured: half the median's histogram reads).
CELL_BITS = 29  # every cell id fits (MAX_ROW << COL_BITS | MAX_COL < 2**29)
_CELL_MASK = (1 << CELL_BITS) - 1
if (MAX_ROW << COL_BITS | MAX_COL) > _CELL_MASK:
    raise RuntimeError("a cell id does not fit katdir.store.cell_counts.CELL_BITS")
RUN_LEVEL = f"(r.value >> {2 * CELL_BITS})"
RUN_FIRST = f"((r.value >> {CELL_BITS}) & {_CELL_MASK})"
RUN_LAST = f"(r.value & {_CELL_MASK})"


def packed(runs: Sequence[tuple[int, int, int]]) -> str:
    """Runs (level, first cell, last cell) as SQL reads them: RUN_LEVEL, RUN_FIRST, RUN_LAST of
    `json_each(...) r`."""
    return json.dumps(
        [level << 2 * CELL_BITS | first << CELL_BITS | last for level, first, last in runs]
    )


def cell_of(lat: float | None, lon: float | None) -> int | None:
    """The finest cell of a point (CELL_SQL in Python)."""
    if lat is None or lon is None:
        return None
    return (min(int((lat + 90) * SCALE), MAX_ROW) << COL_BITS) | min(
        int((lon + 180) * SCALE), MAX_COL
    )


def _up(cell: int, level: int) -> int:
    """The id of the level-`level` cell that holds finest cell `cell`."""
    shift = FINEST - level
    return ((cell >> COL_BITS >> shift) << COL_BITS) | ((cell & ((1 << COL_BITS) - 1)) >> shift)


def _parent_sql(column: str = "cell", shift: int = 1) -> str:
    """The id of the cell one level up that holds the cell `column` (as _up, in SQL)."""
    return (
        f"(((({column}) >> {COL_BITS} >> {shift}) << {COL_BITS}) | "
        f"((({column}) & {(1 << COL_BITS) - 1}) >> {shift}))"
    )


@functools.lru_cache(maxsize=4096)  # a few hundred distinct prices, asked per ring and search
def bucket_of(price: float) -> int:
    return bisect.bisect_right(BUCKET_EDGES, price)


def _bucket_sql(column: str) -> str:
    whens = " ".join(f"WHEN {column} < {edge} THEN {i}" for i, edge in enumerate(BUCKET_EDGES))
    return f"CASE {whens} ELSE {len(BUCKET_EDGES)} END"


# -- which circles, which cells -----------------------------------------------------------------


@dataclass
class Cover:
    """A circle as runs of whole cells (level, first id, last id: one row of cells each) and
    runs of the finest cells its edge crosses (the ring)."""

    whole: list[tuple[int, int, int]] = field(default_factory=list)
    ring: list[tuple[int, int]] = field(default_factory=list)

    @functools.cached_property
    def whole_runs(self) -> str:
        """`whole` as SQL reads it (`packed`): made once, for the statements that read it."""
        return packed(self.whole)

    @functools.cached_property
    def ring_runs(self) -> str:
        """`ring` as SQL reads it (`packed`, at the finest level)."""
        return packed([(FINEST, first, last) for first, last in self.ring])

    def cells(self) -> list[tuple[int, int]]:
        return [
            (level, cell) for level, first, last in self.whole for cell in range(first, last + 1)
        ]


def ring_parts(around: float) -> int:
    """How finely to cut a circle's edge (`cover`) when about `around` clinics are near it:
    the ring's exact rows cost as the clinics times the ring's width, the whole cells' rows as
    their number (which grows as the edge is cut finer), so the best cut grows as the square
    root of the clinics. Measured on the benchmark stores (search and price context, the
    `bench search` mix, 4 to 64 parts): about 8 parts at ~8,000 clinics around, 16–32 at
    ~110,000."""
    return 2 ** max(2, min(6, round(math.log2(max(around, 1) ** 0.5 / 11))))


@functools.lru_cache(maxsize=1024)  # searches of the same circle share one; never mutated
def cover(lat: float, lon: float, radius_km: float, parts: int = 32) -> Cover | None:
    """The cells of a circle, or None when it reaches a pole or the 180th meridian (the exact
    path answers those). A lat/lon cell's farthest point from a centre is one of its corners
    (along a parallel the distance grows with the longitude difference, along a meridian it has
    one minimum), so a cell whose four corners are inside is wholly inside. The ring's cells
    are about 1/`parts` of the radius wide (down to the finest level)."""
    d = radius_km / EARTH_RADIUS_KM
    if d > _LIMIT_RAD:
        return None
    d_in, d_out = d - _EPS, d + _EPS
    reach = math.degrees(d_out) + 1e-7
    if abs(lat) + reach >= 89.0:
        return None
    sin_c, cos_c = math.sin(math.radians(lat)), math.cos(math.radians(lat))

    def half_width(phi: float, dd: float) -> float | None:
        """Half the circle's longitude span on the parallel `phi` (degrees), None if it misses."""
        p = math.radians(phi)
        c = (math.cos(dd) - math.sin(p) * sin_c) / (math.cos(p) * cos_c)
        return None if c > 1 else math.degrees(math.acos(max(-1.0, c)))

    # The parallel where the circle is widest (its longitude span has one maximum).
    widest_lat = math.degrees(math.asin(min(1.0, sin_c / math.cos(d_out))))
    widest = half_width(widest_lat, d_out) or 0.0
    if lon - widest - 1e-7 <= -180 or lon + widest + 1e-7 >= 180:
        return None
    lat_lo, lat_hi = lat - reach, lat + reach

    def reached(row: int, scale: int) -> tuple[int, int] | None:
        """The columns of a row of cells (`scale` per degree) that the circle reaches, or None
        when it misses the row (its widest point on the row's band of latitude)."""
        low, high = max(row / scale - 90, lat_lo), min((row + 1) / scale - 90, lat_hi)
        if low > high:
            return None
        h = half_width(min(max(widest_lat, low), high), d_out) or 0.0
        return (
            max(0, math.floor((lon - h - 1e-7 + 180) * scale)),
            min(scale * 360 - 1, math.floor((lon + h + 1e-7 + 180) * scale)),
        )

    # The ring's cells: about 1/parts of the radius (down to the finest level), so that a wide
    # circle is not cut into thousands of tiny cells; the ring then holds a few % of it.
    ring_level = max(0, min(FINEST, int(math.log2(parts / math.degrees(d)))))
    result = Cover()
    covered: dict[int, tuple[int, int]] = {}  # row of the level above → its covered columns
    for level in LEVELS[: ring_level + 1]:
        scale = 2**level
        now: dict[int, tuple[int, int]] = {}
        for row in range(int((lat_lo + 90) * scale), int((lat_hi + 90) * scale) + 1):
            parent = covered.get(row >> 1) if level else None
            done = (2 * parent[0], 2 * parent[1] + 1) if parent else None
            south, north = row / scale - 90, (row + 1) / scale - 90
            h0, h1 = half_width(south, d_in), half_width(north, d_in)
            first, last = 0, -1
            if h0 is not None and h1 is not None:
                h = min(h0, h1)  # corners inside on both parallels, then cells between them
                first = math.ceil((lon - h + 180) * scale)
                last = math.floor((lon + h + 180) * scale) - 1
            base = row << COL_BITS
            if first <= last:
                for a, b in _minus((first, last), done):
                    result.whole.append((level, base + a, base + b))
                if done is None or (first <= done[1] + 1 and done[0] <= last + 1):
                    now[row] = (
                        (first, last) if done is None else (min(first, done[0]), max(last, done[1]))
                    )
                else:  # never for a real circle (a cell inside has its children inside)
                    return None
            elif done is not None:
                now[row] = done
            if level == ring_level:  # the ring: cells the circle reaches, less those covered
                spans = reached(row, scale)
                if spans is None:
                    continue
                shift = FINEST - level  # as runs of finest cells, which the clinics carry
                spans = [
                    (a << shift, ((b + 1) << shift) - 1) for a, b in _minus(spans, now.get(row))
                ]
                # Each finest row only as far as the circle reaches along it: the ring's cells
                # lose their finest cells outside the circle, whose rows it would only skip.
                for fine_row in range(row << shift, (row + 1) << shift):
                    reach_fine = reached(fine_row, SCALE)
                    if reach_fine is None:
                        continue
                    fine_base = fine_row << COL_BITS
                    for a, b in spans:
                        first, last = max(a, reach_fine[0]), min(b, reach_fine[1])
                        if first <= last:
                            result.ring.append((fine_base + first, fine_base + last))
        covered = now
    return result


def _minus(span: tuple[int, int], hole: tuple[int, int] | None) -> list[tuple[int, int]]:
    first, last = span
    if hole is None or hole[1] < first or hole[0] > last:
        return [span]
    return [(a, b) for a, b in ((first, hole[0] - 1), (hole[1] + 1, last)) if a <= b]


# -- the kept aggregates ------------------------------------------------------------------------


class CellAggregates:
    """The per-cell aggregates of one SQLite store's `clinics` table: built, kept up to date
    with each write (same connection, same transaction), and asked.

    `route_codes` are the store's permanent route bits, `price_columns` its per-route price
    columns (katdir.store.sqlite)."""

    def __init__(self, route_codes: dict[str, int], price_columns: dict[str, str]):
        if max(route_codes.values()) >= ROUTE_SLOTS:
            raise RuntimeError(
                f"a route code is {ROUTE_SLOTS} or more: give cell_routes more route columns "
                "(katdir.store.cell_counts.ROUTE_SLOTS) and raise the store's SCHEMA_VERSION"
            )
        self.routes = tuple(route_codes)
        self.bits = {r: 1 << code for r, code in route_codes.items()}
        self.price_columns = price_columns
        # series → (route bit the clinic must have or 0, the price column)
        # series → (route bit, whether a member has it (None: everyone is), price column)
        self.series: dict[int, tuple[int, bool | None, str]] = {0: (0, None, "min_price")}
        for route, code in route_codes.items():
            if route not in price_columns:  # only while a test relabels the vocabulary
                continue
            # R's price where R is offered (a search for R); where it is not (rare: a price
            # naming a route the clinic does not list) — both together: R's context when no
            # route is asked.
            self.series[1 + code] = (self.bits[route], True, price_columns[route])
            self.series[64 + code] = (self.bits[route], False, price_columns[route])
        self.row_columns = ("cell", "status", "routes_mask", "min_price", *price_columns.values())
        self.min_clinics = MIN_CLINICS

    def facet_series(self, route: str | None) -> int:
        return 1 + self._code(route) if route else 0

    def context_series(self, route: str, asked: bool) -> tuple[int, ...]:
        code = self._code(route)
        return (1 + code,) if asked else (1 + code, 64 + code)

    def _ring_column(self, route: str | None) -> int:
        """Where a ring row (routes mask, lowest price, each route's price) has the price."""
        return 2 + list(self.price_columns).index(route) if route else 1

    def _code(self, route: str) -> int:
        return self.bits[route].bit_length() - 1

    # -- building and keeping ------------------------------------------------------------

    def create(self, conn: sqlite3.Connection) -> None:
        for statement in SCHEMA.split(";"):
            if statement.strip():
                conn.execute(statement)

    def build(self, conn: sqlite3.Connection, *, prices: bool = True) -> None:
        """Fill the (emptied) tables from `clinics`, each in one pass: the finest level from
        the rows, each coarser one from the level below it, the series from the histograms.
        `prices=False` keeps `cell_prices` as it is (the schema 4 → 5 migration)."""
        for table in TABLES if prices else ("cell_routes", "cell_series"):
            conn.execute(f"DELETE FROM {table}")
        # Each (status, cell, routes mask) once, then counted into the row of every key.
        keys = ", ".join(f"({key})" for key in (0, *self.bits.values()))
        conn.execute(
            f"INSERT INTO cell_routes SELECT {FINEST}, k.column1, m.status, m.cell, sum(m.n), "
            + ", ".join(f"sum(m.n * ((m.routes_mask & {1 << c}) != 0))" for c in range(ROUTE_SLOTS))
            + " FROM (SELECT status, cell, routes_mask, count(*) AS n FROM clinics "
            "WHERE cell IS NOT NULL GROUP BY 1, 2, 3) m "
            f"CROSS JOIN (VALUES {keys}) k "
            "WHERE k.column1 = 0 OR (m.routes_mask & k.column1) != 0 GROUP BY 2, 3, 4"
        )
        for level in reversed(LEVELS[:-1]):
            conn.execute(
                f"INSERT INTO cell_routes SELECT {level}, route, status, {_parent_sql()}, "
                f"sum(n), {', '.join(f'sum({c})' for c in ROUTE_COLUMNS)} FROM cell_routes "
                f"WHERE level = {level + 1} GROUP BY 2, 3, 4"
            )
        if prices:
            members = " UNION ALL ".join(
                f"SELECT {series} AS series, status, cell, {column} AS price FROM clinics "
                "WHERE cell IS NOT NULL "
                f"AND {column} IS NOT NULL"
                + ("" if has is None else f" AND (routes_mask & {bit}) {'!=' if has else '='} 0")
                for series, (bit, has, column) in self.series.items()
            )
            conn.execute(
                f"INSERT INTO cell_prices SELECT {FINEST}, series, status, "
                f"{_bucket_sql('price')}, cell, price, count(*) FROM ({members}) "
                "GROUP BY 2, 3, 5, 6"
            )
            for level in reversed(LEVELS[:-1]):
                conn.execute(
                    f"INSERT INTO cell_prices SELECT {level}, series, status, bucket, "
                    f"{_parent_sql()}, price, sum(n) FROM cell_prices "
                    f"WHERE level = {level + 1} GROUP BY 2, 3, 4, 5, 6"
                )
        self.build_series(conn)

    @staticmethod
    def build_series(conn: sqlite3.Connection) -> None:
        """Fill `cell_series` afresh from `cell_prices`: the finest level from its histograms,
        each coarser one from the level below."""
        conn.execute("DELETE FROM cell_series")
        packs = ", ".join(
            f"sum(CASE bucket / 3 WHEN {j} THEN n << ({PACK_BITS} * (bucket % 3)) ELSE 0 END)"
            for j in range(len(PACK_COLUMNS))
        )
        conn.execute(
            f"INSERT INTO cell_series SELECT {FINEST}, series, status, cell, sum(n), "
            f"min(price), max(price), {packs} FROM cell_prices WHERE level = {FINEST} "
            "GROUP BY 3, 4, 2"
        )
        for level in reversed(LEVELS[:-1]):
            conn.execute(
                f"INSERT INTO cell_series SELECT {level}, series, status, {_parent_sql()}, "
                f"sum(n), min(low), max(high), {', '.join(f'sum({c})' for c in PACK_COLUMNS)} "
                f"FROM cell_series WHERE level = {level + 1} GROUP BY 3, 4, 2"
            )

    def search_row(
        self, conn: sqlite3.Connection, rowid_or_id: Any, by: str = "id"
    ) -> tuple | None:
        """A clinic's row as the aggregates count it (read before a write changes it)."""
        return conn.execute(
            f"SELECT {', '.join(self.row_columns)} FROM clinics WHERE {by} = ?", (rowid_or_id,)
        ).fetchone()

    def adjust(self, conn: sqlite3.Connection, row: Sequence | None, delta: int) -> None:
        """Count a clinic's row in (delta 1) or out (delta -1) of every level's cell."""
        if row is None or row[0] is None:
            return
        cell, status, mask, min_price, *route_prices = row
        prices = {
            "min_price": min_price,
            **dict(zip(self.price_columns.values(), route_prices, strict=True)),
        }
        mine = [
            (series, prices[column])
            for series, (bit, has, column) in self.series.items()
            if prices[column] is not None and (has is None or bool(mask & bit) == has)
        ]
        counts = [delta if mask & (1 << code) else 0 for code in range(ROUTE_SLOTS)]
        keys = [
            (level, key, status, _up(cell, level))
            for level in LEVELS
            for key in (0, *(bit for bit in self.bits.values() if mask & bit))
        ]
        conn.executemany(_ROUTES_UPSERT, [(*key, delta, *counts) for key in keys])
        if delta < 0:
            conn.executemany(
                "DELETE FROM cell_routes WHERE level = ? AND route = ? AND status = ? "
                "AND cell = ? AND n <= 0",
                keys,
            )
        for level in LEVELS:
            at = _up(cell, level)
            for series, price in mine:
                self._adjust_price(conn, (level, series, status, at), price, delta)

    @staticmethod
    def _adjust_price(conn: sqlite3.Connection, key: tuple, price: float, delta: int) -> None:
        level, series, status, cell = key
        conn.execute(
            "INSERT INTO cell_prices VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE "
            "SET n = n + excluded.n",
            (level, series, status, bucket_of(price), cell, price, delta),
        )
        bucket, unit = bucket_place(bucket_of(price))
        if delta > 0:
            conn.execute(
                f"INSERT INTO cell_series (level, series, status, cell, n, low, high, "
                f"{', '.join(PACK_COLUMNS)}) VALUES (?, ?, ?, ?, 1, ?, ?, "
                f"{', '.join(str(unit) if c == bucket else '0' for c in PACK_COLUMNS)}) "
                "ON CONFLICT DO UPDATE SET n = n + 1, low = min(low, excluded.low), "
                f"high = max(high, excluded.high), {bucket} = {bucket} + {unit}",
                (*key, price, price),
            )
            return
        where = "level = ? AND series = ? AND status = ? AND cell = ?"
        conn.execute(
            "DELETE FROM cell_prices WHERE level = ? AND series = ? AND status = ? "
            "AND bucket = ? AND cell = ? AND price = ? AND n <= 0",
            (level, series, status, bucket_of(price), cell, price),
        )
        conn.execute(
            f"UPDATE cell_series SET n = n - 1, {bucket} = {bucket} - {unit} WHERE {where}", key
        )
        conn.execute(f"DELETE FROM cell_series WHERE {where} AND n <= 0", key)
        # The lowest or highest price may have been this one: read them again from the
        # histogram (one index seek a bucket).
        of_cell = where.replace(
            "cell = ?", f"bucket IN ({', '.join(map(str, range(BUCKETS)))}) AND cell = ?"
        )
        conn.execute(
            f"UPDATE cell_series SET low = (SELECT min(price) FROM cell_prices WHERE {of_cell}), "
            f"high = (SELECT max(price) FROM cell_prices WHERE {of_cell}) "
            f"WHERE {where} AND (low = ? OR high = ?)",
            (*key, *key, *key, price, price),
        )

    # -- asking --------------------------------------------------------------------------

    def answer(
        self,
        conn: sqlite3.Connection,
        query: NearQuery,
        *,
        dot: str,
        facets: bool = True,
        context: bool = False,
    ) -> dict[str, Any] | None:
        """The count and facets (`facets`) and the price context (`context`; when facets are
        asked too, only if the count is not 0) of `query` — sharing one cover, one read of the
        ring and one read of the kept price figures — or None when the cells cannot answer it
        exactly (see `answers`) or when visiting its few matches costs less (fewer than
        `min_clinics` around: the cells' own work — a few hundred index seeks — is then the
        larger)."""
        if not answers(query):
            return None
        around = self._around(conn, query)
        if around < self.min_clinics:
            return None
        found = cover(query.lat, query.lon, query.radius_km, ring_parts(around))
        if found is None:
            return None
        route = query.routes[0] if query.routes else None
        statuses = list(query.statuses)
        asked = bool(query.routes)
        wanted = {r: self.context_series(r, asked) for r in context_routes(query)}
        # The ring's columns this search reads (routes mask 0, lowest price 1, each route's
        # price): a search for one route reads two of seven, each a Python value a row.
        used = {0}
        if facets:
            used.add(self._ring_column(route))
        if context:
            used.update(self._ring_column(r) for r in wanted)
        ring = _Ring(self._ring(conn, query, found, dot, sorted(used)), sorted(used))
        series = {s for all_s in wanted.values() for s in all_s} if context else set()
        if facets:
            series.add(self.facet_series(route))
        kept = self._stats(conn, found, statuses, sorted(series))
        if any(row[0] >= PACK_LIMIT for row in kept.values()):
            return None  # a bucket's packed sum might have carried (module note, PACK_BITS)
        result: dict[str, Any] = {}
        if facets:
            result = self._facets(conn, found, statuses, route, ring, kept)
        if context and (not facets or result["total"]):
            result["context"] = self._context(conn, found, statuses, ring, kept, wanted)
        return result

    def _around(self, conn: sqlite3.Connection, query: NearQuery) -> float:
        """How many clinics of the query's statuses the coarse cells under its bounding box
        hold (at most 4 by 4 cells): an upper bound on its matches, in a few index seeks."""
        box = bounding_box(query.lat, query.lon, query.radius_km)
        span = max(box.max_lat - box.min_lat, 1e-9)
        level = max(0, min(FINEST, int(math.log2(3 / span))))
        scale = 2**level
        runs = [
            (
                level,
                (row << COL_BITS) + int((west + 180) * scale),
                (row << COL_BITS) + int((min(east, 180 - 1e-9) + 180) * scale),
            )
            for row in range(
                int((box.min_lat + 90) * scale), int((min(box.max_lat, 90 - 1e-9) + 90) * scale) + 1
            )
            for west, east in box.lon_ranges
        ]
        statuses = list(query.statuses)
        return conn.execute(
            "SELECT total(k.n) FROM json_each(?) r CROSS JOIN cell_routes k "
            f"ON k.level = {RUN_LEVEL} AND k.route = 0 "
            f"AND k.status IN ({', '.join('?' * len(statuses))}) "
            f"AND k.cell BETWEEN {RUN_FIRST} AND {RUN_LAST}",
            [packed(runs), *statuses],
        ).fetchone()[0]

    def _ring(
        self,
        conn: sqlite3.Connection,
        query: NearQuery,
        found: Cover,
        dot: str,
        used: Sequence[int] | None = None,
    ) -> list[tuple]:
        """The matching clinics of the ring cells, exactly: their columns `used` (positions
        among routes mask, min price, prices…; all of them by default)."""
        if not found.ring:
            return []
        ox, oy, oz = unit_vector(query.lat, query.lon)
        statuses = [f":s{i}" for i in range(len(query.statuses))]
        params: dict[str, Any] = {f"s{i}": s for i, s in enumerate(query.statuses)}
        params.update(
            ring=found.ring_runs,
            ox=ox,
            oy=oy,
            oz=oz,
            min_dot=min_dot_for_radius(query.radius_km),
        )
        route = ""
        if query.routes:
            route, params["route"] = (
                " AND (c.routes_mask & :route) != 0",
                self.bits[query.routes[0]],
            )
        names = self.row_columns[2:]
        columns = ", ".join(f"c.{names[i]}" for i in (range(len(names)) if used is None else used))
        return conn.execute(
            f"SELECT {columns} FROM json_each(:ring) r CROSS JOIN clinics c "
            f"ON c.cell BETWEEN {RUN_FIRST} AND {RUN_LAST} "
            f"WHERE c.status IN ({', '.join(statuses)}){route} AND {dot} >= :min_dot",
            params,
        ).fetchall()

    def _facets(
        self,
        conn: sqlite3.Connection,
        found: Cover,
        statuses: list[str],
        route: str | None,
        ring: _Ring,
        kept: dict[int, tuple],
    ) -> dict[str, Any]:
        wanted = self.bits[route] if route else 0
        counts = [0] * (1 + ROUTE_SLOTS)
        if found.whole:  # one row a cell: its clinics (with the route asked) and their routes
            counts = [
                int(n)
                for n in conn.execute(
                    f"SELECT total(k.n), {', '.join(f'total(k.{c})' for c in ROUTE_COLUMNS)} "
                    f"FROM json_each(?) r CROSS JOIN cell_routes k ON k.level = {RUN_LEVEL} "
                    f"AND k.route = ? AND k.status IN ({', '.join('?' * len(statuses))}) "
                    f"AND k.cell BETWEEN {RUN_FIRST} AND {RUN_LAST}",
                    [found.whole_runs, wanted, *statuses],
                ).fetchone()
            ]
        # The ring's rows (they already match the route asked), by routes mask: a few dozen.
        for mask, n in ring.counts(0).items():
            counts[0] += n
            for code in range(ROUTE_SLOTS):
                counts[1 + code] += n * ((mask >> code) & 1)
        series = self.facet_series(route)
        column = self._ring_column(route)
        prices = _Prices.of(
            [kept[series]] if series in kept else [],
            ring.counts(column),
        )
        total = counts[0]
        routes = {r: counts[1 + self._code(r)] for r in self.routes}
        bands = {
            name: sum(prices.buckets[b] for b in _BAND_BUCKETS[i])
            for i, (name, _, _) in enumerate(PRICE_BANDS)
        }
        return {
            "total": total,
            "facets": {
                "routes": routes,
                "price": {
                    "min": prices.low,
                    "max": prices.high,
                    "unknown": total - prices.count,
                    "bands": bands,
                },
            },
        }

    def _stats(
        self, conn: sqlite3.Connection, found: Cover, statuses: list[str], series: list[int]
    ) -> dict[int, tuple]:
        """Per series: known prices, lowest, highest and bucket counts of the whole cells
        (one row a cell and series)."""
        if not found.whole or not series:
            return {}
        return {
            row[0]: (row[1], row[2], row[3], *unpacked(row[4:]))
            for row in conn.execute(
                "SELECT k.series, sum(k.n), min(k.low), max(k.high), "
                f"{', '.join(f'sum(k.{c})' for c in PACK_COLUMNS)} "
                f"FROM json_each(?) r CROSS JOIN cell_series k ON k.level = {RUN_LEVEL} "
                f"AND k.series IN ({', '.join('?' * len(series))}) "
                f"AND k.status IN ({', '.join('?' * len(statuses))}) "
                f"AND k.cell BETWEEN {RUN_FIRST} AND {RUN_LAST} GROUP BY 1",
                [found.whole_runs, *series, *statuses],
            )
            if row[1]
        }

    def _context(
        self,
        conn: sqlite3.Connection,
        found: Cover,
        statuses: list[str],
        ring: _Ring,
        kept: dict[int, tuple],
        wanted: dict[str, tuple[int, ...]],
    ) -> dict[str, RoutePrices]:
        prices = {}
        for route, series in wanted.items():
            column = self._ring_column(route)
            prices[route] = _Prices.of(
                [kept[s] for s in series if s in kept],
                ring.counts(column),
            )
        # The middle ranks' buckets, then those buckets' histogram rows: one statement.
        # (Only where the whole cells hold prices of that bucket: often none of a series.)
        targets = {
            (s, bucket)
            for route, p in prices.items()
            for s in wanted[route]
            for bucket in p.middle_buckets()
            if s in kept and kept[s][3 + bucket]
        }
        histogram = self._histogram(conn, found, statuses, sorted(targets))
        context = {}
        for route, p in prices.items():
            if not p.count:
                context[route] = RoutePrices(0)
                continue
            middle = []
            for rank, bucket in p.middle_ranks:
                counts: dict[float, float] = {}
                for s in wanted[route]:
                    for price, n in histogram.get((s, bucket), {}).items():
                        counts[price] = counts.get(price, 0) + n
                middle.append(p.at_rank(rank, bucket, counts))
            context[route] = RoutePrices(p.count, p.low, sum(middle) / len(middle), p.high)
        return context

    def _histogram(
        self,
        conn: sqlite3.Connection,
        found: Cover,
        statuses: list[str],
        targets: list[tuple[int, int]],
    ) -> dict[tuple[int, int], dict[float, float]]:
        """(series, bucket) → {price: clinics} over the whole cells: one index seek per run
        of cells, target and status, to the bucket's prices only (`cell_prices` is keyed by
        bucket before cell). One statement: a part per target."""
        if not targets or not found.whole:
            return {}
        part = (
            "SELECT ?, ?, k.price, total(k.n) FROM json_each(?) r CROSS JOIN cell_prices k "
            f"ON k.level = {RUN_LEVEL} AND k.series = ? "
            f"AND k.status IN ({', '.join('?' * len(statuses))}) AND k.bucket = ? "
            f"AND k.cell BETWEEN {RUN_FIRST} AND {RUN_LAST} GROUP BY 3"
        )
        runs = found.whole_runs
        params: list[Any] = []
        for series, bucket in targets:
            params += [series, bucket, runs, series, *statuses, bucket]
        counts: dict[tuple[int, int], dict[float, float]] = {}
        for series, bucket, price, n in conn.execute(
            " UNION ALL ".join([part] * len(targets)), params
        ):
            counts.setdefault((series, bucket), {})[price] = n
        return counts


class _Ring:
    """The ring's rows, each column's values counted once when first asked (the facets and
    every route's context share them): value → clinics, a few dozen values."""

    def __init__(self, rows: list[tuple], columns: Sequence[int]):
        """`rows` hold the ring's `columns` (positions: routes mask 0, lowest price 1, each
        route's price), in that order."""
        self.rows = rows
        self.places = {column: i for i, column in enumerate(columns)}
        self._counts: dict[int, dict[Any, int]] = {}

    def counts(self, column: int) -> dict[Any, int]:
        """The known values of `column` (one of the columns read). Counted straight from the
        rows, one column at a time: turning ~800 rows into columns first (`zip(*rows)`) cost
        as much as the counting."""
        if column not in self._counts:
            counts = collections.Counter(map(operator.itemgetter(self.places[column]), self.rows))
            counts.pop(None, None)
            self._counts[column] = counts
        return self._counts[column]


def _bucket_range(bucket: int) -> tuple[float, float]:
    """A bucket's prices: [low, high) (finite stand-ins for the open ends)."""
    low = BUCKET_EDGES[bucket - 1] if bucket else -1e308
    high = BUCKET_EDGES[bucket] if bucket < len(BUCKET_EDGES) else 1e308
    return low, high


@dataclass
class _Prices:
    """One series' known prices in a circle: the whole cells' kept figures plus the ring's
    own prices."""

    count: int
    low: float | None
    high: float | None
    buckets: list[int]
    ring: dict[float, int]

    @classmethod
    def of(cls, kept: list[tuple], ring: dict[float, int]) -> _Prices:
        """From the whole cells' rows of one or more series (count, low, high, buckets…) and
        the ring's prices (price → clinics)."""
        count = sum(row[0] for row in kept)
        lows = [row[1] for row in kept if row[1] is not None]
        highs = [row[2] for row in kept if row[2] is not None]
        low, high = (min(lows) if lows else None), (max(highs) if highs else None)
        buckets = list(map(sum, zip(*(row[3:] for row in kept)))) if kept else [0] * BUCKETS
        for price, n in ring.items():
            buckets[bucket_of(price)] += n
        if ring:
            low = min(ring) if low is None else min(low, min(ring))
            high = max(ring) if high is None else max(high, max(ring))
        return cls(count + sum(ring.values()), low, high, buckets, ring)

    @functools.cached_property
    def middle_ranks(self) -> list[tuple[int, int]]:
        """The 0-based rank(s) of the median (one, or two for an even count), each with the
        bucket that holds it."""
        if not self.count:
            return []
        below = list(itertools.accumulate(self.buckets))  # clinics up to each bucket
        return [
            (rank, bisect.bisect_right(below, rank))
            for rank in sorted({(self.count - 1) // 2, self.count // 2})
        ]

    def middle_buckets(self) -> set[int]:
        return {bucket for _, bucket in self.middle_ranks}

    def at_rank(self, rank: int, bucket: int, kept: dict[float, float]) -> float:
        """The price at `rank` (in `bucket`), from the bucket's kept histogram and the ring's
        prices."""
        low, high = _bucket_range(bucket)
        counts = dict(kept)
        for price, n in self.ring.items():
            if low <= price < high:
                counts[price] = counts.get(price, 0) + n
        below = sum(self.buckets[:bucket])
        for price in sorted(counts):
            below += counts[price]
            if rank < below:
                return price
        raise RuntimeError("the cell histograms disagree with their buckets")


def answers(query: NearQuery) -> bool:
    """Whether the kept cells answer this query exactly: every filter it uses is one the cells
    keep (katdir.filters: `aggregated`), with at most one route (several routes' lowest price
    is no one column)."""
    for name, value in query.filters.items():
        if value is None or value == ():
            continue
        if not BY_NAME[name].aggregated:
            return False
    return len(query.routes) <= 1
