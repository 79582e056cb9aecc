"""Counts and facets of a near-me search without visiting every match (a prototype, not wired
into the SQLite store yet: see BENCHMARKS.md, "Dense metros").

Today the store answers a search's total, route counts and price facets with one aggregate
over every clinic in the circle: in a dense metro at 50 miles that is tens of thousands of rows
per search, and it is where the tail comes from. Here the map is cut into a fixed grid of
`cell_deg`-degree cells, and the same aggregates are kept per cell, status and route mask
(`cell_counts`). A search then

- adds up the kept aggregates of the cells wholly inside its circle (a lat/lon cell's farthest
  point from the centre is one of its corners, so four corners inside means the whole cell is),
- and runs the exact aggregate only over the clinics of the other cells its bounding box
  touches (the ring), with the same great-circle test as the store's query.

Sums, minima and maxima combine, so the answer is the exact one. It serves the searches
filtered by status and route only (the near-me search as visitors mostly send it); any other
filter returns None and the store's own query answers.
"""

from __future__ import annotations

import json
import math
import sqlite3
from typing import Any

from katdir.geo import bounding_box, min_dot_for_radius, unit_vector
from katdir.model import ROUTES
from katdir.store.base import PRICE_BANDS, NearQuery
from katdir.store.sqlite import PAD, ROUTE_CODES

# A corner must be inside by more than float rounding can move a point's dot product.
_MARGIN = 1e-12


def _band_conditions(prefix: str) -> list[str]:
    conditions = []
    for _, low, high in PRICE_BANDS:
        cond = [f"{prefix}min_price >= {low}" if low is not None
                else f"{prefix}min_price IS NOT NULL"]
        if high is not None:
            cond.append(f"{prefix}min_price < {high}")
        conditions.append(" AND ".join(cond))
    return conditions


