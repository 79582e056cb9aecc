"""Flask's JSON through orjson: the same output as Flask's own provider (keys sorted, dates and
dataclasses as Flask writes them), several times faster to encode — JSON encoding was a good
part of a search's time in the worker (BENCHMARKS.md)."""

from __future__ import annotations

from typing import Any

import orjson
from flask import Flask, Response
from flask.json.provider import DefaultJSONProvider

# Dates and dataclasses go to Flask's `default` (RFC 822 dates, as before), not orjson's own.
OPTIONS = (
    orjson.OPT_SORT_KEYS
    | orjson.OPT_NON_STR_KEYS
    | orjson.OPT_PASSTHROUGH_DATETIME
    | orjson.OPT_PASSTHROUGH_DATACLASS
)


class OrjsonProvider(DefaultJSONProvider):
    def dumps_bytes(self, obj: Any) -> bytes:
        return orjson.dumps(obj, default=self.default, option=OPTIONS)

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        if kwargs:  # indent, separators…: only the standard library knows them
            return super().dumps(obj, **kwargs)
        return self.dumps_bytes(obj).decode()

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return super().loads(s, **kwargs) if kwargs else orjson.loads(s)

    def response(self, *args: Any, **kwargs: Any) -> Response:
        obj = self._prepare_response_obj(args, kwargs)
        return self._app.response_class(self.dumps_bytes(obj) + b"\n", mimetype=self.mimetype)


def init_app(app: Flask) -> None:
    app.json = OrjsonProvider(app)
