"""JSON errors for the API: `{"error": {"code", "message", "details"}}` with the right status."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

from katdir.store import SearchTooCostly, StoreUnavailable, WriterBusy
from search_api.params import BadParameter
from search_api.text_slots import TextSearchBusy

log = logging.getLogger(__name__)


class APIError(Exception):
    def __init__(self, status: int, code: str, message: str, details: Any = None):
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details


def error_response(status: int, code: str, message: str, details: Any = None):
    response = jsonify({"error": {"code": code, "message": message, "details": details or {}}})
    response.status_code = status
    return response


def _page_message(err: HTTPException) -> str | None:
    """A description the app wrote for people (abort(404, description=…)), else ours."""
    default = type(err).description
    return err.description if err.description and err.description != default else None


def _wants_json() -> bool:
    return request.path.startswith("/api/")


PAGE_TITLES = {
    400: "This request could not be understood",
    404: "Page not found",
    405: "That is not something this page can do",
    500: "Something went wrong on our side",
    503: "The directory is unavailable for a moment",
}
PAGE_MESSAGES = {
    404: "There is nothing at this address. The clinic or page may have moved or been removed.",
    500: "The error has been logged. Please try again, or start a new search.",
    503: "The clinic store cannot be reached right now: please retry in a few seconds.",
}


def error_page(status: int, message: str | None = None, *, retry_after: bool = False):
    """An error as a page in the site's style, with the right status and a way on."""
    from flask import render_template  # pages only: the API answers JSON

    title = PAGE_TITLES.get(status, "Something went wrong")
    body = render_template(
        "error.html",
        status=status,
        title=title,
        message=message or PAGE_MESSAGES.get(status, title + "."),
        retry_after=retry_after,
    )
    return body, status


def init_app(app: Flask) -> None:
    @app.errorhandler(APIError)
    def _api_error(err: APIError):
        return error_response(err.status, err.code, err.message, err.details)

    @app.errorhandler(BadParameter)
    def _bad_parameter(err: BadParameter):
        return error_response(400, err.code, err.message, err.details())

    def unavailable(code: str, message: str, retry_after: int, *, own_page: bool = True):
        """A 503 that says why and when to come back (Retry-After), as JSON or as a page."""
        if _wants_json():
            response = error_response(503, code, message)
        elif own_page:
            response = app.make_response(error_page(503, message.capitalize() + "."))
        else:
            response = app.make_response(error_page(503, retry_after=True))
        response.headers["Retry-After"] = str(retry_after)
        return response

    @app.errorhandler(StoreUnavailable)
    def _store_down(err: StoreUnavailable):
        log.warning("store unavailable: %s", err)
        return unavailable(
            "store_unavailable",
            "the clinic store cannot be reached right now; please retry shortly",
            app.extensions["katdir.settings"].retry_after,
            own_page=False,
        )

    @app.errorhandler(SearchTooCostly)
    def _too_costly(err: SearchTooCostly):
        log.warning("search stopped: %s", err)
        return unavailable(
            "search_too_costly",
            "this search took too long and was stopped; "
            "try fewer or longer words, or a smaller radius",
            app.extensions["katdir.settings"].retry_after,
        )

    @app.errorhandler(TextSearchBusy)
    def _text_busy(err: TextSearchBusy):
        log.info("text search refused: %s", err)
        return unavailable(
            "text_search_busy",
            "too many text searches are running right now; retry in a second, "
            "or search without a text",
            1,
        )

    @app.errorhandler(WriterBusy)
    def _writer_busy(err: WriterBusy):
        log.warning("write refused: %s", err)  # names the run, for the operator
        return unavailable(
            "writer_busy",
            "the directory is being updated by an indexing run; nothing was "
            "saved: please send this again in a minute",
            60,
        )

    @app.errorhandler(HTTPException)
    def _http_error(err: HTTPException):
        if not _wants_json():
            response = app.make_response(error_page(err.code or 500, _page_message(err)))
            for name in ("Allow", "Retry-After"):  # what the exception set (405's Allow)
                value = err.get_response().headers.get(name)
                if value:
                    response.headers[name] = value
            return response
        code = (err.name or "error").lower().replace(" ", "_")
        response = error_response(err.code or 500, code, err.description or err.name)
        # What the exception says besides its body: Allow on a 405, Retry-After on a 429…
        for name, value in err.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def _unexpected(err: Exception):
        log.exception("unexpected error on %s %s", request.method, request.path)
        if not _wants_json():
            return error_page(500)
        return error_response(500, "internal_error", "an unexpected error occurred")
