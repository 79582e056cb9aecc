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
    return clinic_keys(
        name,
        phone=normalize_phone(phone),
        website=normalize_url(website),
        address=normalize_address(address),
        stored_id=stored_id,
    )


def test_the_labelled_pairs_are_judged_with_high_precision_and_recall(geocoder):
    pairs = dedupe_eval.load_pairs(dedupe_eval.PAIRS)
    assert len(pairs) >= 60
    assert sum(p["same"] for p in pairs) >= 30 and sum(not p["same"] for p in pairs) >= 30
    result = dedupe_eval.evaluate(pairs, geocoder)
    assert result.precision >= 0.98, dedupe_eval.report(result, len(pairs), verbose=True)
    assert result.recall >= 0.95, dedupe_eval.report(result, len(pairs), verbose=True)


def test_the_labelled_pairs_merged_through_the_indexer_as_a_crawl_would_be(geocoder):
    pairs = dedupe_eval.load_pairs(dedupe_eval.PAIRS)
    result = dedupe_eval.evaluate_through_index(pairs, geocoder)
    assert result.precision >= 0.98, dedupe_eval.report(result, len(pairs), verbose=True)
    assert result.recall >= 0.95, dedupe_eval.report(result, len(pairs), verbose=True)


def test_a_bad_pairs_file_is_one_clear_line(tmp_path, capsys):
    bad = tmp_path / "pairs.jsonl"
    bad.write_text('{"id": "x", "same": "yes", "a": {}, "b": {}}\n', encoding="utf-8")
    assert dedupe_eval.main(["--pairs", str(bad), "--no-geocode"]) == 2
    assert 'line 1: a pair needs "same" (true or false)' in capsys.readouterr().err


def test_the_evaluation_command_prints_precision_and_recall(capsys):
    assert dedupe_eval.main(["--no-geocode", "--min-precision", "0.9"]) == 0
    out = capsys.readouterr().out
    assert "precision" in out and "recall" in out


DENVER = {
    "street": "1550 Larimer St, Suite 310",
    "city": "Denver",
    "state": "CO",
    "postal_code": "80202",
}


def test_one_clinic_spelled_two_ways_is_one_clinic():
    site = keys(
        "Ketamine Wellness Center of Denver", "(303) 555-0142", "https://kwcdenver.com", DENVER
    )
    directory = keys(
        "Denver Ketamine Wellness Ctr",
        "303.555.0142",
        "http://www.kwcdenver.com/?utm_source=dir",
        {**DENVER, "street": "1550 Larimer Street Ste. 310"},
    )
    verdict = compare(site, directory)
    assert verdict.same and verdict.place == "same_address"


def test_branches_of_a_practice_are_different_clinics():
    lakewood = keys(
        "Front Range Ketamine – Lakewood",
        "(303) 555-0181",
        "https://frontrange.example",
        {
            "street": "7200 W Alameda Ave, Suite 105",
            "city": "Lakewood",
            "state": "CO",
            "postal_code": "80226",
        },
    )
    springs = keys(
        "Front Range Ketamine – Colorado Springs",
        "(303) 555-0181",
        "https://frontrange.example",
        {
            "street": "625 N Cascade Ave, Suite 140",
            "city": "Colorado Springs",
            "state": "CO",
            "postal_code": "80903",
        },
    )
    assert place_relation(lakewood, springs) == "different"
    assert not compare(lakewood, springs).same


def test_neighbours_in_one_building_are_different_clinics():
    a = keys("Mile High Ketamine Wellness", "(303) 555-0142", "https://milehigh.example", DENVER)
    b = keys(
        "Larimer Square Psychiatry",
        "(303) 555-0177",
        "https://larimerpsych.example",
        {**DENVER, "street": "1550 Larimer St, Suite 440"},
    )
    assert place_relation(a, b) == "other_unit"
    assert not compare(a, b).same


