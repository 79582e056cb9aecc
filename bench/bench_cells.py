"""Counts, facets and price context from the SQLite store's per-cell aggregates
(katdir/store/cell_counts.py) against the exact path (every match visited), on the same stores
and searches, with every answer compared.

    python -m bench cells [--sizes 100000] [--queries 400]

The searches are `python -m bench search`'s mix (population-weighted places, the radii people
pick, a fifth by route) plus as many in the densest metros at 25 and 50 miles. Each is timed as
the API asks the store (`search_with_context()`: the page, count, facets and price context), once with the cells
(`SQLiteStore(...)`) and once without (`SQLiteStore(..., cell_aggregates=False)`), alternating
per search so that both see the same machine. CPU seconds of each path are recorded too.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time

from bench.bench_search import build_store, near_query, query_mix
from bench.common import record, summarize
from bench.synthetic import jitter, us_cities
from katdir.store.cell_counts import answers
from katdir.store.sqlite import SQLiteStore

DENSE_METROS = 8


def dense_queries(count: int, seed: int = 9) -> list[dict]:
    rng = random.Random(seed)
    places, weights = us_cities()
    dense = sorted(zip(places, weights), key=lambda pw: -pw[1])[:DENSE_METROS]
    queries = []
    for _ in range(count):
        (_, _, lat, lon), _ = rng.choice(dense)
        lat, lon = jitter(rng, lat, lon, 5)
        queries.append(
            {
                "lat": round(lat, 4),
                "lon": round(lon, 4),
                "radius": rng.choice((25, 50)),
                "dense": True,
            }
        )
    return queries


def ask(store: SQLiteStore, query) -> tuple:
    result, context = store.search_with_context(query)
    return (result.total, result.facets, [h.card for h in result.hits], context)  # the ids and more


def pick(samples: list[float], flags: list[bool]) -> list[float]:
    return [s for s, keep in zip(samples, flags, strict=True) if keep]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench cells",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--sizes", default="100000")
    parser.add_argument("--queries", type=int, default=400)
    args = parser.parse_args(argv)
    mix = query_mix(args.queries) + dense_queries(args.queries)
    dense = [bool(q.get("dense")) for q in mix]
    queries = [near_query(q) for q in mix]
    results: dict = {
        "queries": len(queries),
        "dense_metro_queries": sum(dense),
        "answered_by_cells": sum(answers(q) for q in queries),
        "load_average_1min_before": round(os.getloadavg()[0], 2),
        "sizes": {},
    }
    for size in [int(s) for s in args.sizes.split(",")]:
        path = build_store(size).removeprefix("sqlite:///")
        # The exact path may take seconds at 1M on a busy machine: no search deadline here.
        fast, exact = (
            SQLiteStore(path, search_timeout=60.0, columns_in_memory=False),
            SQLiteStore(path, search_timeout=60.0, cell_aggregates=False, columns_in_memory=False),
        )
        for query in queries[:50]:  # warm the page cache for both
            ask(fast, query)
            ask(exact, query)
        times: dict[str, list[float]] = {"cells": [], "exact": []}
        cpu = {"cells": 0.0, "exact": 0.0}
        wrong = 0
        for query in queries:
            answers_seen = []
            for name, store in (("cells", fast), ("exact", exact)):
                started, started_cpu = time.perf_counter(), time.process_time()
                answers_seen.append(ask(store, query))
                times[name].append((time.perf_counter() - started) * 1000)
                cpu[name] += time.process_time() - started_cpu
            wrong += answers_seen[0] != answers_seen[1]
        row = {
            name: {
                "all": summarize(samples),
                "dense": summarize(pick(samples, dense)),
                "cpu_ms_per_search": round(cpu[name] * 1000 / len(queries), 2),
            }
            for name, samples in times.items()
        }
        row["answers_differing"] = wrong
        results["sizes"][str(size)] = row
        print(
            f"{size:>9,} clinics: dense p50/p99 exact {row['exact']['dense']['p50_ms']}/"
            f"{row['exact']['dense']['p99_ms']} ms → cells {row['cells']['dense']['p50_ms']}/"
            f"{row['cells']['dense']['p99_ms']} ms; all p99 {row['exact']['all']['p99_ms']} → "
            f"{row['cells']['all']['p99_ms']} ms; {wrong} answers differ",
            file=sys.stderr,
        )
        fast.close()
        exact.close()
    results["load_average_1min_after"] = round(os.getloadavg()[0], 2)
    record("cells", results, "python -m bench cells " + " ".join(argv))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
