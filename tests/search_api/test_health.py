"""`/healthz` answers while the store is away: it touches neither the store nor the geocoder."""

from __future__ import annotations

import socket


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens there once the socket is closed


def test_healthz_is_up_while_searches_cannot_reach_the_store(app_on):
    app = app_on(f"http://127.0.0.1:{closed_port()}")
    client = app.test_client()
    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.get_data(as_text=True) == "ok\n"
    assert health.headers["Cache-Control"] == "no-store"
    assert client.get("/api/v1/clinics/search?lat=39.74&lon=-104.99").status_code == 503
