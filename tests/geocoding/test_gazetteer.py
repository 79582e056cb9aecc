"""The offline gazetteer: ZIPs, place names as people spell them, addresses, geopy's contract."""

from __future__ import annotations

import logging
import sys
import time

import pytest
from geopy.distance import great_circle
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders.base import Geocoder
from geopy.location import Location

from katdir.geocoding import PRECISIONS, Gazetteer
from katdir.geocoding import gazetteer as gazetteer_module


@pytest.fixture(scope="module")
def gazetteer():
    return Gazetteer()


def km_between(location: Location, lat: float, lon: float) -> float:
    return great_circle(location.point, (lat, lon)).km


@pytest.mark.parametrize(
    ("query", "label", "lat", "lon"),
    [
        ("10001", "New York, NY 10001", 40.7484, -73.9967),
        ("10001-1234", "New York, NY 10001", 40.7484, -73.9967),
        ("  10001 ", "New York, NY 10001", 40.7484, -73.9967),
        ("78701", "Austin, TX 78701", 30.2713, -97.7426),
        ("99501", "Anchorage, AK 99501", 61.2225, -149.8677),
        ("99701", "Fairbanks, AK 99701", 64.8378, -147.7164),
        ("96813", "Honolulu, HI 96813", 21.3179, -157.8521),
        ("00901", "San Juan, PR 00901", 18.4654, -66.1044),
    ],
)
def test_zip_codes_resolve_to_their_centroid_at_postal_code_precision(
    gazetteer, query, label, lat, lon
):
    location = gazetteer.geocode(query)
    assert location.address == label
    assert km_between(location, lat, lon) < 0.1
    assert location.raw["precision"] == "postal_code"
    assert location.raw["postal_code"] == label[-5:]
    assert location.raw["source"] == "gazetteer"
    assert location.raw["street"] is None


@pytest.mark.parametrize(
    "query",
    [
        "New York, NY",
        "new york ny",
        "NEW YORK NY",
        "New York, New York",
        "New York NY, USA",
    ],
)
def test_spellings_of_a_city_and_state_find_the_same_place(gazetteer, query):
    location = gazetteer.geocode(query)
    assert location.address == "New York, NY"
    assert km_between(location, 40.7580, -73.9855) < 5  # midtown Manhattan
    assert location.raw["precision"] == "city"
    assert (location.raw["city"], location.raw["state"]) == ("New York", "NY")


@pytest.mark.parametrize(
    "query",
    [
        "St. Louis, MO",
        "Saint Louis, MO",
        "st louis mo",
        "St Louis, Missouri",
        "Saint Louis",
    ],
)
def test_saint_and_st_are_the_same_word(gazetteer, query):
    location = gazetteer.geocode(query)
    assert location.address == "St. Louis, MO"
    assert km_between(location, 38.6270, -90.1994) < 5


@pytest.mark.parametrize(
    ("query", "label"),
    [
        ("Brooklyn, New York", "Brooklyn, NY"),
        ("Kansas City, Kansas", "Kansas City, KS"),
        ("Charleston, West Virginia", "Charleston, WV"),
        ("Washington D.C.", "Washington, DC"),
        ("Winston Salem, NC", "Winston-Salem, NC"),
        ("OFallon MO", "O'Fallon, MO"),
        ("Mc Lean, VA", "McLean, VA"),
        ("Canon City, CO", "Cañon City, CO"),
        ("Fairbanks, Alaska", "Fairbanks, AK"),
        ("Hilo, HI", "Hilo, HI"),
        ("New York City", "New York City, NY"),
    ],
)
def test_state_names_punctuation_and_accents_do_not_matter(gazetteer, query, label):
    assert gazetteer.geocode(query).address == label


def test_address_with_zip_is_placed_at_the_zip_and_keeps_its_street(gazetteer):
    location = gazetteer.geocode("123 Main St Suite 4, Austin, TX 78701")
    assert location.address == "Austin, TX 78701"
    assert location.raw["precision"] == "postal_code"
    assert location.raw["street"] == "123 Main St Suite 4"


@pytest.mark.parametrize(
    "query",
    [
        "123 Main St Suite 4, Austin, TX",
        "123 Main St Austin TX",
        "123 Main St, Austin, Texas",
    ],
)
def test_address_without_zip_is_placed_at_its_city(gazetteer, query):
    location = gazetteer.geocode(query)
    assert location.address == "Austin, TX"
    assert location.raw["precision"] == "city"
    assert location.raw["street"].startswith("123 Main St")


