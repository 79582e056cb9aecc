"""One small pool of store connections per server process (issue 11, finding 4): a threaded
server under concurrent load keeps at most POOL_SIZE SQLite connections open for its requests
(and two of the store's own), instead of one (with its 32 MiB cache) per request thread."""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from werkzeug.serving import make_server

from bench.synthetic import synthetic_clinics
from katdir.store import open_store
from katdir.store.sqlite import POOL_SIZE, SQLiteStore

CONCURRENCY = 16
REQUESTS = 400


def open_connections(db: Path) -> int:
    """SQLite connections this process holds on `db` (one descriptor of the file each)."""
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}") == str(db):
                count += 1
        except OSError:
            pass
    return count


def test_a_threaded_server_under_load_keeps_a_bounded_pool_of_connections(app_on, tmp_path):
    db = tmp_path / "katdir.db"
    with open_store(f"sqlite:///{db}") as store:
        store.rebuild(synthetic_clinics(2000))
    # Every request reaches the store: no kept answers, and as many text searches at once as
    # there are clients (the pool is what is measured here, not search_api/text_slots.py).
    app = app_on(
        f"sqlite:///{db}",
        KATDIR_RATE_LIMIT="off",
        KATDIR_ANSWER_CACHE_MB="0",
        KATDIR_TEXT_SEARCHES=str(CONCURRENCY),
    )
    # A thread per request, as the development server (and `katdir serve` before) runs.
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/api/v1/clinics/search"
    peak, done = [0], threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], open_connections(db))
            time.sleep(0.005)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        with ThreadPoolExecutor(CONCURRENCY) as pool:
            statuses = list(
                pool.map(
                    lambda i: (
                        requests.get(
                            url,
                            params={
                                "lat": 40.7,
                                "lon": -74.0,
                                "radius": 100,
                                "q": "ketamine" if i % 2 else None,
                            },
                            timeout=30,
                        ).status_code
                    ),
                    range(REQUESTS),
                )
            )
    finally:
        done.set()
        sampler.join()
        server.shutdown()
    assert statuses == [200] * REQUESTS
    # The pool, and two of the store's own: the watcher of its generation, and the reader
    # that loads the search columns into memory (katdir/store/columns.py) while it loads.
    assert 1 <= peak[0] <= POOL_SIZE + 2
    app.extensions["katdir.store"].close()
    assert open_connections(db) == 0


def test_a_thread_that_ends_without_releasing_gives_its_connection_back(tmp_path):
    store = SQLiteStore(tmp_path / "katdir.db", pool_size=2)
    store.release()
    for _ in range(10):  # more threads than connections, none of them releasing
        worker = threading.Thread(target=store.count)
        worker.start()
        worker.join()
    assert store.count() == 0
    store.close()
    assert open_connections(tmp_path / "katdir.db") == 0
