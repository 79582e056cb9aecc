"""Amounts of money in text: numbers, a currency code, and how many sessions a series covers."""

from __future__ import annotations

import re

CURRENCY_SYMBOLS = {
    "$": "USD",
    "us$": "USD",
    "usd": "USD",
    "€": "EUR",
    "eur": "EUR",
    "£": "GBP",
    "gbp": "GBP",
    "c$": "CAD",
    "cad": "CAD",
    "ca$": "CAD",
}
_AMOUNT = re.compile(
    r"(?P<cur>us\$|c\$|ca\$|[$€£]|usd|eur|gbp|cad)?\s*"
    r"(?P<num>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<cents>\d{1,2}))?\s*(?P<k>k\b)?",
    re.I,
)
NUMBER_WORDS = {  # counts written as words, in sessions and prices
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
}
_SESSIONS = re.compile(
    r"(?:(?:series|package|course|set|pack|bundle|block)\s+of\s+(?P<a>\d{1,2}|[a-z]+)"
    r"|(?P<b>\d{1,2}|[a-z]+)[\s-]+(?:sessions?|infusions?|treatments?|injections?|doses?|"
    r"visits?|appointments?)\b"
    r"|(?P<c>\d{1,2}|[a-z]+)[\s-]+(?:session|infusion|treatment|dose)[\s-]+(?:series|package|"
    r"course|bundle))",
    re.I,
)


def parse_amounts(text: str) -> tuple[float, float | None, str] | None:
    """'$400 – $600' → (400.0, 600.0, 'USD'); '$1,200' → (1200.0, None, 'USD');
    '€300' → (300.0, None, 'EUR'); '1.5k' → (1500.0, …). None when there is no amount."""
    found = []
    currency = None
    for match in _AMOUNT.finditer(text):
        value = float(match.group("num").replace(",", ""))
        if match.group("cents"):
            value += float(f"0.{match.group('cents')}")
        if match.group("k"):
            value *= 1000
        if match.group("cur"):
            currency = currency or CURRENCY_SYMBOLS[match.group("cur").lower()]
        found.append(round(value, 2))
        if len(found) == 2:
            break
    if not found:
        return None
    low = found[0]
    high = found[1] if len(found) == 2 else None
    if high is not None and high < low:
        low, high = high, low
    return low, (high if high != low else None), currency or "USD"


def sessions_in(text: str | None) -> int | None:
    """How many sessions a series quote speaks of: 'series of six infusions' → 6."""
    if not text:
        return None
    for match in _SESSIONS.finditer(text):
        word = (match.group("a") or match.group("b") or match.group("c")).lower()
        count = int(word) if word.isdigit() else NUMBER_WORDS.get(word)
        if count and 2 <= count <= 24:
            return count
    return None
