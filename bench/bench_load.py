"""Many visitors at once: the API under gunicorn, driven from loopback by wrk.

    python -m bench load [--clinics 100000] [--concurrency 1,8,32,128] [--duration 10]
                         [--max-requests 100000] [--mix visitors|jittered] [--cache-mb N]

gunicorn serves the app with the processes and threads of `search_api/gunicorn_conf.py` (the
file the container uses) on a store of synthetic clinics (built once under var/bench/, shared
with `python -m bench search`). Debian's `wrk` (`make bench-tools` installs it) is the load
generator, a separate process with one thread, so it takes as little of the machine as it can.
At each concurrency (connections kept alive) it replays a mix of searches for at most
`--duration` seconds and `--max-requests` responses, on a server started for that run (its
answer cache starts empty; a few seconds of other visitors' searches warm it first):

- `visitors` (default): what the site's visitors send, each request drawn on its own — a
  place typed in the form ("City, ST", population-weighted, 45 %), a ZIP code of such a place
  (20 %), "use my location" (coordinates rounded to 0.01° as the page's script sends them,
  within 20 km of where people live, 15 %), a link from a result page (page 2, or sorted by
  price, 20 %); a fifth with a route. 60,000 requests, so nothing repeats but what visitors
  themselves repeat.
- `jittered`: the earlier mix — 4,000 searches at exact points jittered around
  population-weighted places, a fifth by route, a fifth in the densest metros, a fifth by
  place name — replayed in a loop (so with the answer cache on, later loops find their
  answers kept: compare with `--cache-mb 0`).

Then the conditional run: 200 of the searches sent with the ETag a first request got
(`If-None-Match`), as a CDN or a browser revalidates, once every worker keeps their answers:
the 304 hit path. Then the same server's
`/healthz`, which touches nothing, under the same load: the framework's ceiling. For each run:
throughput, p50/p95/p99 (wrk's, measured from each request's send to its response), errors
(connect/read/write/timeout and non-2xx/3xx), statuses, the workers' CPU per request and
resident memory, the answer cache's hits and misses (logged by each worker as it exits,
warm-up included), and the load average around it (the machine is shared).
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
from functools import cache
from pathlib import Path
from urllib.parse import urlencode

from bench.bench_search import RADII_MI, VAR, build_store, query_mix
from bench.common import record
from bench.synthetic import jitter, us_cities
from katdir.model import ROUTES

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


CONDITIONAL_PATHS = 200  # searches of the conditional run (each worker keeps them all)
RESULT_LINKS = ("page", "sort")  # what a result page links to besides the form


@cache
def zips_by_place() -> dict[tuple[str, str], list[str]]:
    import zipcodes

    found: dict[tuple[str, str], list[str]] = {}
    for z in zipcodes.list_all():
        if z["active"] and z["zip_code_type"] == "STANDARD":
            found.setdefault((z["city"].upper(), z["state"]), []).append(z["zip_code"])
    return found


def visitor_paths(count: int, seed: int = 11) -> list[str]:
    """Searches as the site's visitors send them, each drawn on its own (see the module's
    docstring): places and ZIP codes typed in the form, "use my location", links from a
    result page. Repeats come only from visitors asking what others asked."""
    rng = random.Random(seed)
    places, weights = us_cities()
    zips = zips_by_place()
    paths = []
    for _ in range(count):
        name, state, lat, lon = rng.choices(places, weights=weights)[0]
        kind = rng.random()
        params: dict = {}
        if kind < 0.45:
            params["near"] = f"{name}, {state}"
        elif kind < 0.65:
            codes = zips.get((name.upper(), state))
            params["near"] = rng.choice(codes) if codes else f"{name}, {state}"
        elif kind < 0.8:  # location.js sends the position rounded to 0.01°
            lat, lon = jitter(rng, lat, lon, 20)
            params.update(lat=f"{lat:.2f}", lon=f"{lon:.2f}")
        else:
            params["near"] = f"{name}, {state}"
            link = rng.choice(RESULT_LINKS)
            params.update({"page": 2} if link == "page" else {"sort": "price"})
        params["radius"] = rng.choice(RADII_MI)
        if rng.random() < 0.2:
            params["route"] = rng.choice(ROUTES)
        paths.append("/api/v1/clinics/search?" + urlencode(params))
    return paths


MIXES = {"visitors": (visitor_paths, 60_000), "jittered": (search_paths, 4000)}


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


def workers(master: int) -> list[Path]:
    """/proc entries of gunicorn's worker processes (the master's children)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if fields.get("PPid", "").strip() == str(master):
            found.append(entry)
    return found


