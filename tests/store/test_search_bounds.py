"""Text search is bounded by design (issue 11, finding 1): the text match runs once per
search, never once per nearby candidate; a search has a word cap and a deadline, and stops
when its client has gone."""

from __future__ import annotations

import sqlite3

import pytest

from bench.synthetic import synthetic_clinics
from katdir.store import MAX_TEXT_WORDS, NearQuery, SearchTooCostly, client_gone
from katdir.store.elasticsearch import search_body, text_clause
from katdir.store.sqlite import SQLiteStore

LOS_ANGELES = (34.0522, -118.2437)
WIDEST_KM = 804.672  # the API's 500-mile cap
# The strings that cost minutes before: one-letter prefixes that match most clinics, many
# words, a digit.
WORST_TEXTS = ["m", "i", "1", "c k m", " ".join("abcdefgh"), "ketamine clinic"]


@pytest.fixture(scope="module")
def big_store(tmp_path_factory) -> SQLiteStore:
    # SQL only: the columns in memory (katdir/store/columns.py) bound themselves by size.
    store = SQLiteStore(tmp_path_factory.mktemp("bounds") / "katdir.db", columns_in_memory=False)
    store.rebuild(synthetic_clinics(20_000))
    return store


def widest(text: str | None, sort: str = "distance") -> NearQuery:
    return NearQuery(*LOS_ANGELES, radius_km=WIDEST_KM, filters={"q": text}, sort=sort)


class RecordingConnection:
    """The store's connection, noting every statement it runs."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn, self.statements = conn, []

    def execute(self, sql, params=()):
        self.statements.append((sql, params))
        return self.conn.execute(sql, params)

    @property
    def in_transaction(self) -> bool:
        return self.conn.in_transaction

    def __enter__(self):
        return self.conn.__enter__()

    def __exit__(self, *exc):
        return self.conn.__exit__(*exc)


@pytest.mark.parametrize("sort", ["distance", "relevance", "price"])
def test_the_text_match_runs_once_per_search_never_per_candidate(big_store, sort):
    real = big_store._connection()
    recording = RecordingConnection(real)
    big_store._local.lease.conn = recording
    try:
        result = big_store.search(widest("m", sort))
    finally:
        big_store._local.lease.conn = real
    assert result.total > 100
    matching = [sql for sql, _ in recording.statements if "MATCH" in sql]
    assert len(matching) == 1, matching
    for sql, params in recording.statements:
        if "clinic_box" not in sql:
            continue
        plan = " | ".join(row[3] for row in real.execute("EXPLAIN QUERY PLAN " + sql, params))
        # The spatial candidates meet the text matches by rowid, not through the FTS5 index.
        assert "clinic_text" not in plan, plan


@pytest.mark.parametrize("text", WORST_TEXTS)
@pytest.mark.parametrize("sort", ["distance", "relevance"])
def test_the_worst_texts_over_the_widest_radius_finish_within_the_deadline(big_store, text, sort):
    # The store's own deadline (SEARCH_TIMEOUT) is the bound: before the fix these ran for
    # 4 s to 4 min, now a stopped search raises SearchTooCostly and fails this test.
    result = big_store.search(widest(text, sort))
    plain = big_store.search(widest(None))
    assert 0 <= result.total <= plain.total


def test_a_search_past_its_deadline_is_stopped(big_store):
    impatient = SQLiteStore(big_store.path, search_timeout=0.0, columns_in_memory=False)
    with pytest.raises(SearchTooCostly, match="took longer than 0 s"):
        impatient.search(widest("m"))
    # The connection is clean afterwards: the next search with time to spare works.
    impatient.search_timeout = 2.0
    assert impatient.search(widest("m")).total > 0


def test_a_search_whose_client_has_gone_is_stopped(big_store):
    token = client_gone.set(lambda: True)
    try:
        with pytest.raises(SearchTooCostly, match="abandoned by its client"):
            big_store.search(widest("i"))
    finally:
        client_gone.reset(token)
    assert big_store.search(widest("i")).total > 0


def test_a_text_of_more_words_than_the_cap_is_refused_by_both_stores(big_store):
    too_many = " ".join(f"w{i}" for i in range(MAX_TEXT_WORDS + 1))
    with pytest.raises(SearchTooCostly, match=f"at most {MAX_TEXT_WORDS} words"):
        big_store.search(widest(too_many))
    with pytest.raises(SearchTooCostly, match=f"at most {MAX_TEXT_WORDS} words"):
        text_clause(too_many)
    big_store.search(widest(" ".join(too_many.split()[:MAX_TEXT_WORDS])))


def test_elasticsearch_searches_carry_a_shard_timeout_and_no_partial_results():
    body = search_body(widest("m"))
    assert body["timeout"] == "2000ms"
    assert body["allow_partial_search_results"] is False
    assert "terminate_after" not in body  # it would make totals and facets wrong