def test_east_and_west_of_one_avenue_are_two_streets():
    a = keys(
        "Colfax Ketamine",
        None,
        None,
        {"street": "1600 E Colfax Ave", "city": "Denver", "state": "CO", "postal_code": "80218"},
    )
    b = keys(
        "Colfax Ketamine",
        None,
        None,
        {"street": "1600 W Colfax Ave", "city": "Denver", "state": "CO", "postal_code": "80218"},
    )
    assert place_relation(a, b) == "different"


def test_a_listing_without_an_address_joins_one_branch_never_both():
    practice = "https://gotham.example"
    flatiron = keys(
        "Gotham Ketamine – Flatiron",
        "(212) 555-0177",
        practice,
        {"street": "245 Fifth Ave", "city": "New York", "state": "NY", "postal_code": "10010"},
    )
    murray = keys(
        "Gotham Ketamine – Murray Hill",
        "(212) 555-0177",
        practice,
        {"street": "150 E 37th St", "city": "New York", "state": "NY", "postal_code": "10016"},
    )
    bare = keys("Gotham Ketamine", "(212) 555-0177", practice)
    groups = cluster([flatiron, murray, bare])
    assert len(groups) == 2
    assert sorted(len(g) for g in groups) == [1, 2]


def test_two_stored_clinics_are_never_fused_by_a_crawl():
    a = keys(
        "Harbor Spravato Center",
        "(619) 555-0126",
        None,
        {"street": "600 W Broadway", "city": "San Diego", "state": "CA", "postal_code": "92101"},
        stored_id="harbor-1",
    )
    b = keys(
        "Harbor Spravato Center",
        "(619) 555-0126",
        None,
        {"street": "600 West Broadway", "city": "San Diego", "state": "CA", "postal_code": "92101"},
        stored_id="harbor-2",
    )
    listing = keys(
        "Harbor Spravato Center",
        "619-555-0126",
        None,
        {
            "street": "600 W Broadway Ste 450",
            "city": "San Diego",
            "state": "CA",
            "postal_code": "92101",
        },
    )
    groups = cluster([a, b, listing])
    assert len(groups) == 2
    assert [0, 2] in groups or [1, 2] in groups


def test_a_phone_many_places_share_is_no_evidence():
    call_centre = "(800) 555-0100"
    listings = [
        keys(
            f"Clinic {n}", call_centre, None, {"city": city, "state": "TX", "postal_code": zip_code}
        )
        for n, (city, zip_code) in enumerate(
            [
                ("Austin", "78701"),
                ("Dallas", "75201"),
                ("Houston", "77002"),
                ("El Paso", "79901"),
                ("Plano", "75074"),
                ("Waco", "76701"),
                ("Austin", "78702"),
            ]
        )
    ]
    groups = cluster(listings)
    assert len(groups) == len(listings)
    assert all(k.phone is None for k in listings)


# -- one address written several ways ------------------------------------------------------

FREEHOLD = {"city": "Freehold", "state": "NJ", "postal_code": "07728"}


@pytest.mark.parametrize(
    "one, other",
    [
        ("3350 US Highway 9, Suite 4", "3350 Route 9, Ste 4"),
        ("3350 U.S. Hwy 9", "3350 NJ-9"),
        ("3350 State Road 9", "3350 SR 9"),
        ("3350 State Highway 9 North", "3350 Rte. 9 N"),
        ("3350 County Road 9", "3350 CR-9"),
    ],
)
def test_route_designators_of_one_road_are_one_street(one, other):
    a = keys("Pinelands Ketamine", address={**FREEHOLD, "street": one})
    b = keys("Pinelands Ketamine", address={**FREEHOLD, "street": other})
    assert (a.street_core, a.street_no) == (b.street_core, b.street_no)
    assert place_relation(a, b) == "same_address"


@pytest.mark.parametrize(
    "one, other",
    [
        ("3350 County Road 9", "3350 Route 9"),  # another road system
        ("3350 Old Route 9", "3350 Route 9"),  # the old road beside the new one
        ("3350 Route 9", "3350 Route 90"),
    ],
)
def test_other_roads_stay_other_streets(one, other):
    a = keys("Pinelands Ketamine", address={**FREEHOLD, "street": one})
    b = keys("Pinelands Ketamine", address={**FREEHOLD, "street": other})
    assert place_relation(a, b) == "different"


