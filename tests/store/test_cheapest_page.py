"""A search by lowest price in a circle holding many priced clinics reads its page in price
order from `clinics_price` (SQLiteStore._cheapest); its pages are the ones the circle's own
walk gives, filters, later pages and clinics without a price included."""

from __future__ import annotations

import pytest

from bench.synthetic import synthetic_clinics
from katdir.store import NearQuery
from katdir.store.sqlite import SQLiteStore


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    with SQLiteStore(
        tmp_path_factory.mktemp("cheapest") / "s.db", columns_in_memory=False
    ) as store:
        store.rebuild(synthetic_clinics(2_000, seed=21))
        yield store


QUERIES = [
    NearQuery(lat=40.7, lon=-74.0, radius_km=radius, sort="price", page=page, filters=filters)
    for radius in (300.0, 1500.0, 6000.0)
    for page in (1, 2, 5)
    for filters in ({}, {"insurance": True}, {"condition": ("ptsd",)}, {"max_price": 400.0})
]


def test_the_cheapest_page_read_by_price_is_the_circles_own(store, monkeypatch):
    cheapest = SQLiteStore._cheapest
    read = []

    def spy(*args):
        rows = cheapest(*args)
        read.append(rows is not None)
        return rows

    answers = []
    monkeypatch.setattr(SQLiteStore, "_cheapest", staticmethod(spy))
    for query in QUERIES:
        answers.append(store.search_with_context(query))
    monkeypatch.setattr(SQLiteStore, "_cheapest", staticmethod(lambda *args: None))
    for query, answer in zip(QUERIES, answers, strict=True):
        walked = store.search_with_context(query)
        assert answer == walked, query
        assert [h.card for h in answer[0].hits] == [h.card for h in walked[0].hits], query
    assert any(read) and not all(read)  # dense circles by price, sparse ones as before
    assert any(a[0].hits for a, r in zip(answers, read, strict=True) if r)
