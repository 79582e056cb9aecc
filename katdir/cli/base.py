"""What every command shares: the operator-fixable error, and reading lines and seed files."""

from __future__ import annotations

import socket
import sys
from collections.abc import Iterator
from typing import TextIO


class CommandError(Exception):
    """A failure the operator can fix; printed without a traceback."""


def read_lines(path: str) -> Iterator[tuple[int, str]]:
    """(line number, line) of a file's non-blank lines; `-` reads standard input."""
    stream: TextIO = sys.stdin if path == "-" else open(path, encoding="utf-8")  # noqa: SIM115
    try:
        for number, line in enumerate(stream, 1):
            if line.strip():
                yield number, line
    finally:
        if stream is not sys.stdin:
            stream.close()


def seed_lines(path: str | None) -> list[str]:
    from crawler.seeds import load_seeds

    return load_seeds(path) if path else []


def require_free_port(host: str, port: int) -> None:
    """Fail now, before any URL is printed, when another program holds `host:port`."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        try:
            probe.bind((host, port))
        except OSError as err:
            raise CommandError(
                f"cannot listen on {host}:{port} ({err.strerror or err}); another program "
                f"is using it: choose another port with --port (make demo PORT=…)") from None
