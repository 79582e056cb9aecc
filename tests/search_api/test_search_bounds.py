"""The API's side of bounded text search: the word cap as a 400 naming `q`, a stopped search
as a 503 with Retry-After, and the check that tells a store its client has hung up."""

from __future__ import annotations

import socket

import pytest

from bench.synthetic import synthetic_clinics
from katdir.store import MAX_TEXT_WORDS, open_store
from search_api.hangup import hung_up


@pytest.fixture
def app(app_on, clinics_url):
    with open_store(clinics_url) as store:
        store.upsert(synthetic_clinics(3000))  # enough work for the deadline to be checked
    return app_on(clinics_url)


def test_a_text_of_too_many_words_is_a_400_naming_q(app):
    words = " ".join(["ketamine"] * (MAX_TEXT_WORDS + 1))
    response = app.test_client().get(
        "/api/v1/clinics/search", query_string={"near": "80202", "q": words}
    )
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["details"]["parameter"] == "q"
    assert error["details"]["accepted"] == f"at most {MAX_TEXT_WORDS} words"
    ok = app.test_client().get(
        "/api/v1/clinics/search",
        query_string={"near": "80202", "q": " ".join(["ketamine"] * MAX_TEXT_WORDS)},
    )
    assert ok.status_code == 200


def test_a_search_stopped_at_its_deadline_is_a_503_with_retry_after(app):
    app.extensions["katdir.store"].search_timeout = 0.0
    api = app.test_client().get(
        "/api/v1/clinics/search", query_string={"near": "80202", "radius": 500, "q": "d"}
    )
    assert api.status_code == 503
    assert api.headers["Retry-After"] == "5"
    assert api.get_json()["error"]["code"] == "search_too_costly"
    page = app.test_client().get("/", query_string={"near": "80202", "radius": 500, "q": "d"})
    assert page.status_code == 503 and b"took too long" in page.data


def test_hung_up_tells_a_closed_connection_from_an_open_or_busy_one():
    server, client = socket.socketpair()
    with server:
        assert not hung_up(server)  # open, nothing sent
        client.sendall(b"GET / HTTP/1.1\r\n")
        assert not hung_up(server)  # a pipelined request waiting is not a hang-up
        assert server.recv(100)
        client.close()
        assert hung_up(server)
