"""Amounts of money in text."""

from __future__ import annotations

import pytest

from katdir.normalize import (
    parse_amounts,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$400 – $600", (400.0, 600.0, "USD")),
        ("$1,200", (1200.0, None, "USD")),
        ("€300", (300.0, None, "EUR")),
        ("USD 450.50", (450.5, None, "USD")),
        ("$600-$400", (400.0, 600.0, "USD")),
        ("$500 to $500", (500.0, None, "USD")),
        ("call for pricing", None),
    ],
)
def test_price_texts_become_numbers(text, expected):
    assert parse_amounts(text) == expected
