"""How the app is served (issue 11, findings 4, 8 and 9): `katdir serve` runs gunicorn with the
shared configuration, the development server only with `--dev`, and Flask's debugger never
outside it — FLASK_DEBUG=1 notwithstanding. The development server's log is redacted too."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests
from gunicorn.workers.gthread import ThreadWorker

from katdir.store import open_store
from search_api.serving import BalancedThreadWorker
from tests.search_api.serving import free_port, gunicorn_app, wait_until_answering
from tests.search_api.test_api import CLINICS

DEBUGGER_RESOURCE = "/?__debugger__=yes&cmd=resource&f=style.css"
# A search request without the empty line that ends its head.
SEARCH_HEAD = b"GET /api/v1/clinics/search?near=80202 HTTP/1.1\r\nHost: katdir\r\n"


def test_debug_mode_is_off_whatever_flask_debug_says(monkeypatch, app_on, sqlite_url):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    # TESTING off: the error must reach the app's handler, not the test.
    app = app_on(sqlite_url, DEBUG=True, TESTING=False)
    assert app.debug is False

    @app.get("/api/v1/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/api/v1/boom")
    assert response.status_code == 500
    assert b"secret internals" not in response.data and b"Traceback" not in response.data
    assert app.test_client().get(DEBUGGER_RESOURCE).content_type.startswith("text/html")


@pytest.fixture
def serve(tmp_path):
    """`katdir serve` on a free port of 127.0.0.1, with FLASK_DEBUG=1 set around it."""
    db = tmp_path / "katdir.db"
    with open_store(f"sqlite:///{db}") as store:
        store.upsert(CLINICS)
    started: list[subprocess.Popen] = []

    def start(*options: str) -> tuple[str, Path]:
        port = free_port()
        log = tmp_path / f"serve-{port}.log"
        env = {
            **os.environ,
            "FLASK_DEBUG": "1",
            "KATDIR_STORE": f"sqlite:///{db}",
            "KATDIR_VAR": str(tmp_path),
            "WEB_CONCURRENCY": "1",
        }
        with log.open("wb") as out:
            started.append(
                subprocess.Popen(
                    [
                        str(Path(sys.executable).with_name("katdir")),
                        "serve",
                        "--port",
                        str(port),
                        *options,
                    ],
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            )
        base = f"http://127.0.0.1:{port}"
        wait_until_answering(base, started[-1], log)
        return base, log

    yield start
    for process in started:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def test_katdir_serve_runs_gunicorn_and_never_the_debugger(serve):
    base, _ = serve()
    response = requests.get(base + "/api/v1/clinics/search", params={"near": "80202"}, timeout=10)
    assert response.status_code == 200
    assert response.headers["Server"].startswith("gunicorn")
    debugger = requests.get(base + DEBUGGER_RESOURCE, timeout=10)
    assert not debugger.headers["Content-Type"].startswith("text/css")


def test_katdir_serve_dev_runs_the_development_server_with_a_redacted_log(serve):
    base, log = serve("--dev")
    response = requests.get(
        base + "/api/v1/clinics/search",
        params={"near": "80202", "q": "spravato", "lat": None},
        timeout=10,
    )
    assert response.headers["Server"].startswith("Werkzeug")
    requests.get(base + "/clinics/denver-iv", headers={"User-Agent": "SecretAgent/1.0"}, timeout=10)
    time.sleep(0.5)
    text = log.read_text()
    assert "GET /api/v1/clinics/search?near=-&q=- HTTP/1.1" in text
    assert "GET /clinics/denver-iv HTTP/1.1" in text
    for secret in ("80202", "spravato", "SecretAgent"):
        assert secret not in text
    request_lines = [line for line in text.splitlines() if "HTTP/1.1" in line]
    assert request_lines and not any("127.0.0.1 - -" in line for line in request_lines)


def _holders(port: int, client_ports: set[int]) -> Counter:
    """How many of these loopback connections each process holds the server's end of
    (/proc/net/tcp gives each connection's socket inode; /proc/PID/fd, who holds it)."""
    sockets = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote, inode = fields[1], fields[2], fields[9]
        if int(local.rsplit(":", 1)[1], 16) == port and int(remote.rsplit(":", 1)[1], 16) in (
            client_ports
        ):
            sockets.add(f"socket:[{inode}]")
    holders: Counter = Counter()
    for fd in Path("/proc").glob("[0-9]*/fd/*"):
        try:
            if os.readlink(fd) in sockets:
                holders[fd.parts[2]] += 1
        except OSError:  # a process or descriptor gone meanwhile
            continue
    return holders


@pytest.fixture
def three_processes(tmp_path) -> Iterator[int]:
    """gunicorn with the shared configuration, 3 processes × 2 threads, each with its app
    built; yields its port."""
    db = tmp_path / "katdir.db"
    with open_store(f"sqlite:///{db}") as store:
        store.upsert(CLINICS)
    env = {"KATDIR_STORE": f"sqlite:///{db}", "KATDIR_VAR": str(tmp_path)}
    with gunicorn_app(env, tmp_path, "--threads", "2", workers=3) as base:
        port = int(base.rsplit(":", 1)[1])
        log = tmp_path / f"gunicorn-{port}.log"
        deadline = time.monotonic() + 60
        while log.read_text().count("katdir app on store") < 3:  # every process has its app
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        yield port


def _answer_of(client: socket.socket) -> bytes:
    """The status line of the answer on `client`, read until the server closes or 10 s."""
    client.settimeout(10)
    received = b""
    while b"\r\n" not in received:
        chunk = client.recv(4096)
        if not chunk:
            break
        received += chunk
    return received.split(b"\r\n", 1)[0]


def test_a_crowd_connecting_at_once_is_shared_by_the_processes(three_processes):
    """A process takes a connection only while one of its threads is free
    (search_api.serving.BalancedThreadWorker): the stock threaded worker lets the first
    process to wake take a whole crowd and keep it, on one core."""
    port = three_processes
    crowd = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(12)]
    for client in crowd:  # a request begun, not ended: each one taken holds a thread
        client.sendall(SEARCH_HEAD)
    ports = {client.getsockname()[1] for client in crowd}
    deadline = time.monotonic() + 3
    while sum((holders := _holders(port, ports)).values()) < 6:
        assert time.monotonic() < deadline, holders
        time.sleep(0.05)
    time.sleep(0.3)
    assert sorted(_holders(port, ports).values()) == [2, 2, 2]  # 6 wait in the kernel
    for client in crowd:
        client.sendall(b"\r\n")
    assert [_answer_of(client) for client in crowd] == [b"HTTP/1.1 200 OK"] * len(crowd)
    for client in crowd:
        client.close()


