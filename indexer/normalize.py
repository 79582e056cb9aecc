"""Normalization of crawled listings into the clinic model's forms (pure functions, no I/O).

Addresses are parsed with usaddress into a standard street line (USPS suffixes and
directionals, "Suite" for every spelling of a suite); names get a matching key and clinics a
stable id; prices become numbers with a currency, ranges in order and a session count for
series; a listing in loose words is repaired into the model. The single-value normalizers
(phones, URLs, states and ZIP codes, money, vocabularies) are the core's, in
`katdir.normalize`, shared with the crawler. Everything here is a function of its arguments,
so the matching and merging built on it are repeatable run after run.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import usaddress

from katdir.model import ROUTES, Address
from katdir.normalize import (
    CURRENCY_SYMBOLS,
    normalize_care_step,
    normalize_condition,
    normalize_postal_code,
    normalize_route,
    normalize_state,
    parse_amounts,
    sessions_in,
    site_key,
)

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.I)


def normalize_email(email: str | None) -> str | None:
    """An e-mail address without 'mailto:' and with its domain lower-cased; None if malformed."""
    if not email:
        return None
    text = email.strip().removeprefix("mailto:").split("?")[0].strip()
    if not _EMAIL.match(text):
        return None
    local, _, domain = text.rpartition("@")
    return f"{local}@{domain.lower()}"


# -- states, ZIP codes, addresses -----------------------------------------------------------


def slug(text: str) -> str:
    """Lower-case ASCII words joined by hyphens: 'Café Mind, Inc.' → 'cafe-mind-inc'."""
    return re.sub(r"[^a-z0-9]+", "-", ascii_fold(text).lower()).strip("-")


def ascii_fold(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


STREET_TYPES = {
    "street": "St",
    "st": "St",
    "str": "St",
    "avenue": "Ave",
    "ave": "Ave",
    "av": "Ave",
    "boulevard": "Blvd",
    "blvd": "Blvd",
    "road": "Rd",
    "rd": "Rd",
    "drive": "Dr",
    "dr": "Dr",
    "lane": "Ln",
    "ln": "Ln",
    "parkway": "Pkwy",
    "pkwy": "Pkwy",
    "pky": "Pkwy",
    "court": "Ct",
    "ct": "Ct",
    "place": "Pl",
    "pl": "Pl",
    "highway": "Hwy",
    "hwy": "Hwy",
    "circle": "Cir",
    "cir": "Cir",
    "terrace": "Ter",
    "ter": "Ter",
    "square": "Sq",
    "sq": "Sq",
    "trail": "Trl",
    "trl": "Trl",
    "plaza": "Plz",
    "plz": "Plz",
    "freeway": "Fwy",
    "fwy": "Fwy",
    "expressway": "Expy",
    "expy": "Expy",
    "turnpike": "Tpke",
    "tpke": "Tpke",
    "way": "Way",
    "loop": "Loop",
    "alley": "Aly",
    "crossing": "Xing",
    "xing": "Xing",
    "pike": "Pike",
    "center": "Ctr",
    "ctr": "Ctr",
    "centre": "Ctr",
    "mall": "Mall",
    "row": "Row",
    "walk": "Walk",
    "run": "Run",
    "point": "Pt",
    "pt": "Pt",
    "route": "Rte",
    "rte": "Rte",
}
DIRECTIONS = {
    "n": "N",
    "s": "S",
    "e": "E",
    "w": "W",
    "ne": "NE",
    "nw": "NW",
    "se": "SE",
    "sw": "SW",
    "north": "N",
    "south": "S",
    "east": "E",
    "west": "W",
    "northeast": "NE",
    "northwest": "NW",
    "southeast": "SE",
    "southwest": "SW",
}
UNIT_TYPES = {
    "suite": "Suite",
    "ste": "Suite",
    "su": "Suite",
    "#": "Suite",
    "unit": "Unit",
    "apt": "Apt",
    "apartment": "Apt",
    "room": "Room",
    "rm": "Room",
    "floor": "Floor",
    "fl": "Floor",
    "flr": "Floor",
    "building": "Building",
    "bldg": "Building",
    "office": "Office",
    "ofc": "Office",
    "space": "Space",
    "spc": "Space",
}
_ORDINALS = {
    "first": "1st",
    "second": "2nd",
    "third": "3rd",
    "fourth": "4th",
    "fifth": "5th",
    "sixth": "6th",
    "seventh": "7th",
    "eighth": "8th",
    "ninth": "9th",
    "tenth": "10th",
}
_STREET_WORDS = {"saint": "st", "mount": "mt", "fort": "ft"}
_STREET_LABELS = (
    "AddressNumberPrefix",
    "AddressNumber",
    "AddressNumberSuffix",
    "StreetNamePreModifier",
    "StreetNamePreDirectional",
    "StreetNamePreType",
    "StreetName",
    "StreetNamePostType",
    "StreetNamePostDirectional",
    "USPSBoxType",
    "USPSBoxID",
)


@dataclass(frozen=True, slots=True)
class Street:
    """A street line read into the parts that tell two spellings of one place apart."""

    line: str | None  # the standardized line: "1550 Larimer St, Suite 310"
    number: str | None  # "1550"
    key: str | None  # street name, spelling-proof: "larimer st", "w alameda ave", "5th ave"
    unit: str | None  # "310" (for "Suite 310", "Ste. 310", "#310")


def _case(word: str) -> str:
    """Title-case words written in all capitals or all lower case; keep deliberate mixed case."""
    if not (word.isupper() or word.islower()):
        return word
    if word.isalpha():
        return word.capitalize()
    return _AFTER_DIGIT.sub(lambda m: m.group(0).lower(), word.capitalize())


_AFTER_DIGIT = re.compile(r"(?<=\d)[A-Za-z]+")
_KEY_WORD = re.compile(r"[a-z0-9]+")
_DIRECTION_LABELS = frozenset({"StreetNamePreDirectional", "StreetNamePostDirectional"})
_TYPE_LABELS = frozenset({"StreetNamePostType", "StreetNamePreType"})
_NUMBER_LABELS = frozenset(
    {"AddressNumber", "AddressNumberPrefix", "AddressNumberSuffix", "USPSBoxType", "USPSBoxID"}
)


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip(" ,;")


# USPS street suffixes (Publication 28, C1) beyond STREET_TYPES: a street name ending in one
# ("Cherry Creek", "Forest Glen") may be read by usaddress as name + suffix; the fast reader
# leaves such lines to usaddress.
USPS_SUFFIXES = frozenset(
    {
        "alley",
        "annex",
        "arcade",
        "bayou",
        "beach",
        "bend",
        "bluff",
        "bluffs",
        "bottom",
        "branch",
        "bridge",
        "brook",
        "brooks",
        "burg",
        "bypass",
        "camp",
        "canyon",
        "cape",
        "causeway",
        "cliff",
        "cliffs",
        "club",
        "common",
        "commons",
        "corner",
        "corners",
        "course",
        "cove",
        "coves",
        "creek",
        "crescent",
        "crest",
        "curve",
        "dale",
        "dam",
        "divide",
        "estate",
        "estates",
        "extension",
        "falls",
        "ferry",
        "field",
        "fields",
        "flat",
        "flats",
        "ford",
        "forest",
        "forge",
        "fork",
        "forks",
        "garden",
        "gardens",
        "gateway",
        "glen",
        "green",
        "grove",
        "harbor",
        "haven",
        "heights",
        "hill",
        "hills",
        "hollow",
        "inlet",
        "island",
        "islands",
        "isle",
        "junction",
        "key",
        "keys",
        "knoll",
        "knolls",
        "lake",
        "lakes",
        "landing",
        "light",
        "lights",
        "loaf",
        "lock",
        "locks",
        "lodge",
        "manor",
        "meadow",
        "meadows",
        "mews",
        "mill",
        "mills",
        "mission",
        "motorway",
        "mount",
        "mountain",
        "neck",
        "orchard",
        "oval",
        "overpass",
        "park",
        "parks",
        "pass",
        "passage",
        "path",
        "pine",
        "pines",
        "plain",
        "plains",
        "port",
        "prairie",
        "radial",
        "ramp",
        "ranch",
        "rapid",
        "rapids",
        "rest",
        "ridge",
        "ridges",
        "river",
        "rue",
        "shoal",
        "shore",
        "shores",
        "skyway",
        "spring",
        "springs",
        "spur",
        "station",
        "stravenue",
        "stream",
        "summit",
        "throughway",
        "trace",
        "track",
        "trafficway",
        "tunnel",
        "underpass",
        "union",
        "valley",
        "viaduct",
        "view",
        "views",
        "village",
        "ville",
        "vista",
        "wall",
        "well",
        "wells",
    }
)
_UNIT_WORDS = frozenset({"suite", "ste", "unit", "apt"})
# Words the fast reader leaves to usaddress: Spanish street types that come first ("Camino
# Real", "Via Verde"), and suffixes usaddress reads either way ("Central Plaza").
_NOT_NAME_WORDS = frozenset(
    {
        *STREET_TYPES,
        *DIRECTIONS,
        *_UNIT_WORDS,
        "room",
        "rm",
        "floor",
        "fl",
        "flr",
        "bldg",
        "building",
        "po",
        "p.o.",
        "box",
        "&",
        "and",
        "at",
        "camino",
        "via",
        "calle",
        "avenida",
        "paseo",
        "el",
        "la",
        "las",
        "los",
        "del",
        "de",
        "rue",
    }
)
_FAST_TYPES = frozenset(STREET_TYPES) - {
    "plaza",
    "plz",
    "square",
    "sq",
    "center",
    "ctr",
    "centre",
    "mall",
    "row",
    "walk",
    "run",
    "point",
    "pt",
    "route",
    "rte",
    "loop",
    "pike",
    "crossing",
    "xing",
}
_NAME_WORD = re.compile(r"^[A-Za-z][A-Za-z'-]*$")
_ORDINAL_WORD = re.compile(r"^\d{1,3}(?:st|nd|rd|th)$", re.I)
_UNIT_ID = re.compile(r"^(?:[A-Za-z]?\d+[A-Za-z]?(?:-[A-Za-z0-9]+)?|[A-Za-z])$")
_BUILDING_WORDS = frozenset({"bldg", "building"})
_BUILDING_ID = re.compile(r"^\d{1,3}$")
_FLOOR_NUMBER = re.compile(r"^\d{1,2}(?:st|nd|rd|th)$")
_FLOOR_WORDS = frozenset({"Floor"})


def _fast_tag(text: str) -> dict[str, str] | None:
    """usaddress's labels for the plain shapes most clinic addresses have ("1550 Larimer St,
    Suite 310"), read word by word in a few microseconds instead of usaddress's ~70; None for
    anything else. tests/indexer/test_normalize.py holds the two to agreement."""
    words: list[str] = []
    for word in text.replace(",", " , ").split():
        if word.startswith("#") and len(word) > 1:
            words += ["#", word[1:]]
        else:
            words.append(word)
    count = len(words)
    if count < 2 or not words[0].isdigit() or len(words[0]) > 6:
        return None
    tagged = {"AddressNumber": words[0]}

    def bare(i: int) -> str:
        return words[i].lower().rstrip(".") if i < count else ""

    def name_word(i: int) -> bool:
        return i < count and bool(_NAME_WORD.match(words[i])) and bare(i) not in _NOT_NAME_WORDS

    i = 1
    if bare(i) in DIRECTIONS and (
        name_word(i + 1) or (i + 1 < count and _ORDINAL_WORD.match(words[i + 1]))
    ):
        tagged["StreetNamePreDirectional"] = words[i]
        i += 1
    name_start = i
    if i < count and _ORDINAL_WORD.match(words[i]):
        i += 1
    else:
        while name_word(i) and i - name_start < 3:
            i += 1
    if i == name_start:
        return None
    if (i - name_start > 1 or bare(i) not in _FAST_TYPES) and any(
        w.lower() in USPS_SUFFIXES for w in words[name_start:i]
    ):
        return None  # "Cherry Creek", "Sunset Ridge Way": where the name ends, usaddress decides
    tagged["StreetName"] = " ".join(words[name_start:i])
    if bare(i) in _FAST_TYPES:
        tagged["StreetNamePostType"] = words[i]
        i += 1
    elif bare(i) in STREET_TYPES:
        return None
    elif i - name_start > 1 or i == count or "#" in words[i:]:
        return None  # no suffix: usaddress may take the name's last word for one ("Nine Mile")
    if bare(i) in DIRECTIONS:
        return None  # "Colfax Hwy E": a direction, or (to usaddress, often) a unit
    if i < count and words[i] == ",":
        i += 1
    if i + 2 < count and bare(i) in _BUILDING_WORDS and _BUILDING_ID.match(words[i + 1]):
        # "Bldg 3, Suite 210": a building, then the suite (a building alone is usaddress's)
        tagged["SubaddressType"] = words[i]
        tagged["SubaddressIdentifier"] = words[i + 1]
        i += 2
        if words[i] == ",":
            i += 1
        if bare(i) not in _UNIT_WORDS:
            return None
    elif i + 2 == count and _FLOOR_NUMBER.match(words[i]) and words[i + 1] in _FLOOR_WORDS:
        # "5th Floor" as the only unit (beside a suite, the floor is dropped: usaddress's)
        tagged["OccupancyIdentifier"] = words[i]
        tagged["OccupancyType"] = words[i + 1]
        return tagged
    if i < count:
        if bare(i) in _UNIT_WORDS:
            tagged["OccupancyType"] = words[i]
            i += 1
            if i < count and words[i] == "#":
                return None
            prefix = ""
        elif words[i] == "#":
            i += 1
            prefix = "# "
        else:
            return None
        if i != count - 1 or not _UNIT_ID.match(words[i]):
            return None
        tagged["OccupancyIdentifier"] = prefix + words[i]
        i += 1
    return tagged if i == count else None


def _tag(text: str, *, fast: bool = True) -> dict[str, str]:
    """usaddress's labels for an address text; on its 'repeated label' error, the first run of
    each label (the rest is usually a second address or a note)."""
    if fast:
        tagged = _fast_tag(text)
        if tagged is not None:
            return tagged
    try:
        tagged, _ = usaddress.tag(text)
        return dict(tagged)
    except usaddress.RepeatedLabelError:
        pass
    tagged: dict[str, str] = {}
    last = None
    for token, label in usaddress.parse(text):
        if label in tagged and label != last:
            continue
        tagged[label] = f"{tagged[label]} {token}" if label in tagged else token
        last = label
    return tagged


_LEADING_UNIT = re.compile(r"^((?:suite|ste\.?|unit|#)\s*[\w-]+)\s*,\s*(?=\d)", re.I)
# "3rd Floor" beside a suite: usaddress tags both as the unit and keeps the floor; the suite is
# what tells one office from another, so the floor goes.
_SUITE_WORD = re.compile(r"(?:\b(?:suite|ste|unit|room|rm)\b|#)\s*\w", re.I)
_FLOOR = re.compile(
    r",?\s*\b(?:\d{1,3}(?:st|nd|rd|th)\s+(?:floor|fl|flr)\b\.?|(?:floor|fl|flr)\.?\s+\d{1,3}\b)",
    re.I,
)


def unit_key(unit: str) -> str:
    """A suite as matching sees it: '410-A' and '410a' are one suite, '11th' floor is '11'."""
    key = re.sub(r"[^a-z0-9]", "", unit.lower())
    return re.sub(r"^(\d+)(st|nd|rd|th)$", r"\1", key)


_STREETS: dict[str, Street] = {}  # memo of parse_street, keyed by raw and standardized line
_STREETS_MAX = 200_000


def parse_street(text: str) -> Street:
    """A street line ("1550 LARIMER STREET STE. 310") as a `Street` (usaddress, then USPS
    abbreviations). A line usaddress cannot read is kept tidied, with no parts.

    Remembered under the text and under its standardized line, which reads back the same
    (tests/indexer/test_normalize.py), so matching never parses a normalized line again."""
    known = _STREETS.get(text)
    if known is not None:
        return known
    if len(_STREETS) >= _STREETS_MAX:
        _STREETS.clear()
    street = _parse_street(text)
    _STREETS[text] = street
    if street.line:
        _STREETS.setdefault(street.line, street)
    return street


parse_street.cache_clear = _STREETS.clear  # type: ignore[attr-defined]


def remember_street(text: str, street: Street) -> None:
    """Let `parse_street(text)` answer `street`, which another process's `parse_street(text)`
    gave (indexer.pipeline.read_facts: the worker that normalized an address parsed it)."""
    if len(_STREETS) < _STREETS_MAX:
        _STREETS.setdefault(text, street)


def _parse_street(text: str, *, fast: bool = True) -> Street:
    tagged = _fast_tag(text) if fast else None  # the usual shapes: clean already
    if tagged is None:
        text = _clean(text.replace("\u00a0", " "))
        if not text:
            return Street(None, None, None, None)
        if _SUITE_WORD.search(text):
            text = _clean(_FLOOR.sub("", text))
        leading_unit = _LEADING_UNIT.match(text)
        if leading_unit:  # "Suite 200, 2120 Broadway" reads better to usaddress reversed
            text = f"{text[leading_unit.end() :]} {leading_unit.group(1)}"
        tagged = {k: _clean(v) for k, v in _tag(text).items()}
    number = tagged.get("AddressNumber")
    name = tagged.get("StreetName")
    if not name and not tagged.get("USPSBoxID"):
        return Street(" ".join(_case(w) for w in text.split()), None, None, None)
    words: list[str] = []
    key: list[str] = []
    for label in _STREET_LABELS:
        value = tagged.get(label)
        if not value:
            continue
        bare = value.lower().strip(".")
        if label in _DIRECTION_LABELS and bare in DIRECTIONS:
            value = DIRECTIONS[bare]
        elif label in _TYPE_LABELS and bare in STREET_TYPES:
            value = STREET_TYPES[bare]
        elif label == "USPSBoxType":
            value = "PO Box"
        else:
            value = " ".join(_case(w) for w in value.split())
        words.append(value)
        if label not in _NUMBER_LABELS:
            for word in _KEY_WORD.findall(value.lower()):
                key.append(
                    _ORDINALS.get(word)
                    or _STREET_WORDS.get(word)
                    or DIRECTIONS.get(word, word).lower()
                )
    unit = None
    for type_label, id_label in (
        ("SubaddressType", "SubaddressIdentifier"),
        ("OccupancyType", "OccupancyIdentifier"),
    ):
        unit_id = (tagged.get(id_label) or "").lstrip("# ").strip(" .").upper()
        if not unit_id:
            continue
        unit_type = tagged.get(type_label) or "#"
        kind = UNIT_TYPES.get(unit_type.lower().strip(". ")) or " ".join(
            _case(w) for w in unit_type.split()
        )
        words[-1] += ","
        if kind == "Floor" and re.fullmatch(r"\d+(ST|ND|RD|TH)", unit_id):
            words.append(f"{unit_id.lower()} Floor")
        else:
            words.append(f"{kind} {unit_id}")
        unit = unit_key(unit_id)  # the suite, when both a building and a suite are given
    line = " ".join(words)
    return Street(line, number, " ".join(key) or None, unit)


def parse_address(text: str) -> Address:
    """A one-line US address ("1550 Larimer St Suite 310, Denver, CO 80202") in its parts."""
    tagged = {k: _clean(v) for k, v in _tag(text).items()}
    street = (
        " ".join(
            tagged[k]
            for k in (
                *_STREET_LABELS,
                "OccupancyType",
                "OccupancyIdentifier",
                "SubaddressType",
                "SubaddressIdentifier",
            )
            if k in tagged
        )
        or None
    )
    return Address(
        street=street,
        city=tagged.get("PlaceName"),
        state=tagged.get("StateName"),
        postal_code=tagged.get("ZipCode"),
    )


_LOOKS_WHOLE = re.compile(r",\s*[A-Za-z .]+,?\s+[A-Za-z]{2}\.?\s+\d{5}(-\d{4})?\s*$")


def normalize_address(address: Address | dict | str | None) -> Address | None:
    """An address with a standard street line, a city in its usual case, a two-letter state and
    a ZIP or ZIP+4; None when nothing locates it (no street, city or ZIP)."""
    if address is None:
        return None
    if isinstance(address, str):
        address = parse_address(address)
    if isinstance(address, dict):
        get = address.get
        street_text, city, state = get("street"), get("city"), get("state")
        postal, country = get("postal_code"), get("country")
    else:
        street_text, city, state = address.street, address.city, address.state
        postal, country = address.postal_code, address.country
    if street_text and not city and _LOOKS_WHOLE.search(street_text):
        whole = parse_address(street_text)  # the whole address crammed into `street`
        street_text, city = whole.street, whole.city
        state, postal = state or whole.state, postal or whole.postal_code
    street = parse_street(street_text).line if street_text else None
    if city:
        city = " ".join(_case(w) for w in city.split()).strip(" ,") or None
    postal = normalize_postal_code(postal)
    if not (street or city or postal):
        return None
    return Address.model_construct(
        street=street or None,
        city=city,
        state=normalize_state(state),
        postal_code=postal,
        country=(country or "US").strip().upper()[:2] or "US",
    )


# -- names and ids --------------------------------------------------------------------------

_NAME_WORDS = {
    "ctr": "center",
    "cntr": "center",
    "centre": "center",
    "centers": "center",
    "centres": "center",
    "inst": "institute",
    "med": "medical",
    "hlth": "health",
    "svcs": "services",
    "svc": "services",
    "service": "services",
    "assoc": "associates",
    "assocs": "associates",
    "intl": "international",
    "natl": "national",
    "mt": "mount",
    "ft": "fort",
    "st": "saint",
    "clinics": "clinic",
    "infusions": "infusion",
    "therapies": "therapy",
    "treatments": "treatment",
    "solutions": "solution",
    "psych": "psychiatry",
    "psychiatric": "psychiatry",
    "ket": "ketamine",
    "wellbeing": "wellness",
    "integrative": "integrative",
    "spravato": "spravato",
    "esketamine": "spravato",
    "&": "and",
}
_NAME_DROPPED = frozenset(
    {
        "the",
        "of",
        "at",
        "and",
        "in",
        "a",
        "an",
        "by",
        "for",
        "dba",
        "llc",
        "inc",
        "pllc",
        "pc",
        "pa",
        "ltd",
        "co",
        "corp",
        "corporation",
        "lp",
        "llp",
        "psc",
        "dr",
        "doctor",
    }
)
# Words a great many clinic names share: sharing only these does not make two names alike.
GENERIC_NAME_WORDS = frozenset(
    {
        "ketamine",
        "clinic",
        "center",
        "wellness",
        "health",
        "infusion",
        "therapy",
        "medical",
        "institute",
        "mental",
        "treatment",
        "psychiatry",
        "services",
        "care",
        "integrative",
        "healing",
        "mind",
        "body",
        "spravato",
        "iv",
        "recovery",
        "behavioral",
        "group",
        "associates",
        "practice",
        "solution",
        "psychotherapy",
        "medicine",
        "md",
        "do",
        "np",
        "pmhnp",
        "lpc",
        "lcsw",
        "phd",
        "psyd",
        "aprn",
        "crna",
        "holistic",
        "functional",
        "clinical",
        "assisted",
        "kap",
        "kat",
        "spa",
        "lounge",
        "studio",
        "hub",
        "network",
        "partners",
        "llc",
        "and",
        "centers",
        "program",
        "programs",
        "neuro",
        "neuroscience",
        "brain",
        "depression",
        "anxiety",
        "ptsd",
        "pain",
        "relief",
        "restore",
        "restorative",
        "renewal",
        "renew",
        "revive",
        "new",
        "life",
        "hope",
        "path",
        "journey",
    }
)


@lru_cache(maxsize=65536)
def name_key(name: str) -> str:
    """A clinic name reduced for comparison: ASCII, lower case, no punctuation, legal suffixes
    and filler words dropped, abbreviations spelled out ('Ctr.' → 'center')."""
    text = ascii_fold(name.replace("&", " and ").replace("+", " and ")).lower()
    text = re.sub(r"\bm\.?\s?d\.?(?=\W|$)", " md ", text)
    words = []
    for word in re.findall(r"[a-z0-9]+", text):
        word = _NAME_WORDS.get(word, word)
        if word not in _NAME_DROPPED:
            words.append(word)
    return " ".join(words)


def clinic_id(name: str, website: str | None, address: Address | None) -> str:
    """A stable id for one location: its practice (website host, else name) and its place."""
    practice = slug(site_key(website) or "") or slug(name)
    place = ""
    if address is not None:
        place = (address.postal_code or "")[:5] or slug(
            f"{address.city or ''} {address.state or ''}"
        )
    return f"{practice[:80]}-{place}".strip("-") if place else practice[:80]


# -- prices ---------------------------------------------------------------------------------


def normalize_price(price: dict[str, Any]) -> dict[str, Any] | None:
    """A price in the model's shape: amounts as numbers in order (a 'range' of one amount is
    one amount), a currency code, and for a series the session count its quote names, so that
    its per-session equivalent (`Price.per_session`) can be shown. None without an amount."""
    low, high = price.get("amount_min"), price.get("amount_max")
    currency = price.get("currency")
    if isinstance(low, str):
        parsed = parse_amounts(low)
        if parsed is None:
            return None
        low, parsed_high, parsed_currency = parsed
        high = high if high is not None else parsed_high
        currency = currency or parsed_currency
    if isinstance(high, str):
        parsed = parse_amounts(high)
        high = parsed[0] if parsed else None
    if low is None or low < 0:
        return None
    low = round(float(low), 2)
    high = round(float(high), 2) if high is not None else None
    if high is not None and high < low:
        low, high = high, low
    if high == low:
        high = None
    currency = (
        CURRENCY_SYMBOLS.get(str(currency).strip().lower(), str(currency).strip().upper())
        if currency
        else "USD"
    )
    kind = price.get("kind") or "per_session"
    sessions = price.get("sessions")
    if kind == "series" and not sessions:
        sessions = sessions_in(price.get("quote"))
    route = price.get("route")
    if route is not None and route not in ROUTES:
        route = normalize_route(route)
    return {
        "route": route,
        "kind": kind,
        "amount_min": low,
        "amount_max": high,
        "currency": currency[:3],
        "sessions": sessions,
        "source_url": price.get("source_url"),
        "quote": price.get("quote"),
    }


def _words(values: Any, normalize) -> list[str]:
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, list):
        return []
    return sorted({v for v in (normalize(w) for w in values) if v})


def coerce_listing(raw: dict[str, Any]) -> dict[str, Any]:
    """A crawled listing whose values are not yet in the model's forms made acceptable to
    `Listing`: words mapped to the vocabularies, price texts to numbers, an address line to
    its parts. Used only for listings that fail validation as they are."""
    data = dict(raw)
    data["routes"] = _words(raw.get("routes") or raw.get("routes_offered") or [], normalize_route)
    data["conditions"] = _words(raw.get("conditions") or [], normalize_condition)
    data["care_steps"] = _words(raw.get("care_steps") or [], normalize_care_step)
    prices = []
    for price in raw.get("prices") or []:
        if isinstance(price, dict):
            fixed = normalize_price(price)
            if fixed is not None:
                if fixed["kind"] not in (
                    "per_session",
                    "series",
                    "consultation",
                    "maintenance",
                    "other",
                ):
                    fixed["kind"] = "other"
                prices.append(fixed)
    data["prices"] = prices
    address = raw.get("address")
    if isinstance(address, str):
        parsed = normalize_address(address)
        data["address"] = parsed.model_dump() if parsed else None
    for flag in ("therapy_integrated", "telehealth"):
        if not isinstance(raw.get(flag), bool | None):
            data[flag] = None
    if not isinstance(raw.get("insurance"), dict):
        data["insurance"] = {}
    else:
        data["insurance"] = {
            k: v for k, v in raw["insurance"].items() if isinstance(v, bool | None)
        }
    if raw.get("page_type") not in ("clinic", "directory", "article", "other"):
        data["page_type"] = "clinic" if raw.get("page_type") is None else "other"
    return data
