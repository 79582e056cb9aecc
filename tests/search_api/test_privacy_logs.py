"""Privacy in the logs of a real gunicorn (issue 11, finding 8): after real requests on
127.0.0.1, its access and error log files hold no visitor's address, User-Agent, referrer,
place, text or exact position — and still say what was asked."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from katdir.store import open_store
from tests.search_api.test_api import CLINICS

SECRETS = ["80202", "spravato", "Denver", "39.7392", "104.9903", "SecretAgent",
           "secret.example", "Boulder", "127.0.0.1"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def gunicorn_logs(tmp_path):
    db = tmp_path / "katdir.db"
    with open_store(f"sqlite:///{db}") as store:
        store.upsert(CLINICS)
    port = free_port()
    access, error = tmp_path / "access.log", tmp_path / "error.log"
    env = {**os.environ, "KATDIR_STORE": f"sqlite:///{db}", "KATDIR_VAR": str(tmp_path),
           "WEB_CONCURRENCY": "1"}
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "-c", "python:search_api.gunicorn_conf",
         "--bind", f"127.0.0.1:{port}", "--access-logfile", str(access),
         "--error-logfile", str(error), "search_api:create_app()"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                requests.get(base + "/api/v1/openapi.json", timeout=10)
                break
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.1)
        yield base, access, error
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def test_gunicorn_access_and_error_logs_keep_no_visitor(gunicorn_logs):
    base, access, error = gunicorn_logs
    headers = {"User-Agent": "SecretAgent/1.0", "Referer": "https://secret.example/from"}
    asked = [
        ("/api/v1/clinics/search", {"near": "80202", "q": "spravato denver", "radius": 50}),
        ("/api/v1/clinics/search", {"lat": 39.7392, "lon": -104.9903, "route": "iv"}),
        ("/api/v1/clinics/search", {"near": "Denver, CO", "raduis": "Boulder"}),
        ("/", {"near": "Denver, CO"}),
        ("/clinics/denver-iv", {}),
        ("/api/v1/geocode", {"q": "Boulder, CO"}),
    ]
    statuses = [requests.get(base + path, params=params, headers=headers, timeout=10).status_code
                for path, params in asked]
    assert statuses == [200, 200, 400, 200, 200, 200]
    time.sleep(0.5)  # gunicorn writes the access line after the response
    access_text = access.read_text()
    error_text = error.read_text()
    lines = access_text.splitlines()
    assert len(lines) >= len(asked)
    # Still useful: what was asked, redacted.
    assert any('"GET /api/v1/clinics/search?near=-&q=-&radius=50 HTTP/1.1" 200' in line
               for line in lines)
    assert any("lat=39.7&lon=-105.0&route=iv" in line for line in lines)
    assert any("raduis=- HTTP/1.1\" 400" in line for line in lines)
    assert any('"GET /clinics/denver-iv HTTP/1.1" 200' in line for line in lines)
    for secret in SECRETS:
        assert secret not in access_text, secret
    # The error log carries the app's own lines too, through the same formatter.
    assert "[search_api] katdir app on store" in error_text
    for secret in SECRETS:
        leaks = [line for line in error_text.splitlines()
                 if secret in line and "Listening at" not in line]
        assert leaks == [], secret
