"""Visitors' positions never reach the logs precisely."""

from __future__ import annotations

import logging

from search_api.privacy import RedactRequestLines, redact_target


def test_coordinates_are_rounded_and_places_dropped():
    target = "/api/v1/clinics/search?lat=39.73921&lon=-104.99031&radius=25&route=iv,im"
    assert (
        redact_target(target) == "/api/v1/clinics/search?lat=39.7&lon=-105.0&radius=25&route=iv,im"
    )
    assert redact_target("/?near=80202&q=spravato+denver") == "/?near=-&q=-"
    assert redact_target("/clinics/abc") == "/clinics/abc"
    assert redact_target("/?lat=abc") == "/?lat=?"


def test_werkzeug_request_lines_are_redacted():
    record = logging.LogRecord(
        "werkzeug",
        logging.INFO,
        __file__,
        1,
        '"%s" %s %s',
        ("GET /?near=80202&lat=&radius=50 HTTP/1.1", "200", "-"),
        None,
    )
    assert RedactRequestLines().filter(record)
    assert record.getMessage() == '"GET /?near=-&lat=&radius=50 HTTP/1.1" 200 -'
