"""Ordinary visitors while someone sends the most expensive searches it can (issue 11).

    python -m bench abuse [--clinics 20000] [--duration 30] [--abusers 4] [--visitors 12]
                          [--mix visitors|jittered]

gunicorn serves the app with `search_api/gunicorn_conf.py` on a store of synthetic clinics
(shared with `python -m bench search`). Two `wrk` processes run at once on loopback for
`--duration` seconds, concurrency 16 in all: `--visitors` connections replay the ordinary
search mix of `python -m bench load`; `--abusers` connections send the worst text searches
found for the embedded store (one-letter prefixes and eight-word texts over the widest radius,
sorted by relevance). Reported: the ordinary searches' p50/p99 (wrk's), the abusive ones'
status mix, workers killed or restarted (gunicorn's log), and every worker's resident memory
sampled through the run. First the ordinary mix runs alone for a third of the duration, so
that the abusers' effect can be read apart from a busy machine's. Targets
(bench/baseline/abuse.json): ordinary p99 ≤ 100 ms, no worker killed, RSS flat (the last sample
within 20 % of the one taken 10 s into the load, once every worker has served).
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urlencode

from bench.bench_load import (
    MIXES,
    ROOT,
    add_server_options,
    free_port,
    run_wrk,
    server_processes,
    wait_until_serving,
    worker_rss_mb,
    workers_cpu_s,
)
from bench.bench_search import VAR, build_store
from bench.common import record
from bench.synthetic import jitter

PLACES = [(34.0522, -118.2437), (40.7128, -74.0060), (41.8781, -87.6298), (29.7604, -95.3698)]
WORST_TEXTS = ["i", "c", "m", "k", "a b c d e f g h", "1 2 3 4 5 6 7 8", "ketamine clinic iv"]


def worst_paths(count: int = 20_000, seed: int = 13) -> list[str]:
    """The worst texts over the widest radius, each request at another point (within 20 km of
    a big city, to 4 decimals): an attacker is free to vary what it sends, so kept answers
    never serve it."""
    rng = random.Random(seed)
    combos = list(itertools.product(PLACES, WORST_TEXTS, ("relevance", "distance", "price")))
    paths = []
    for _ in range(count):
        (lat, lon), text, sort = rng.choice(combos)
        lat, lon = jitter(rng, lat, lon, 20)
        paths.append(
            "/api/v1/clinics/search?"
            + urlencode(
                {"lat": round(lat, 4), "lon": round(lon, 4), "radius": 500, "q": text, "sort": sort}
            )
        )
    return paths


def wrk(url: str, paths: Path, connections: int, duration: int) -> dict:
    """wrk over `paths` for `duration` seconds (no cap on requests), as the load bench runs it."""
    return run_wrk(url, paths, connections, duration, max_requests=0)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench abuse",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--clinics", type=int, default=20_000)
    parser.add_argument("--duration", type=int, default=30)
    parser.add_argument("--visitors", type=int, default=12)
    parser.add_argument("--abusers", type=int, default=4)
    parser.add_argument(
        "--mix",
        choices=sorted(MIXES),
        default="visitors",
        help="the ordinary searches: python -m bench load's mixes",
    )
    add_server_options(parser, "abuse")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is not installed: run `make bench-tools` (Debian's wrk)", file=sys.stderr)
        return 2

    from search_api import gunicorn_conf

    store_url = build_store(args.clinics)
    VAR.mkdir(parents=True, exist_ok=True)
    ordinary, abusive = VAR / "abuse-ordinary-paths.txt", VAR / "abuse-worst-paths.txt"
    make_paths, count = MIXES[args.mix]
    ordinary.write_text("\n".join(make_paths(count)) + "\n")
    abusive.write_text("\n".join(worst_paths()) + "\n")

    port = free_port()
    env = {
        **os.environ,
        "KATDIR_STORE": store_url,
        "KATDIR_RATE_LIMIT": "off",
        "PYTHONPATH": str(ROOT),
    }
    processes = server_processes(args, env)
    log_path = VAR / "abuse-gunicorn.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("gunicorn")),
                "--config",
                "python:search_api.gunicorn_conf",
                "--bind",
                f"127.0.0.1:{port}",
                "--access-logfile",
                "/dev/null",
                "search_api:create_app()",
            ],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    rss: list[list[float]] = []
    try:
        wait_until_serving(port, server)
        wrk(url, ordinary, 8, 3)  # warm the workers and the page cache
        booted_before = log_path.read_text().count("Booting worker")
        runs: dict = {
            "ordinary_alone": wrk(url, ordinary, args.visitors, max(5, args.duration // 3))
        }
        sampling = threading.Event()

        def sample() -> None:
            while not sampling.wait(2.0):
                rss.append(worker_rss_mb(server.pid))

        sampler = threading.Thread(target=sample)
        sampler.start()
        threads = [
            threading.Thread(
                target=lambda k=k, p=p, c=c: runs.__setitem__(k, wrk(url, p, c, args.duration))
            )
            for k, p, c in (("ordinary", ordinary, args.visitors), ("worst", abusive, args.abusers))
        ]
        load_before = os.getloadavg()[0]
        cpu_before = workers_cpu_s(server.pid)
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        cpu_s = workers_cpu_s(server.pid) - cpu_before
        sampling.set()
        sampler.join()
        rss.append(worker_rss_mb(server.pid))
        text = log_path.read_text()
    finally:
        server.terminate()
        server.wait(30)
    settled = rss[min(5, len(rss) - 1)]  # 10 s into the load
    first, last = sum(settled), sum(rss[-1])
    results = {
        "clinics": args.clinics,
        "duration_s": args.duration,
        "ordinary_mix": args.mix,
        "concurrency": args.visitors + args.abusers,
        "gunicorn": {**processes, "timeout_s": gunicorn_conf.timeout},
        "ordinary_alone": runs["ordinary_alone"],
        "ordinary": runs["ordinary"],
        "worst": runs["worst"],
        # The workers' CPU while both ran, per response (ordinary and refused alike).
        "worker_cpu_s_beside_abusers": round(cpu_s, 2),
        "worker_cpu_ms_per_response_beside_abusers": round(
            1000 * cpu_s / max(1, runs["ordinary"]["requests"] + runs["worst"]["requests"]), 3
        ),
        "worker_timeouts": text.count("WORKER TIMEOUT"),
        "workers_booted_during_run": text.count("Booting worker") - booted_before,
        "worker_rss_mb_at_10s": settled,
        "worker_rss_mb_last": rss[-1],
        "worker_rss_mb_samples_total": [round(sum(r), 1) for r in rss],
        "worker_rss_mb_peak_total": round(max(sum(r) for r in rss), 1),
        "rss_growth": round(last / first - 1, 3) if first else None,
        "load_average_1min_before": round(load_before, 2),
        "load_average_1min_after": round(os.getloadavg()[0], 2),
    }
    results["targets_met"] = {
        "ordinary_p99_le_100ms": results["ordinary"]["p99_ms"] <= 100,
        "no_worker_killed": results["worker_timeouts"] == 0
        and results["workers_booted_during_run"] == 0,
        "rss_flat_within_20pct": results["rss_growth"] is not None and results["rss_growth"] <= 0.2,
    }
    record(
        args.name or ("abuse" if args.mix == "visitors" else f"abuse-{args.mix}"),
        results,
        "python -m bench abuse " + " ".join(argv),
    )
    return 0 if all(results["targets_met"].values()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
