"""The Elasticsearch store (DESIGN §7): bulk loading in clinics/s (target ≥ 2,000) and near-me
search latency through the API (target p50 ≤ 15 ms at 1M clinics on one node).

    tools/es-node/esctl start          # writes var/elasticsearch.url
    python -m bench es [--url http://127.0.0.1:9200] [--sizes 100000,1000000] [--queries 400]
    tools/es-node/esctl stop

Each size is loaded into indices of its own, under a prefix unique to this run (so a node
that tests or a dev server also use is left alone), and dropped at the end. Loading is what
`katdir index --rebuild` does: `store.rebuild()` streams synthetic clinics (placed like the
US population, bench.synthetic) in bulk requests into a new index and swaps the alias; the
rate includes making the clinics in Python, which is reported on its own as well. Searches
use bench_search's query mix (where people live, the radii people pick, a fifth filtered by
route), timed through the Flask app in this process (no sockets to the app; HTTP to the
node) and on the store alone.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import time
from pathlib import Path

from tqdm import tqdm

from bench.bench_search import RADII_MI, near_query, query_mix
from bench.common import record, summarize
from katdir.store import open_store
from bench.synthetic import synthetic_clinics

URL_FILE = Path(__file__).resolve().parents[1] / "var" / "elasticsearch.url"
TARGET_P50_MS = 15.0  # through the API, at 1M clinics, one node
TARGET_BULK_PER_S = 2000.0
WARMUP = 50


def default_url() -> str | None:
    return URL_FILE.read_text().strip() if URL_FILE.is_file() else None


def node_facts(store) -> dict:
    info = store.es.info()
    nodes = store.es.nodes.stats(metric="jvm,os")["nodes"]
    node = next(iter(nodes.values()))
    return {"version": info["version"]["number"], "nodes": len(nodes),
            "heap_max_mb": round(node["jvm"]["mem"]["heap_max_in_bytes"] / 2**20),
            "heap_used_percent": node["jvm"]["mem"]["heap_used_percent"]}


def index_facts(store) -> dict:
    stats = store.es.indices.stats(index=store.alias, metric="docs,store,segments")
    primaries = stats["_all"]["primaries"]
    return {"docs": primaries["docs"]["count"],
            "size_mb": round(primaries["store"]["size_in_bytes"] / 2**20, 1),
            "segments": primaries["segments"]["count"]}


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
    clinics = tqdm(synthetic_clinics(size, seed=1), total=size, unit="clinic",
                   desc=f"bulk {size:,} clinics", leave=False)
    started, cpu = time.perf_counter(), time.process_time()
    written = store.rebuild(clinics)
    elapsed = time.perf_counter() - started
    assert written == size, f"{written} of {size} clinics written"
    return {"clinics": written, "seconds": round(elapsed, 2),
            "clinics_per_s": round(size / elapsed),
            "client_cpu_share": round((time.process_time() - cpu) / elapsed, 2)}


def time_store_only(store, queries: list[dict]) -> dict:
    for params in queries[:WARMUP]:
        store.search(near_query(params))
    samples = []
    for params in tqdm(queries, desc="store only", unit="query", leave=False):
        started = time.perf_counter()
        store.search(near_query(params))
        samples.append((time.perf_counter() - started) * 1000)
    return summarize(samples)


def time_in_process(url: str, prefix: str, queries: list[dict]) -> tuple[dict, float]:
    """Through the Flask app in this process: parsing, the store, JSON. Returns the latency
    and the mean number of clinics matched."""
    from search_api import create_app

    client = create_app({"KATDIR_STORE": url, "KATDIR_ES_PREFIX": prefix}).test_client()
    for params in queries[:WARMUP]:
        client.get("/api/v1/clinics/search", query_string=params)
    samples, matched = [], []
    for params in tqdm(queries, desc="in-process API", unit="query", leave=False):
        started = time.perf_counter()
        response = client.get("/api/v1/clinics/search", query_string=params)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        matched.append(body["total"])
    return summarize(samples), round(sum(matched) / len(matched), 1)


def run_size(url: str, base_prefix: str, size: int, queries: list[dict]) -> dict:
    prefix = f"{base_prefix}-{size}"
    store = open_store(url, es_prefix=prefix)
    try:
        row: dict = {"bulk": time_bulk(store, size)}
        row["bulk"]["client_side_clinics_per_s"] = round(time_client_side(size))
        row["index"] = index_facts(store)
        row["store_only"] = time_store_only(store, queries)
        row["in_process_api"], row["mean_clinics_matched"] = time_in_process(url, prefix, queries)
        row["node_after"] = node_facts(store)
        row["meets_target_bulk"] = row["bulk"]["clinics_per_s"] >= TARGET_BULK_PER_S
        row["meets_target_p50"] = row["in_process_api"]["p50_ms"] <= TARGET_P50_MS
        return row
    finally:
        store.drop_everything()
        store.close()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench es", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=default_url(),
                        help="the node(s), comma-separated (default: var/elasticsearch.url)")
    parser.add_argument("--sizes", default="100000", help="e.g. 100000,1000000")
    parser.add_argument("--queries", type=int, default=400)
    args = parser.parse_args(argv)
    if not args.url:
        print("no Elasticsearch node: run `tools/es-node/esctl start` (it writes "
              "var/elasticsearch.url) or pass --url", file=sys.stderr)
        return 2
    sizes = [int(s) for s in args.sizes.split(",")]
    queries = query_mix(args.queries)
    base_prefix = f"katdir-bench-{os.getpid()}-{int(time.time())}"
    with open_store(args.url, es_prefix=base_prefix) as probe:
        node = node_facts(probe)
    results: dict = {"queries": args.queries, "radii_mi": RADII_MI, "node": node,
                     "load_average_1min_before": round(os.getloadavg()[0], 2), "sizes": {}}
    for size in sizes:
        row = run_size(args.url, base_prefix, size, queries)
        results["sizes"][str(size)] = row
        print(f"{size:>9,} clinics: bulk {row['bulk']['clinics_per_s']:,} clinics/s; "
              f"store p50 {row['store_only']['p50_ms']} ms; API p50 "
              f"{row['in_process_api']['p50_ms']} ms / p99 {row['in_process_api']['p99_ms']} ms",
              file=sys.stderr)
    largest = results["sizes"][str(max(sizes))]
    results["load_average_1min_after"] = round(os.getloadavg()[0], 2)
    results["target_api_p50_ms_at_1m"] = TARGET_P50_MS
    results["target_bulk_clinics_per_s"] = TARGET_BULK_PER_S
    results["largest_size"] = max(sizes)
    results["meets_target"] = largest["meets_target_bulk"] and largest["meets_target_p50"]
    record("es", results, "python -m bench es " + " ".join(argv))
    return 0 if results["meets_target"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
