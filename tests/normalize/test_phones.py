"""Phones in E.164: one rule for the crawler, the directory profiles and the indexer."""

from __future__ import annotations

import random

import phonenumbers
import pytest

from katdir.normalize import (
    normalize_phone,
)

# -- phones --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "(303) 555-0142",
        "303.555.0142",
        "+1 303 555 0142",
        "tel:+13035550142",
        "1-303-555-0142",
        "3035550142",
        "303-555-0142 ext. 12",
        "Call (303) 555-0142 today",
    ],
)
def test_phones_become_e164(raw):
    assert normalize_phone(raw) == "+13035550142"


@pytest.mark.parametrize("raw", ["", None, "call us", "555-01", "12"])
def test_not_a_phone_is_none(raw):
    assert normalize_phone(raw) is None


def test_foreign_numbers_keep_their_country_code():
    assert normalize_phone("+44 20 7946 0958") == "+442079460958"


def test_the_fast_phone_path_agrees_with_phonenumbers():
    rng = random.Random(5)
    for _ in range(300):
        digits = f"{rng.randint(200, 999)}{rng.randint(200, 999)}{rng.randint(0, 9999):04d}"
        a, b, c = digits[:3], digits[3:6], digits[6:]
        for text in (f"({a}) {b}-{c}", f"{a}.{b}.{c}", f"+1 {a} {b} {c}", f"1-{a}-{b}-{c}"):
            expected = phonenumbers.format_number(
                phonenumbers.parse(text, "US"), phonenumbers.PhoneNumberFormat.E164
            )
            assert normalize_phone(text) == expected


def test_every_stage_uses_the_one_phone_rule():
    from crawler import directory
    from crawler.extract import contact
    from indexer import merge

    assert directory.normalize_phone is normalize_phone is merge.normalize_phone
    assert contact.normalize_phone("TEL:+1-303-555-0142") == normalize_phone("tel:3035550142")
    assert contact.normalize_phone("1-800-273-8255") is None  # a crisis line is no clinic's phone