def worker_rss_mb(master: int) -> list[float]:
    sizes = []
    for entry in workers(master):
        status = (entry / "status").read_text()
        sizes.append(round(int(status.split("VmRSS:")[1].split()[0]) / 1024, 1))
    return sorted(sizes)


def workers_cpu_s(master: int) -> float:
    """CPU seconds (user + system) the workers have used so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in workers(master):
        fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def run_wrk(url: str, paths_file: Path, connections: int, duration: int, max_requests: int) -> dict:
    command = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "10s",
        "-s",
        str(SCRIPT),
        url,
        "--",
        str(paths_file),
        str(max_requests),
    ]
    load_before = os.getloadavg()[0]
    done = subprocess.run(
        command, capture_output=True, text=True, check=True, timeout=duration + 60
    )
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
        "statuses": raw.get("statuses", {}),
        "load_average_1min_before": round(load_before, 2),
        "load_average_1min_after": round(os.getloadavg()[0], 2),
    }


class Server:
    """gunicorn with the shared configuration on a free loopback port, its log in a file;
    ready when every worker has loaded the store's search columns (katdir/store/columns.py),
    as a server that has run a while has."""

    def __init__(self, env: dict, log_path: Path, workers: int):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        gunicorn = Path(sys.executable).with_name("gunicorn")
        with log_path.open("w") as log:
            self.process = subprocess.Popen(
                [
                    str(gunicorn),
                    "--config",
                    "python:search_api.gunicorn_conf",
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "search_api:create_app()",
                ],
                env=env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.started_s = round(wait_until_serving(self.port, self.process), 2)
        deadline = time.monotonic() + 120
        while log_path.read_text().count("search columns of") < workers:
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.process.kill()
                raise RuntimeError(f"the workers did not load their search columns: {log_path}")
            time.sleep(0.1)

    def errors(self, at_most: int = 40) -> list[str]:
        """The last lines of its log that say something failed (an error and its traceback)."""
        lines = self.log_path.read_text(errors="replace").splitlines()
        failed = [i for i, line in enumerate(lines) if " ERROR " in line or "Traceback" in line]
        kept = [lines[j] for i in failed for j in range(i, min(i + 12, len(lines)))]
        return list(dict.fromkeys(kept))[-at_most:]

    def stop(self) -> dict:
        """Stops it; the answer cache's counters its workers logged as they exited."""
        self.process.terminate()
        self.process.wait(30)
        stats = [
            json.loads(line.split("answer cache: ", 1)[1])
            for line in self.log_path.read_text().splitlines()
            if "answer cache: " in line
        ]
        hits, misses = sum(s["hits"] for s in stats), sum(s["misses"] for s in stats)
        return {
            "hits": hits,
            "misses": misses,
            "hit_rate": round(hits / (hits + misses), 3) if hits + misses else None,
            "enabled": any(s["enabled"] for s in stats),
            "workers_reporting": len(stats),
        }


def measure(server: Server, paths: Path, connections: int, args) -> dict:
    cpu_before = workers_cpu_s(server.process.pid)
    row = run_wrk(server.url, paths, connections, args.duration, args.max_requests)
    # CPU per request: what the server's work costs whatever else the machine runs; the
    # cores divided by it bound the throughput of an idle machine.
    cpu_ms = (workers_cpu_s(server.process.pid) - cpu_before) * 1000 / max(row["requests"], 1)
    row["worker_cpu_ms_per_request"] = round(cpu_ms, 3)
    row["idle_machine_requests_per_s_bound"] = (
        round(len(os.sched_getaffinity(0)) * 1000 / cpu_ms, 1) if cpu_ms else None
    )
    row["worker_rss_mb"] = worker_rss_mb(server.process.pid)
    if row["error_count"]:  # what the server said about them, while its log is still there
        row["server_errors"] = server.errors()
    return row