class CellCounts:
    """Per-cell aggregates over an SQLite store's `clinics` table, and searches' facets from
    them. `build()` after every rebuild (the wired version would keep them in the same
    transaction as each write)."""

    def __init__(self, conn: sqlite3.Connection, cell_deg: float = 0.1,
                 schema: str = "main") -> None:
        self.conn = conn
        self.cell_deg = cell_deg
        self.schema = schema  # "temp" keeps the tables out of the store's file (benchmarks)
        self.columns = round(360 / cell_deg)
        self.rows = round(180 / cell_deg)

    def _cell_sql(self, prefix: str = "") -> str:
        g, n = self.cell_deg, self.columns
        return (f"(CAST(({prefix}lat + 90) / {g!r} AS INTEGER) * {n} + "
                f"CAST(({prefix}lon + 180) / {g!r} AS INTEGER) % {n})")

    def build(self) -> None:
        bands = ", ".join(f"total({c})" for c in _band_conditions(""))
        band_columns = ", ".join(f"b{i} REAL" for i in range(len(PRICE_BANDS)))
        with self.conn:
            self.conn.executescript(f"""
                DROP TABLE IF EXISTS {self.schema}.cell_counts;
                DROP TABLE IF EXISTS {self.schema}.clinic_cells;
                CREATE TABLE {self.schema}.cell_counts (cell INTEGER, status TEXT, routes_mask INTEGER,
                    n INTEGER, pmin REAL, pmax REAL, unknown REAL, {band_columns},
                    PRIMARY KEY (cell, status, routes_mask)) WITHOUT ROWID;
                CREATE TABLE {self.schema}.clinic_cells (cell INTEGER, rowid INTEGER,
                    PRIMARY KEY (cell, rowid)) WITHOUT ROWID;
                INSERT INTO {self.schema}.cell_counts SELECT {self._cell_sql()}, status, routes_mask,
                    count(*), min(min_price), max(min_price), total(min_price IS NULL), {bands}
                    FROM clinics WHERE lat IS NOT NULL GROUP BY 1, 2, 3;
                INSERT INTO {self.schema}.clinic_cells SELECT {self._cell_sql()}, rowid FROM clinics
                    WHERE lat IS NOT NULL;
            """)

    def _cell(self, lat: float, lon: float) -> tuple[int, int]:
        # The same float arithmetic as _cell_sql, so Python and SQLite agree on every point.
        return int((lat + 90) / self.cell_deg), int((lon + 180) / self.cell_deg) % self.columns

    def _cells(self, query: NearQuery) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        """Runs of cell ids (first, last) wholly inside the circle, and of the other cells its
        box touches: a few per row of cells, whatever the cell size."""
        g = self.cell_deg
        box = bounding_box(query.lat, query.lon, query.radius_km)
        ox, oy, oz = unit_vector(query.lat, query.lon)
        min_dot = min_dot_for_radius(query.radius_km) + _MARGIN
        # The box padded as the store pads its R*Tree query: no point in the circle escapes.
        first_row = self._cell(max(box.min_lat - PAD, -90), 0)[0]
        last_row = self._cell(min(box.max_lat + PAD, 90 - 1e-9), 0)[0]
        corner_in: dict[tuple[int, int], bool] = {}

        def inside(row: int, col: int) -> bool:  # is the corner (row, col) inside the circle
            found = corner_in.get((row, col))
            if found is None:
                x, y, z = unit_vector(row * g - 90, col * g - 180)
                found = corner_in[(row, col)] = x * ox + y * oy + z * oz >= min_dot
            return found

        whole, ring = [], []
        if len(box.lon_ranges) == 1:
            west, east = box.lon_ranges[0]
            first_col = self._cell(0, max(west - PAD, -180))[1]
            last_col = self._cell(0, min(east + PAD, 180 - 1e-9))[1]
            centre = self._cell(0, query.lon)[1]

            def inside_run(row: int) -> tuple[int, int]:
                """The corners of line `row` inside the circle: a run of columns, found from
                the centre's column outwards (the dot product falls with the distance in
                longitude), by bisection."""
                if not (inside(row, centre) or inside(row, centre + 1)):
                    return (0, -1)
                start = centre if inside(row, centre) else centre + 1
                low, high = first_col, start  # leftmost inside corner is in [low, high]
                while low < high:
                    mid = (low + high) // 2
                    low, high = (low, mid) if inside(row, mid) else (mid + 1, high)
                left = low
                low, high = start, last_col + 1
                while low < high:
                    mid = (low + high + 1) // 2
                    low, high = (mid, high) if inside(row, mid) else (low, mid - 1)
                return (left, low)

            runs: dict[int, tuple[int, int]] = {}
            for row in range(max(first_row, 0), min(last_row, self.rows - 1) + 1):
                for line in (row, row + 1):
                    if line not in runs:
                        runs[line] = inside_run(line)
                # cells whose four corners are inside: both lines' runs hold col and col + 1
                lo = max(runs[row][0], runs[row + 1][0])
                hi = min(runs[row][1], runs[row + 1][1]) - 1
                base = row * self.columns
                if lo <= hi:
                    whole.append((base + lo, base + hi))
                    if first_col < lo:
                        ring.append((base + first_col, base + lo - 1))
                    if hi < last_col:
                        ring.append((base + hi + 1, base + last_col))
                else:
                    ring.append((base + first_col, base + last_col))
            return whole, ring
        for row in range(max(first_row, 0), min(last_row, self.rows - 1) + 1):
            for west, east in box.lon_ranges:  # across the 180th meridian: corner by corner
                first_col = self._cell(0, max(west - PAD, -180))[1]
                last_col = self._cell(0, min(east + PAD, 180 - 1e-9))[1]
                for col in range(first_col, last_col + 1):
                    cell = row * self.columns + col
                    if (inside(row, col) and inside(row + 1, col) and inside(row, col + 1)
                            and inside(row + 1, col + 1)):
                        whole.append((cell, cell))
                    else:
                        ring.append((cell, cell))
        return whole, ring

    def facets(self, query: NearQuery) -> tuple | None:
        """The row the store's facet aggregate (`FACET_COLUMNS`) would give for this query, or
        None when the query has filters the kept aggregates cannot answer."""
        if query.filters:  # a route chooses its own prices (katdir.pricing): the kept cells
            return None    # hold the lowest session price of any route only
        whole, ring = self._cells(query)
        statuses = list(query.statuses)
        routes = 0  # no route filter reaches here (see above)
        status_sql = ", ".join("?" * len(statuses))
        route_sql = f" AND (routes_mask & {routes}) != 0" if routes else ""
        n_bands = len(PRICE_BANDS)

        kept = None
        if whole:
            route_sums = ", ".join(f"total(CASE WHEN routes_mask & {1 << ROUTE_CODES[r]} THEN n END)"
                                   for r in ROUTES)
            band_sums = ", ".join(f"total(b{i})" for i in range(n_bands))
            kept = self.conn.execute(
                f"SELECT total(n), {route_sums}, min(pmin), max(pmax), total(unknown), "
                f"{band_sums} FROM json_each(?) r CROSS JOIN {self.schema}.cell_counts "
                f"ON cell BETWEEN r.value ->> 0 AND r.value ->> 1 "
                f"WHERE status IN ({status_sql}){route_sql}",
                [json.dumps(whole), *statuses]).fetchone()

        exact = None
        if ring:
            ox, oy, oz = unit_vector(query.lat, query.lon)
            route_cols = ", ".join(f"total((c.routes_mask & {1 << ROUTE_CODES[r]}) != 0)"
                                   for r in ROUTES)
            bands = ", ".join(f"total({c})" for c in _band_conditions("c."))
            exact = self.conn.execute(
                f"SELECT count(*), {route_cols}, min(c.min_price), max(c.min_price), "
                f"total(c.min_price IS NULL), {bands} FROM json_each(?) r "
                f"CROSS JOIN {self.schema}.clinic_cells k "
                f"ON k.cell BETWEEN r.value ->> 0 AND r.value ->> 1 "
                f"CROSS JOIN clinics c ON c.rowid = k.rowid WHERE c.status IN ({status_sql})"
                + (f" AND (c.routes_mask & {routes}) != 0" if routes else "")
                + " AND c.x * ? + c.y * ? + c.z * ? >= ?",
                [json.dumps(ring), *statuses, ox, oy, oz,
                 min_dot_for_radius(query.radius_km)]).fetchone()
        return _combine(kept, exact, len(ROUTES))


def _combine(kept: tuple | None, exact: tuple | None, n_routes: int) -> tuple:
    parts = [p for p in (kept, exact) if p is not None and p[0]]
    if not parts:
        return (0, *[0.0] * n_routes, None, None, 0.0, *[0.0] * len(PRICE_BANDS))
    total = sum(int(p[0]) for p in parts)
    routes = [math.fsum(p[1 + i] for p in parts) for i in range(n_routes)]
    lows = [p[1 + n_routes] for p in parts if p[1 + n_routes] is not None]
    highs = [p[2 + n_routes] for p in parts if p[2 + n_routes] is not None]
    rest: list[Any] = [math.fsum(p[i] for p in parts)
                       for i in range(3 + n_routes, len(parts[0]))]
    return (total, *routes, min(lows) if lows else None, max(highs) if highs else None, *rest)