def test_zip_plus_four_and_country_in_a_full_address(gazetteer):
    location = gazetteer.geocode("1501 Red River St, Austin, TX 78701-1234, United States")
    assert (location.address, location.raw["street"]) == ("Austin, TX 78701", "1501 Red River St")


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        "00000",
        "Atlantis, ZZ",
        "Nowhere, TX",
        "Central Park",
        "Paris, France",
        "TX",
    ],
)
def test_unknown_places_are_none(gazetteer, query):
    assert gazetteer.geocode(query) is None


def test_bare_ambiguous_name_answers_the_most_populous_and_says_so(gazetteer):
    location = gazetteer.geocode("Springfield")
    assert location.address == "Springfield, MO"
    assert location.raw["ambiguous"] is True
    assert location.raw["candidates"] > 10
    everyone = gazetteer.geocode("Springfield", exactly_one=False)
    assert len(everyone) == location.raw["candidates"]
    assert everyone[0].address == location.address
    populations = [place.raw["population"] or 0 for place in everyone]
    assert populations == sorted(populations, reverse=True)
    assert {"Springfield, IL", "Springfield, MA", "Springfield, OR"} <= {
        place.address for place in everyone
    }


def test_a_state_makes_a_name_unambiguous(gazetteer):
    location = gazetteer.geocode("Springfield, IL")
    assert location.raw["ambiguous"] is False
    assert km_between(location, 39.8017, -89.6437) < 1


def test_every_answer_records_a_known_precision(gazetteer):
    for query in ("10001", "Austin, TX", "Springfield", "1 Main St, Austin, TX 78701"):
        assert gazetteer.geocode(query).raw["precision"] in PRECISIONS


def test_lookup_helpers(gazetteer):
    assert gazetteer.lookup_zip("99501-1234").address == "Anchorage, AK 99501"
    assert gazetteer.lookup_zip("ABCDE") is None
    assert gazetteer.centroid_of_city("Saint Louis", "Missouri").address == "St. Louis, MO"
    assert gazetteer.centroid_of_city("Honolulu", "HI").raw["precision"] == "city"
    assert gazetteer.centroid_of_city("Honolulu", "ZZ") is None


def test_is_a_geopy_geocoder_that_ratelimiter_can_wrap(gazetteer):
    assert isinstance(gazetteer, Geocoder)
    geocode = RateLimiter(gazetteer.geocode, min_delay_seconds=0, max_retries=0)
    location = geocode("10001")
    assert isinstance(location, Location)
    address, (lat, lon) = location
    assert (address, round(lat, 2), round(lon, 2)) == ("New York, NY 10001", 40.75, -74.0)
    assert gazetteer.geocode("10001", exactly_one=False) == [location]
    assert gazetteer.geocode("10001", timeout=3) == location


def test_lookups_take_microseconds_once_loaded(gazetteer):
    gazetteer.load_data()
    queries = ["10001", "Austin, TX", "new york ny", "123 Main St, Austin, TX 78701"] * 2500
    started = time.perf_counter()
    for query in queries:
        gazetteer.geocode(query)
    per_lookup = (time.perf_counter() - started) / len(queries)
    assert per_lookup < 100e-6  # ~10 µs on a laptop: leaves room for a busy CI machine


def test_the_index_is_built_here_when_no_child_process_can_run(monkeypatch, caplog):
    built_here = object()
    monkeypatch.setattr(sys, "executable", "/nonexistent/python3")
    monkeypatch.setattr(gazetteer_module, "_build_index", lambda: built_here)
    with caplog.at_level(logging.WARNING, logger="katdir.geocoding.gazetteer"):
        assert gazetteer_module._index_from_child_process() is built_here
    assert "child process failed" in caplog.text


@pytest.mark.parametrize(
    "query",
    [
        "78701",
        "1550 Larimer St Suite 310, Denver, CO 80202",
        "Austin, TX",
        "12 Main St, Austin, TX",
        "Springfield",
        "Springfield, MO",
        "Brooklyn, New York",
        "Nowhere Land, ZZ",
        "",
    ],
)
def test_a_point_is_the_answer_of_geocode_without_the_location(gazetteer, query):
    found = gazetteer.geocode(query)
    point = gazetteer.point(query)
    if found is None:
        assert point is None
        return
    assert point == (
        found.latitude,
        found.longitude,
        found.raw["precision"],
        found.raw["street"],
        bool(found.raw.get("ambiguous")),
    )
