"""Duplicate detection: pair verdicts on the labelled set, and clustering of a crawl."""

from __future__ import annotations

import pytest

from indexer import dedupe_eval
from indexer.matching import ClinicKeys, clinic_keys, cluster, compare, place_relation
from indexer.normalize import normalize_address
from katdir.geocoding import build_geocoder
from katdir.normalize import normalize_phone, normalize_url


@pytest.fixture(scope="module")
def geocoder():
    return build_geocoder(None)


def keys(name, phone=None, website=None, address=None, *, stored_id=None) -> ClinicKeys:
    return clinic_keys(name, phone=normalize_phone(phone), website=normalize_url(website),
                       address=normalize_address(address), stored_id=stored_id)


def test_the_labelled_pairs_are_judged_with_high_precision_and_recall(geocoder):
    pairs = dedupe_eval.load_pairs(dedupe_eval.PAIRS)
    assert len(pairs) >= 60
    assert sum(p["same"] for p in pairs) >= 30 and sum(not p["same"] for p in pairs) >= 30
    result = dedupe_eval.evaluate(pairs, geocoder)
    assert result.precision >= 0.95, dedupe_eval.report(result, len(pairs), verbose=True)
    assert result.recall >= 0.9, dedupe_eval.report(result, len(pairs), verbose=True)


def test_the_evaluation_command_prints_precision_and_recall(capsys):
    assert dedupe_eval.main(["--no-geocode", "--min-precision", "0.9"]) == 0
    out = capsys.readouterr().out
    assert "precision" in out and "recall" in out


DENVER = {"street": "1550 Larimer St, Suite 310", "city": "Denver", "state": "CO",
          "postal_code": "80202"}


def test_one_clinic_spelled_two_ways_is_one_clinic():
    site = keys("Ketamine Wellness Center of Denver", "(303) 555-0142",
                "https://kwcdenver.com", DENVER)
    directory = keys("Denver Ketamine Wellness Ctr", "303.555.0142",
                     "http://www.kwcdenver.com/?utm_source=dir",
                     {**DENVER, "street": "1550 Larimer Street Ste. 310"})
    verdict = compare(site, directory)
    assert verdict.same and verdict.place == "same_address"


def test_branches_of_a_practice_are_different_clinics():
    lakewood = keys("Front Range Ketamine – Lakewood", "(303) 555-0181",
                    "https://frontrange.example", {"street": "7200 W Alameda Ave, Suite 105",
                                                   "city": "Lakewood", "state": "CO",
                                                   "postal_code": "80226"})
    springs = keys("Front Range Ketamine – Colorado Springs", "(303) 555-0181",
                   "https://frontrange.example", {"street": "625 N Cascade Ave, Suite 140",
                                                  "city": "Colorado Springs", "state": "CO",
                                                  "postal_code": "80903"})
    assert place_relation(lakewood, springs) == "different"
    assert not compare(lakewood, springs).same


def test_neighbours_in_one_building_are_different_clinics():
    a = keys("Mile High Ketamine Wellness", "(303) 555-0142", "https://milehigh.example", DENVER)
    b = keys("Larimer Square Psychiatry", "(303) 555-0177", "https://larimerpsych.example",
             {**DENVER, "street": "1550 Larimer St, Suite 440"})
    assert place_relation(a, b) == "other_unit"
    assert not compare(a, b).same


def test_east_and_west_of_one_avenue_are_two_streets():
    a = keys("Colfax Ketamine", None, None, {"street": "1600 E Colfax Ave", "city": "Denver",
                                             "state": "CO", "postal_code": "80218"})
    b = keys("Colfax Ketamine", None, None, {"street": "1600 W Colfax Ave", "city": "Denver",
                                             "state": "CO", "postal_code": "80218"})
    assert place_relation(a, b) == "different"


def test_a_listing_without_an_address_joins_one_branch_never_both():
    practice = "https://gotham.example"
    flatiron = keys("Gotham Ketamine – Flatiron", "(212) 555-0177", practice,
                    {"street": "245 Fifth Ave", "city": "New York", "state": "NY",
                     "postal_code": "10010"})
    murray = keys("Gotham Ketamine – Murray Hill", "(212) 555-0177", practice,
                  {"street": "150 E 37th St", "city": "New York", "state": "NY",
                   "postal_code": "10016"})
    bare = keys("Gotham Ketamine", "(212) 555-0177", practice)
    groups = cluster([flatiron, murray, bare])
    assert len(groups) == 2
    assert sorted(len(g) for g in groups) == [1, 2]


def test_two_stored_clinics_are_never_fused_by_a_crawl():
    a = keys("Harbor Spravato Center", "(619) 555-0126", None,
             {"street": "600 W Broadway", "city": "San Diego", "state": "CA",
              "postal_code": "92101"}, stored_id="harbor-1")
    b = keys("Harbor Spravato Center", "(619) 555-0126", None,
             {"street": "600 West Broadway", "city": "San Diego", "state": "CA",
              "postal_code": "92101"}, stored_id="harbor-2")
    listing = keys("Harbor Spravato Center", "619-555-0126", None,
                   {"street": "600 W Broadway Ste 450", "city": "San Diego", "state": "CA",
                    "postal_code": "92101"})
    groups = cluster([a, b, listing])
    assert len(groups) == 2
    assert [0, 2] in groups or [1, 2] in groups


def test_a_phone_many_places_share_is_no_evidence():
    call_centre = "(800) 555-0100"
    listings = [keys(f"Clinic {n}", call_centre, None,
                     {"city": city, "state": "TX", "postal_code": zip_code})
                for n, (city, zip_code) in enumerate([
                    ("Austin", "78701"), ("Dallas", "75201"), ("Houston", "77002"),
                    ("El Paso", "79901"), ("Plano", "75074"), ("Waco", "76701"),
                    ("Austin", "78702")])]
    groups = cluster(listings)
    assert len(groups) == len(listings)
    assert all(k.phone is None for k in listings)
