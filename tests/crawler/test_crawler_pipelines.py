"""Item pipelines: validate into Listing (dropping invalid items with a reason), require a
name or an address, drop duplicates."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from crawler.pipelines import (
    DedupeListingPipeline,
    ListingDropped,
    RequireIdentityPipeline,
    ValidateListingPipeline,
)
from katdir.model import Listing


class Stats(dict):
    def inc_value(self, key, count=1):
        self[key] = self.get(key, 0) + count


def pipeline(cls):
    return cls.from_crawler(SimpleNamespace(stats=Stats()))


GOOD = {
    "url": "https://clinic.example/",
    "spider": "clinic_site",
    "fetched_at": "2025-05-01T10:00:00+00:00",
    "name": "Mile High Ketamine",
    "routes": ["iv"],
    "website": "https://clinic.example/",
    "address": {
        "street": "1550 Larimer St",
        "city": "Denver",
        "state": "CO",
        "postal_code": "80202",
    },
    "prices": [
        {
            "amount_min": 495,
            "route": "iv",
            "kind": "per_session",
            "source_url": "https://clinic.example/p",
            "quote": "$495 per infusion",
        }
    ],
    "evidence": {"routes": [{"url": "https://clinic.example/", "quote": "IV ketamine"}]},
}


def test_a_valid_item_passes_in_the_models_canonical_json_form():
    item = pipeline(ValidateListingPipeline).process_item(dict(GOOD))
    assert item == Listing.model_validate(GOOD).model_dump(mode="json")
    assert item["fetched_at"] == "2025-05-01T10:00:00Z" and item["address"]["country"] == "US"
    assert item["insurance"] == {
        "accepts_insurance": None,
        "spravato_insurance": None,
        "va_community_care": None,
        "hsa_fsa": None,
        "financing": None,
    }


@pytest.mark.parametrize(
    "change,where",
    [
        ({"routes": ["laser"]}, "routes"),
        ({"prices": [{"amount_min": -5}]}, "prices.0.amount_min"),
        ({"url": None}, "url"),
        ({"page_type": "blog"}, "page_type"),
        ({"evidence": {"routes": [{"quote": "no url"}]}}, "evidence.routes.0.url"),
    ],
)
def test_an_invalid_item_is_dropped_with_the_reason(change, where):
    validate = pipeline(ValidateListingPipeline)
    with pytest.raises(ListingDropped) as dropped:
        validate.process_item({**GOOD, **change})
    assert dropped.value.reason == "invalid" and where in str(dropped.value)
    assert validate.stats["katdir/dropped/invalid"] == 1


def test_a_listing_without_name_and_address_is_dropped():
    require = pipeline(RequireIdentityPipeline)
    nameless = Listing.model_validate({**GOOD, "name": None}).model_dump(mode="json")
    assert require.process_item(nameless) is nameless
    placeless = Listing.model_validate({**GOOD, "address": None}).model_dump(mode="json")
    assert require.process_item(placeless) is placeless
    nothing = Listing.model_validate(
        {**GOOD, "name": " ", "address": {"country": "US"}}
    ).model_dump(mode="json")
    with pytest.raises(ListingDropped, match="no name and no address"):
        require.process_item(nothing)
    assert require.stats["katdir/dropped/no_identity"] == 1


def test_duplicates_are_dropped_but_other_sources_of_one_clinic_are_kept():
    dedupe = pipeline(DedupeListingPipeline)
    first = Listing.model_validate(GOOD).model_dump(mode="json")
    dedupe.process_item(first)
    with pytest.raises(ListingDropped, match="already emitted"):
        dedupe.process_item(
            {**first, "url": "https://clinic.example/index.html", "name": "MILE HIGH KETAMINE"}
        )
    from_directory = {**first, "page_type": "directory", "url": "https://dir.example/mile-high"}
    assert dedupe.process_item(from_directory) is from_directory
    other_location = {
        **first,
        "address": {**first["address"], "street": "625 N Cascade Ave", "postal_code": "80903"},
    }
    assert dedupe.process_item(other_location) is other_location
    assert dedupe.stats["katdir/dropped/duplicate"] == 1
