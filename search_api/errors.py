"""JSON errors for the API: `{"error": {"code", "message", "details"}}` with the right status."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

from katdir.store import StoreUnavailable
from search_api.params import BadParameter

log = logging.getLogger(__name__)


class APIError(Exception):
    def __init__(self, status: int, code: str, message: str, details: Any = None):
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details


def error_response(status: int, code: str, message: str, details: Any = None):
    response = jsonify({"error": {"code": code, "message": message, "details": details or {}}})
    response.status_code = status
    return response


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def init_app(app: Flask) -> None:
    @app.errorhandler(APIError)
    def _api_error(err: APIError):
        return error_response(err.status, err.code, err.message, err.details)

    @app.errorhandler(BadParameter)
    def _bad_parameter(err: BadParameter):
        return error_response(400, "invalid_parameter", err.message, err.details())

    @app.errorhandler(StoreUnavailable)
    def _store_down(err: StoreUnavailable):
        log.warning("store unavailable: %s", err)
        message = "the clinic store cannot be reached right now; please retry shortly"
        if _wants_json():
            response = error_response(503, "store_unavailable", message)
        else:
            response = app.make_response((message.capitalize() + ".", 503))
        response.headers["Retry-After"] = str(app.extensions["katdir.settings"].retry_after)
        return response

    @app.errorhandler(HTTPException)
    def _http_error(err: HTTPException):
        if not _wants_json():
            return err
        code = (err.name or "error").lower().replace(" ", "_")
        return error_response(err.code or 500, code, err.description or err.name)

    @app.errorhandler(Exception)
    def _unexpected(err: Exception):
        log.exception("unexpected error on %s %s", request.method, request.path)
        if not _wants_json():
            return "Internal error", 500
        return error_response(500, "internal_error", "an unexpected error occurred")
