"""The Flask app: the JSON API under /api/v1 and the web pages, over one store."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask

from katdir.settings import Settings, load_settings, table


def create_app(config: Settings | Mapping[str, Any] | None = None) -> Flask:
    """Build the app from katdir's settings (default: read from the environment).

    `config` is either the `Settings` to use, or overrides: keys naming a katdir setting
    (`KATDIR_STORE` or `store`) change that setting; any other key (`TESTING`) goes to Flask's
    config. The effective settings are `app.extensions["katdir.settings"]`."""
    app = Flask(__name__)
    app.config.update(JSON_SORT_KEYS=False)
    if isinstance(config, Settings):
        settings = config
    else:
        names = {name for info in table() for name in (info.env, info.name)}
        overrides = {k: v for k, v in (config or {}).items() if k in names}
        app.config.update({k: v for k, v in (config or {}).items() if k not in names})
        settings = load_settings(overrides=overrides)
    app.extensions["katdir.settings"] = settings
    # Debug mode runs Werkzeug's debugger: code execution for whoever sees an error page.
    # Off whatever FLASK_DEBUG or a config key says; only `katdir serve --dev` may turn it on.
    app.debug = False

    from search_api import (
        answers,
        curator,
        errors,
        formatting,
        hangup,
        health,
        http_manners,
        json_provider,
        limits,
        pages,
        privacy,
        resources,
        security,
    )
    from search_api.api import api

    json_provider.init_app(app)
    resources.init_app(app)
    answers.init_app(app)
    errors.init_app(app)
    formatting.init_app(app)
    http_manners.init_app(app)
    hangup.init_app(app)
    security.init_app(app)
    privacy.init_app(app)
    app.register_blueprint(api)
    app.register_blueprint(pages.bp)
    app.register_blueprint(health.bp)
    curator.init_app(app)
    limits.init_app(app)  # after the views: it wraps the forms' views with their own limit
    logging.getLogger(__name__).info("katdir app on store %s", resources.describe_store(app))
    return app
