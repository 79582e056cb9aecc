"""The app's long-lived resources — its settings, the store and the geocoder — bound once."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, current_app

from katdir.geocoding import Gazetteer, Geocoder, build_geocoder
from katdir.settings import Settings
from katdir.store import Store, open_store


def init_app(app: Flask) -> None:
    settings = app.extensions["katdir.settings"]
    app.extensions["katdir.store"] = open_store(settings)
    # Offline (gazetteer + cache) unless KATDIR_API_ONLINE_GEOCODING: visitors' addresses
    # stay on this machine.
    app.extensions["katdir.geocoder"] = build_geocoder(settings, for_visitors=True)
    Gazetteer.load_data()  # now, rather than on the first visitor's search
    app.extensions["katdir.store"].warm()  # begun now, on a thread: the first searches use SQL

    @app.teardown_appcontext
    def _release_store(_exc: BaseException | None) -> None:
        # The request's store connection goes back to the pool: the number of threads a
        # server starts never multiplies connections, memory or file descriptors.
        app.extensions["katdir.store"].release()


def settings(app: Flask | None = None) -> Settings:
    return (app or current_app).extensions["katdir.settings"]


def store() -> Store:
    return current_app.extensions["katdir.store"]


def geocoder() -> Geocoder:
    return current_app.extensions["katdir.geocoder"]


def describe_store(app: Flask) -> str:
    """The store URL without credentials, for logs."""
    parts = urlsplit(settings(app).store_url.split(",")[0])
    host = parts.hostname or ""
    return f"{parts.scheme}://{host}{':' + str(parts.port) if parts.port else ''}{parts.path}"
