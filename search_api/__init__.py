"""The Flask app: the JSON API under /api/v1 and the web pages, over one store."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask

from katdir.config import Settings


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app. `config` overrides the environment (tests pass a store URL here)."""
    app = Flask(__name__)
    settings = Settings.from_env()
    app.config.update(
        KATDIR_STORE=settings.store_url,
        KATDIR_ES_PREFIX=settings.es_prefix,
        KATDIR_GEOCODER=settings.geocoder,
        KATDIR_GEOCODER_OPTIONS=settings.geocoder_options,
        KATDIR_GEOCODE_CACHE=str(settings.geocode_cache_path),
        KATDIR_USER_AGENT=settings.user_agent,
        KATDIR_RETRY_AFTER=5,
        JSON_SORT_KEYS=False,
    )
    app.config.from_prefixed_env("KATDIR")
    if config:
        app.config.update(config)

    from search_api import (
        errors,
        formatting,
        hangup,
        health,
        http_manners,
        pages,
        privacy,
        resources,
    )
    from search_api.api import api

    resources.init_app(app)
    errors.init_app(app)
    formatting.init_app(app)
    http_manners.init_app(app)
    hangup.init_app(app)
    privacy.init_app(app)
    app.register_blueprint(api)
    app.register_blueprint(pages.bp)
    app.register_blueprint(health.bp)
    logging.getLogger(__name__).info("katdir app on store %s", resources.describe_store(app))
    return app
