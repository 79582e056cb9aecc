"""What every command shares: the operator-fixable error, and reading lines and seed files."""

from __future__ import annotations

import codecs
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

SNIFF_BYTES = 64 * 1024  # how much of a file is looked at for NUL bytes (binary files)


class CommandError(Exception):
    """A failure the operator can fix; printed without a traceback."""


def input_file(path: str, what: str, *, text: bool = True) -> Path:
    """`path` if it is a readable, non-empty file of `what` — UTF-8 text unless `text` is
    false; otherwise a CommandError that says what is wrong with it, in one line."""
    file = Path(path)
    try:
        if file.is_dir():
            raise CommandError(f"{path} is a directory, not {what}")
        with file.open("rb") as stream:
            head = stream.read(SNIFF_BYTES)
            if not head:
                raise CommandError(f"{path} is empty: expected {what}")
            if b"\0" in head:
                raise CommandError(f"{path} is a binary file, not {what}")
            if text:
                _check_utf8(path, head, stream)
    except FileNotFoundError:
        raise CommandError(f"{path}: no such file (expected {what})") from None
    except PermissionError:
        raise CommandError(f"{path}: not allowed to read it") from None
    return file


def _check_utf8(path: str, head: bytes, stream) -> None:
    decoder = codecs.getincrementaldecoder("utf-8")()
    chunk, offset = head, 0
    try:
        while chunk:
            decoder.decode(chunk)
            offset += len(chunk)
            chunk = stream.read(1024 * 1024)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as err:
        raise CommandError(
            f"{path} is not UTF-8 text (byte {offset + err.start}: "
            f"{err.object[err.start : err.start + 1]!r}); save it as UTF-8"
        ) from None


def read_lines(path: str, what: str = "JSON Lines") -> Iterator[tuple[int, str]]:
    """(line number, line) of a file's non-blank lines; `-` reads standard input."""
    if path != "-":
        input_file(path, what)
    stream: TextIO = sys.stdin if path == "-" else open(path, encoding="utf-8")  # noqa: SIM115
    number = 0
    try:
        for number, line in enumerate(stream, 1):
            if line.strip():
                yield number, line
    except UnicodeDecodeError:
        raise CommandError(
            f"{path} is not UTF-8 text (near line {number + 1}); save it as UTF-8"
        ) from None
    finally:
        if stream is not sys.stdin:
            stream.close()


def seed_lines(path: str | None) -> list[str]:
    from crawler.seeds import load_seeds

    if not path:
        return []
    input_file(path, "a seeds file (one URL a line)")
    return load_seeds(path)


def require_free_port(host: str, port: int) -> None:
    """Fail now, before any URL is printed, when another program holds `host:port`."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        try:
            probe.bind((host, port))
        except OSError as err:
            raise CommandError(
                f"cannot listen on {host}:{port} ({err.strerror or err}); another program "
                f"is using it: choose another port with --port (make demo PORT=…)"
            ) from None