def show(endpoint: str, row: dict) -> None:
    cache_note = (
        f"  cache hit rate {row['answer_cache']['hit_rate']}" if "answer_cache" in row else ""
    )
    print(
        f"{endpoint:>10} c={row['connections']:<4} {row['requests_per_s']:>8.1f} req/s  "
        f"p50 {row['p50_ms']:.1f} ms  p95 {row['p95_ms']:.1f} ms  p99 {row['p99_ms']:.1f} ms  "
        f"errors {row['error_count']}  cpu/req {row['worker_cpu_ms_per_request']} ms  "
        f"load {row['load_average_1min_after']}{cache_note}",
        file=sys.stderr,
    )


def with_etags(url: str, paths: list[str]) -> list[str]:
    """`path<TAB>etag` for each path that answers 200 with an ETag (one request each)."""
    port = int(url.rsplit(":", 1)[1])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    lines = []
    for path in paths:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        if response.status == 200 and response.getheader("ETag"):
            lines.append(f"{path}\t{response.getheader('ETag')}")
    conn.close()
    return lines


def conditional_runs(server, paths, mixes, levels, workers, results, args) -> None:
    """The hit path: searches whose answers every worker keeps, asked with the ETag a first
    request got — a CDN or a browser revalidating. A few seconds of the same requests first,
    so that each worker holds them (each keeps its own answers)."""
    try:
        held = with_etags(server.url, paths[:CONDITIONAL_PATHS])
        mixes["search_304"].write_text("\n".join(held) + "\n")
        run_wrk(server.url, mixes["search_304"], 8, 60, 4 * len(held) * workers)
        for connections in levels:
            row = measure(server, mixes["search_304"], connections, args)
            results["runs"]["search_304"].append(row)
            show("search_304", row)
    finally:
        results["search_304_answer_cache"] = server.stop()


