"""HTTP manners: CORS on the public API, ETag and Cache-Control with 304s on searches and
clinic pages, and compressed responses (Flask-CORS and Flask-Compress)."""

from __future__ import annotations

from flask import Flask, Response, request
from flask_compress import Compress
from flask_cors import CORS

from katdir.export import FORMATS

# Endpoint → how long a browser or a proxy may reuse the answer, in seconds. Every one gets an
# ETag, so after that a conditional request costs a 304 when nothing changed.
CACHED = {
    "api.search_clinics": 60,
    "api.get_clinic": 300,
    "pages.index": 60,
    "pages.clinic": 300,
    "pages.what_to_expect": 3600,
}
# The public API, for any site's scripts (read-only, no credentials); the curators' API is not.
PUBLIC_API = r"^/api/v1/(?!curator(/|$)).*"

compress = Compress()


def init_app(app: Flask) -> None:
    app.config.setdefault("COMPRESS_MIMETYPES", [
        "text/html", "text/css", "text/javascript", "application/javascript",
        "application/json", "image/svg+xml", *FORMATS.values()])
    compress.init_app(app)
    CORS(app, resources={PUBLIC_API: {"origins": "*"}}, methods=["GET", "HEAD", "OPTIONS"],
         expose_headers=["ETag", "Retry-After", "Link", "Content-Disposition"],
         supports_credentials=False, send_wildcard=True, max_age=86400)

    # Registered after Flask-Compress, so it runs before it (Flask runs these in reverse):
    # the ETag is of the uncompressed body; Flask-Compress then suffixes it per encoding and
    # answers conditional requests for compressed bodies itself.
    @app.after_request
    def _cache_headers(response: Response) -> Response:
        max_age = CACHED.get(request.endpoint or "")
        if (max_age is None or request.method not in ("GET", "HEAD")
                or response.status_code != 200 or response.is_streamed):
            return response
        response.add_etag()
        response.headers["Cache-Control"] = f"public, max-age={max_age}"
        return response.make_conditional(request)
