"""Many visitors at once: the API under gunicorn, driven from loopback by wrk.

    python -m bench load [--clinics 100000] [--concurrency 1,8,32,128] [--duration 10]
                         [--max-requests 30000]

gunicorn serves the app with the processes and threads of `search_api/gunicorn_conf.py` (the
file the container uses) on a store of synthetic clinics (built once under var/bench/, shared
with `python -m bench search`). Debian's `wrk` (`make bench-tools` installs it) is the load
generator, a separate process with one thread, so it takes as little of the machine as it can.
At each concurrency (connections kept alive) it replays a mix of searches — population-weighted
places with the radii people pick, a fifth of them by route, a fifth in the densest metros, a
fifth by place name (`near=`, through the gazetteer) — for at most `--duration` seconds and
`--max-requests` responses; then the same server's `/healthz`, which touches nothing, under the
same load: the framework's ceiling. For each run: throughput, p50/p95/p99 (wrk's, measured from
each request's send to its response), errors (connect/read/write/timeout and non-2xx), the
workers' resident memory afterwards, and the load average around it (the machine is shared).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

from bench.bench_search import VAR, build_store, query_mix
from bench.common import record
from bench.synthetic import jitter, us_cities

HERE = Path(__file__).parent
ROOT = HERE.parent
SCRIPT = HERE / "load_mix.lua"
DENSE_METROS = 8  # the most populous cities: where a search matches the most clinics


def search_paths(count: int, seed: int = 5) -> list[str]:
    rng = random.Random(seed)
    places, weights = us_cities()
    dense = sorted(zip(places, weights), key=lambda pw: -pw[1])[:DENSE_METROS]
    paths = []
    for params in query_mix(count, seed=seed):
        kind = rng.random()
        if kind < 0.2:  # a dense metro, at the radii that match the most
            (_, _, lat, lon), _ = rng.choice(dense)
            lat, lon = jitter(rng, lat, lon, 5)
            params = {"lat": round(lat, 4), "lon": round(lon, 4), "radius": rng.choice((25, 50))}
        elif kind < 0.4:  # a place typed by name
            name, state, _, _ = rng.choices(places, weights=weights)[0]
            params = {"near": f"{name}, {state}", "radius": params["radius"]}
        paths.append("/api/v1/clinics/search?" + urlencode(params))
    return paths


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_serving(port: int, server: subprocess.Popen, timeout: float = 60) -> float:
    started = time.perf_counter()
    deadline = started + timeout
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return time.perf_counter() - started
        except OSError:
            pass
        if server.poll() is not None or time.perf_counter() > deadline:
            raise RuntimeError(f"gunicorn did not serve on port {port} (exit {server.poll()})")
        time.sleep(0.05)


def worker_rss_mb(master: int) -> list[float]:
    """Resident memory of each of gunicorn's worker processes (the master's children)."""
    sizes = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if fields.get("PPid", "").strip() == str(master):
            sizes.append(round(int(fields["VmRSS"].split()[0]) / 1024, 1))
    return sorted(sizes)


def run_wrk(url: str, paths_file: Path, connections: int, duration: int,
            max_requests: int) -> dict:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--timeout", "10s",
               "-s", str(SCRIPT), url, "--", str(paths_file), str(max_requests)]
    load_before = os.getloadavg()[0]
    done = subprocess.run(command, capture_output=True, text=True, check=True,
                          timeout=duration + 60)
    line = next(line for line in done.stdout.splitlines() if line.startswith("RESULT "))
    raw = json.loads(line.removeprefix("RESULT "))
    seconds = raw["duration_us"] / 1e6
    return {
        "connections": connections,
        "requests": raw["requests"],
        "seconds": round(seconds, 2),
        "requests_per_s": round(raw["requests"] / seconds, 1),
        "p50_ms": raw["latency_us"]["p50"] / 1000,
        "p95_ms": raw["latency_us"]["p95"] / 1000,
        "p99_ms": raw["latency_us"]["p99"] / 1000,
        "max_ms": raw["latency_us"]["max"] / 1000,
        "errors": raw["errors"],
        "error_count": sum(raw["errors"].values()),
        "load_average_1min_before": round(load_before, 2),
        "load_average_1min_after": round(os.getloadavg()[0], 2),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench load", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clinics", type=int, default=100_000)
    parser.add_argument("--concurrency", default="1,8,32,128")
    parser.add_argument("--duration", type=int, default=10, help="seconds per run, at most")
    parser.add_argument("--max-requests", type=int, default=30_000, help="per run, at most")
    parser.add_argument("--paths", type=int, default=4000, help="distinct searches in the mix")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is not installed: run `make bench-tools` (Debian's wrk)", file=sys.stderr)
        return 2
    levels = [int(c) for c in args.concurrency.split(",")]

    from search_api import gunicorn_conf

    store_url = build_store(args.clinics)
    VAR.mkdir(parents=True, exist_ok=True)
    mixes = {"search": VAR / "load-search-paths.txt", "healthz": VAR / "load-healthz-paths.txt"}
    mixes["search"].write_text("\n".join(search_paths(args.paths)) + "\n")
    mixes["healthz"].write_text("/healthz\n")

    port = free_port()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    env = {**os.environ, "KATDIR_STORE": store_url, "PYTHONPATH": str(ROOT)}
    log = (VAR / "load-gunicorn.log").open("w")
    server = subprocess.Popen([str(gunicorn), "--config", "python:search_api.gunicorn_conf",
                               "--bind", f"127.0.0.1:{port}", "search_api:create_app()"],
                              env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    results: dict = {
        "clinics": args.clinics, "store": "sqlite", "load_generator": "wrk -t1 (Debian 4.1.0)",
        "gunicorn": {"workers": gunicorn_conf.workers, "threads": gunicorn_conf.threads,
                     "worker_class": gunicorn_conf.worker_class},
        "duration_s_max": args.duration, "max_requests_per_run": args.max_requests,
        "distinct_searches": args.paths, "runs": {"search": [], "healthz": []},
    }
    try:
        results["first_healthz_after_start_s"] = round(wait_until_serving(port, server), 2)
        url = f"http://127.0.0.1:{port}"
        run_wrk(url, mixes["search"], 8, 3, 2000)  # warm the workers and the page cache
        for endpoint in ("search", "healthz"):
            for connections in levels:
                row = run_wrk(url, mixes[endpoint], connections, args.duration,
                              args.max_requests)
                row["worker_rss_mb"] = worker_rss_mb(server.pid)
                results["runs"][endpoint].append(row)
                print(f"{endpoint:>7} c={connections:<4} {row['requests_per_s']:>8.1f} req/s  "
                      f"p50 {row['p50_ms']:.1f} ms  p95 {row['p95_ms']:.1f} ms  "
                      f"p99 {row['p99_ms']:.1f} ms  errors {row['error_count']}  "
                      f"load {row['load_average_1min_after']}", file=sys.stderr)
    finally:
        server.terminate()
        server.wait(30)
        log.close()
    ceiling = {r["connections"]: r["requests_per_s"] for r in results["runs"]["healthz"]}
    results["search_share_of_ceiling"] = {
        str(r["connections"]): round(r["requests_per_s"] / ceiling[r["connections"]], 3)
        for r in results["runs"]["search"] if ceiling.get(r["connections"])}
    record("load", results, "python -m bench load " + " ".join(argv))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
