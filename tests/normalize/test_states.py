"""States and ZIP codes."""

from __future__ import annotations

import pytest

from katdir.normalize import (
    normalize_postal_code,
    normalize_state,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("80202", "80202"),
        ("80202-1234", "80202-1234"),
        ("802021234", "80202-1234"),
        ("80202 1234", "80202-1234"),
        ("8020", None),
        ("abcde", None),
        ("", None),
    ],
)
def test_postal_codes(raw, expected):
    assert normalize_postal_code(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("CO", "CO"),
        ("co", "CO"),
        ("Colorado", "CO"),
        ("NEW YORK", "NY"),
        ("District of Columbia", "DC"),
        ("Narnia", None),
        (None, None),
    ],
)
def test_states_are_two_letter_codes(raw, expected):
    assert normalize_state(raw) == expected


@pytest.mark.parametrize("raw", ["CO.", " Colorado ", "colorado", "co"])
def test_a_state_with_a_stop_or_spaces_is_still_coded(raw):
    assert normalize_state(raw) == "CO"
