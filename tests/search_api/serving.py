"""The app served for the tests as it is served for people: gunicorn with the shared
configuration (`search_api/gunicorn_conf.py`), on a free port of 127.0.0.1."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

GUNICORN = str(Path(sys.executable).with_name("gunicorn"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_answering(
    base: str, process: subprocess.Popen, log: Path, startup: float = 120
) -> None:
    """Wait for `/healthz`; fail with the server's own log if it died or never answered.
    A fresh KATDIR_VAR builds the gazetteer's index first (a few seconds)."""
    deadline = time.monotonic() + startup
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            requests.get(base + "/healthz", timeout=5)
            return
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.2)
    process.kill()
    raise AssertionError(f"the server at {base} did not answer:\n{log.read_text()[-3000:]}")


@contextmanager
def gunicorn_app(
    env: dict[str, str], log_dir: Path, *options: str, workers: int = 1
) -> Iterator[str]:
    """`search_api:create_app()` under gunicorn with `env` added to the environment; yields
    its base URL. Its stdout and stderr go to `log_dir/gunicorn-PORT.log`."""
    port = free_port()
    log = log_dir / f"gunicorn-{port}.log"
    environment = {**os.environ, "WEB_CONCURRENCY": str(workers), **env}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                GUNICORN,
                "-c",
                "python:search_api.gunicorn_conf",
                "--bind",
                f"127.0.0.1:{port}",
                *options,
                "search_api:create_app()",
            ],
            env=environment,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(base, process, log)
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
