"""Phone numbers in E.164 — the one rule every stage uses (crawler, directory profiles, indexer)."""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers

# The usual North American shapes, answered without phonenumbers' parser (it costs ~15 µs a
# number); the result is what phonenumbers gives for them (tests/indexer/test_normalize.py).
_NANP = re.compile(
    r"^\s*(?:tel:\s*)?(?:\+?1[\s.\-]?)?\(?([2-9]\d{2})\)?[\s.\-]?([2-9]\d{2})[\s.\-]?(\d{4})\s*$",
    re.I,
)
_TEL = re.compile(r"^\s*tel:", re.I)


def normalize_phone(raw: str | None, region: str = "US") -> str | None:
    """A phone number in E.164 (+13035550142), or None when the text holds no possible number
    (phonenumbers' rule: the right length for its country). Every stage uses this one rule.

    An extension ("x12") is dropped: E.164 has none, and the main number is what identifies a
    clinic. A number inside text ("Call (303) 555-0142 today") is found too.
    """
    if not raw:
        return None
    if region == "US":
        match = _NANP.match(raw)
        if match:
            return "+1" + "".join(match.groups())
    return _phone_slow(raw, region)


@lru_cache(maxsize=4096)
def _phone_slow(raw: str, region: str) -> str | None:
    try:
        number = phonenumbers.parse(_TEL.sub("", raw), region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_possible_number(number):
        found = next(iter(phonenumbers.PhoneNumberMatcher(raw, region)), None)
        if found is None:
            return None
        number = found.number
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
