"""The curators' pages: login with CSRF and a lock after wrong passwords, the queue, the
review page with quotes and the diff, decisions from forms (409 on a stale version), and the
public's correction and removal forms (honeypot, rate limit)."""

from __future__ import annotations

import re

import pytest

from katdir.curator.accounts import LOCK_AFTER
from katdir.model import Change, utcnow
from tests.search_api.curator_fixtures import PASSWORD, make_setup

HTTPS = "https://localhost"


@pytest.fixture
def setup(tmp_path):
    made = make_setup(f"sqlite:///{tmp_path / 'k.db'}", tmp_path)
    yield made
    made.store.close()


def csrf(page) -> str:
    return re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True)
    ).group(1)


def log_in(client, email="cura@example.org", password=PASSWORD):
    token = csrf(client.get("/curator/login", base_url=HTTPS))
    return client.post(
        "/curator/login",
        base_url=HTTPS,
        data={"csrf_token": token, "email": email, "password": password},
    )


def test_login_needs_the_csrf_token_and_sets_a_secure_session(setup):
    client = setup.client
    assert client.get("/curator/", base_url=HTTPS).status_code == 302
    no_token = client.post(
        "/curator/login", base_url=HTTPS, data={"email": "cura@example.org", "password": PASSWORD}
    )
    assert no_token.status_code == 400
    done = log_in(client)
    assert done.status_code == 302 and done.headers["Location"] == "/curator/"
    cookie = done.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert client.get("/curator/", base_url=HTTPS).status_code == 200
    # log out: a POST with the token
    page = client.get("/curator/", base_url=HTTPS)
    client.post("/curator/logout", base_url=HTTPS, data={"csrf_token": csrf(page)})
    assert client.get("/curator/", base_url=HTTPS).status_code == 302


def test_repeated_wrong_passwords_lock_the_account(setup):
    client = setup.client
    for _ in range(LOCK_AFTER):
        assert log_in(client, password="wrong password!").status_code == 401
    locked = log_in(client)
    assert locked.status_code == 401 and "locked" in locked.get_data(as_text=True)
    assert log_in(client, email="admin@example.org").status_code == 302  # others unaffected
    assert log_in(client, email="gone@example.org").status_code == 401  # disabled


def test_review_page_shows_quotes_and_the_diff_and_decides(setup):
    store = setup.store
    clinic = store.get("denver-iv")
    clinic.changes = [
        Change(
            field="prices",
            old=[{"amount_min": 400}],
            new=[{"amount_min": 450}],
            at=utcnow(),
            source_url="https://denver-iv.example/prices",
        )
    ]
    store.upsert([clinic])
    client = setup.client
    log_in(client)
    page = client.get("/curator/clinics/denver-iv", base_url=HTTPS)
    text = page.get_data(as_text=True)
    assert "$450 per infusion" in text and "https://denver-iv.example/prices" in text
    assert "Changed since it was approved" in text and '<td class="old">' in text
    token = csrf(page)
    no_csrf = client.post(
        "/curator/clinics/denver-iv/review",
        base_url=HTTPS,
        data={"status": "approved", "version": 0},
    )
    assert no_csrf.status_code == 400
    assert store.get_decision("denver-iv") is None
    done = client.post(
        "/curator/clinics/denver-iv/review",
        base_url=HTTPS,
        data={"csrf_token": token, "status": "approved", "version": 0, "then": "next"},
    )
    assert done.status_code == 302 and done.headers["Location"] == "/curator/"  # queue empty
    assert store.get_decision("denver-iv").review.status == "approved"
    assert store.get("denver-iv").changes == []  # acknowledged: out of the queue
    stale = client.post(
        "/curator/clinics/denver-iv/review",
        base_url=HTTPS,
        data={"csrf_token": token, "status": "rejected", "note": "x", "version": 0},
    )
    assert stale.status_code == 409 and "someone changed this clinic" in stale.get_data(
        as_text=True
    )
    assert store.get_decision("denver-iv").review.status == "approved"


def test_queue_filters_and_counts(setup):
    client = setup.client
    log_in(client)
    page = client.get("/curator/?reason=new", base_url=HTTPS).get_data(as_text=True)
    assert "Denver IV Ketamine" in page and "Boulder Mind IM" not in page
    flagged = client.get("/curator/?flag=cure_claim", base_url=HTTPS).get_data(as_text=True)
    assert "Denver IV Ketamine" not in flagged
    assert client.get("/curator/?min_age=abc&page=-1", base_url=HTTPS).status_code == 200


def test_public_correction_lands_in_the_queue_and_bots_and_floods_do_not(setup):
    client = setup.client
    page = client.get("/clinics/boulder-im")
    assert "/clinics/boulder-im/correction" in page.get_data(as_text=True)
    assert "Set-Cookie" not in client.get("/clinics/boulder-im/correction").headers
    sent = client.post(
        "/clinics/boulder-im/correction", data={"message": "Now open on Saturdays", "contact": ""}
    )
    assert sent.status_code == 200 and "request-sent" in sent.get_data(as_text=True)
    bot = client.post(
        "/clinics/boulder-im/removal", data={"message": "spam", "website": "http://spam.example"}
    )
    assert bot.status_code == 200
    kinds = [r.doc["kind"] for r in setup.store.iter_records("request")]
    assert kinds == ["correction"]
    assert client.post("/clinics/boulder-im/correction", data={"message": ""}).status_code == 400
    assert client.post("/clinics/denver-iv/correction", data={"message": "x"}).status_code == 404
    codes = [
        client.post("/clinics/boulder-im/removal", data={"message": "please"}).status_code
        for _ in range(4)
    ]
    assert codes[-1] == 429 and 500 not in codes
    log_in(client)
    queue = client.get("/curator/?reason=request", base_url=HTTPS).get_data(as_text=True)
    assert "Boulder Mind IM" in queue and "correction requested" in queue


def test_a_corrected_value_nested_deeper_than_json_reads_is_text_not_a_500(setup):
    client = setup.client
    log_in(client)
    page = client.get("/curator/clinics/denver-iv", base_url=HTTPS)
    deep = "[" * 2400 + "]" * 2400  # within the form's 5,000 characters
    sent = client.post(
        "/curator/clinics/denver-iv/correct",
        base_url=HTTPS,
        data={"csrf_token": csrf(page), "field": "hours", "value": deep, "version": 0},
    )
    # Read as text, the value is longer than opening hours may be: a clear 400, nothing stored.
    assert sent.status_code == 400 and "hours" in sent.get_data(as_text=True)
    assert setup.store.get_decision("denver-iv") is None
