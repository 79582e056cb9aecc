"""Facts the crawler was unsure of reach the curators' queue with their quotes, and never
the public clinic; a re-crawl that finds the same ones queues nothing new."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from indexer.pipeline import index_listings
from katdir.curator.queue import review_queue
from katdir.geocoding import build_geocoder
from katdir.model import Listing
from katdir.store import open_store

FIRST = datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc)
SITE = "https://alder-ketamine.example/"
HELD = [
    {
        "field": "prices",
        "value": {"route": "spravato", "kind": "per_session", "amount_min": 900.0},
        "confidence": 0.4,
        "reason": "stated unclearly",
        "url": SITE + "blog",
        "quote": "Some centres charge $900 for Spravato",
    }
]


def listing(hours: float = 0, held: list | None = None) -> Listing:
    return Listing.model_validate(
        {
            "url": SITE,
            "spider": "clinic_site",
            "fetched_at": (FIRST + timedelta(hours=hours)).isoformat(),
            "page_type": "clinic",
            "name": "Alder Ketamine",
            "website": SITE,
            "phone": "(541) 555-0147",
            "address": {
                "street": "1001 NW Wall St",
                "city": "Bend",
                "state": "OR",
                "postal_code": "97703",
            },
            "routes": ["iv"],
            "prices": [
                {
                    "kind": "per_session",
                    "route": "iv",
                    "amount_min": 475,
                    "quote": "IV infusion: $475",
                    "source_url": SITE + "fees",
                }
            ],
            "held_facts": HELD if held is None else held,
        }
    )


@pytest.fixture
def store(sqlite_url):
    with open_store(sqlite_url) as store:
        yield store


@pytest.fixture
def geocoder(tmp_path):
    return build_geocoder(None, cache_path=tmp_path / "geo.db")


def test_a_new_clinic_is_queued_with_its_held_facts_and_their_quotes(store, geocoder):
    index_listings([listing()], store, geocoder, now=FIRST)
    [clinic] = list(store.iter_clinics())
    assert [p.amount_min for p in clinic.prices] == [475.0]  # only the sure price is in the clinic
    [entry] = review_queue(store)
    assert entry.reasons[0] == "new, not reviewed yet"
    assert entry.reasons[1] == (
        "unsure prices held back ($900 per_session spravato; stated unclearly, "
        "confidence 0.40): “Some centres charge $900 for Spravato”"
    )
    assert entry.changes[0].source_url == SITE + "blog"


def test_an_approved_clinic_stays_public_while_its_new_held_facts_wait_in_the_queue(
    store, geocoder
):
    index_listings([listing(held=[])], store, geocoder, approve=True, now=FIRST)
    assert review_queue(store) == []
    index_listings([listing(hours=30)], store, geocoder, now=FIRST + timedelta(hours=30))
    [clinic] = list(store.iter_clinics())
    assert clinic.review.status == "approved" and [p.amount_min for p in clinic.prices] == [475.0]
    [entry] = review_queue(store)
    assert [r.split(" (")[0] for r in entry.reasons] == ["unsure prices held back"]
    # the same held facts on the next crawl are not queued a second time
    index_listings([listing(hours=60)], store, geocoder, now=FIRST + timedelta(hours=60))
    [clinic] = list(store.iter_clinics())
    assert len(clinic.changes) == 1
