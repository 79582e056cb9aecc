"""Serve the web site and the API under gunicorn (`--dev`: Flask's development server)."""

from __future__ import annotations

import argparse

from katdir.cli.base import require_free_port
from katdir.settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument(
        "--dev",
        action="store_true",
        help="Flask's development server instead of gunicorn (FLASK_DEBUG=1 "
        "then turns on the debugger; never on a public address)",
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    from search_api import create_app
    from search_api.serving import serve

    require_free_port(args.host, args.port)
    print(f"katdir is serving on http://{args.host}:{args.port}/", flush=True)
    serve(lambda: create_app(settings), args.host, args.port, dev=args.dev)
    return 0
