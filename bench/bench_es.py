"""The Elasticsearch store (docs/architecture.md §7): bulk loading in clinics/s (target ≥ 2,000) and near-me
search latency through the API (target p50 ≤ 15 ms at 1M clinics on one node).

    tools/es-node/esctl start          # writes var/elasticsearch.url
    python -m bench es [--url http://127.0.0.1:9200] [--sizes 100000,1000000] [--queries 400]
                       [--reuse] [--record NAME]
    tools/es-node/esctl stop

Each size is loaded into indices of its own, under a prefix unique to this run (so a node
that tests or a dev server also use is left alone), and dropped at the end. Loading is what
`katdir index --rebuild` does: `store.rebuild()` streams synthetic clinics (placed like the
US population, bench.synthetic) in bulk requests into a new index and swaps the alias; the
rate includes making the clinics in Python, which is reported on its own as well. Searches
use bench_search's query mix (where people live, the radii people pick, a fifth filtered by
route); as many again go to the 8 densest metros at 25 and 50 miles (bench.bench_cells),
reported on their own. Each search is asked three ways, alternating, and every answer must
be equal (WAYS): today's query (`PAGE_APART` and `PRICE_TERMS` off: the page, the total
and the facets in one request, then the price context's stats and terms in a second), the new
one (the page apart from the counts in one msearch, each price field's prices counted from one
terms aggregation; then the price context), and the new one in one msearch
(`search_with_context`, what the API asks). Timed through the
Flask app in this process (no sockets to the app; HTTP to the node; wall and CPU time) and on
the store alone (search + price context: wall, CPU, and the node's `took`).

BENCHMARKS.md's figures were taken on a node started with `ES_HEAP=2g tools/es-node/esctl
start` (the default heap, 512 MB, is sized for the tests).

`--reuse` keeps each size's index under a fixed prefix (`katdir-bench-reuse-<size>`) and loads
it only when it is missing or incomplete, so that a second run skips the bulk load.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import time
from pathlib import Path

from tqdm import tqdm

import katdir.store.elasticsearch as es_module
from bench.bench_cells import dense_queries
from bench.bench_search import RADII_MI, near_query, query_mix
from bench.common import record, summarize
from bench.synthetic import synthetic_clinics
from katdir.store import open_store
from katdir.store.base import Store

URL_FILE = Path(__file__).resolve().parents[1] / "var" / "elasticsearch.url"
TARGET_P50_MS = 15.0  # through the API, at 1M clinics, one node
TARGET_DENSE_P99_MS = 50.0  # the same, searches in the densest metros
TARGET_BULK_PER_S = 2000.0
WARMUP = 50
REUSE_PREFIX = "katdir-bench-reuse"
BEST = "one_round_trip"  # the way the API asks (search_with_context): the target's


def default_url() -> str | None:
    return URL_FILE.read_text().strip() if URL_FILE.is_file() else None


def node_facts(store) -> dict:
    info = store.es.info()
    nodes = store.es.nodes.stats(metric="jvm,os")["nodes"]
    node = next(iter(nodes.values()))
    return {
        "version": info["version"]["number"],
        "nodes": len(nodes),
        "heap_max_mb": round(node["jvm"]["mem"]["heap_max_in_bytes"] / 2**20),
        "heap_used_percent": node["jvm"]["mem"]["heap_used_percent"],
    }


def index_facts(store) -> dict:
    stats = store.es.indices.stats(index=store.alias, metric="docs,store,segments")
    primaries = stats["_all"]["primaries"]
    return {
        "docs": primaries["docs"]["count"],
        "size_mb": round(primaries["store"]["size_in_bytes"] / 2**20, 1),
        "segments": primaries["segments"]["count"],
    }


def time_client_side(size: int) -> float:
    """Clinics/s that this process makes and turns into documents, without any node: the
    ceiling the bulk rate cannot pass with one client process."""
    from katdir.store import es_schema as schema

    count = min(size, 50_000)
    started = time.perf_counter()
    for clinic in itertools.islice(synthetic_clinics(count, seed=1), count):
        schema.clinic_document(clinic)
    return count / (time.perf_counter() - started)


def time_bulk(store, size: int) -> dict:
    clinics = tqdm(
        synthetic_clinics(size, seed=1),
        total=size,
        unit="clinic",
        desc=f"bulk {size:,} clinics",
        leave=False,
    )
    started, cpu = time.perf_counter(), time.process_time()
    written = store.rebuild(clinics)
    elapsed = time.perf_counter() - started
    assert written == size, f"{written} of {size} clinics written"
    return {
        "clinics": written,
        "seconds": round(elapsed, 2),
        "clinics_per_s": round(size / elapsed),
        "client_cpu_share": round((time.process_time() - cpu) / elapsed, 2),
    }


class Took:
    """The client of a store, recording the node's `took` of each search: the largest of an
    msearch's (its searches run side by side), summed over the requests of one store call."""

    def __init__(self, es):
        self._es, self.ms = es, 0

    def __getattr__(self, name):
        return getattr(self._es, name)

    def search(self, **kwargs):
        response = self._es.search(**kwargs)
        self.ms += response["took"]
        return response

    def msearch(self, **kwargs):
        response = self._es.msearch(**kwargs)
        self.ms += max((r.get("took", 0) for r in response["responses"]), default=0)
        return response


