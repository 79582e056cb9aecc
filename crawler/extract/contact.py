"""Contact details: postal addresses (schema.org first, then text, read with usaddress),
phone numbers (phonenumbers, E.164; fax and crisis lines left out), email, opening hours,
and every location of a multi-location practice."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import phonenumbers
import usaddress

from katdir.normalize import normalize_phone as e164
from katdir.normalize import normalize_state
from katdir.normalize.states import STATE_CODES, STATES

from .document import EMAIL_RE, FOOTER, HEADER, MAIN, Document
from .structured import Entity, text_value

_STATE_ALT = "|".join(
    sorted([re.escape(s.title()) for s in STATES] + sorted(STATE_CODES), key=len, reverse=True)
)
_CITY_STATE_ZIP_RE = re.compile(
    rf"(?P<city>[A-Z][A-Za-z.'’\-]*(?:[ ][A-Z][A-Za-z.'’\-]*){{0,3}}),?[ ]+(?P<state>{_STATE_ALT})\.?,?[ ]+"
    rf"(?P<zip>\d{{5}})(?:-\d{{4}})?\b"
)
_STREET_START_RE = re.compile(r"^\d+[A-Za-z]?\s+\S+|^(?:P\.?\s?O\.?\s+Box|One|Two)\s+\S+", re.I)
_OCCUPANCY_RE = re.compile(
    r"^(?:suite|ste\.?|unit|#|floor|fl\.?|room|rm\.?|bldg\.?|building|apt\.?|\d+(?:st|nd|rd|th) floor)\b",
    re.I,
)
_SEPARATORS_RE = re.compile(r"(?<!\s)\s*(?:\n|\||·|•|—|–(?=\s)|,)\s*")

# cheap pre-filter: only text with something shaped like a US number goes to phonenumbers
_PHONE_HINT_RE = re.compile(r"\(?\b\d{3}\)?[\s.\-]*\d{3}[\s.\-]*\d{4}\b|\+\s?1\b|\b1[\s.\-]\d{3}")
CRISIS_NUMBERS = {"+18002738255", "+1988", "+18007994889", "+18006624357", "+18009857677"}
_CRISIS_CONTEXT_RE = re.compile(r"crisis|lifeline|suicide|hotline|emergency|988|911", re.I)
_FAX_RE = re.compile(r"\bfax(?:ed|ing)?\b", re.I)
# en dash, non-breaking and other hyphens written inside phone numbers: one for one, so
# positions in the text stay the same
_DASHES = str.maketrans({"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2212": "-"})
_DAY_RE = re.compile(r"\b(mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|days|s|\.)?\b", re.I)
_TIME_RE = re.compile(
    r"\b\d{1,2}(?::\d{2})?\s*(?:a\.?m\.?|p\.?m\.?)|\b\d{1,2}:\d{2}\b|\b\d{1,2}\s*[–-]\s*\d{1,2}\b|\bby appointment\b|\bclosed\b",
    re.I,
)


@dataclass
class Address:
    street: str | None
    city: str | None
    state: str | None
    postal_code: str | None
    country: str = "US"
    quote: str = ""
    region: str = MAIN
    block_index: int = -1

    def as_dict(self) -> dict:
        return {
            "street": self.street,
            "city": self.city,
            "state": self.state,
            "postal_code": self.postal_code,
            "country": self.country,
        }

    def key(self) -> tuple:
        return (self.postal_code, (self.street or "").lower()[:12])


def _clean_zip(value) -> str | None:
    m = re.search(r"\b(\d{5})(?:-\d{4})?\b", str(value or ""))
    return m.group(1) if m else None


def address_from_schema(value) -> Address | None:
    if isinstance(value, list):
        for v in value:
            a = address_from_schema(v)
            if a:
                return a
        return None
    if isinstance(value, str):
        found = addresses_in_text(value)
        return found[0] if found else None
    if not isinstance(value, dict):
        return None
    street = text_value(value.get("streetAddress"))
    city = text_value(value.get("addressLocality"))
    state = normalize_state(text_value(value.get("addressRegion")))
    postal = _clean_zip(text_value(value.get("postalCode")))
    country = text_value(value.get("addressCountry")) or "US"
    if isinstance(value.get("addressCountry"), dict):
        country = text_value(value["addressCountry"]) or "US"
    if not (postal or (city and state)):
        return None
    if country.upper() in ("USA", "UNITED STATES", "US", "U.S.", "UNITED STATES OF AMERICA"):
        country = "US"
    quote = ", ".join(x for x in (street, city, " ".join(x for x in (state, postal) if x)) if x)
    return Address(street, city, state, postal, country, quote=quote)


def addresses_in_text(text: str, region: str = MAIN, block_index: int = -1) -> list[Address]:
    """US postal addresses in free text: "1600 Grant St, Suite 310, Denver, CO 80203"."""
    out = []
    flat = _SEPARATORS_RE.sub(", ", text)
    flat = re.sub(r"(,\s*)+", ", ", flat)
    for m in _CITY_STATE_ZIP_RE.finditer(flat):
        state = normalize_state(m.group("state"))
        if not state:
            continue
        city = m.group("city").strip()
        prefix = flat[: m.start()].rstrip(", ")
        street = _street_before(prefix)
        street, city = _split_with_usaddress(street, city, state, m.group("zip"))
        quote = flat[max(0, m.start() - (len(street) + 2 if street else 0)) : m.end()].strip(", ")
        out.append(
            Address(
                street,
                city,
                state,
                m.group("zip"),
                "US",
                quote=quote,
                region=region,
                block_index=block_index,
            )
        )
    return out


def _street_before(prefix: str) -> str | None:
    parts = [p.strip() for p in prefix.split(",")]
    collected: list[str] = []
    for part in reversed(parts[-4:]):
        if not part:
            continue
        collected.insert(0, part)
        if _STREET_START_RE.match(part):
            break
        if not _OCCUPANCY_RE.match(part):
            return None
    else:
        return None
    # keep only what follows the street number ("Call us at 8702 Pacific St" -> "8702 Pacific St")
    first = collected[0]
    m = re.search(r"\b\d+[A-Za-z]?\s+(?:[NSEW]\.?\s+)?[A-Za-z0-9].*$", first)
    if m:
        collected[0] = m.group(0)
    if len(" ".join(collected)) > 80:
        return None
    return ", ".join(collected)


def _split_with_usaddress(
    street: str | None, city: str, state: str, zip_code: str
) -> tuple[str | None, str]:
    """usaddress tells street words from city words when no comma separates them."""
    if street:
        return street, city
    try:
        tagged, kind = usaddress.tag(f"{city}, {state} {zip_code}")
    except usaddress.RepeatedLabelError:
        return None, city
    place = tagged.get("PlaceName")
    if place and kind == "Street Address":
        return None, place.strip(", ")
    return None, (place or city).strip(", ")


def find_addresses(doc: Document) -> list[Address]:
    out: list[Address] = []
    for block in doc.blocks:
        if not re.search(r"\d{5}", block.text):
            continue
        out.extend(addresses_in_text(block.text, block.region, block.index))
    return out


@dataclass
class Phone:
    e164: str
    raw: str
    region: str
    block_index: int
    weight: float = 1.0


def phone_matches(text: str) -> list[tuple[str, str, int]]:
    out = []
    try:
        for m in phonenumbers.PhoneNumberMatcher(text, "US", leniency=phonenumbers.Leniency.VALID):
            out.append(
                (
                    phonenumbers.format_number(m.number, phonenumbers.PhoneNumberFormat.E164),
                    m.raw_string,
                    m.start,
                )
            )
    except Exception:  # noqa: BLE001 - a malformed number must not break the page
        return out
    return out


def normalize_phone(value: str | None) -> str | None:
    """The clinic's phone in E.164 (the core's one rule), never a crisis line."""
    number = e164(value)
    return None if number in CRISIS_NUMBERS else number


def find_phones(doc: Document) -> list[Phone]:
    out: list[Phone] = []
    for href, text, region in doc.tel_links:
        e164 = normalize_phone(href) or normalize_phone(text)
        if e164:
            out.append(Phone(e164, text or href, region, -1, weight=1.5))
    for block in doc.blocks:
        text = block.text.translate(_DASHES)
        if not _PHONE_HINT_RE.search(text):
            continue
        for e164, _, pos in phone_matches(text):
            raw = block.text[pos : pos + len(_)]
            before = text[max(0, pos - 25) : pos]
            if _FAX_RE.search(before.split("\n")[-1]) or e164 in CRISIS_NUMBERS:
                continue
            if (
                _CRISIS_CONTEXT_RE.search(text[max(0, pos - 160) : pos])
                and "call us" not in before.lower()
            ):
                continue
            out.append(Phone(e164, raw, block.region, block.index))
    return out


def main_phone(phones: list[Phone], structured_phone: str | None) -> Phone | None:
    if structured_phone:
        for p in phones:
            if p.e164 == structured_phone:
                return p
        return Phone(structured_phone, structured_phone, MAIN, -1)
    if not phones:
        return None
    score: Counter = Counter()
    first: dict[str, int] = {}
    for i, p in enumerate(phones):
        bonus = 1.3 if p.region in (HEADER, FOOTER) else 1.0
        score[p.e164] += p.weight * bonus
        first.setdefault(p.e164, i)
    best = max(score, key=lambda e: (score[e], -first[e]))
    return next(p for p in phones if p.e164 == best)


def find_emails(doc: Document) -> list[str]:
    emails = [e.strip() for e in doc.mailto_links if "@" in e]
    if not emails:
        for block in doc.blocks:
            emails += EMAIL_RE.findall(block.text)
    return [e for e in emails if not e.lower().endswith((".png", ".jpg", ".gif", ".webp"))]


_DAY_NAMES = {
    "mo": "Mon",
    "tu": "Tue",
    "we": "Wed",
    "th": "Thu",
    "fr": "Fri",
    "sa": "Sat",
    "su": "Sun",
    "monday": "Mon",
    "tuesday": "Tue",
    "wednesday": "Wed",
    "thursday": "Thu",
    "friday": "Fri",
    "saturday": "Sat",
    "sunday": "Sun",
}


def hours_from_schema(entity: Entity) -> str | None:
    oh = entity.data.get("openingHours")
    if oh:
        items = oh if isinstance(oh, list) else [oh]
        return "; ".join(str(x).strip() for x in items if str(x).strip()) or None
    spec = entity.data.get("openingHoursSpecification")
    if spec:
        parts = []
        for s in spec if isinstance(spec, list) else [spec]:
            if not isinstance(s, dict):
                continue
            days = s.get("dayOfWeek") or []
            days = days if isinstance(days, list) else [days]
            names = [_DAY_NAMES.get(str(d).rsplit("/", 1)[-1].lower(), str(d)) for d in days]
            label = names[0] + ("–" + names[-1] if len(names) > 1 else "") if names else ""
            parts.append(f"{label} {s.get('opens', '')}–{s.get('closes', '')}".strip())
        return "; ".join(parts) or None
    return None


def hours_from_text(doc: Document) -> str | None:
    lines = []
    for block in doc.blocks:
        for line in block.text.split("\n"):
            if len(line) > 120:
                continue
            if _DAY_RE.search(line) and _TIME_RE.search(line):
                lines.append(
                    re.sub(r"^\s*(?:office )?hours\s*[:\-–]?\s*", "", line, flags=re.I).strip()
                )
        if len(lines) >= 4:
            break
    seen, out = set(), []
    for line in lines:
        if line.lower() not in seen:
            seen.add(line.lower())
            out.append(line)
    return "; ".join(out[:4]) or None


# -- a place stated in words ------------------------------------------------------------------

_PLACE_WORD = r"[A-Z][a-z]+(?:['’][a-z]+)?"
_PLACE_NAMES = rf"{_PLACE_WORD}(?:[ -]{_PLACE_WORD}){{0,3}}"
_STATE_NAME_ALT = "|".join(sorted((re.escape(s.title()) for s in STATES), key=len, reverse=True))
# "Located in San Diego", "our Fort Collins office", "At Lakeside Ketamine in Tacoma, Washington, we"
_LOCATED_RE = re.compile(
    rf"\b(?:[Ll]ocated|[Bb]ased|[Oo]ffices?|[Pp]ractice|[Cc]linic|[Cc]enter|[Cc]entre|[Ss]erving patients) in "
    rf"(?:(?:the|beautiful|downtown) )?(?P<city>{_PLACE_NAMES})(?:,? (?P<state>{_STATE_NAME_ALT}|[A-Z]{{2}})\b)?|"
    rf"\b[Aa]t (?:[A-Z][\w&'’.-]* ){{1,6}}in (?P<city2>{_PLACE_NAMES})(?:, (?P<state2>{_STATE_NAME_ALT}|[A-Z]{{2}}))?"
    rf",? (?:we|our|patients)\b"
)


def place_in_text(doc: Document) -> Address | None:
    """The city and state a provider's page states in words ("Located in San Diego", "At X in
    Tacoma, Washington, we..."), for a page without a postal address. A state alone ("in
    California") is kept; a name that is not a city or state is not guessed at."""
    for block in doc.blocks:
        if block.region != MAIN:
            continue
        m = _LOCATED_RE.search(block.text)
        if not m:
            continue
        city = m.group("city") or m.group("city2")
        state = normalize_state(m.group("state") or m.group("state2"))
        if normalize_state(city) and not state:
            city, state = None, normalize_state(city)
        if state is None and city is None:
            continue
        return Address(
            None, city, state, None, "US", quote=m.group(0), region=MAIN, block_index=block.index
        )
    return None