def test_connections_that_say_nothing_hold_no_thread(three_processes):
    """gunicorn gives a new connection's first bytes 5 s of a thread: a few silent connections
    would stall every process that long. Here they wait on the process's poller, and are
    answered whenever they speak."""
    port = three_processes
    silent = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(12)]
    time.sleep(0.5)
    started = time.monotonic()
    assert requests.get(f"http://127.0.0.1:{port}/healthz", timeout=10).status_code == 200
    assert time.monotonic() - started < 1
    for client in silent[:3]:
        client.sendall(SEARCH_HEAD + b"\r\n")
    assert [_answer_of(client) for client in silent[:3]] == [b"HTTP/1.1 200 OK"] * 3
    for client in silent:
        client.close()


def test_answers_close_their_connection_while_requests_wait_in_the_process(monkeypatch):
    """No thread free in a process: its answers say "Connection: close", so that their clients'
    next requests queue in the kernel, first come first served, for whichever process is free
    first. With a thread free, or with only this request in the process, they keep alive."""
    worker = object.__new__(BalancedThreadWorker)  # its decision only: no process, no socket
    monkeypatch.setattr(ThreadWorker, "handle_request", lambda self, req, conn: req.must_close)
    for threads, in_flight, closes in (
        (2, 1, False),
        (2, 2, True),
        (2, 9, True),
        (1, 1, False),
        (1, 2, True),
    ):
        worker.cfg = SimpleNamespace(threads=threads)
        worker.in_flight = in_flight
        assert worker.handle_request(SimpleNamespace(must_close=False), None) is closes
