"""The index benchmark stays runnable: its synthetic crawl is valid and has the duplicates
and branches it claims, and a small run reports its figures."""

from __future__ import annotations

from collections import Counter

from bench.bench_index import run, synthetic_listings, table
from katdir.model import Listing


def test_the_synthetic_crawl_is_valid_and_has_duplicates_and_branches():
    listings = synthetic_listings(600, seed=2)
    assert len(listings) == 600
    for item in listings:
        Listing.model_validate(item)
    kinds = Counter(item["page_type"] for item in listings)
    assert kinds["directory"] > 60 and kinds["clinic"] > 400
    assert any(item.get("organization") for item in listings)


def test_a_small_benchmark_run_reports_its_figures():
    results = run(400, runs=1, seed=3)
    assert results["listings"] == 400 and results["clinics"] < 400
    assert results["not_geocoded"] == 0
    assert results["listings_per_s_median"] > 0
    assert "listings/s" in table(results)
