"""Normalization of crawled values: phones, URLs, addresses, names, prices, vocabularies."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from indexer.normalize import (
    _fast_tag,
    _tag,
    clinic_id,
    coerce_listing,
    name_key,
    normalize_address,
    normalize_email,
    normalize_price,
    parse_street,
)
from katdir.model import Address, Listing, Price
from katdir.normalize import (
    sessions_in,
)

PAIRS = Path(__file__).resolve().parents[1] / "fixtures" / "dedupe" / "pairs.jsonl"


def test_emails():
    assert normalize_email("mailto:Care@MileHigh.Example") == "Care@milehigh.example"
    assert normalize_email("not an email") is None


# -- states, ZIPs and addresses ------------------------------------------------------------


def test_address_from_one_line_text():
    address = normalize_address("1550 Wynkoop St Suite 200, Denver, Colorado 80202-1234")
    assert address == Address(
        street="1550 Wynkoop St, Suite 200", city="Denver", state="CO", postal_code="80202-1234"
    )


@pytest.mark.parametrize(
    "street",
    [
        "1550 Larimer St, Suite 310",
        "1550 LARIMER STREET STE. 310",
        "1550 Larimer St #310",
        "1550 larimer street, suite 310",
        "Suite 310, 1550 Larimer St",
        "1550  Larimer St   Ste 310",
    ],
)
def test_every_spelling_of_a_suite_gives_one_street_line(street):
    parsed = parse_street(street)
    assert parsed.line == "1550 Larimer St, Suite 310"
    assert (parsed.number, parsed.key, parsed.unit) == ("1550", "larimer st", "310")


def test_street_types_directionals_and_ordinals_are_standardized():
    assert parse_street("7200 West Alameda Avenue, Ste 105").line == "7200 W Alameda Ave, Suite 105"
    assert parse_street("245 Fifth Avenue, 11th Floor").key == parse_street("245 5th Ave").key
    assert (
        parse_street("245 Fifth Avenue, 11th Floor").unit == parse_street("245 5th Ave Fl 11").unit
    )
    assert parse_street("PO Box 24417").line == "PO Box 24417"


def test_address_parts_are_tidied():
    address = normalize_address(
        {"street": " 12  Main St ", "city": "BOULDER", "state": "co", "postal_code": "80302"}
    )
    assert address == Address(street="12 Main St", city="Boulder", state="CO", postal_code="80302")
    assert normalize_address({"street": None, "city": None}) is None


def test_a_whole_address_crammed_into_the_street_is_split():
    address = normalize_address({"street": "1550 Larimer St, Suite 310, Denver, CO 80202"})
    assert address == Address(
        street="1550 Larimer St, Suite 310", city="Denver", state="CO", postal_code="80202"
    )


def _street_corpus() -> set[str]:
    streets = set()
    for line in PAIRS.read_text().splitlines():
        pair = json.loads(line)
        for side in (pair["a"], pair["b"]):
            if (side.get("address") or {}).get("street"):
                streets.add(side["address"]["street"])
    rng = random.Random(3)
    names = (
        "Main",
        "Larimer",
        "Cherry Creek",
        "Martin Luther King",
        "O'Connor",
        "Fifth",
        "Broadway",
        "Lake Wright",
        "Peachtree",
        "Spring Hill",
        "Park",
        "Mill Creek",
        "Forest Glen",
        "Sunset Ridge",
        "Colfax",
        "Highland Park",
        "Eagle",
    )
    for _ in range(600):
        parts = [
            str(rng.randint(1, 99999)),
            rng.choice(("", "N", "South", "W.", "NE")),
            rng.choice(names),
            rng.choice(("St", "Street", "Ave.", "Blvd", "Rd", "Way", "")),
        ]
        line = " ".join(p for p in parts if p)
        line += rng.choice(("", ", Suite 310", " Ste. 4B", " #12", ", Unit C", " Apt 2"))
        streets.add(line)
    return streets


def test_a_standardized_street_line_reads_back_the_same():
    from indexer.normalize import _parse_street

    for street in sorted(_street_corpus()):
        parsed = _parse_street(street)
        if parsed.line:
            assert _parse_street(parsed.line) == parsed, street


def test_the_fast_street_reader_agrees_with_usaddress():
    read_fast = 0
    for street in sorted(_street_corpus()):
        fast = _fast_tag(street)
        if fast is None:
            continue
        read_fast += 1
        slow = {k: v.strip(" ,") for k, v in _tag(street, fast=False).items()}
        assert fast == slow, street
    assert read_fast > 200  # the fast path is the common one


# -- names and ids -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Denver Ketamine Wellness Ctr.", "Denver Ketamine Wellness Center"),
        ("Capitol Ketamine Clinic, LLC", "Capitol Ketamine Clinic"),
        ("Aurora Mind & Body Ketamine", "Aurora Mind and Body Ketamine"),
        ("Clínica Esperanza", "Clinica Esperanza"),
        ("St. Louis Ketamine", "Saint Louis Ketamine"),
        ("The Ketamine Clinic of Santa Fe", "Ketamine Clinic Santa Fe"),
    ],
)
def test_name_keys_ignore_spelling(a, b):
    assert name_key(a) == name_key(b)


def test_ids_are_stable_and_per_location():
    denver = Address(city="Denver", state="CO", postal_code="80202")
    lakewood = Address(city="Lakewood", state="CO", postal_code="80401")
    assert (
        clinic_id("Front Range Ketamine", "https://frontrange.com/x?utm_source=y", denver)
        == "frontrange-com-80202"
    )
    assert clinic_id("Front Range Ketamine", None, lakewood) == "front-range-ketamine-80401"
    assert (
        clinic_id("Front Range", None, Address(city="Lakewood", state="CO"))
        == "front-range-lakewood-co"
    )


# -- prices --------------------------------------------------------------------------------


def test_a_series_gets_its_session_count_and_a_per_session_equivalent():
    price = normalize_price(
        {"kind": "series", "amount_min": "$2,400", "quote": "A series of six infusions for $2,400"}
    )
    assert (price["amount_min"], price["sessions"], price["currency"]) == (2400.0, 6, "USD")
    assert Price(**price).per_session == 400.0
    assert sessions_in("6-infusion package") == 6
    assert sessions_in("$450 per session") is None


def test_price_ranges_are_put_in_order():
    price = normalize_price(
        {"kind": "per_session", "amount_min": 600, "amount_max": 400, "currency": "$"}
    )
    assert (price["amount_min"], price["amount_max"], price["currency"]) == (400.0, 600.0, "USD")
    assert normalize_price({"amount_min": 450, "amount_max": 450})["amount_max"] is None
    assert normalize_price({"amount_min": "free"}) is None


def test_a_listing_in_loose_words_is_repaired_into_the_model():
    raw = {
        "url": "https://clinic.example/",
        "name": "Clinic",
        "routes": ["IV infusions", "Spravato"],
        "conditions": ["Depression", "PTSD"],
        "care_steps": ["Integration therapy"],
        "prices": [{"amount_min": "$400 - $600", "kind": "per_session"}],
        "address": "1550 Larimer St Ste 310, Denver, CO 80202",
    }
    listing = Listing.model_validate(coerce_listing(raw))
    assert listing.routes == ["iv", "spravato"]
    assert listing.conditions == ["depression", "ptsd"]
    assert listing.care_steps == ["integration"]
    assert (listing.prices[0].amount_min, listing.prices[0].amount_max) == (400.0, 600.0)
    assert listing.address.postal_code == "80202"
