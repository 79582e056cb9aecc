"""Counts and facets from per-cell aggregates (katdir/store/cell_counts.py, a prototype) against
the store's query of today, on the same stores and searches, with every answer compared.

    python -m bench cells [--sizes 100000] [--cells 0.05,0.1,0.2] [--queries 400]

The searches are `python -m bench search`'s mix (population-weighted places, the radii people
pick, a fifth by route) plus as many in the densest metros at 25 and 50 miles. Timed for each:
the aggregate row the store computes today (total, route counts, price facets: every match
visited) and the prototype's (kept sums for the cells wholly inside the circle, the exact
aggregate in the ring). The aggregate tables are built as temporary tables: the store's file
is not changed.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import sys
import time

from bench.bench_search import build_store, near_query, query_mix
from bench.common import record, summarize
from bench.synthetic import jitter, us_cities
from katdir.geo import min_dot_for_radius, unit_vector
from katdir.store.cell_counts import CellCounts
from katdir.store.sqlite import DOT, SQLiteStore, facet_columns

DENSE_METROS = 8


def dense_queries(count: int, seed: int = 9) -> list[dict]:
    rng = random.Random(seed)
    places, weights = us_cities()
    dense = sorted(zip(places, weights), key=lambda pw: -pw[1])[:DENSE_METROS]
    queries = []
    for _ in range(count):
        (_, _, lat, lon), _ = rng.choice(dense)
        lat, lon = jitter(rng, lat, lon, 5)
        queries.append({"lat": round(lat, 4), "lon": round(lon, 4),
                        "radius": rng.choice((25, 50)), "dense": True})
    return queries


def todays_facets(conn: sqlite3.Connection, query) -> tuple:
    """The store's own aggregate (SQLiteStore.search's first statement)."""
    filters, params = SQLiteStore._filters(query)
    ox, oy, oz = unit_vector(query.lat, query.lon)
    params.update(ox=ox, oy=oy, oz=oz, min_dot=min_dot_for_radius(query.radius_km))
    where = " AND ".join([*filters, f"{DOT} >= :min_dot"])
    return conn.execute(f"SELECT {facet_columns(query.routes)} FROM clinic_box b CROSS JOIN clinics c "
                        f"ON c.rowid = b.rowid WHERE {where}", params).fetchone()


def timed(function, queries) -> tuple[list[float], list]:
    samples, answers = [], []
    for query in queries:
        started = time.perf_counter()
        answers.append(function(query))
        samples.append((time.perf_counter() - started) * 1000)
    return samples, answers


def pick(samples: list[float], flags: list[bool]) -> list[float]:
    return [s for s, keep in zip(samples, flags) if keep]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench cells", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100000")
    parser.add_argument("--cells", default="0.05,0.1,0.2", help="cell sizes in degrees")
    parser.add_argument("--queries", type=int, default=400)
    args = parser.parse_args(argv)
    mix = query_mix(args.queries) + dense_queries(args.queries)
    dense = [bool(q.get("dense")) for q in mix]
    # Unfiltered searches: a route picks its own prices (katdir.pricing), which the kept cells
    # do not hold, so a filtered search stays the store's (CellCounts.facets gives None).
    queries = [near_query({k: v for k, v in q.items() if k != "route"}) for q in mix]
    results: dict = {"queries": len(queries), "dense_metro_queries": sum(dense),
                     "load_average_1min_before": round(os.getloadavg()[0], 2), "sizes": {}}
    for size in [int(s) for s in args.sizes.split(",")]:
        path = build_store(size).removeprefix("sqlite:///")
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        conn.execute("PRAGMA cache_size=-32768")  # as the store's connections
        for query in queries[:50]:
            todays_facets(conn, query)  # warm the page cache
        today, truth = timed(lambda q, conn=conn: todays_facets(conn, q), queries)
        row: dict = {"today": {"all": summarize(today), "dense": summarize(pick(today, dense))},
                     "cells": {}}
        for cell_deg in [float(c) for c in args.cells.split(",")]:
            cells = CellCounts(conn, cell_deg, schema="temp")
            started = time.perf_counter()
            cells.build()
            built = time.perf_counter() - started
            samples, answers = timed(cells.facets, queries)
            wrong = sum(1 for a, b in zip(answers, truth) if tuple(a) != tuple(b))
            kept_rows = conn.execute("SELECT count(*) FROM temp.cell_counts").fetchone()[0]
            row["cells"][str(cell_deg)] = {
                "build_s": round(built, 2), "cell_count_rows": kept_rows,
                "all": summarize(samples), "dense": summarize(pick(samples, dense)),
                "answers_differing_from_today": wrong}
            print(f"{size:>9,} clinics, {cell_deg}° cells: dense p50 "
                  f"{row['today']['dense']['p50_ms']} → {row['cells'][str(cell_deg)]['dense']['p50_ms']} ms, "
                  f"p99 {row['today']['dense']['p99_ms']} → "
                  f"{row['cells'][str(cell_deg)]['dense']['p99_ms']} ms; {wrong} answers differ",
                  file=sys.stderr)
        conn.close()
        results["sizes"][str(size)] = row
    results["load_average_1min_after"] = round(os.getloadavg()[0], 2)
    record("cells", results, "python -m bench cells " + " ".join(argv))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
