"""The whole path over real HTTP: sample web server → Scrapy → indexer → SQLite → the app under gunicorn."""

from __future__ import annotations

import json
import urllib.request

import pytest

from crawler.seeds import SAMPLE_WEB
from crawler.webserver import serve_web
from indexer.pipeline import index_file
from katdir.cli.demo import crawl_sample_web
from katdir.geocoding import build_geocoder
from katdir.store import open_store
from tests.search_api.serving import gunicorn_app


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The demo's path, step by step, into a fresh store; yields the API's base URL."""
    tmp = tmp_path_factory.mktemp("e2e")
    store_url = f"sqlite:///{tmp / 'katdir.db'}"
    with serve_web(SAMPLE_WEB) as web:
        listings = crawl_sample_web(web.sites, tmp, progress=False)
        with open_store(store_url) as store:
            indexed = index_file(
                listings, store, build_geocoder(None, cache_path=tmp / "g.db"), approve=True
            )
        assert indexed.not_geocoded == 0, indexed.describe()
    env = {
        "KATDIR_STORE": store_url,
        "KATDIR_VAR": str(tmp),
        "KATDIR_GEOCODE_CACHE": str(tmp / "g.db"),
    }
    with gunicorn_app(env, tmp) as base:
        yield base, listings


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


def test_a_zip_search_finds_the_denver_sample_clinics_nearest_first(site):
    base, _ = site
    body = get_json(f"{base}/api/v1/clinics/search?near=80202&radius=50")
    results = body["results"]
    assert body["total"] == len(results) == 4  # Denver, Boulder, Aurora, Lakewood
    miles = [r["distance"]["mi"] for r in results]
    assert miles == sorted(miles) and miles[-1] <= 50
    assert all(
        r["distance"]["km"] == pytest.approx(r["distance"]["mi"] * 1.609344, abs=0.02)
        for r in results
    )
    assert {r["address"]["state"] for r in results} == {"CO"}
    assert all(
        r["location"]["precision"] in ("postal_code", "city", "street", "rooftop") for r in results
    )


def test_crawled_prices_keep_their_source_and_guides_prices_are_nobodys(site):
    base, listings = site
    body = get_json(f"{base}/api/v1/clinics/search?near=80202&radius=50&per_page=100")
    priced = [get_json(f"{base}/api/v1/clinics/{r['id']}") for r in body["results"] if r["prices"]]
    assert priced, "some Denver sample clinic publishes a price"
    for clinic in priced:
        for price in clinic["prices"]:
            assert price["source_url"].startswith("http://127.0.0.1:")
            assert price["quote"]
    crawled = [json.loads(line) for line in listings.read_text().splitlines()]
    assert not any("cost-guide" in source for c in crawled for source in c["source_urls"])


def test_every_crawled_clinic_is_found_near_its_own_zip(site):
    base, listings = site
    crawled = [json.loads(line) for line in listings.read_text().splitlines()]
    assert len({c["name"] for c in crawled}) >= 6
    for listing in crawled:
        zip_code = listing["address"]["postal_code"][:5]
        body = get_json(f"{base}/api/v1/clinics/search?near={zip_code}&radius=10&per_page=100")
        assert listing["name"] in {r["name"] for r in body["results"]}, listing["name"]
