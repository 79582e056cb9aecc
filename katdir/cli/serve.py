"""Serve the web site and the API (production: gunicorn "search_api:create_app()")."""

from __future__ import annotations

import argparse

from katdir.cli.base import require_free_port
from katdir.settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from search_api import create_app

    require_free_port(args.host, args.port)
    app = create_app(settings)
    print(f"katdir is serving on http://{args.host}:{args.port}/", flush=True)
    app.run(host=args.host, port=args.port, threaded=True, use_reloader=False)
    return 0
