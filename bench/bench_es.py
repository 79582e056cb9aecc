"""The Elasticsearch store (docs/architecture.md §7): bulk loading in clinics/s (target ≥ 2,000) and near-me
search latency through the API (target p50 ≤ 15 ms at 1M clinics on one node).

    tools/es-node/esctl start          # writes var/elasticsearch.url
    python -m bench es [--url http://127.0.0.1:9200] [--sizes 100000,1000000] [--queries 400]
                       [--reuse]
    tools/es-node/esctl stop

Each size is loaded into indices of its own, under a prefix unique to this run (so a node
that tests or a dev server also use is left alone), and dropped at the end. Loading is what
`katdir index --rebuild` does: `store.rebuild()` streams synthetic clinics (placed like the
US population, bench.synthetic) in bulk requests into a new index and swaps the alias; the
rate includes making the clinics in Python, which is reported on its own as well. Searches
use bench_search's query mix (where people live, the radii people pick, a fifth filtered by
route), timed through the Flask app in this process (no sockets to the app; HTTP to the
node) and on the store alone. As many searches again go to the 8 densest metros at 25 and 50
miles (bench.bench_cells), reported on their own. The API is timed twice, alternating per
search: with the price context's medians found by counting (a `terms` aggregation, today's
code) and by reading the middle prices in price order (`MEDIAN_TERMS = 1`, the code before).

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

URL_FILE = Path(__file__).resolve().parents[1] / "var" / "elasticsearch.url"
TARGET_P50_MS = 15.0  # through the API, at 1M clinics, one node
TARGET_DENSE_P99_MS = 50.0  # the same, searches in the densest metros
TARGET_BULK_PER_S = 2000.0
WARMUP = 50


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


def time_store_only(store, queries: list[dict]) -> dict:
    for params in queries[:WARMUP]:
        store.search(near_query(without_flag(params)))
    samples = []
    for params in tqdm(queries, desc="store only", unit="query", leave=False):
        started = time.perf_counter()
        store.search(near_query(without_flag(params)))
        samples.append((time.perf_counter() - started) * 1000)
    return summarize(samples)


MEDIANS = {"by_counting": es_module.MEDIAN_TERMS, "by_sorting": 1}


def time_in_process(url: str, prefix: str, queries: list[dict]) -> tuple[dict, float]:
    """Through the Flask app in this process: parsing, the store, JSON; each search once per
    way of finding the medians, alternating. Returns the latencies (all searches, and the
    dense metros' alone) and the mean number of clinics matched."""
    from search_api import create_app

    client = create_app(
        {"KATDIR_STORE": url, "KATDIR_ES_PREFIX": prefix, "KATDIR_RATE_LIMIT": "off"}
    ).test_client()  # one client sends all
    for params in queries[:WARMUP]:
        client.get("/api/v1/clinics/search", query_string=without_flag(params))
    samples: dict[str, list[float]] = {way: [] for way in MEDIANS}
    dense: dict[str, list[float]] = {way: [] for way in MEDIANS}
    matched = []
    try:
        for params in tqdm(queries, desc="in-process API", unit="query", leave=False):
            bodies = []
            for way, terms in MEDIANS.items():
                es_module.MEDIAN_TERMS = terms
                started = time.perf_counter()
                response = client.get("/api/v1/clinics/search", query_string=without_flag(params))
                elapsed = (time.perf_counter() - started) * 1000
                samples[way].append(elapsed)
                if params.get("dense"):
                    dense[way].append(elapsed)
                assert response.status_code == 200, response.get_json()
                bodies.append(response.get_json())
            assert bodies[0] == bodies[1], params  # the same answer either way
            matched.append(bodies[0]["total"])
    finally:
        es_module.MEDIAN_TERMS = MEDIANS["by_counting"]
    summary = {
        way: {"all": summarize(samples[way]), "dense_metros": summarize(dense[way])}
        for way in MEDIANS
    }
    return summary, round(sum(matched) / len(matched), 1)


def without_flag(params: dict) -> dict:
    return {k: v for k, v in params.items() if k != "dense"}


def run_size(
    url: str, base_prefix: str, size: int, queries: list[dict], reuse: bool = False
) -> dict:
    prefix = f"katdir-bench-reuse-{size}" if reuse else f"{base_prefix}-{size}"
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
        api = row["in_process_api"]["by_counting"]
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
        "sizes": {},
    }
    for size in sizes:
        row = run_size(args.url, base_prefix, size, queries, args.reuse)
        results["sizes"][str(size)] = row
        api = row["in_process_api"]
        print(
            f"{size:>9,} clinics: store p50 {row['store_only']['p50_ms']} ms; API p50 / p99 "
            + "; ".join(
                f"{way} {api[way]['all']['p50_ms']} / {api[way]['all']['p99_ms']} ms, "
                f"dense {api[way]['dense_metros']['p50_ms']} / "
                f"{api[way]['dense_metros']['p99_ms']} ms"
                for way in MEDIANS
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
    record("es", results, "python -m bench es " + " ".join(argv))
    return 0 if results["meets_target"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