class TwoCalls:
    """The store as the API asked it before `search_with_context` existed: search(), then
    price_context() of the same query (the Store interface's default)."""

    def __init__(self, store):
        self._store = store

    def __getattr__(self, name):
        return getattr(self._store, name)

    def search_with_context(self, query):
        return Store.search_with_context(self._store, query)


# The ways a search is asked, timed side by side: the query before this work (page, total and
# facets in one request — min, max, missing and range aggregations —, then the price
# context's stats and terms), the new requests asked the same two ways (the page apart from
# the counts in one msearch, prices counted from one terms aggregation per field; then the
# price context), and what the API asks now: page, counts and price context in one msearch.
WAYS = ("today", "new", "one_round_trip")


def asked_as(way: str) -> None:
    es_module.PAGE_APART = es_module.PRICE_TERMS = way != "today"


def time_store_only(store, queries: list[dict]) -> dict:
    """A search and its price context, each way in turn per query: wall and CPU time in this
    process, and the node's `took`."""
    es = store.es
    store.es = took = Took(es)
    two_calls = TwoCalls(store)
    samples: dict[str, dict[str, list[float]]] = {
        way: {"wall": [], "cpu": [], "took": []} for way in WAYS
    }
    for params in queries[:WARMUP]:
        store.search(near_query(without_flag(params)))
    try:
        for params in tqdm(queries, desc="store only", unit="query", leave=False):
            query = near_query(without_flag(params))
            answers = []
            for way in WAYS:
                asked_as(way)
                asked = store if way == "one_round_trip" else two_calls
                took.ms = 0
                started, cpu = time.perf_counter(), time.process_time()
                result, context = asked.search_with_context(query)
                elapsed = (time.perf_counter() - started) * 1000
                samples[way]["wall"].append(elapsed)
                samples[way]["cpu"].append((time.process_time() - cpu) * 1000)
                samples[way]["took"].append(took.ms)
                answers.append((result, context))
            assert all(a == answers[0] for a in answers), params  # the same answer every way
    finally:
        asked_as("new")
        store.es = es
    return {way: {k: summarize(v) for k, v in samples[way].items()} for way in WAYS}


def time_in_process(url: str, prefix: str, queries: list[dict]) -> tuple[dict, float]:
    """Through the Flask app in this process: parsing, the store, JSON; each search once per
    way (WAYS), alternating. Returns the latencies (all searches, and the dense metros' alone;
    wall and CPU) and the mean number of clinics matched."""
    from search_api import create_app

    app = create_app({"KATDIR_STORE": url, "KATDIR_ES_PREFIX": prefix, "KATDIR_RATE_LIMIT": "off"})
    client = app.test_client()  # one client sends all
    store = app.extensions["katdir.store"]
    stores = {way: TwoCalls(store) for way in WAYS} | {"one_round_trip": store}
    for params in queries[:WARMUP]:
        client.get("/api/v1/clinics/search", query_string=without_flag(params))
    samples: dict[str, list[float]] = {way: [] for way in WAYS}
    cpus: dict[str, list[float]] = {way: [] for way in WAYS}
    dense: dict[str, list[float]] = {way: [] for way in WAYS}
    matched = []
    try:
        for params in tqdm(queries, desc="in-process API", unit="query", leave=False):
            bodies = []
            for way in WAYS:
                asked_as(way)
                app.extensions["katdir.store"] = stores[way]
                started, cpu = time.perf_counter(), time.process_time()
                response = client.get("/api/v1/clinics/search", query_string=without_flag(params))
                elapsed = (time.perf_counter() - started) * 1000
                samples[way].append(elapsed)
                cpus[way].append((time.process_time() - cpu) * 1000)
                if params.get("dense"):
                    dense[way].append(elapsed)
                assert response.status_code == 200, response.get_json()
                bodies.append(response.get_json())
            assert all(b == bodies[0] for b in bodies), params  # the same answer every way
            matched.append(bodies[0]["total"])
    finally:
        asked_as("new")
        app.extensions["katdir.store"] = store
    summary = {
        way: {
            "all": summarize(samples[way]),
            "cpu": summarize(cpus[way]),
            "dense_metros": summarize(dense[way]),
        }
        for way in WAYS
    }
    return summary, round(sum(matched) / len(matched), 1)


