"""Response headers that keep the pages safe whatever a record says (flask-talisman).

Every response, API or page, says: scripts, styles, images and form posts come from this
site only (the pages load only their own static files), no site may frame these pages, no
referrer leaves them, and browsers must not sniff types. TLS itself belongs to the proxy in
front, so nothing here redirects to https; HSTS is sent on https requests only.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask
from flask_talisman import Talisman

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
