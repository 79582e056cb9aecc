"""Stopping a search whose visitor has gone: the store asks `client_gone` while it works.

The servers hand the request's socket to the app (gunicorn as `gunicorn.socket`, the
development server as `werkzeug.socket`); a peek that reads end-of-file means the client
closed its side, so the answer would go nowhere.
"""

from __future__ import annotations

import socket
import ssl
from functools import partial

from flask import Flask, g, request

from katdir.store import client_gone


def hung_up(sock: socket.socket) -> bool:
    """Has the peer closed the connection? Never blocks; data waiting means it is still there."""
    try:
        return sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
    except (BlockingIOError, InterruptedError):
        return False
    except OSError:  # reset by the peer, or no longer a connected socket
        return True


def init_app(app: Flask) -> None:
    @app.before_request
    def _watch_client() -> None:
        sock = request.environ.get("gunicorn.socket") or request.environ.get("werkzeug.socket")
        # A TLS socket cannot peek without decrypting: such requests just run to their deadline.
        if isinstance(sock, socket.socket) and not isinstance(sock, ssl.SSLSocket):
            g.client_gone_token = client_gone.set(partial(hung_up, sock))

    @app.teardown_request
    def _unwatch_client(_exc: BaseException | None) -> None:
        token = g.pop("client_gone_token", None)
        if token is not None:
            client_gone.reset(token)
