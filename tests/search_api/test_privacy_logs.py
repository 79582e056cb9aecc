"""Privacy in the logs of a real gunicorn (issue 11, finding 8): after real requests on
127.0.0.1, its access and error log files hold no visitor's address, User-Agent, referrer,
place, text or exact position — and still say what was asked."""

from __future__ import annotations

import time

import pytest
import requests

from katdir.store import open_store
from tests.search_api.serving import gunicorn_app
from tests.search_api.test_api import CLINICS

SECRETS = [
    "80202",
    "spravato",
    "Denver",
    "39.7392",
    "104.9903",
    "SecretAgent",
    "secret.example",
    "Boulder",
    "127.0.0.1",
]


@pytest.fixture
def gunicorn_logs(tmp_path):
    db = tmp_path / "katdir.db"
    with open_store(f"sqlite:///{db}") as store:
        store.upsert(CLINICS)
    access, error = tmp_path / "access.log", tmp_path / "error.log"
    env = {"KATDIR_STORE": f"sqlite:///{db}", "KATDIR_VAR": str(tmp_path)}
    with gunicorn_app(
        env, tmp_path, "--access-logfile", str(access), "--error-logfile", str(error)
    ) as base:
        yield base, access, error


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
    statuses = [
        requests.get(base + path, params=params, headers=headers, timeout=10).status_code
        for path, params in asked
    ]
    assert statuses == [200, 200, 400, 200, 200, 200]
    time.sleep(0.5)  # gunicorn writes the access line after the response
    access_text = access.read_text()
    error_text = error.read_text()
    lines = access_text.splitlines()
    assert len(lines) >= len(asked)
    # Still useful: what was asked, redacted.
    assert any(
        '"GET /api/v1/clinics/search?near=-&q=-&radius=50 HTTP/1.1" 200' in line for line in lines
    )
    assert any("lat=39.7&lon=-105.0&route=iv" in line for line in lines)
    assert any('raduis=- HTTP/1.1" 400' in line for line in lines)
    assert any('"GET /clinics/denver-iv HTTP/1.1" 200' in line for line in lines)
    for secret in SECRETS:
        assert secret not in access_text, secret
    # The error log carries the app's own lines too, through the same formatter.
    assert "[search_api] katdir app on store" in error_text
    for secret in SECRETS:
        leaks = [
            line
            for line in error_text.splitlines()
            if secret in line and "Listening at" not in line
        ]
        assert leaks == [], secret
