"""The app's long-lived resources — the store and the geocoder — bound to the app once."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, current_app

from katdir.geocoding import Gazetteer, build_geocoder
from katdir.store import Store, open_store


def init_app(app: Flask) -> None:
    app.extensions["katdir.store"] = open_store(
        app.config["KATDIR_STORE"], es_prefix=app.config["KATDIR_ES_PREFIX"])
    app.extensions["katdir.geocoder"] = build_geocoder(
        app.config["KATDIR_GEOCODER"],
        cache_path=app.config["KATDIR_GEOCODE_CACHE"],
        user_agent=app.config["KATDIR_USER_AGENT"],
        online_options=app.config["KATDIR_GEOCODER_OPTIONS"],
    )
    Gazetteer.load_data()  # now, rather than on the first visitor's search

    @app.teardown_appcontext
    def _release_store(_exc: BaseException | None) -> None:
        # The request's store connection goes back to the pool: the number of threads a
        # server starts never multiplies connections, memory or file descriptors.
        app.extensions["katdir.store"].release()


def store() -> Store:
    return current_app.extensions["katdir.store"]


def geocoder():
    return current_app.extensions["katdir.geocoder"]


def describe_store(app: Flask) -> str:
    """The store URL without credentials, for logs."""
    parts = urlsplit(app.config["KATDIR_STORE"].split(",")[0])
    host = parts.hostname or ""
    return f"{parts.scheme}://{host}{':' + str(parts.port) if parts.port else ''}{parts.path}"
