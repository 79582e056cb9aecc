"""Keeping visitors' whereabouts out of logs: a search for a ketamine clinic is health data.

Request lines are logged with coordinates rounded to 0.1° (about 10 km) and the `near`
place and text query replaced, whichever server writes them.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

PRIVATE = {"near", "q"}
COORDINATES = {"lat", "lon"}
_REQUEST_TARGET = re.compile(r"(\S+\?\S*)")


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
        if key in PRIVATE and value:
            value = "-"
        elif key in COORDINATES and value:
            value = _round(value)
        pairs.append((key, value))
    return urlunsplit(("", "", parts.path, urlencode(pairs, safe=",-?"), ""))


class RedactRequestLines(logging.Filter):
    """Rewrites request lines in werkzeug's access log ('GET /?lat=… HTTP/1.1')."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args and isinstance(record.args, tuple):
            record.args = tuple(
                _REQUEST_TARGET.sub(lambda m: redact_target(m.group(1)), a) if isinstance(a, str)
                else a for a in record.args)
        return True


def init_app(app) -> None:
    werkzeug_log = logging.getLogger("werkzeug")
    if not any(isinstance(f, RedactRequestLines) for f in werkzeug_log.filters):
        werkzeug_log.addFilter(RedactRequestLines())
