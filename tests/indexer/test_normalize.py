"""Normalization of crawled values: phones, URLs, addresses, ids."""

from __future__ import annotations

import pytest

from indexer.normalize import (
    clinic_id,
    normalize_address,
    normalize_phone,
    normalize_postal_code,
    normalize_url,
    site_key,
)
from katdir.model import Address


@pytest.mark.parametrize("raw", ["(303) 555-0142", "303.555.0142", "+1 303 555 0142",
                                 "tel:+13035550142", "1-303-555-0142"])
def test_phones_become_e164(raw):
    assert normalize_phone(raw) == "+13035550142"


@pytest.mark.parametrize("raw", ["", None, "call us", "555-01"])
def test_not_a_phone_is_none(raw):
    assert normalize_phone(raw) is None


def test_urls_lose_tracking_and_www():
    assert normalize_url("https://WWW.Example.com/?utm_source=x&gclid=1&page=2#top") == \
        "https://example.com?page=2"
    assert normalize_url("http://example.com/pricing/") == "http://example.com/pricing/"
    assert normalize_url("mailto:a@b.c") is None


def test_site_key_ignores_local_test_hosts():
    assert site_key("https://www.denverketamine.com/pricing") == "denverketamine.com"
    assert site_key("http://127.0.0.1:41234/") is None
    assert site_key("http://localhost:8000/") is None


@pytest.mark.parametrize(("raw", "expected"), [
    ("80202", "80202"), ("80202-1234", "80202-1234"), ("802021234", "80202-1234"),
    ("8020", None), ("abcde", None),
])
def test_postal_codes(raw, expected):
    assert normalize_postal_code(raw) == expected


def test_address_from_one_line_text():
    address = normalize_address("1550 Wynkoop St Suite 200, Denver, Colorado 80202-1234")
    assert address == Address(street="1550 Wynkoop St Suite 200", city="Denver", state="CO",
                              postal_code="80202-1234")


def test_address_parts_are_tidied():
    address = normalize_address({"street": " 12  Main St ", "city": "BOULDER", "state": "co",
                                 "postal_code": "80302"})
    assert address == Address(street="12 Main St", city="Boulder", state="CO", postal_code="80302")
    assert normalize_address({"street": None, "city": None}) is None


def test_ids_are_stable_and_per_location():
    denver = Address(city="Denver", state="CO", postal_code="80202")
    lakewood = Address(city="Lakewood", state="CO", postal_code="80401")
    assert clinic_id("Front Range Ketamine", "https://frontrange.com/x?utm_source=y", denver) == \
        "frontrange-com-80202"
    assert clinic_id("Front Range Ketamine", None, lakewood) == "front-range-ketamine-80401"
    assert clinic_id("Front Range", None, Address(city="Lakewood", state="CO")) == \
        "front-range-lakewood-co"
