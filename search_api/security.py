"""Response headers that keep the pages safe whatever a record says (flask-talisman).

Every response, API or page, says: scripts, styles, images and form posts come from this
site only (the pages load only their own static files), no site may frame these pages, no
referrer leaves them, and browsers must not sniff types. TLS itself belongs to the proxy in
front, so nothing here redirects to https; HSTS is sent on https requests only.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import flask_talisman
from flask import Flask, Response, request
from werkzeug.datastructures import Headers

CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "connect-src": "'self'",
    "font-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
# "Use my location" asks the browser for a position on this site; nothing else is granted.
PERMISSIONS_POLICY = {
    "geolocation": "(self)",
    "camera": "()",
    "microphone": "()",
    "browsing-topics": "()",
}


class Talisman(flask_talisman.Talisman):
    """flask-talisman, with each endpoint's options and headers made once rather than on
    every response (they were about a third of a trivial request's CPU). They depend only on
    the endpoint's view (its Talisman options, fixed once the app is set up) and on whether
    the request came over TLS (HSTS); a view whose policy takes a nonce, which differs on
    every response, gets its headers made each time, as before."""

    def init_app(self, app: Flask, **kwargs: Any) -> None:
        super().init_app(app, **kwargs)
        self._options: dict[str | None, dict[str, Any]] = {}
        self._headers: dict[tuple[str | None, bool], list[tuple[str, str]]] = {}

    def _get_local_options(self) -> dict[str, Any]:
        options = self._options.get(request.endpoint)
        if options is None:
            options = self._options[request.endpoint] = super()._get_local_options()
        return options

    def _set_response_headers(self, response: Response) -> Response:
        if self._get_local_options()["content_security_policy_nonce_in"]:
            return super()._set_response_headers(response)
        over_tls = request.is_secure or request.headers.get("X-Forwarded-Proto") == "https"
        key = (request.endpoint, over_tls)
        made = self._headers.get(key)
        if made is None:
            scratch = SimpleNamespace(headers=Headers())
            super()._set_response_headers(scratch)
            made = self._headers[key] = list(scratch.headers.items())
        response.headers.update(made)
        return response


def tile_source(url_template: str) -> str:
    """The CSP source of an operator's map tile server: its scheme and host, `{s}.` → `*.`."""
    parts = urlsplit(url_template.replace("{s}.", "wildcard-subdomain."))
    host = (parts.hostname or "").replace("wildcard-subdomain.", "*.")
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}" if parts.scheme in ("http", "https") and host else ""


def init_app(app: Flask) -> None:
    policy = dict(CONTENT_SECURITY_POLICY)
    tiles = tile_source(app.extensions["katdir.settings"].map_tile_url)
    if tiles:  # the operator chose a tile server (off by default): the maps may load from it
        policy["img-src"] = f"{policy['img-src']} {tiles}"
    app.extensions["katdir.talisman"] = Talisman(
        app,
        force_https=False,
        frame_options="DENY",
        content_security_policy=policy,
        permissions_policy=PERMISSIONS_POLICY,
        referrer_policy="no-referrer",
        # Secure cookies when the site is served over TLS (set SESSION_COOKIE_SECURE there);
        # a plain-http demo on 127.0.0.1 must still keep a curator's session.
        session_cookie_secure=bool(app.config.get("SESSION_COOKIE_SECURE", False)),
        x_content_type_options=True,
    )
