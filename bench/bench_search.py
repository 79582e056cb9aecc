"""Near-me search on the embedded store (docs/architecture.md §7): latency in the API process and over HTTP,
against a naive geopy scan, across store sizes, and the API worker's memory.

    python -m bench search [--sizes 10000,100000,1000000] [--queries 400]

Stores are built once per size under var/bench/ and reused. Queries start where people live
(population-weighted US cities) with the radii people pick, a fifth of them filtered by route.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

from geopy.distance import great_circle
from tqdm import tqdm

from bench.common import record, summarize
from bench.synthetic import jitter, synthetic_clinics, us_cities
from katdir.files import made_once
from katdir.geo import KM_PER_MILE
from katdir.model import ROUTES
from katdir.store import NearQuery, open_store

VAR = Path("var/bench")
# One client sends every search: the per-visitor rate limit is for the public, not this; and
# no answers kept, since the timed searches repeat (warm-up, both paths): each must be searched.
NO_LIMIT_NO_KEPT_ANSWERS = {"KATDIR_RATE_LIMIT": "off", "KATDIR_ANSWER_CACHE_MB": 0}
RADII_MI = (10, 25, 25, 25, 50)


def build_store(size: int) -> str:
    """The store of `size` synthetic clinics, built once: benchmarks run side by side (the
    suite's smoke tests do) wait for the one that builds it (katdir.files.made_once)."""
    path = VAR / f"search-{size}.db"

    def fill(partial: Path) -> None:
        with open_store(f"sqlite:///{partial.resolve()}") as store:
            store.rebuild(
                tqdm(
                    synthetic_clinics(size, seed=1),
                    total=size,
                    unit="clinic",
                    desc=f"building {size:,} clinics",
                )
            )

    made_once(path, fill)
    return f"sqlite:///{path.resolve()}"


def query_mix(n: int, seed: int = 3) -> list[dict]:
    rng = random.Random(seed)
    places, weights = us_cities()
    queries = []
    for _ in range(n):
        _, _, lat, lon = rng.choices(places, weights=weights)[0]
        lat, lon = jitter(rng, lat, lon, 20)
        params = {"lat": round(lat, 4), "lon": round(lon, 4), "radius": rng.choice(RADII_MI)}
        if rng.random() < 0.2:
            params["route"] = rng.choice(ROUTES)
        queries.append(params)
    return queries


def near_query(params: dict) -> NearQuery:
    return NearQuery(
        lat=params["lat"],
        lon=params["lon"],
        radius_km=params["radius"] * KM_PER_MILE,
        filters={"route": (params["route"],)} if "route" in params else {},
    )


# The ways a search can be answered: as served (the search columns in memory, and the per-cell
# aggregates for circles too big for them), SQL with the per-cell aggregates, and SQL alone
# (every match visited: the code before both). Each: (columns in memory, cell aggregates).
WAYS = {"served": (True, True), "sql_cells": (False, True), "exact": (False, False)}


def time_in_process(store_url: str, queries: list[dict]) -> dict:
    """Through the Flask app in this process: parsing, search, JSON — no sockets. Each search
    once each way (WAYS), with the CPU time of each, which a busy machine changes far less
    than the wall time; then the answers of every way are compared. The ways run as passes,
    not alternating: at 1M a search without the cells reads ~10,000 rows, and the search with
    them that followed it each time paid ~0.5 ms of CPU for the caches it had emptied (a
    server answers only searches the way it is served)."""
    from search_api import create_app

    app = create_app({"KATDIR_STORE": store_url, **NO_LIMIT_NO_KEPT_ANSWERS})
    client, store = app.test_client(), app.extensions["katdir.store"]
    store.search_timeout = 60.0  # the path without cells may take seconds at 1M on a busy box
    store.load_columns()  # as a server's warm() does on a thread before its searches
    for params in queries[:50]:  # warm the page cache
        client.get("/api/v1/clinics/search", query_string=params)
    wall: dict[str, list[float]] = {way: [] for way in WAYS}
    cpu: dict[str, list[float]] = {way: [] for way in WAYS}
    bodies: dict[str, list] = {way: [] for way in WAYS}
    try:
        for way, (columns, cells) in WAYS.items():
            store.columns_in_memory, store.cell_aggregates = columns, cells
            for params in tqdm(queries, desc=f"in-process ({way})", unit="query", leave=False):
                start, start_cpu = time.perf_counter(), time.process_time()
                response = client.get("/api/v1/clinics/search", query_string=params)
                wall[way].append((time.perf_counter() - start) * 1000)
                cpu[way].append((time.process_time() - start_cpu) * 1000)
                assert response.status_code == 200, response.get_json()
                bodies[way].append(response.get_json())
    finally:
        store.columns_in_memory, store.cell_aggregates = WAYS["served"]
    for params, *answers in zip(queries, *bodies.values(), strict=True):
        assert all(answer == answers[0] for answer in answers), params  # the same every way
    found = summarize(wall["served"])
    found["cpu"] = summarize(cpu["served"])
    found["sql_with_cells"] = {**summarize(wall["sql_cells"]), "cpu": summarize(cpu["sql_cells"])}
    found["without_cells"] = {**summarize(wall["exact"]), "cpu": summarize(cpu["exact"])}
    return found


def time_store_only(store_url: str, queries: list[dict]) -> dict:
    """The store's part of a search as the API asks it: the page, count, facets and price
    context (`search_with_context`), wall and CPU time."""
    with open_store(store_url) as store:
        store.load_columns()
        for params in queries[:50]:
            store.search_with_context(near_query(params))
        samples, cpu = [], []
        for params in queries:
            start, start_cpu = time.perf_counter(), time.process_time()
            store.search_with_context(near_query(params))
            samples.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
    return {**summarize(samples), "cpu": summarize(cpu)}


def time_over_http(store_url: str, queries: list[dict]) -> tuple[dict, float]:
    """One keep-alive client against `katdir serve` in its own process; returns the RSS of its
    largest worker too."""
    env = {
        **os.environ,
        "KATDIR_STORE": store_url,
        **{k: str(v) for k, v in NO_LIMIT_NO_KEPT_ANSWERS.items()},
    }
    port = 18000 + os.getpid() % 1000
    server = subprocess.Popen(
        [sys.executable, "-m", "katdir.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,  # its access log: a pipe nobody reads would fill and stall it
        stderr=subprocess.DEVNULL,
    )
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for _ in range(300):
            try:
                conn.request("GET", "/api/v1/openapi.json")
                conn.getresponse().read()
                break
            except OSError:
                time.sleep(0.1)
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        # Warm: the page cache, and the search columns the server loads on a thread (~0.5 s
        # at 100k clinics).
        warm_until, warmed = time.monotonic() + 3, 0
        while warmed < 50 or time.monotonic() < warm_until:
            conn.request("GET", "/api/v1/clinics/search?" + urlencode(queries[warmed % 50]))
            conn.getresponse().read()
            warmed += 1
        samples = []
        for params in tqdm(queries, desc="over HTTP", unit="query", leave=False):
            start = time.perf_counter()
            conn.request("GET", "/api/v1/clinics/search?" + urlencode(params))
            body = conn.getresponse().read()
            samples.append((time.perf_counter() - start) * 1000)
            assert body.startswith(b"{")
        from bench.bench_load import worker_rss_mb  # `katdir serve` is gunicorn's master

        return summarize(samples), max(worker_rss_mb(server.pid))
    finally:
        server.terminate()
        server.wait(10)


def time_naive_scan(store_url: str, queries: list[dict]) -> dict:
    """What the store replaces: every clinic's geopy distance, filter, sort, in Python."""
    with open_store(store_url) as store:
        clinics = [c for c in store.iter_clinics() if c.location and c.is_public]
    samples = []
    for params in tqdm(queries, desc="naive scan", unit="query", leave=False):
        q = near_query(params)
        start = time.perf_counter()
        hits = []
        for c in clinics:
            if q.routes and not set(q.routes) & set(c.routes):
                continue
            d = great_circle((q.lat, q.lon), (c.location.lat, c.location.lon)).km
            if d <= q.radius_km:
                hits.append((d, c.id))
        hits.sort()
        samples.append((time.perf_counter() - start) * 1000)
    return summarize(samples)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench search", description=__doc__)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--naive-queries", type=int, default=20)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    queries = query_mix(args.queries)
    results: dict = {"queries": args.queries, "radii_mi": RADII_MI, "sizes": {}}
    for size in sizes:
        url = build_store(size)
        before = os.getloadavg()[0]
        row = {
            "store_only": time_store_only(url, queries),
            "in_process_api": time_in_process(url, queries),
        }
        row["load_average_1min"] = [round(before, 2), round(os.getloadavg()[0], 2)]
        if size == 100_000 or len(sizes) == 1:
            row["over_http"], row["api_worker_rss_mb"] = time_over_http(url, queries)
            row["naive_geopy_scan"] = time_naive_scan(url, queries[: args.naive_queries])
            row["speedup_vs_naive_p50"] = round(
                row["naive_geopy_scan"]["p50_ms"] / row["store_only"]["p50_ms"], 1
            )
        results["sizes"][str(size)] = row
        api = row["in_process_api"]
        print(
            f"{size:>9,} clinics: store p50 / p99 {row['store_only']['p50_ms']} / "
            f"{row['store_only']['p99_ms']} ms (CPU {row['store_only']['cpu']['p50_ms']} / "
            f"{row['store_only']['cpu']['p99_ms']}), API p50 / p99 "
            f"{api['p50_ms']} / {api['p99_ms']} ms (CPU {api['cpu']['p50_ms']} / "
            f"{api['cpu']['p99_ms']} ms); SQL with cells {api['sql_with_cells']['p50_ms']} / "
            f"{api['sql_with_cells']['p99_ms']} ms (CPU {api['sql_with_cells']['cpu']['p50_ms']}); "
            f"without cells {api['without_cells']['p50_ms']} / "
            f"{api['without_cells']['p99_ms']} ms (CPU {api['without_cells']['cpu']['p50_ms']} / "
            f"{api['without_cells']['cpu']['p99_ms']} ms); load {row['load_average_1min']}",
            file=sys.stderr,
        )
    small, large = str(min(sizes)), str(max(sizes))
    if small != large:
        results["p50_ratio_largest_to_smallest"] = round(
            results["sizes"][large]["in_process_api"]["p50_ms"]
            / results["sizes"][small]["in_process_api"]["p50_ms"],
            2,
        )
        results["cpu_p50_ratio_largest_to_smallest"] = round(
            results["sizes"][large]["in_process_api"]["cpu"]["p50_ms"]
            / results["sizes"][small]["in_process_api"]["cpu"]["p50_ms"],
            2,
        )
    results["bench_process_max_rss_mb"] = round(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
    )
    record("search", results, "python -m bench search " + " ".join(argv))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
