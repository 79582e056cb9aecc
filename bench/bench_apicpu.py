"""The API's own CPU per request, in-process: what a worker spends on one request, apart from
gunicorn, the network and the machine's other work.

    python -m bench apicpu [--clinics 100000] [--requests 800] [--rounds 3]
                           [--baseline-rev REV [--baseline-store FILE]]

The app (`create_app()`, answer cache off, rate limit off) is called as WSGI with environs
built beforehand, in a child process, and its CPU time (`time.process_time`) is divided by the
requests: fresh searches of the visitors' mix of `python -m bench load`, `/healthz`, and text
searches refused while every text-search slot is held; and how long one full pass of Python's
cyclic garbage collector takes after the searches, with the app's objects frozen as each
gunicorn worker freezes them, and unfrozen. With `--baseline-rev`, the same
measurement runs on that revision's code (`git archive`), alternating with this tree's round by
round, so both see the same machine; `--baseline-store` gives that revision its own copy of
the store when it cannot open this tree's (an older store schema). CPU time is the fair figure on a shared machine; it still
grows somewhat with contention, hence the interleaving.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).parent
ROOT = HERE.parent


def child(requests: int, paths_file: str) -> dict:
    """Runs in the tree under test (its `search_api` and `bench` first on sys.path). The mix
    comes made, in a file: making it here would leave the bench's own data in the process."""
    import threading

    from werkzeug.test import EnvironBuilder

    from search_api import create_app

    app = create_app()
    store = app.extensions["katdir.store"]
    if hasattr(store, "load_columns"):  # wait for what warm() began (trees before it: none)
        store.load_columns()
    gc.freeze()  # as search_api/gunicorn_conf.py's post_worker_init does in each worker

    def environ(path: str) -> dict:
        path, _, query = path.partition("?")
        return EnvironBuilder(path=path, query_string=query).get_environ()

    def cpu_ms(environs: list[dict]) -> float:
        def start_response(status, headers, exc_info=None):
            statuses.add(status[:3])

        statuses: set[str] = set()
        started = time.process_time()
        for env in environs:
            body = app(dict(env), start_response)
            b"".join(body)
            getattr(body, "close", lambda: None)()
        return round((time.process_time() - started) * 1000 / len(environs), 3), sorted(statuses)

    paths = Path(paths_file).read_text().splitlines()
    cpu_ms([environ(p) for p in paths[requests:]])  # warm: page cache, gazetteer, imports
    search, search_statuses = cpu_ms([environ(p) for p in paths[:requests]])
    # A full pass of the cyclic collector stalls every thread of a worker; it comes every few
    # thousand requests. Its length with the app's objects frozen, and without.
    full_pass_frozen = full_collection_ms()
    gc.unfreeze()
    full_pass_unfrozen = full_collection_ms()
    healthz, _ = cpu_ms([environ("/healthz")] * (requests * 4))
    texts = [
        environ(f"/api/v1/clinics/search?q=i&lat={34 + i / 1000:.3f}&lon=-118.2&radius=500")
        for i in range(requests * 4)
    ]
    slots = app.extensions["katdir.text_slots"]
    release, holding = threading.Event(), threading.Barrier(slots.count + 1)

    def hold() -> None:
        with slots.held():
            holding.wait()
            release.wait()

    holders = [threading.Thread(target=hold) for _ in range(slots.count)]
    for holder in holders:
        holder.start()
    holding.wait()
    try:
        refused, refused_statuses = cpu_ms(texts)
    finally:
        release.set()
        for holder in holders:
            holder.join()
    return {
        "search_cpu_ms": search,
        "search_statuses": search_statuses,
        "full_collection_ms": {"frozen": full_pass_frozen, "unfrozen": full_pass_unfrozen},
        "healthz_cpu_ms": healthz,
        "text_refusal_cpu_ms": refused,
        "text_refusal_statuses": refused_statuses,
        "load_average_1min": round(os.getloadavg()[0], 2),
    }


def full_collection_ms() -> float:
    started = time.perf_counter()
    gc.collect()
    return round((time.perf_counter() - started) * 1000, 2)


def measure(tree: Path, store_url: str, requests: int, paths_file: Path) -> dict:
    env = {
        **os.environ,
        "PYTHONPATH": str(tree),
        "KATDIR_STORE": store_url,
        "KATDIR_ANSWER_CACHE_MB": "0",
        "KATDIR_RATE_LIMIT": "off",
    }
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", str(requests), str(paths_file)],
        env=env,
        cwd=tree,
        capture_output=True,
        text=True,
        check=True,
        timeout=1800,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench apicpu",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--clinics", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=800, help="searches per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--baseline-rev", help="also measure this revision, interleaved")
    parser.add_argument(
        "--baseline-store", help="the store file the baseline revision reads (default: the same)"
    )
    parser.add_argument("--name", default="apicpu", help="results file name")
    args = parser.parse_args(argv)

    from bench.bench_load import visitor_paths
    from bench.bench_search import build_store
    from bench.common import record

    store_url = build_store(args.clinics)
    stores = {"this": store_url}
    if args.baseline_rev:
        stores[args.baseline_rev] = (
            f"sqlite:///{Path(args.baseline_store).resolve()}" if args.baseline_store else store_url
        )
    trees = {"this": ROOT}
    with tempfile.TemporaryDirectory(prefix="katdir-apicpu-") as scratch:
        if args.baseline_rev:
            baseline = Path(scratch) / "baseline"
            baseline.mkdir()
            archive = subprocess.run(
                ["git", "archive", args.baseline_rev], cwd=ROOT, capture_output=True, check=True
            ).stdout
            subprocess.run(["tar", "-x", "-C", str(baseline)], input=archive, check=True)
            trees = {args.baseline_rev: baseline, **trees}
        paths_file = Path(scratch) / "paths.txt"
        paths_file.write_text("\n".join(visitor_paths(args.requests + 100, seed=11)))
        rounds: dict[str, list[dict]] = {name: [] for name in trees}
        for _ in range(args.rounds):
            for name, tree in trees.items():
                row = measure(tree, stores[name], args.requests, paths_file)
                rounds[name].append(row)
                print(name, json.dumps(row), file=sys.stderr)
    results = {
        "clinics": args.clinics,
        "requests_per_round": args.requests,
        "mix": "visitors (bench load), answer cache off",
        "rounds": rounds,
    }
    record(args.name, results, "python -m bench apicpu " + " ".join(argv))
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        sys.path.insert(0, os.getcwd())  # the tree under test before any installed copy
        print(json.dumps(child(int(sys.argv[2]), sys.argv[3])))
    else:
        sys.exit(main(sys.argv[1:]))
