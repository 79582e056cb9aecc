"""Start-up: how long a cold process takes to answer, so every command is quick to start.

    python -m bench startup [--runs 5] [--baseline-rev REV]

- `katdir geocode "Austin, TX"` from a new process, wall time, median of `--runs` (the
  gazetteer's index file already built), and the first run on an empty var folder, which
  builds the index file.
- An API worker: a new process importing the app and building it (store, geocoder, gazetteer
  opened), wall time, median of `--runs`; and gunicorn, from launch to its first `/healthz`.
- `--baseline-rev REV` measures `katdir geocode` the same way with the code of a git revision
  (e.g. the commit before the gazetteer's index file), unpacked to a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.bench_load import free_port, wait_until_serving
from bench.common import record

ROOT = Path(__file__).resolve().parents[1]
QUERY = "Austin, TX"
WORKER = "from search_api import create_app; create_app()"


_CPU: list[float] = []  # CPU seconds (user + system) of each timed process, in order


def timed(command: list[str], env: dict, cwd: Path) -> float:
    """Wall seconds of one run; its CPU seconds go to _CPU (what an idle core would take:
    the machine is shared, and wall time then includes waiting for a core)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(
        command,
        env=env,
        cwd=cwd,
        check=True,
        timeout=600,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    _CPU.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return wall


def geocode_runs(code_root: Path, var: Path, runs: int) -> dict:
    env = {**os.environ, "KATDIR_VAR": str(var), "PYTHONPATH": str(code_root)}
    command = [sys.executable, "-m", "katdir.cli", "geocode", QUERY]
    first = timed(command, env, code_root)
    first_cpu = _CPU[-1]
    samples = [timed(command, env, code_root) for _ in range(runs)]
    cpu = _CPU[-runs:]
    return {
        "first_run_s": round(first, 3),
        "first_run_cpu_s": round(first_cpu, 3),
        "runs_s": [round(s, 3) for s in samples],
        "median_s": round(statistics.median(samples), 3),
        "cpu_runs_s": [round(s, 3) for s in cpu],
        "cpu_median_s": round(statistics.median(cpu), 3),
    }


def worker_runs(var: Path, runs: int) -> dict:
    env = {
        **os.environ,
        "KATDIR_VAR": str(var),
        "PYTHONPATH": str(ROOT),
        "KATDIR_STORE": f"sqlite:///{var / 'katdir.db'}",
    }
    samples = [timed([sys.executable, "-c", WORKER], env, ROOT) for _ in range(runs)]
    cpu = _CPU[-runs:]
    gunicorn = Path(sys.executable).with_name("gunicorn")
    served = []
    for _ in range(runs):
        port = free_port()
        server = subprocess.Popen(
            [
                str(gunicorn),
                "--config",
                "python:search_api.gunicorn_conf",
                "--workers",
                "1",
                "--bind",
                f"127.0.0.1:{port}",
                "search_api:create_app()",
            ],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            served.append(wait_until_serving(port, server))
        finally:
            server.terminate()
            server.wait(30)
    return {
        "create_app_process_runs_s": [round(s, 3) for s in samples],
        "create_app_process_median_s": round(statistics.median(samples), 3),
        "create_app_process_cpu_median_s": round(statistics.median(cpu), 3),
        "gunicorn_first_healthz_runs_s": [round(s, 3) for s in served],
        "gunicorn_first_healthz_median_s": round(statistics.median(served), 3),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench startup",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--baseline-rev", help="also measure `katdir geocode` at this revision")
    args = parser.parse_args(argv)
    results: dict = {
        "query": QUERY,
        "runs": args.runs,
        "load_average_1min_before": round(os.getloadavg()[0], 2),
        "targets": {"geocode_median_s": 0.5, "worker_ready_s": 1.0},
    }
    with tempfile.TemporaryDirectory(prefix="katdir-startup-") as tmp:
        var = Path(tmp) / "var"
        results["geocode"] = geocode_runs(ROOT, var, args.runs)
        results["geocode"]["index_file_bytes"] = sum(
            f.stat().st_size for f in var.glob("gazetteer-*.sqlite")
        )
        results["worker"] = worker_runs(var, args.runs)
        if args.baseline_rev:
            code = Path(tmp) / "baseline"
            code.mkdir()
            archive = subprocess.run(
                ["git", "archive", args.baseline_rev, "katdir"],
                cwd=ROOT,
                check=True,
                capture_output=True,
            ).stdout
            subprocess.run(["tar", "-x", "-C", str(code)], input=archive, check=True)
            results["baseline"] = {
                "revision": args.baseline_rev,
                "geocode": geocode_runs(code, Path(tmp) / "var-baseline", args.runs),
            }
    results["load_average_1min_after"] = round(os.getloadavg()[0], 2)
    print(
        f"katdir geocode: median {results['geocode']['median_s']} s "
        f"(CPU {results['geocode']['cpu_median_s']} s; first run, building the index: "
        f"{results['geocode']['first_run_s']} s); "
        f"worker: create_app {results['worker']['create_app_process_median_s']} s, "
        f"gunicorn to /healthz {results['worker']['gunicorn_first_healthz_median_s']} s",
        file=sys.stderr,
    )
    record("startup", results, "python -m bench startup " + " ".join(argv))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
