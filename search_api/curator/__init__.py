"""The curators' side of the app: the API under /api/v1/curator, the pages under /curator,
and the public correction and removal forms."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer

from katdir.settings import Settings


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the signing serializer made once for its keys
    rather than on every request: making one encodes a test value through Flask's tagged
    JSON, about a tenth of a trivial request's CPU, for a session most requests never use."""

    def __init__(self) -> None:
        self._made: dict[tuple, URLSafeTimedSerializer | None] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        made = self._made.get(keys)
        if made is None:
            made = self._made[keys] = super().get_signing_serializer(app)
        return made


def secret_key(settings: Settings) -> str:
    """KATDIR_SECRET_KEY, else one made once and kept in the var directory (mode 0600), so
    every worker and every restart signs sessions with the same key."""
    if settings.secret_key:
        return settings.secret_key
    path = Path(settings.var_dir) / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as out:
        out.write(secrets.token_hex(32))
    return path.read_text().strip()


def init_app(app: Flask) -> None:
    from search_api import resources
    from search_api.curator import api, pages, public

    settings = resources.settings(app)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = secret_key(settings)
    app.session_interface = SessionInterface()
    app.config.update(
        SESSION_COOKIE_NAME="katdir_curator",
        SESSION_COOKIE_SECURE=settings.cookie_secure,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        WTF_CSRF_TIME_LIMIT=12 * 3600,
        WTF_CSRF_SSL_STRICT=False,  # the session cookie is SameSite=Strict already
    )
    app.register_blueprint(api.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(public.bp)
