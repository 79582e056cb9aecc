"""The indexing run: listings in, clinics out; re-runs change nothing; curators' work stays."""

from __future__ import annotations

import pytest

from indexer.pipeline import index_listings
from katdir.geocoding import build_geocoder
from katdir.model import Listing
from katdir.store import NearQuery, open_store


def listing(**fields) -> Listing:
    base = {
        "url": "https://mile-high-ketamine.example/pricing", "spider": "clinic_site",
        "fetched_at": "2026-11-20T10:00:00Z", "page_type": "clinic",
        "name": "Mile High Ketamine", "website": "https://mile-high-ketamine.example/",
        "phone": "(303) 555-0142",
        "address": {"street": "1550 Wynkoop St", "city": "Denver", "state": "CO",
                    "postal_code": "80202"},
        "routes": ["iv"],
        "prices": [{"kind": "per_session", "route": "iv", "amount_min": 450,
                    "quote": "$450 per infusion"}],
    }
    return Listing.model_validate({**base, **fields})


@pytest.fixture
def store(sqlite_url):
    with open_store(sqlite_url) as store:
        yield store


@pytest.fixture
def geocoder(tmp_path):
    return build_geocoder(None, cache_path=tmp_path / "geo.db")


def test_listings_become_geocoded_clinics(store, geocoder):
    summary = index_listings([listing()], store, geocoder, approve=True)
    assert (summary.new, summary.clinics, summary.not_geocoded) == (1, 1, 0)
    clinic = store.get("mile-high-ketamine-example-80202")
    assert clinic.phone == "+13035550142"
    assert clinic.location.precision == "postal_code"
    assert clinic.prices[0].source_url == "https://mile-high-ketamine.example/pricing"
    assert clinic.review.status == "approved"
    found = store.search(NearQuery(lat=39.75, lon=-105.0, radius_km=10))
    assert [h.clinic.id for h in found.hits] == [clinic.id]


def test_listings_of_one_clinic_merge_and_keep_every_source(store, geocoder):
    contact = listing(url="https://mile-high-ketamine.example/contact", prices=[],
                      routes=["im"], phone=None)
    directory = listing(url="https://dir.example/clinics/mile-high", page_type="directory",
                        phone="303-555-0199", prices=[])
    summary = index_listings([listing(), contact, directory], store, geocoder)
    assert (summary.clinics, summary.merged) == (1, 2)
    clinic = store.get("mile-high-ketamine-example-80202")
    assert clinic.routes == ["im", "iv"]
    assert clinic.phone == "+13035550142"  # the clinic's own site beats a directory
    assert len(clinic.sources) == 3


def test_rerunning_the_same_crawl_changes_nothing(store, geocoder):
    index_listings([listing()], store, geocoder)
    before = store.get("mile-high-ketamine-example-80202")
    again = index_listings([listing()], store, geocoder)
    assert (again.new, again.changed, again.unchanged) == (0, 0, 1)
    assert store.get("mile-high-ketamine-example-80202") == before


def test_a_changed_price_updates_that_clinic_and_keeps_curator_overrides(store, geocoder):
    other = listing(name="Boulder Mind", website="https://boulder-mind.example/",
                    address={"city": "Boulder", "state": "CO", "postal_code": "80302"})
    index_listings([listing(), other], store, geocoder, approve=True)
    clinic = store.get("mile-high-ketamine-example-80202")
    clinic.overrides = {"phone": "+13035550100"}
    store.upsert([clinic])

    cheaper = listing(prices=[{"kind": "per_session", "route": "iv", "amount_min": 425,
                               "quote": "$425 per infusion"}])
    summary = index_listings([cheaper, other], store, geocoder)
    assert (summary.changed, summary.unchanged) == (1, 1)
    updated = store.get("mile-high-ketamine-example-80202")
    assert updated.prices[0].amount_min == 425
    assert updated.phone == "+13035550100"
    assert updated.version == clinic.version + 1
    assert updated.review.status == "approved"


def test_article_pages_never_become_clinics(store, geocoder):
    article = listing(page_type="article", name="What does ketamine cost?")
    summary = index_listings([article], store, geocoder)
    assert summary.skipped == 1 and store.count() == 0
