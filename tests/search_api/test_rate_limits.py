"""Rate limits and method errors (issue 11, finding 9): a client over its budget gets 429 with
Retry-After on the API and the pages alike, others are unaffected, static files and the
health check are free, the counters hold no IP address, the public forms have a stricter
limit, and a 405 says which methods are allowed."""

from __future__ import annotations

import pytest

from search_api.limits import limit_forms

SEARCH = "/api/v1/clinics/search?near=80202"


@pytest.fixture
def app(app_on, clinics_url):
    return app_on(clinics_url, KATDIR_RATE_LIMIT="5/minute", KATDIR_RATE_LIMIT_FORMS="2/hour")


def as_client(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_a_client_over_its_budget_gets_429_with_retry_after_on_api_and_pages(app):
    visitor = as_client(app, "203.0.113.9")
    assert [visitor.get(SEARCH).status_code for _ in range(5)] == [200] * 5
    api = visitor.get(SEARCH)
    assert api.status_code == 429
    assert api.get_json()["error"]["code"] == "too_many_requests"
    assert 1 <= int(api.headers["Retry-After"]) <= 61
    page = visitor.get("/?near=80202")  # one budget across the API and the pages
    assert page.status_code == 429 and int(page.headers["Retry-After"]) >= 1
    assert page.headers["Content-Security-Policy"]
    # Another visitor is not affected; static files and the health check are not counted.
    assert as_client(app, "198.51.100.7").get(SEARCH).status_code == 200
    assert visitor.get("/static/site.css").status_code == 200
    assert visitor.get("/healthz").status_code == 200


def test_the_counters_hold_no_ip_address(app):
    as_client(app, "203.0.113.9").get(SEARCH)
    storage = app.extensions["katdir.limiter"].storage
    keys = " ".join(map(str, storage.storage)) + " ".join(map(str, storage.expirations))
    assert keys and "203.0.113.9" not in keys


def test_the_public_forms_have_a_stricter_limit(app):
    @app.post("/request-a-correction")
    def correction():
        return "thank you"

    limit_forms(app, "correction")
    visitor = as_client(app, "203.0.113.9")
    assert [visitor.post("/request-a-correction").status_code for _ in range(3)] == [200, 200, 429]


def test_a_405_says_which_methods_are_allowed(app):
    response = app.test_client().post(SEARCH)
    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == "method_not_allowed"
    assert set(response.headers["Allow"].replace(" ", "").split(",")) == {"GET", "HEAD", "OPTIONS"}
    assert app.test_client().delete("/api/v1/clinics/denver-iv").headers["Allow"]


def test_no_limit_when_the_setting_is_empty(app_on, sqlite_url):
    app = app_on(sqlite_url, KATDIR_RATE_LIMIT="off")
    client = as_client(app, "203.0.113.9")
    assert {client.get(SEARCH).status_code for _ in range(20)} == {200}
