"""`/healthz`: the process is up and serving. It touches neither the store nor the geocoder,
so a load balancer can probe it cheaply and the load benchmark can use it as the framework's
ceiling (bench/bench_load.py)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    return "ok\n", 200, {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}
