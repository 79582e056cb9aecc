"""The curators' side of the app: the API under /api/v1/curator, the pages under /curator,
and the public correction and removal forms."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from search_api.curator import api

    app.register_blueprint(api.bp)
