"""Keeping visitors out of the logs: a search for a ketamine clinic is health data.

One logging configuration for every server (gunicorn's access and error logs, the
development server, the app's own loggers): the same line format and the same redaction
(`RedactingFormatter`; gunicorn's access lines are redacted as they are made), which keeps a
request's path but not who sent it — no IP address, no User-Agent, no referrer — and
rewrites its query: coordinates rounded to 0.1° (about 10 km),
the `near` place and the text `q` replaced, any other value kept only for parameters that
say nothing about the visitor (radius, route, sort, page…).
"""

from __future__ import annotations

import logging
import os
import re
import sys
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from gunicorn import glogging

LOG_FORMAT = "%(asctime)s [%(process)d] %(levelname)s [%(name)s] %(message)s"
DATE_FORMAT = "%Y-%m-%dT%H:%M:%S%z"
# gunicorn's access line without %(h)s (address), %(a)s (User-Agent) or %(f)s (referrer).
ACCESS_LOG_FORMAT = '"%(r)s" %(s)s %(b)s %(M)sms'

COORDINATES = {"lat", "lon"}
# Parameters whose values are choices from a short list or plain numbers: kept as given
# when they look like one, so an operator can still read what was asked.
PLAIN = {
    "radius",
    "unit",
    "route",
    "condition",
    "sort",
    "page",
    "per_page",
    "max_price",
    "insurance",
    "va",
    "therapy",
    "telehealth",
    "format",
}
_PLAIN_VALUE = re.compile(r"^[\w.,-]{0,40}$", re.ASCII)
_NAME = re.compile(r"^[a-z_]{1,20}$")
# A request target with a query, wherever it sits in a line: `GET /x?a=b HTTP/1.1`.
_REQUEST_TARGET = re.compile(r"(/[^\s\"?]*\?[^\s\"]*)")
# The development server starts each line with the client's address: "127.0.0.1 - - [...]".
_CLIENT_ADDRESS = re.compile(r"^\S+ - - (?=\[)")


def _round(value: str) -> str:
    try:
        return f"{float(value):.1f}"
    except ValueError:
        return "?"


def redact_target(target: str) -> str:
    """A request path with its query made safe to log."""
    parts = urlsplit(target)
    if not parts.query:
        return target
    pairs = []
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if not _NAME.match(key):
            key = "?"  # an unknown parameter's name may itself be a place
        if value and key in COORDINATES:
            value = _round(value)
        elif value and not (key in PLAIN and _PLAIN_VALUE.match(value)):
            value = "-"
        pairs.append((key, value))
    return urlunsplit(("", "", parts.path, urlencode(pairs, safe=",-?"), ""))


def scrub(text: str) -> str:
    """Every request target in a piece of text, redacted."""
    return _REQUEST_TARGET.sub(lambda m: redact_target(m.group(1)), text)


class RedactingFormatter(logging.Formatter):
    """The one formatter of every log handler: formats, then redacts the whole line
    (message, arguments and any traceback text alike)."""

    def __init__(
        self, fmt: str | None = LOG_FORMAT, datefmt: str | None = DATE_FORMAT, *args, **kwargs
    ):
        super().__init__(fmt, datefmt, *args, **kwargs)

    def format(self, record: logging.LogRecord) -> str:
        if record.name == "werkzeug" and isinstance(record.msg, str):
            record.msg = _CLIENT_ADDRESS.sub("", record.msg, count=1)
        return scrub(super().format(record))


class AccessLineFormatter(logging.Formatter):
    """The access log's formatter: the same line format, without a second redaction — an
    access line is made only of the atoms GunicornLogger.atoms gives, already redacted (any
    other atom a format names is printed '-'), and redacting its target again cost as much
    as making it."""

    def __init__(self) -> None:
        super().__init__(LOG_FORMAT, DATE_FORMAT)


class RedactRequestLines(logging.Filter):
    """The same redaction as a filter, for a handler that keeps its own formatter."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "werkzeug" and isinstance(record.msg, str):
            record.msg = _CLIENT_ADDRESS.sub("", record.msg, count=1)
        if isinstance(record.msg, str):
            record.msg = scrub(record.msg)
        if record.args and isinstance(record.args, tuple):
            record.args = tuple(scrub(a) if isinstance(a, str) else a for a in record.args)
        return True


class GunicornLogger(glogging.Logger):
    """gunicorn's logger with katdir's privacy: its error log's handlers (files, stdout,
    syslog, as configured) format through RedactingFormatter, the app's own loggers write to
    the same error log, and an access line has no atom that identifies the visitor."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        for handler in self.error_log.handlers:
            handler.setFormatter(RedactingFormatter())
        for handler in self.access_log.handlers:
            handler.setFormatter(AccessLineFormatter())
        # The app's own loggers write to the error log, and nowhere else (a handler that
        # the command line set up before would not redact).
        root = logging.getLogger()
        root.handlers = list(self.error_log.handlers)
        root.setLevel(self.loglevel)

    def atoms(self, resp, req, environ, request_time) -> dict:
        # Only the atoms an access line may use: the address, User-Agent, referrer and every
        # header or environ atom are left out (gunicorn prints '-' for a missing atom), and
        # the request's target is redacted. gunicorn's own atoms() would copy every header
        # and environ variable first, to be thrown away here.
        status = resp.status
        sent = getattr(resp, "sent", None)
        seconds, micros = request_time.seconds, request_time.microseconds
        atoms = {
            "l": "-",
            "t": self.now(),
            "s": status.split(None, 1)[0] if isinstance(status, str) else status,
            "m": environ.get("REQUEST_METHOD"),
            "H": environ.get("SERVER_PROTOCOL"),
            "b": str(sent) if sent is not None else "-",
            "B": sent,
            "T": seconds,
            "D": seconds * 1_000_000 + micros,
            "M": seconds * 1000 + micros // 1000,
            "L": f"{seconds}.{micros:06d}",
            "p": f"<{os.getpid()}>",
        }
        atoms["h"] = atoms["a"] = atoms["f"] = atoms["u"] = "-"
        target = redact_target(environ.get("RAW_URI") or environ.get("PATH_INFO") or "")
        atoms["r"] = f"{environ['REQUEST_METHOD']} {target} {environ['SERVER_PROTOCOL']}"
        atoms["U"] = environ.get("PATH_INFO")
        atoms["q"] = urlsplit(target).query
        return atoms


def configure_logging(level: int = logging.INFO) -> None:
    """The development server's and the CLI's logging: the same line format and redaction
    as under gunicorn, on stderr."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(RedactingFormatter())
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)


def init_app(app) -> None:
    # Whatever logging the host process set up, werkzeug's request lines are redacted.
    werkzeug_log = logging.getLogger("werkzeug")
    if not any(isinstance(f, RedactRequestLines) for f in werkzeug_log.filters):
        werkzeug_log.addFilter(RedactRequestLines())
