"""Seeds: files of start URLs, and site:NAME references to a served sample web."""

from __future__ import annotations

import pytest

from crawler.seeds import SAMPLE_SEEDS, UnknownSite, load_seeds, parse_seeds, resolve_site_ref

SITES = {"alpha": "http://127.0.0.1:4001", "beta": "http://127.0.0.1:4002/"}


def test_site_references_resolve_against_the_served_web():
    assert resolve_site_ref("site:alpha", SITES) == "http://127.0.0.1:4001/"
    assert resolve_site_ref("site:beta/clinics/?p=2", SITES) == "http://127.0.0.1:4002/clinics/?p=2"
    assert resolve_site_ref("alpha", SITES) == "http://127.0.0.1:4001/"
    assert resolve_site_ref("https://example.com/x", SITES) == "https://example.com/x"


def test_an_unknown_site_is_an_error_that_names_it():
    with pytest.raises(UnknownSite, match="gamma"):
        resolve_site_ref("site:gamma/", SITES)


def test_seed_lines_skip_comments_blanks_and_duplicates():
    lines = ["# comment", "", "https://a.example/", "  site:alpha ", "https://a.example/"]
    assert parse_seeds(lines, SITES) == ["https://a.example/", "http://127.0.0.1:4001/"]


def test_the_sample_seeds_name_sample_sites(sample_web):
    seeds = load_seeds(SAMPLE_SEEDS, sample_web.sites)
    assert len(seeds) == 7 and all(seed.startswith("http://127.0.0.1:") for seed in seeds)
