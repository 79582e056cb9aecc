"""Running the app: under gunicorn, always — the development server only when asked (`--dev`).

`katdir serve` and the demo both come here, so they run exactly as the container does: the
shared settings in `search_api/gunicorn_conf.py` (processes, time limits, privacy of the
logs), with the command's address on top. Only the development server may run Flask's
debugger (FLASK_DEBUG=1); `create_app` switches debug mode off everywhere else.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask
from gunicorn.app.base import Application
from gunicorn.workers.gthread import _DEFER, ThreadWorker

CONFIG = "python:search_api.gunicorn_conf"
# How long a thread waits for the first bytes of a new connection before parking it on the
# process's poller, where waiting costs no thread. A client sends its request right after the
# handshake; gunicorn's own wait is 5 s, long enough for six silent connections to stall a
# server of 3 processes × 2 threads.
FIRST_BYTES_WAIT = 0.05


class BalancedThreadWorker(ThreadWorker):
    """gunicorn's threaded worker, sharing a crowd of connections fairly with its siblings.

    The stock worker accepts every connection it sees and keeps each alive: when many clients
    connect at once, the first process to wake takes nearly all of them (30 of 32 in a wrk run
    like `python -m bench load`'s), and that one process then serves nearly every request on one core
    while the others idle; the tail grows with its queue. Here a process takes a new connection
    only while one of its threads is free; and while none is free (and another request is in
    it), each answer closes its connection ("Connection: close"), so that the client's next
    request waits in the kernel's queue, first come first served, for whichever process frees
    a thread first, instead of going to the head of this process's queue. Kept-alive
    connections would otherwise hog their process while new ones wait unseen. Unhurried,
    connections are kept alive as before. At 32 connections on 2 cores: p99 65-88 ms, against
    90-183 ms for the stock worker (BENCHMARKS.md, round 6). A new connection that says
    nothing holds a thread for FIRST_BYTES_WAIT only, not gunicorn's 5 s.
    (gunicorn is pinned; tests/search_api/test_serving.py checks the spread on a live server.)
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.in_flight = 0  # requests handed to the thread pool, not finished; main thread only

    def enqueue_req(self, conn):
        self.in_flight += 1
        super().enqueue_req(conn)

    def finish_request(self, conn, fs):
        self.in_flight -= 1
        super().finish_request(conn, fs)

    def set_accept_enabled(self, enabled):
        super().set_accept_enabled(enabled and self.in_flight < self.cfg.threads)

    def accept(self, listener):
        super().accept(listener)
        if self.in_flight >= self.cfg.threads:
            self.set_accept_enabled(False)

    def handle(self, conn):  # in a pool thread
        if not conn.initialized and not conn.data_ready:
            if not conn.wait_for_data(FIRST_BYTES_WAIT):
                return _DEFER  # gunicorn parks it; a thread takes it up when it speaks
        return super().handle(conn)

    def handle_request(self, req, conn):  # in a pool thread; in_flight is read, not written
        if self.in_flight >= self.cfg.threads and self.in_flight > 1:  # no thread free, no rest
            req.must_close = True
        return super().handle_request(req, conn)


class GunicornServer(Application):
    """gunicorn with katdir's configuration file and a few overrides, serving an app built by
    `factory` in each worker."""

    def __init__(self, factory: Callable[[], Flask], **overrides):
        self.factory, self.overrides = factory, overrides
        super().__init__()

    def init(self, parser, opts, args):  # gunicorn's command line is not ours
        return None

    def load_config(self) -> None:
        self.load_config_from_module_name_or_filename(CONFIG)
        for name, value in self.overrides.items():
            self.cfg.set(name, value)

    def load(self) -> Flask:
        return self.factory()


def serve(factory: Callable[[], Flask], host: str, port: int, *, dev: bool = False) -> None:
    """Serve until interrupted: gunicorn on host:port, or Flask's development server."""
    if dev:
        from search_api.privacy import configure_logging

        configure_logging(logging.INFO)
        factory().run(host=host, port=port, threaded=True, use_reloader=False)
        return
    GunicornServer(factory, bind=f"{host}:{port}").run()
