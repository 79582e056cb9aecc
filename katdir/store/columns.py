"""The SQLite store's search columns held in memory as arrays, for searches that ask no text.

SQLite visits a circle's matches one row at a time, several times a search (the count and
facets, the price context, the page): ~1.3 ms at 100k clinics, most of a search's cost. The
same work over arrays (numpy) takes a small fraction of that. `Columns` is a snapshot of the
`clinics` table at one generation of the file (`SQLiteStore.generation()`): valid only while
no commit has moved it, and the store checks that after reading the page's cards, in the
search's read transaction, so an answer is never a mix of two states of the file.

The answers are the SQL path's, exactly: the same dot products (x·ox + y·oy + z·oz, in that
order, in doubles), the same box of candidates, the same NULL rules (a NaN fails every
comparison, as NULL does), the same order of a page (nearest, then id; or price, missing
last). tests/store/test_columns.py compares both on random clinics and searches.

Rows are sorted by quarter-degree strips of latitude, then longitude: a circle's candidates
are one range of longitudes in each strip its box crosses.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from katdir.filters import FILTERS, Parameter
from katdir.geo import bounding_box, min_dot_for_radius, unit_vector
from katdir.store.base import PRICE_BANDS, NearQuery, RoutePrices, context_routes

STRIPS_PER_DEGREE = 4
STRIPS = 180 * STRIPS_PER_DEGREE + 1  # the last holds the north pole only
# Above this many candidates (~8 ms here), the per-cell aggregates (katdir/store/cell_counts.py)
# do less work than visiting them all, even here. Up to it, these are faster and steadier: at
# 1M clinics, searches of 60k-145k candidates took 5.2 ms here (at most 8), 5.2-5.5 ms at the
# median through the cells but up to 68 ms.
MAX_CANDIDATES = 200_000
# A route with at most this many distinct prices gets its price levels (`PriceLevels`): the
# context of a circle holding at least as many matches is then counted, not sorted. Prices
# are mostly round figures: the bench's clinics have 150 a route, a real directory a few
# hundred.
MAX_PRICE_LEVELS = 4096


@dataclass(frozen=True)
class Layout:
    """Which columns of `clinics` are read, and what the prices and routes are called."""

    integers: tuple[str, ...]  # NOT NULL: rowid, bit masks
    reals: tuple[str, ...]  # may be NULL: lat, lon, x, y, z, prices, flags
    routes: tuple[str, ...]  # every route, in the order of the facets
    price_columns: Mapping[str, str]  # route → its price column
    route_bits: Mapping[str, int]  # route → its bit in routes_mask


@dataclass(frozen=True)
class Answer:
    """What a search asks of its matches, as the SQL path returns it."""

    total: int
    facets: dict[str, Any]
    context: dict[str, RoutePrices]
    rows: list[tuple[int, float, float]]  # the page: rowid, lat, lon


@dataclass(frozen=True, eq=False)
class PriceLevels:
    """A price column as the rank of each row's price among the column's distinct prices."""

    prices: np.ndarray  # the distinct prices, ascending
    ranks: np.ndarray  # each row's price's index in `prices`; prices.size where it has none

    @classmethod
    def of(cls, column: np.ndarray) -> PriceLevels | None:
        """None when the column has more than MAX_PRICE_LEVELS distinct prices."""
        prices = np.unique(column[~np.isnan(column)])
        if prices.size > MAX_PRICE_LEVELS:
            return None
        # A row without a price (NaN, which sorts after every number) ranks prices.size; the
        # ranks in the smallest integers that hold them (one or two bytes a row).
        ranks = np.searchsorted(prices, column)
        return cls(prices, ranks.astype(np.min_scalar_type(prices.size)))

    def context(self, at: np.ndarray) -> RoutePrices:
        """The rows `at`'s count, lowest, median and highest price, by counting them at each
        price: two passes over the rows, the rest over the distinct prices."""
        at_each = np.bincount(self.ranks[at], minlength=self.prices.size + 1)[:-1]
        below = np.cumsum(at_each)  # how many are at or below each price
        count = int(below[-1]) if below.size else 0
        if not count:
            return RoutePrices(0)
        # The k-th price in order (from 0) is the first whose running count passes k: the
        # first, the middle one or two, the last.
        half = (count - 1) // 2
        ranked = (0, half, count // 2, count - 1)
        lowest, low, high, highest = self.prices[np.searchsorted(below, ranked, "right")].tolist()
        return RoutePrices(count, lowest, low if count % 2 else (low + high) / 2, highest)


class Columns:
    """The search columns of every clinic with a point, at one generation of the file."""

    def __init__(
        self,
        generation: int,
        arrays: Mapping[str, np.ndarray],
        statuses: Mapping[str, int],
        layout: Layout,
    ):
        """`arrays`: each column by name, and each row's place in the order of ids (`id_rank`:
        how a page breaks ties)."""
        self.generation, self.statuses, self.layout = generation, statuses, layout
        strip = np.floor((arrays["lat"] + 90.0) * STRIPS_PER_DEGREE).astype(np.int64)
        order = np.lexsort((arrays["lon"], strip))
        self.strip_start = np.searchsorted(strip[order], np.arange(STRIPS + 1))
        self.c = {name: column[order] for name, column in arrays.items()}
        self.size = int(order.size)
        # Row m, column r: 1 if the set of routes m (a routes_mask) holds route r; a row for
        # every mask the clinics have, whatever bits they hold.
        every = 1 << max(layout.route_bits.values(), default=1).bit_length()
        masks = np.arange(max(every, int(self.c["routes_mask"].max(initial=0)) + 1))
        self.sets_of_routes = np.array(
            [(masks & layout.route_bits[route]) != 0 for route in layout.routes], dtype=np.int64
        ).T
        self.price_levels = {
            route: PriceLevels.of(self.c[column]) for route, column in layout.price_columns.items()
        }

    @classmethod
    def load(cls, conn: sqlite3.Connection, generation: int, layout: Layout) -> Columns:
        """Read the `clinics` table in one read transaction of `conn` (a connection of its own)."""
        names = ["rowid", "status", *dict.fromkeys((*layout.integers, *layout.reals))]
        names = list(dict.fromkeys(names))  # rowid may be among the integers too
        conn.execute("BEGIN")
        try:
            distinct = conn.execute("SELECT DISTINCT status FROM clinics").fetchall()
            statuses = {status: code for code, (status,) in enumerate(distinct)}
            status = " ".join(f"WHEN ? THEN {code}" for code in statuses.values())
            status = f"CASE status {status} END" if statuses else "NULL"
            cursor = conn.execute(
                f"SELECT {', '.join(status if n == 'status' else n for n in names)} "
                "FROM clinics WHERE x IS NOT NULL",
                list(statuses),
            )
            # Every value is exact as a double (rowids and masks are far below 2**53); a NULL
            # becomes NaN, which fails every comparison as NULL does.
            batches = [
                np.array(rows, dtype=np.float64)
                for rows in iter(lambda: cursor.fetchmany(20_000), [])
            ]
            # The rowids in the order of ids, as SQLite compares TEXT (by bytes of UTF-8),
            # read from the index of ids alone.
            by_id = np.fromiter(
                (rowid for (rowid,) in conn.execute("SELECT rowid FROM clinics ORDER BY id")),
                dtype=np.int64,
            )
        finally:
            conn.execute("COMMIT")
        table = np.concatenate(batches) if batches else np.empty((0, len(names)))
        arrays = {
            name: np.ascontiguousarray(
                table[:, i] if name in layout.reals else table[:, i].astype(np.int64)
            )
            for i, name in enumerate(names)
        }
        ascending = np.argsort(by_id)
        arrays["id_rank"] = ascending[np.searchsorted(by_id[ascending], arrays["rowid"])]
        return cls(generation, arrays, statuses, layout)

    # -- searching ---------------------------------------------------------------------------

    def candidates(self, query: NearQuery, pad: float) -> list[tuple[int, int]] | None:
        """Ranges of positions of the rows in the circle's box (padded as the R*Tree's is),
        or None when they hold more than MAX_CANDIDATES."""
        box = bounding_box(query.lat, query.lon, query.radius_km)
        first = max(0, math.floor((box.min_lat - pad + 90.0) * STRIPS_PER_DEGREE))
        last = min(STRIPS - 1, math.floor((box.max_lat + pad + 90.0) * STRIPS_PER_DEGREE))
        lon, ranges, count = self.c["lon"], [], 0
        for strip in range(first, last + 1):
            lo, hi = int(self.strip_start[strip]), int(self.strip_start[strip + 1])
            if lo == hi:
                continue
            strip_lon = lon[lo:hi]
            for west, east in box.lon_ranges:
                start = lo + int(np.searchsorted(strip_lon, west - pad, "left"))
                stop = lo + int(np.searchsorted(strip_lon, east + pad, "right"))
                if start < stop:
                    ranges.append((start, stop))
                    count += stop - start
        return None if count > MAX_CANDIDATES else ranges

    def answer(
        self,
        query: NearQuery,
        clauses: Mapping[str, Callable[[Columns, Parameter, Any, NearQuery, np.ndarray], Any]],
        values: Mapping[str, Any],
        pad: float,
    ) -> Answer | None:
        """Count, facets, price context and page of `query` (no text), or None when its box
        holds too many candidates. `values`: each filter's stored value, by filter name."""
        ranges = self.candidates(query, pad)
        if ranges is None:
            return None
        c = self.c
        ox, oy, oz = unit_vector(query.lat, query.lon)
        least = min_dot_for_radius(query.radius_km)
        found, dots = [np.empty(0, dtype=np.int64)], [np.empty(0)]
        for start, stop in ranges:  # slices, not gathers: the candidates lie in runs
            dot = c["x"][start:stop] * ox + c["y"][start:stop] * oy + c["z"][start:stop] * oz
            inside = np.flatnonzero(dot >= least)
            found.append(inside + start)
            dots.append(dot[inside])
        at, dot = np.concatenate(found), np.concatenate(dots)
        wanted = np.zeros(len(self.statuses), dtype=bool)  # by status code
        wanted[[self.statuses[s] for s in query.statuses if s in self.statuses]] = True
        keep = wanted[c["status"][at]]
        for f in FILTERS:
            if f.name in values:
                keep &= clauses[f.kind.name](self, f, values[f.name], query, at)
        at, dot = at[keep], dot[keep]
        price = self.price(query.routes, at)
        return Answer(
            int(at.size),
            self._facets(at, price),
            self._context(query, at),
            self._page(query, at, dot, price),
        )

    def price(self, routes: tuple[str, ...], at: np.ndarray) -> np.ndarray:
        """The per-session price a search on `routes` counts by (NaN: none known), as
        katdir.store.sqlite.price_expression."""
        columns = [self.layout.price_columns[r] for r in self.layout.routes if r in routes]
        if not columns:
            return self.c["min_price"][at]
        lowest = self.c[columns[0]][at]
        for column in columns[1:]:
            lowest = np.fmin(lowest, self.c[column][at])
        return lowest

    def _facets(self, at: np.ndarray, price: np.ndarray) -> dict[str, Any]:
        # A few passes over the matches, none of which copies out the known prices: a circle
        # in a dense metro holds tens of thousands of matches at 1M clinics.
        nan = np.isnan(price)
        unknown = int(np.count_nonzero(nan))
        bands = {}
        for name, low, high in PRICE_BANDS:
            within = ~nan if low is None else price >= low  # NaN fails every comparison
            if high is not None:
                within &= price < high
            bands[name] = int(np.count_nonzero(within))
        # The matches counted by set of routes, then each route's sets added up.
        by_set = np.bincount(self.c["routes_mask"][at], minlength=self.sets_of_routes.shape[0])
        routes = (by_set @ self.sets_of_routes).tolist()
        priced = price.size > unknown
        return {
            "routes": dict(zip(self.layout.routes, routes)),
            "price": {
                "min": float(np.fmin.reduce(price)) if priced else None,  # fmin skips NaN
                "max": float(np.fmax.reduce(price)) if priced else None,
                "unknown": unknown,
                "bands": bands,
            },
        }

    def _context(self, query: NearQuery, at: np.ndarray) -> dict[str, RoutePrices]:
        context = {}
        for route in context_routes(query):
            levels = self.price_levels[route]
            if levels is not None and at.size >= levels.prices.size:  # else sorting is less
                context[route] = levels.context(at)
                continue
            values = self.c[self.layout.price_columns[route]][at]
            values = values[~np.isnan(values)]
            count = int(values.size)
            if not count:
                context[route] = RoutePrices(0)
                continue
            half = (count - 1) // 2
            if count % 2:
                median = float(np.partition(values, half)[half])
            else:
                middle = np.partition(values, (half, half + 1))
                median = (float(middle[half]) + float(middle[half + 1])) / 2
            context[route] = RoutePrices(count, float(values.min()), median, float(values.max()))
        return context

    @staticmethod
    def _page_keys(
        query: NearQuery, matches: int, wanted: int, dot: np.ndarray, first: np.ndarray
    ) -> np.ndarray:
        """The keys among which the page's `wanted` smallest lie. Nearest first among many
        matches: those of a smaller circle that should hold about four times as many (by
        area), when it does hold `wanted`; partitioning them is cheaper than all of them."""
        if query.sort == "price" or matches < 16 * wanted:
            return first
        inner = first[dot >= min_dot_for_radius(query.radius_km * math.sqrt(4 * wanted / matches))]
        return inner if inner.size >= wanted else first

    def _page(
        self, query: NearQuery, at: np.ndarray, dot: np.ndarray, price: np.ndarray
    ) -> list[tuple[int, float, float]]:
        wanted = query.offset + query.per_page
        if at.size <= query.offset:
            return []
        far = -dot
        if query.sort == "price":
            first = np.where(np.isnan(price), np.inf, price)
            keys = (far, first)
        else:
            first = far
            keys = (far,)
        if at.size > wanted:  # only the rows that can be on the page, ties included
            among = self._page_keys(query, at.size, wanted, dot, first)
            bound = np.partition(among, wanted - 1)[wanted - 1]
            near = first <= bound
            at, keys = at[near], tuple(k[near] for k in keys)
        order = np.lexsort((self.c["id_rank"][at], *keys))[query.offset : wanted]
        c = self.c
        return [
            (int(c["rowid"][i]), float(c["lat"][i]), float(c["lon"][i])) for i in at[order].tolist()
        ]
