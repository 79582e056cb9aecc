"""HTTP manners: CORS on the public API, ETag and Cache-Control with 304s on searches and
clinic pages, and compressed responses (Flask-CORS and Flask-Compress)."""

from __future__ import annotations

from flask import Flask, Response, request
from flask_compress import Compress
from flask_cors import CORS
from werkzeug.http import remove_entity_headers

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
ENCODINGS = ("zstd", "br", "gzip", "deflate")  # the suffixes Flask-Compress may add

compress = Compress()


def init_app(app: Flask) -> None:
    app.config.setdefault(
        "COMPRESS_MIMETYPES",
        [
            "text/html",
            "text/css",
            "text/javascript",
            "application/javascript",
            "application/json",
            "image/svg+xml",
            *FORMATS.values(),
        ],
    )
    compress.init_app(app)
    CORS(
        app,
        resources={PUBLIC_API: {"origins": "*"}},
        methods=["GET", "HEAD", "OPTIONS"],
        expose_headers=["ETag", "Retry-After", "Link", "Content-Disposition"],
        supports_credentials=False,
        send_wildcard=True,
        max_age=86400,
    )

    # Registered after Flask-Compress, so it runs before it (Flask runs these in reverse):
    # the ETag is of the uncompressed body, and a 304 is answered before anything is
    # compressed; Flask-Compress suffixes the ETag of a compressed 200 with its encoding.
    @app.after_request
    def _cache_headers(response: Response) -> Response:
        max_age = CACHED.get(request.endpoint or "")
        if (
            max_age is None
            or request.method not in ("GET", "HEAD")
            or response.status_code != 200
            or response.is_streamed
        ):
            return response
        if "ETag" not in response.headers:  # the answers' own (search_api/answers.py) are kept
            response.add_etag()
        response.headers["Cache-Control"] = f"public, max-age={max_age}"
        return not_modified_if_held(response)


def not_modified_if_held(response: Response) -> Response:
    """A 304 without a body when the client's If-None-Match names this response's ETag, as
    sent or as Flask-Compress suffixed it for an encoding ("tag:gzip")."""
    etag, _ = response.get_etag()
    held = request.if_none_match
    if not etag or not held:
        return response
    matched = next(
        (tag for tag in (etag, *(f"{etag}:{a}" for a in ENCODINGS)) if held.contains_weak(tag)),
        None,
    )
    if matched is None and not held.star_tag:
        return response
    response.status_code = 304
    response.response = []
    remove_entity_headers(response.headers)
    response.set_etag(matched or etag)
    return response
