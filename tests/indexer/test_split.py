"""A curator splits a wrong merge of the indexer: the listing kept apart becomes a clinic of
its own at the next run, and stays that one clinic through later runs."""

from __future__ import annotations

from datetime import timedelta

from indexer.pipeline import index_listings
from katdir.curator import decisions
from katdir.geocoding import build_geocoder
from katdir.store import open_store
from tests.indexer.test_pipeline import FIRST, directory, later, listing


def test_split_sources_makes_a_clinic_of_its_own_and_keeps_it(sqlite_url, tmp_path):
    geocoder = build_geocoder(None, cache_path=tmp_path / "geo.db")

    def run(hours: float):
        items = [later(hours, listing()), later(hours, directory())]
        index_listings(items, store, geocoder, now=FIRST + timedelta(hours=hours, minutes=5))

    with open_store(sqlite_url) as store:
        run(0)
        [merged] = list(store.iter_clinics())
        urls = sorted(s.url for s in merged.sources)
        wrong = next(u for u in urls if "ketafind" in u)
        decisions.split(
            store,
            merged.id,
            other_id=None,
            version=0,
            note="not the same",
            by="ana@example.org",
            source_urls=[wrong],
        )
        for hours in (30, 60, 90):
            run(hours)
            clinics = sorted(store.iter_clinics(), key=lambda c: c.id)
            assert len(clinics) == 2, [c.id for c in clinics]
            first = store.get(merged.id)
            assert wrong not in {s.url for s in first.sources}
            other = next(c for c in clinics if c.id != merged.id)
            assert wrong in {s.url for s in other.sources}
        ids = sorted(c.id for c in store.iter_clinics())
        run(120)
        assert sorted(c.id for c in store.iter_clinics()) == ids
