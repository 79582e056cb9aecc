"""Kept answers (search_api/answers.py): a search or a clinic asked again is answered from
memory until the store changes — whoever changes it, in whatever process — and the ETag lets
a client or a CDN revalidate with a 304."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from katdir.model import Clinic
from katdir.store import open_store
from search_api import create_app
from search_api.answers import Answer, AnswerCache

ROOT = Path(__file__).resolve().parents[2]
SEARCH = "/api/v1/clinics/search?near=80202&radius=50"
NEW_CLINIC = Clinic(
    id="denver-new",
    name="Denver New Ketamine",
    routes=["iv"],
    address={"city": "Denver", "state": "CO", "postal_code": "80202"},
    location={"lat": 39.75, "lon": -104.99, "precision": "street"},
    review={"status": "approved"},
)


@pytest.fixture
def app(app_on, clinics_url):
    return app_on(clinics_url, KATDIR_RATE_LIMIT="off")


def ids(response) -> list[str]:
    return [r["id"] for r in response.get_json()["results"]]


def test_a_search_asked_again_is_answered_from_memory_with_the_same_etag(app):
    client, kept = app.test_client(), app.extensions["katdir.answers"]
    first = client.get(SEARCH)
    # The same search with its parameters in another order is the same answer.
    again = client.get("/api/v1/clinics/search?radius=50&near=80202")
    assert first.status_code == again.status_code == 200
    assert again.get_data() == first.get_data() and again.headers["ETag"] == first.headers["ETag"]
    assert (kept.hits, kept.misses) == (1, 1)
    assert client.get(SEARCH, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    assert kept.hits == 2


def test_every_worker_gives_the_same_etag_for_the_same_answer(app, app_on, clinics_url):
    other = app_on(clinics_url)
    for path in (SEARCH, "/api/v1/clinics/denver-iv"):
        etag = app.test_client().get(path).headers["ETag"]
        assert other.test_client().get(path, headers={"If-None-Match": etag}).status_code == 304


def test_a_compressed_answer_revalidates_with_its_encoding_suffix(app):
    client = app.test_client()
    zipped = client.get(SEARCH, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip" and zipped.headers["ETag"].endswith(
        ':gzip"'
    )
    again = client.get(
        SEARCH, headers={"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["ETag"]}
    )
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == zipped.headers["ETag"]
    assert "Content-Encoding" not in again.headers


def test_a_write_by_another_connection_is_seen_by_the_next_search(app, sqlite_url):
    client = app.test_client()
    before = client.get(SEARCH)
    assert "denver-new" not in ids(before)
    with open_store(sqlite_url) as store, store.writing("test"):
        store.upsert([NEW_CLINIC])
    after = client.get(SEARCH, headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and "denver-new" in ids(after)
    assert after.get_json()["total"] == before.get_json()["total"] + 1
    assert after.headers["ETag"] != before.headers["ETag"]


def test_an_import_run_by_another_process_is_seen_by_the_next_search_and_clinic(
    app, sqlite_url, tmp_path
):
    client = app.test_client()
    assert client.get("/api/v1/clinics/denver-new").status_code == 404
    assert "denver-new" not in ids(client.get(SEARCH))
    lines = tmp_path / "new.jsonl"
    lines.write_text(NEW_CLINIC.model_dump_json() + "\n")
    env = {**os.environ, "KATDIR_STORE": sqlite_url, "KATDIR_VAR": str(tmp_path)}
    subprocess.run(
        [sys.executable, "-m", "katdir.cli", "import", str(lines)],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert "denver-new" in ids(client.get(SEARCH))
    assert client.get("/api/v1/clinics/denver-new").get_json()["name"] == NEW_CLINIC.name


def test_a_curators_decision_hiding_a_clinic_is_seen_at_once(app, sqlite_url):
    client = app.test_client()
    assert client.get("/api/v1/clinics/denver-iv").status_code == 200
    assert "denver-iv" in ids(client.get(SEARCH))
    with open_store(sqlite_url) as store, store.writing("curator"):
        clinic = store.get("denver-iv")
        store.upsert([clinic.model_copy(update={"listed": "removed"})])
    assert client.get("/api/v1/clinics/denver-iv").status_code == 404
    assert "denver-iv" not in ids(client.get(SEARCH))
    page = client.get("/?near=80202&radius=50").get_data(as_text=True)
    assert "Denver IV Ketamine" not in page


def test_errors_and_missing_clinics_are_never_kept(app):
    client, kept = app.test_client(), app.extensions["katdir.answers"]
    for _ in range(2):
        assert client.get("/api/v1/clinics/search?near=80202&radius=-1").status_code == 400
        assert client.get("/api/v1/clinics/nobody").status_code == 404
    assert kept.stats()["entries"] == 0


def test_no_cache_when_switched_off(app_on, clinics_url):
    app = app_on(clinics_url, KATDIR_ANSWER_CACHE_MB="0")
    client, kept = app.test_client(), app.extensions["katdir.answers"]
    first = client.get(SEARCH)
    assert client.get(SEARCH, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    assert not kept.enabled and kept.stats()["entries"] == 0


class Clock:
    """A generation the test moves by hand."""

    def __init__(self):
        self.now = 0

    def __call__(self):
        return self.now


def test_the_cache_is_bounded_in_bytes_least_recently_used_out():
    cache = AnswerCache(Clock(), max_bytes=8 * 100)
    for key in "abcdefghij":
        cache.get(key, lambda: b"x" * 100)
    assert cache.stats()["bytes"] <= 800 and cache.stats()["entries"] == 8
    cache.get("c", lambda: b"never")  # "c" is kept; now the most recently used
    cache.get("k", lambda: b"x" * 100)
    assert cache.get("c", lambda: b"recomputed").body == b"x" * 100
    assert cache.get("d", lambda: b"recomputed").body == b"recomputed"  # least recent went out
    assert cache.get("big", lambda: b"y" * 200).body == b"y" * 200
    assert "big" not in cache._answers  # larger than an eighth of the budget: not kept


def test_an_answer_computed_while_the_store_changed_is_not_kept():
    clock = Clock()
    cache = AnswerCache(clock, max_bytes=10_000)
    assert cache.get("q", lambda: b"old").body == b"old"
    clock.now = 1
    assert cache.get("q", lambda: b"new").body == b"new"  # a new generation drops the old
    assert cache.invalidations == 1

    def changes_meanwhile() -> bytes:
        clock.now = 2  # a commit lands while this answer is computed
        return b"maybe stale"

    cache.get("r", changes_meanwhile)
    assert cache.get("r", lambda: b"fresh").body == b"fresh"


def test_a_store_without_a_generation_keeps_nothing():
    from search_api.answers import generation_of

    assert generation_of(object()) is None  # e.g. Elasticsearch: no cheap way to see a change
    cache = AnswerCache(None, max_bytes=10_000)
    assert not cache.enabled
    assert cache.get("q", lambda: b"one").body == b"one"
    assert cache.get("q", lambda: b"two").body == b"two"


def test_the_etag_is_a_hash_of_the_body():
    assert Answer.of(b"{}").etag == Answer.of(b"{}").etag != Answer.of(b"[]").etag


def test_answers_are_the_json_flask_would_write(app):
    from flask.json.provider import DefaultJSONProvider

    doc = {"b": 1, "a": [1.5, None, "é"], "when": __import__("datetime").date(2026, 12, 4)}
    with app.app_context():
        assert json.loads(app.json.dumps(doc)) == json.loads(DefaultJSONProvider(app).dumps(doc))


def test_answers_with_the_cache_are_the_answers_without_it(app, sqlite_url, tmp_path):
    plain = create_app(
        {
            "KATDIR_STORE": sqlite_url,
            "KATDIR_VAR": str(tmp_path),
            "KATDIR_ANSWER_CACHE_MB": "0",
            "TESTING": True,
            "KATDIR_GEOCODE_CACHE": str(tmp_path / "g.db"),
        }
    ).test_client()
    client = app.test_client()
    searches = [
        "near=80202&radius=50",
        "near=80202&radius=50&route=iv",
        "near=80202&radius=50&route=spravato",
        "near=80202&radius=100&sort=price",
        "near=80301&radius=25",
        "near=80202&radius=50&route=im&route=oral",
        "lat=39.7&lon=-105&radius=60&per_page=2&page=2",
    ]
    for query in searches:  # by place, by one route and by several, pages
        assert (
            client.get(f"/api/v1/clinics/search?{query}").get_json()
            == plain.get(f"/api/v1/clinics/search?{query}").get_json()
        ), query