def add_server_options(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument(
        "--workers", type=int, help="gunicorn's processes (default: search_api/gunicorn_conf.py)"
    )
    parser.add_argument("--threads", type=int, help="threads per process (default: the same)")
    parser.add_argument(
        "--worker-class",
        help="gunicorn's worker class, e.g. gthread (the stock one) or sync (default: the same)",
    )
    parser.add_argument("--name", help=f"results file name (default: {name}…)")


def server_processes(args: argparse.Namespace, env: dict) -> dict:
    """The workers, threads and worker class the servers run: gunicorn_conf's, or those asked
    for (through GUNICORN_CMD_ARGS, gunicorn's own way to override a configuration file)."""
    from search_api import gunicorn_conf

    chosen = {"workers": args.workers, "threads": args.threads, "worker-class": args.worker_class}
    given = " ".join(f"--{k} {v}" for k, v in chosen.items() if v)
    env.pop("GUNICORN_CMD_ARGS", None)  # only what is recorded here
    if given:
        env["GUNICORN_CMD_ARGS"] = given
    return {
        "workers": args.workers or gunicorn_conf.workers,
        "threads": args.threads or gunicorn_conf.threads,
        "worker_class": args.worker_class or gunicorn_conf.worker_class,
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench load",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--clinics", type=int, default=100_000)
    parser.add_argument("--concurrency", default="1,8,32,128")
    parser.add_argument("--duration", type=int, default=10, help="seconds per run, at most")
    parser.add_argument(
        "--max-requests",
        type=int,
        default=100_000,
        help="per run, at most (high enough that /healthz is not capped below its ceiling)",
    )
    parser.add_argument("--mix", choices=sorted(MIXES), default="visitors")
    parser.add_argument(
        "--cache-mb",
        type=int,
        default=None,
        help="KATDIR_ANSWER_CACHE_MB for the server (0: no answer cache)",
    )
    parser.add_argument(
        "--paths",
        type=int,
        default=None,
        help="requests in the mix (visitors: 60000, jittered: 4000)",
    )
    parser.add_argument("--warmup", type=int, default=3, help="seconds of other searches first")
    add_server_options(parser, "load")
    parser.add_argument(
        "--skip-conditional", action="store_true", help="no 304 run (comparing servers)"
    )
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is not installed: run `make bench-tools` (Debian's wrk)", file=sys.stderr)
        return 2
    levels = [int(c) for c in args.concurrency.split(",")]

    store_url = build_store(args.clinics)
    VAR.mkdir(parents=True, exist_ok=True)
    make_paths, default_count = MIXES[args.mix]
    paths = make_paths(args.paths or default_count)
    # The warm-up: other visitors' searches of the same kind (another draw, or the loop's end).
    warm = visitor_paths(len(paths) // 10 or 1, seed=99) if args.mix == "visitors" else paths[::-1]
    mixes = {
        "search": VAR / "load-search-paths.txt",
        "warmup": VAR / "load-warmup-paths.txt",
        "search_304": VAR / "load-conditional-paths.txt",
        "healthz": VAR / "load-healthz-paths.txt",
    }
    mixes["search"].write_text("\n".join(paths) + "\n")
    mixes["warmup"].write_text("\n".join(warm) + "\n")
    mixes["healthz"].write_text("/healthz\n")

    # One load generator on loopback is one client: no rate limit, or it would measure 429s.
    env = {
        **os.environ,
        "KATDIR_STORE": store_url,
        "KATDIR_RATE_LIMIT": "off",
        "PYTHONPATH": str(ROOT),
    }
    if args.cache_mb is not None:
        env["KATDIR_ANSWER_CACHE_MB"] = str(args.cache_mb)
    processes = server_processes(args, env)
    results: dict = {
        "clinics": args.clinics,
        "store": "sqlite",
        "load_generator": "wrk -t1 (Debian 4.1.0)",
        "mix": args.mix,
        "distinct_paths_in_mix": len(set(paths)),
        "paths_in_mix": len(paths),
        "answer_cache_mb": args.cache_mb if args.cache_mb is not None else "default (setting)",
        "gunicorn": processes,
        "duration_s_max": args.duration,
        "max_requests_per_run": args.max_requests,
        "warmup_s": args.warmup,
        "runs": {"search": [], "search_304": [], "healthz": []},
    }
    log_path = VAR / "load-gunicorn.log"
    for connections in levels:  # a server per level: each starts with an empty answer cache
        server = Server(env, log_path, processes["workers"])
        try:
            results.setdefault("first_healthz_after_start_s", server.started_s)
            run_wrk(server.url, mixes["warmup"], 8, args.warmup, 100_000)
            row = measure(server, mixes["search"], connections, args)
        finally:
            kept = server.stop()  # the server stops even when the run failed
        row["answer_cache"] = kept
        results["runs"]["search"].append(row)
        show("search", row)

    if not args.skip_conditional:
        server = Server(env, log_path, processes["workers"])
        conditional_runs(server, paths, mixes, levels, processes["workers"], results, args)
    server = Server(env, log_path, processes["workers"])
    try:
        for connections in levels:
            row = measure(server, mixes["healthz"], connections, args)
            results["runs"]["healthz"].append(row)
            show("healthz", row)
    finally:
        server.stop()
    ceiling = {r["connections"]: r["requests_per_s"] for r in results["runs"]["healthz"]}
    for endpoint in ("search", "search_304"):
        results[f"{endpoint}_share_of_ceiling"] = {
            str(r["connections"]): round(r["requests_per_s"] / ceiling[r["connections"]], 3)
            for r in results["runs"][endpoint]
            if ceiling.get(r["connections"])
        }
    name = args.name or (
        "load"
        if args.mix == "visitors" and args.cache_mb is None
        else (f"load-{args.mix}" + (f"-cache{args.cache_mb}" if args.cache_mb is not None else ""))
    )
    record(name, results, "python -m bench load " + " ".join(argv))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
