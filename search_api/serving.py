"""Running the app: under gunicorn, always — the development server only when asked (`--dev`).

`katdir serve` and the demo both come here, so they run exactly as the container does: the
shared settings in `search_api/gunicorn_conf.py` (processes, time limits, privacy of the
logs), with the command's address on top. Only the development server may run Flask's
debugger (FLASK_DEBUG=1); `create_app` switches debug mode off everywhere else.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask
from gunicorn.app.base import Application

CONFIG = "python:search_api.gunicorn_conf"


class GunicornServer(Application):
    """gunicorn with katdir's configuration file and a few overrides, serving an app built by
    `factory` in each worker."""

    def __init__(self, factory: Callable[[], Flask], **overrides):
        self.factory, self.overrides = factory, overrides
        super().__init__()

    def init(self, parser, opts, args):  # gunicorn's command line is not ours
        return None

    def load_config(self) -> None:
        self.load_config_from_module_name_or_filename(CONFIG)
        for name, value in self.overrides.items():
            self.cfg.set(name, value)

    def load(self) -> Flask:
        return self.factory()


def serve(factory: Callable[[], Flask], host: str, port: int, *, dev: bool = False) -> None:
    """Serve until interrupted: gunicorn on host:port, or Flask's development server."""
    if dev:
        from search_api.privacy import configure_logging

        configure_logging(logging.INFO)
        factory().run(host=host, port=port, threaded=True, use_reloader=False)
        return
    GunicornServer(factory, bind=f"{host}:{port}").run()