def without_flag(params: dict) -> dict:
    return {k: v for k, v in params.items() if k != "dense"}


def run_size(
    url: str, base_prefix: str, size: int, queries: list[dict], reuse: bool = False
) -> dict:
    prefix = f"{REUSE_PREFIX}-{size}" if reuse else f"{base_prefix}-{size}"
    store = open_store(url, es_prefix=prefix)
    try:
        row: dict = {}
        if reuse and store.count() == size:
            row["bulk"] = "reused the index of an earlier run (--reuse)"
        else:
            row["bulk"] = time_bulk(store, size)
            row["bulk"]["client_side_clinics_per_s"] = round(time_client_side(size))
        row["index"] = index_facts(store)
        row["store_only"] = time_store_only(store, queries)
        row["in_process_api"], row["mean_clinics_matched"] = time_in_process(url, prefix, queries)
        row["node_after"] = node_facts(store)
        if isinstance(row["bulk"], dict):
            row["meets_target_bulk"] = row["bulk"]["clinics_per_s"] >= TARGET_BULK_PER_S
        api = row["in_process_api"][BEST]
        row["meets_target_p50"] = api["all"]["p50_ms"] <= TARGET_P50_MS
        row["meets_target_dense_p99"] = api["dense_metros"]["p99_ms"] <= TARGET_DENSE_P99_MS
        return row
    finally:
        if not reuse:
            store.drop_everything()
        store.close()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench es",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--url",
        default=default_url(),
        help="the node(s), comma-separated (default: var/elasticsearch.url)",
    )
    parser.add_argument("--sizes", default="100000", help="e.g. 100000,1000000")
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument(
        "--reuse", action="store_true", help="keep the indices and reuse them in the next run"
    )
    parser.add_argument(
        "--record", default="es", help="the results' name: bench/results/NAME.json (default es)"
    )
    args = parser.parse_args(argv)
    if not args.url:
        print(
            "no Elasticsearch node: run `tools/es-node/esctl start` (it writes "
            "var/elasticsearch.url) or pass --url",
            file=sys.stderr,
        )
        return 2
    sizes = [int(s) for s in args.sizes.split(",")]
    queries = query_mix(args.queries) + dense_queries(args.queries)
    base_prefix = f"katdir-bench-{os.getpid()}-{int(time.time())}"
    with open_store(args.url, es_prefix=base_prefix) as probe:
        node = node_facts(probe)
    results: dict = {
        "queries": args.queries,
        "radii_mi": RADII_MI,
        "node": node,
        "load_average_1min_before": round(os.getloadavg()[0], 2),
        "ways": WAYS,
        "sizes": {},
    }
    for size in sizes:
        row = run_size(args.url, base_prefix, size, queries, args.reuse)
        results["sizes"][str(size)] = row
        api = row["in_process_api"]
        store = row["store_only"]
        print(
            f"{size:>9,} clinics, API p50 / p99 (dense p50 / p99; store p50; took p50): "
            + "; ".join(
                f"{way} {api[way]['all']['p50_ms']} / {api[way]['all']['p99_ms']} ms "
                f"({api[way]['dense_metros']['p50_ms']} / "
                f"{api[way]['dense_metros']['p99_ms']}; {store[way]['wall']['p50_ms']}; "
                f"{store[way]['took']['p50_ms']})"
                for way in WAYS
            ),
            file=sys.stderr,
        )
    largest = results["sizes"][str(max(sizes))]
    results["load_average_1min_after"] = round(os.getloadavg()[0], 2)
    results["target_api_p50_ms_at_1m"] = TARGET_P50_MS
    results["target_bulk_clinics_per_s"] = TARGET_BULK_PER_S
    results["largest_size"] = max(sizes)
    results["meets_target"] = (
        largest.get("meets_target_bulk", True)
        and largest["meets_target_p50"]
        and largest["meets_target_dense_p99"]
    )
    record(args.record, results, "python -m bench es " + " ".join(argv))
    return 0 if results["meets_target"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
