"""Rate limits on the public API, pages and forms (Flask-Limiter): a client that asks too much
gets 429 with Retry-After, and the others keep their share of the workers.

A client is known by its address hashed with a secret of the process: the counters — in
memory, or in a shared backend (KATDIR_RATE_LIMIT_STORAGE) so that every worker counts
together — never hold an IP address, and forget it with their window. Static files and the
health check are not counted. One limiter per app (`app.extensions["katdir.limiter"]`).
"""

from __future__ import annotations

import hashlib
import math
import secrets
import time
from collections.abc import Callable

from flask import Flask, request
from flask_limiter import Limiter, RateLimitExceeded

_SALT = secrets.token_bytes(16)  # per process: a hashed address means nothing elsewhere
UNCOUNTED_ENDPOINTS = frozenset({"static", "health.healthz"})
# The public's correction and removal forms (search_api/curator/public.py).
FORM_ENDPOINTS = ("clinic_requests.correction", "clinic_requests.removal")


def client_key() -> str:
    address = (request.remote_addr or "-").encode()
    return hashlib.sha256(_SALT + address).hexdigest()[:24]


NO_LIMIT = frozenset({"", "off", "none", "0"})


def init_app(app: Flask) -> None:
    settings = app.extensions["katdir.settings"]
    limited = settings.rate_limit.strip().lower() not in NO_LIMIT
    app.extensions["katdir.limiter"] = Limiter(
        client_key,
        app=app,
        enabled=limited,
        # One budget per client across every page and endpoint (not one per route).
        application_limits=[settings.rate_limit] if limited else [],
        application_limits_exempt_when=lambda: request.endpoint in UNCOUNTED_ENDPOINTS,
        storage_uri=settings.rate_limit_storage,
    )

    limit_forms(app, *(e for e in FORM_ENDPOINTS if e in app.view_functions))

    @app.errorhandler(RateLimitExceeded)
    def _too_many(err: RateLimitExceeded):
        from search_api.errors import error_response

        current = app.extensions["katdir.limiter"].current_limit
        wait = max(1, math.ceil(current.reset_at - time.time())) if current else 60
        message = f"too many requests from you ({err.limit.limit}); retry in {wait} s"
        if request.path.startswith("/api/"):
            response = error_response(429, "too_many_requests", message)
        else:
            response = app.make_response((message.capitalize() + ".", 429))
        response.headers["Retry-After"] = str(wait)
        return response


def limit_forms(app: Flask, *endpoints: str) -> None:
    """The public forms' stricter limit (KATDIR_RATE_LIMIT_FORMS) on their POSTs: one budget
    for all of them, so a flood cannot move from one form to the next."""
    limiter: Limiter = app.extensions["katdir.limiter"]
    forms = app.extensions["katdir.settings"].rate_limit_forms
    if forms.strip().lower() in NO_LIMIT:
        return
    shared = limiter.shared_limit(forms, scope="public-forms", methods=["POST"])
    for endpoint in endpoints:
        view: Callable = app.view_functions[endpoint]
        app.view_functions[endpoint] = shared(view)
