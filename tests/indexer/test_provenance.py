"""Provenance a curator can trust: each source of a clinic keeps its own page's digest and the
spider that read it; a clinic's own pages reached through a directory are the clinic's."""

from __future__ import annotations

from crawler.listing import merge_site_pages
from crawler.spiders.directory import DirectorySpider
from indexer.pipeline import index_listings
from katdir.geocoding import build_geocoder
from katdir.model import Listing
from katdir.store import open_store

SITE = "https://clinic.example/"
ADDRESS = {"street": "1550 Larimer St", "city": "Denver", "state": "CO", "postal_code": "80202"}


def page(path: str, **facts):
    return {
        "name": "Mile High Ketamine",
        "routes_offered": ["iv"],
        "prices": [],
        "conditions": [],
        "therapy_integrated": None,
        "insurance": {},
        "address": ADDRESS,
        "phone": "+13035550142",
        "page_type": "clinic",
        "care_steps": [],
        "telehealth": None,
        "hours": None,
        "email": None,
        "website": None,
        "locations": [],
        "evidence": {},
        "url": SITE.rstrip("/") + path,
        "content_hash": f"sha256:{path}-digest",
        "fetched_at": "2026-11-20T10:00:00+00:00",
        **facts,
    }


def test_each_source_has_its_own_digest_and_spider(sqlite_url, tmp_path):
    [listing] = merge_site_pages(
        [page("/"), page("/pricing")], website=SITE, spider=DirectorySpider.site_pages_spider
    )
    with open_store(sqlite_url) as store:
        index_listings(
            [Listing.model_validate(listing)],
            store,
            build_geocoder(None, cache_path=tmp_path / "geo.db"),
        )
        [clinic] = list(store.iter_clinics())
    hashes = {s.url: s.content_hash for s in clinic.sources}
    assert hashes == {SITE: "sha256:/-digest", SITE + "pricing": "sha256:/pricing-digest"}
    assert {s.spider for s in clinic.sources} == {"clinic_site"}