def test_a_building_name_and_a_floor_beside_the_suite_are_set_aside():
    plaza = keys(
        "Cove Ketamine",
        address={
            **FREEHOLD,
            "street": "Freehold Medical Plaza, 501 Iron Bridge Rd, 2nd Floor, Suite 210",
        },
    )
    plain = keys("Cove Ketamine", address={**FREEHOLD, "street": "501 Iron Bridge Road #210"})
    assert (plaza.street_no, plaza.street_core, plaza.unit) == ("501", "iron bridge", "210")
    assert place_relation(plaza, plain) == "same_address"


SITE = ("Cove Ketamine", "(732) 555-0101", "https://coveketamine.example")


def test_a_mistyped_street_number_merges_when_everything_else_agrees():
    site = keys(*SITE, {**FREEHOLD, "street": "4125 Route 9, Suite 2"})
    typo = keys("Cove Ketamine", "732-555-0101", None, {**FREEHOLD, "street": "4215 Route 9"})
    verdict = compare(site, typo)
    assert verdict.same and verdict.place == "number_typo"


@pytest.mark.parametrize(
    "other",
    [
        # a neighbour one keystroke away with its own name and contacts
        keys(
            "Harbor Infusion Center",
            "(732) 555-0199",
            "https://harborinfusion.example",
            {**FREEHOLD, "street": "4215 Route 9"},
        ),
        # the same name with other contact details: a same-named practice, not a typo
        keys(
            "Cove Ketamine",
            "(732) 555-0177",
            "https://cove-nj.example",
            {**FREEHOLD, "street": "4215 Route 9"},
        ),
        # one practice, two suites: offices, not a typo
        keys(*SITE, {**FREEHOLD, "street": "4215 Route 9, Suite 7"}),
        # the same street number typo in another ZIP is another place
        keys(
            *SITE,
            {"city": "Howell", "state": "NJ", "postal_code": "07731", "street": "4215 Route 9"},
        ),
        # short numbers one digit apart are next-door buildings
        keys(*SITE, {**FREEHOLD, "street": "13 Route 9"}),
    ],
)
def test_a_street_number_one_keystroke_away_is_not_enough_alone(other):
    site = keys(*SITE, {**FREEHOLD, "street": "4125 Route 9, Suite 2"})
    if other.street_no == "13":
        site = keys(*SITE, {**FREEHOLD, "street": "12 Route 9"})
    assert not compare(site, other).same


def test_a_clinicians_profile_at_the_clinics_suite_is_the_clinic():
    clinic = keys(*SITE, {**FREEHOLD, "street": "501 Iron Bridge Rd, 3rd Floor, Suite 310"})
    profile = keys(
        "Dr. Ana Ruiz, MD",
        "(732) 555-0101",
        None,
        {**FREEHOLD, "street": "501 Iron Bridge Road Suite 310"},
    )
    neighbour = keys(
        "Dr. Ben Ode, PhD",
        "(732) 555-0150",
        "https://odetherapy.example",
        {**FREEHOLD, "street": "501 Iron Bridge Road Suite 520"},
    )
    assert compare(clinic, profile).same
    assert not compare(clinic, neighbour).same


def test_a_clinicians_profile_without_contacts_in_the_clinics_suite_is_the_clinic():
    clinic = keys(*SITE, {**FREEHOLD, "street": "501 Iron Bridge Rd, Suite 310"})
    profile = keys("Dr. Ana Ruiz", None, None, {**FREEHOLD, "street": "501 Iron Bridge Rd #310"})
    subletting = keys(
        "Lee Park, LCSW",
        "(732) 555-0166",
        "https://leepark.example",
        {**FREEHOLD, "street": "501 Iron Bridge Rd #310"},
    )
    successor = keys(
        "Shore Infusions", None, None, {**FREEHOLD, "street": "501 Iron Bridge Rd #310"}
    )
    assert compare(clinic, profile).same
    assert not compare(clinic, subletting).same
    assert not compare(clinic, successor).same
