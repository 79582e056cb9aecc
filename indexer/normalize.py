"""Normalization of crawled values into the clinic model's forms (pure functions, no I/O).

Phones become E.164, URLs lose tracking parameters and redirect wrappers, addresses are
parsed with usaddress into a standard street line (USPS suffixes and directionals, "Suite"
for every spelling of a suite), two-letter states and ZIP or ZIP+4; prices become numbers
with a currency, ranges in order and a session count for series; routes, conditions and care
steps are mapped to the vocabularies of DESIGN §3. Everything here is a function of its
arguments, so the matching and merging built on it are repeatable run after run.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

import phonenumbers
import usaddress

from katdir.model import CARE_STEPS, CONDITIONS, ROUTES, Address
from katdir.us_states import ALIASES, STATE_CODES
from katdir.us_states import STATES as US_STATES

STATES = {**US_STATES, **ALIASES}

# -- phones --------------------------------------------------------------------------------

# The usual North American shapes, answered without phonenumbers' parser (it costs ~15 µs a
# number); the result is what phonenumbers gives for them (tests/indexer/test_normalize.py).
_NANP = re.compile(
    r"^\s*(?:tel:\s*)?(?:\+?1[\s.\-]?)?\(?([2-9]\d{2})\)?[\s.\-]?([2-9]\d{2})[\s.\-]?(\d{4})\s*$")


def normalize_phone(raw: str | None, region: str = "US") -> str | None:
    """A phone number in E.164 (+13035550142), or None when the text holds no possible number.

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
        number = phonenumbers.parse(raw.removeprefix("tel:"), region)
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


# -- URLs ----------------------------------------------------------------------------------

TRACKING_PARAMS = re.compile(
    r"^(utm_\w+|fbclid|gclid|gbraid|wbraid|dclid|msclkid|yclid|igshid|mc_[ce]id|_ga|_gl|"
    r"_hs\w+|hsa_\w+|mkt_tok|trk|ref|ref_src|source|src|affiliate|aff_id)$", re.I)
# Directories often send outbound clicks through their own redirector: /out?url=https://…
_REDIRECT_PARAMS = ("url", "u", "target", "dest", "destination", "redirect", "redirect_url", "to",
                    "link", "href")
_IP_HOST = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")
# Hosts that many unrelated clinics share: never a sign that two listings are one clinic.
SHARED_HOSTS = frozenset({
    "facebook.com", "m.facebook.com", "instagram.com", "linktr.ee", "google.com", "goo.gl",
    "g.page", "maps.google.com", "business.site", "bit.ly", "yelp.com", "psychologytoday.com",
    "zocdoc.com", "healthgrades.com", "vitals.com", "linkedin.com", "twitter.com", "x.com",
    "wixsite.com", "squarespace.com", "godaddysites.com", "sites.google.com", "calendly.com",
    "spravato.com", "youtube.com", "tiktok.com",
})


def _unwrap_redirect(parts) -> str | None:
    for key, value in parse_qsl(parts.query):
        if key.lower() in _REDIRECT_PARAMS:
            target = unquote(value) if "%3A" in value.upper() else value
            if target.startswith(("http://", "https://")):
                return target
    return None


def normalize_url(url: str | None, *, unwrap: bool = True) -> str | None:
    """A canonical URL: scheme and host lower-cased, no 'www.', no default port, tracking
    parameters and the fragment dropped, the remaining parameters sorted, no trailing slash on
    the root; a directory's redirect link (``/out?url=https://clinic.example``) is replaced by
    its target. None for anything but an http(s) URL."""
    if not url:
        return None
    text = url.strip()
    if text.startswith("//"):
        text = "https:" + text
    elif "://" not in text and re.match(r"^[\w-]+(\.[\w-]+)+(/|$)", text):
        text = "https://" + text  # "www.clinic.com" as directories print it
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in {"http", "https"} or not parts.hostname:
        return None
    if unwrap:
        target = _unwrap_redirect(parts)
        if target is not None:
            return normalize_url(target, unwrap=False)
    host = parts.hostname.lower().rstrip(".").removeprefix("www.")
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            pass
    default = {"http": 80, "https": 443}[scheme]
    netloc = f"{host}:{port}" if port and port != default else host
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                             if not TRACKING_PARAMS.match(k))) if parts.query else ""
    path = parts.path if parts.path not in ("", "/") else ""
    return urlunsplit((scheme, netloc, path, query, ""))


def site_root(url: str | None) -> str | None:
    """The home of the site a page is on: 'https://Clinic.com/pricing?x=1' → 'https://clinic.com'."""
    canonical = normalize_url(url, unwrap=False)
    if canonical is None:
        return None
    parts = urlsplit(canonical)
    return urlunsplit((parts.scheme, parts.netloc, "", "", ""))


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


_NETLOC = re.compile(r"^(https?)://(?:[^@/?#]*@)?([^/?#:]+)(?::(\d+))?(?:[/?#]|$)", re.I)


@lru_cache(maxsize=65536)
def site_host(url: str | None) -> str | None:
    """The host (with a non-default port) a URL is on, without 'www.': what a crawl covers and
    what two listings of one practice share."""
    if not url:
        return None
    match = _NETLOC.match(url.strip())
    if match is None or not match.group(2).isascii():  # unusual: take the slow, exact way
        canonical = normalize_url(url, unwrap=False)
        return urlsplit(canonical).netloc if canonical else None
    scheme, host, port = match.groups()
    host = host.lower().rstrip(".").removeprefix("www.")
    if port and int(port) != (80 if scheme.lower() == "http" else 443):
        return f"{host}:{int(port)}"
    return host


def site_key(url: str | None) -> str | None:
    """The host that names a practice's website in ids; None for bare IP addresses and
    localhost, whose ports change from run to run (the demo's and the tests' sample web)."""
    host = site_host(url)
    if not host or ":" in host or host == "localhost" or _IP_HOST.match(host):
        return None
    return host


@lru_cache(maxsize=65536)
def identity_host(url: str | None) -> str | None:
    """The website host as evidence that two listings are one practice: None for platforms
    many clinics share (social pages, link shorteners, site builders, big directories)."""
    host = site_host(url)
    if host is None:
        return None
    labels = host.split(":")[0].split(".")
    if any(".".join(labels[i:]) in SHARED_HOSTS for i in range(len(labels) - 1)):
        return None
    return host


# -- states, ZIP codes, addresses -----------------------------------------------------------

_ZIP = re.compile(r"^(\d{5})(?:[-\s]?(\d{4}))?$")


def slug(text: str) -> str:
    """Lower-case ASCII words joined by hyphens: 'Café Mind, Inc.' → 'cafe-mind-inc'."""
    return re.sub(r"[^a-z0-9]+", "-", ascii_fold(text).lower()).strip("-")


def ascii_fold(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def normalize_state(state: str | None) -> str | None:
    """A two-letter USPS code from a code or a name ('Colorado', 'co', 'Colo.' is not known)."""
    if not state:
        return None
    if len(state) == 2 and state.upper() in STATE_CODES:
        return state.upper()
    text = re.sub(r"[^a-z ]+", " ", state.lower()).strip()
    text = re.sub(r"\s+", " ", text)
    if text.upper() in STATE_CODES:
        return text.upper()
    return STATES.get(text)


def normalize_postal_code(code: str | None) -> str | None:
    """ZIP or ZIP+4 as '80202' or '80202-1234'; None for anything else."""
    if not code:
        return None
    match = _ZIP.match(str(code).strip())
    if not match:
        return None
    return match.group(1) + (f"-{match.group(2)}" if match.group(2) else "")


STREET_TYPES = {
    "street": "St", "st": "St", "str": "St", "avenue": "Ave", "ave": "Ave", "av": "Ave",
    "boulevard": "Blvd", "blvd": "Blvd", "road": "Rd", "rd": "Rd", "drive": "Dr", "dr": "Dr",
    "lane": "Ln", "ln": "Ln", "parkway": "Pkwy", "pkwy": "Pkwy", "pky": "Pkwy", "court": "Ct",
    "ct": "Ct", "place": "Pl", "pl": "Pl", "highway": "Hwy", "hwy": "Hwy", "circle": "Cir",
    "cir": "Cir", "terrace": "Ter", "ter": "Ter", "square": "Sq", "sq": "Sq", "trail": "Trl",
    "trl": "Trl", "plaza": "Plz", "plz": "Plz", "freeway": "Fwy", "fwy": "Fwy",
    "expressway": "Expy", "expy": "Expy", "turnpike": "Tpke", "tpke": "Tpke", "way": "Way",
    "loop": "Loop", "alley": "Aly", "crossing": "Xing", "xing": "Xing", "pike": "Pike",
    "center": "Ctr", "ctr": "Ctr", "centre": "Ctr", "mall": "Mall", "row": "Row",
    "walk": "Walk", "run": "Run", "point": "Pt", "pt": "Pt", "route": "Rte", "rte": "Rte",
}
DIRECTIONS = {
    "n": "N", "s": "S", "e": "E", "w": "W", "ne": "NE", "nw": "NW", "se": "SE", "sw": "SW",
    "north": "N", "south": "S", "east": "E", "west": "W", "northeast": "NE",
    "northwest": "NW", "southeast": "SE", "southwest": "SW",
}
UNIT_TYPES = {
    "suite": "Suite", "ste": "Suite", "su": "Suite", "#": "Suite", "unit": "Unit",
    "apt": "Apt", "apartment": "Apt", "room": "Room", "rm": "Room", "floor": "Floor",
    "fl": "Floor", "flr": "Floor", "building": "Building", "bldg": "Building",
    "office": "Office", "ofc": "Office", "space": "Space", "spc": "Space",
}
_ORDINALS = {"first": "1st", "second": "2nd", "third": "3rd", "fourth": "4th", "fifth": "5th",
             "sixth": "6th", "seventh": "7th", "eighth": "8th", "ninth": "9th", "tenth": "10th"}
_STREET_WORDS = {"saint": "st", "mount": "mt", "fort": "ft"}
_STREET_LABELS = ("AddressNumberPrefix", "AddressNumber", "AddressNumberSuffix",
                  "StreetNamePreModifier", "StreetNamePreDirectional", "StreetNamePreType",
                  "StreetName", "StreetNamePostType", "StreetNamePostDirectional",
                  "USPSBoxType", "USPSBoxID")


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
_NUMBER_LABELS = frozenset({"AddressNumber", "AddressNumberPrefix", "AddressNumberSuffix",
                            "USPSBoxType", "USPSBoxID"})


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip(" ,;")


# USPS street suffixes (Publication 28, C1) beyond STREET_TYPES: a street name ending in one
# ("Cherry Creek", "Forest Glen") may be read by usaddress as name + suffix; the fast reader
# leaves such lines to usaddress.
USPS_SUFFIXES = frozenset({
    "alley", "annex", "arcade", "bayou", "beach", "bend", "bluff", "bluffs", "bottom", "branch",
    "bridge", "brook", "brooks", "burg", "bypass", "camp", "canyon", "cape", "causeway", "cliff",
    "cliffs", "club", "common", "commons", "corner", "corners", "course", "cove", "coves",
    "creek", "crescent", "crest", "curve", "dale", "dam", "divide", "estate", "estates",
    "extension", "falls", "ferry", "field", "fields", "flat", "flats", "ford", "forest", "forge",
    "fork", "forks", "garden", "gardens", "gateway", "glen", "green", "grove", "harbor", "haven",
    "heights", "hill", "hills", "hollow", "inlet", "island", "islands", "isle", "junction",
    "key", "keys", "knoll", "knolls", "lake", "lakes", "landing", "light", "lights", "loaf",
    "lock", "locks", "lodge", "manor", "meadow", "meadows", "mews", "mill", "mills", "mission",
    "motorway", "mount", "mountain", "neck", "orchard", "oval", "overpass", "park", "parks",
    "pass", "passage", "path", "pine", "pines", "plain", "plains", "port", "prairie", "radial",
    "ramp", "ranch", "rapid", "rapids", "rest", "ridge", "ridges", "river", "rue", "shoal",
    "shore", "shores", "skyway", "spring", "springs", "spur", "station", "stravenue", "stream",
    "summit", "throughway", "trace", "track", "trafficway", "tunnel", "underpass", "union",
    "valley", "viaduct", "view", "views", "village", "ville", "vista", "wall", "well", "wells",
})
_UNIT_WORDS = frozenset({"suite", "ste", "unit", "apt"})
# Words the fast reader leaves to usaddress: Spanish street types that come first ("Camino
# Real", "Via Verde"), and suffixes usaddress reads either way ("Central Plaza").
_NOT_NAME_WORDS = frozenset({*STREET_TYPES, *DIRECTIONS, *_UNIT_WORDS, "room", "rm", "floor",
                             "fl", "flr", "bldg", "building", "po", "p.o.", "box", "&", "and",
                             "at", "camino", "via", "calle", "avenida", "paseo", "el", "la",
                             "las", "los", "del", "de", "rue"})
_FAST_TYPES = frozenset(STREET_TYPES) - {"plaza", "plz", "square", "sq", "center", "ctr",
                                         "centre", "mall", "row", "walk", "run", "point", "pt",
                                         "route", "rte", "loop", "pike", "crossing", "xing"}
_NAME_WORD = re.compile(r"^[A-Za-z][A-Za-z'-]*$")
_ORDINAL_WORD = re.compile(r"^\d{1,3}(?:st|nd|rd|th)$", re.I)
_UNIT_ID = re.compile(r"^(?:[A-Za-z]?\d+[A-Za-z]?(?:-[A-Za-z0-9]+)?|[A-Za-z])$")


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
    if bare(i) in DIRECTIONS and (name_word(i + 1) or
                                  (i + 1 < count and _ORDINAL_WORD.match(words[i + 1]))):
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
    if (i - name_start > 1 or bare(i) not in _FAST_TYPES) and \
            any(w.lower() in USPS_SUFFIXES for w in words[name_start:i]):
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
_FLOOR = re.compile(r",?\s*\b(?:\d{1,3}(?:st|nd|rd|th)\s+(?:floor|fl|flr)\b\.?|(?:floor|fl|flr)\.?\s+\d{1,3}\b)",
                    re.I)


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


def _parse_street(text: str) -> Street:
    tagged = _fast_tag(text)  # the usual shapes: clean already
    if tagged is None:
        text = _clean(text.replace("\u00a0", " "))
        if not text:
            return Street(None, None, None, None)
        if _SUITE_WORD.search(text):
            text = _clean(_FLOOR.sub("", text))
        leading_unit = _LEADING_UNIT.match(text)
        if leading_unit:  # "Suite 200, 2120 Broadway" reads better to usaddress reversed
            text = f"{text[leading_unit.end():]} {leading_unit.group(1)}"
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
                key.append(_ORDINALS.get(word) or _STREET_WORDS.get(word)
                           or DIRECTIONS.get(word, word).lower())
    unit = None
    for type_label, id_label in (("SubaddressType", "SubaddressIdentifier"),
                                 ("OccupancyType", "OccupancyIdentifier")):
        unit_id = (tagged.get(id_label) or "").lstrip("# ").strip(" .").upper()
        if not unit_id:
            continue
        unit_type = tagged.get(type_label) or "#"
        kind = UNIT_TYPES.get(unit_type.lower().strip(". ")) or \
            " ".join(_case(w) for w in unit_type.split())
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
    street = " ".join(tagged[k] for k in (*_STREET_LABELS, "OccupancyType", "OccupancyIdentifier",
                                          "SubaddressType", "SubaddressIdentifier")
                      if k in tagged) or None
    return Address(street=street, city=tagged.get("PlaceName"), state=tagged.get("StateName"),
                   postal_code=tagged.get("ZipCode"))


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
    return Address.model_construct(street=street or None, city=city, state=normalize_state(state),
                                   postal_code=postal,
                                   country=(country or "US").strip().upper()[:2] or "US")


# -- names and ids --------------------------------------------------------------------------

_NAME_WORDS = {
    "ctr": "center", "cntr": "center", "centre": "center", "centers": "center",
    "centres": "center", "inst": "institute", "med": "medical", "hlth": "health",
    "svcs": "services", "svc": "services", "service": "services", "assoc": "associates",
    "assocs": "associates", "intl": "international", "natl": "national", "mt": "mount",
    "ft": "fort", "st": "saint", "clinics": "clinic", "infusions": "infusion",
    "therapies": "therapy", "treatments": "treatment", "solutions": "solution",
    "psych": "psychiatry", "psychiatric": "psychiatry", "ket": "ketamine",
    "wellbeing": "wellness", "integrative": "integrative", "spravato": "spravato",
    "esketamine": "spravato", "&": "and",
}
_NAME_DROPPED = frozenset({
    "the", "of", "at", "and", "in", "a", "an", "by", "for", "dba", "llc", "inc", "pllc", "pc",
    "pa", "ltd", "co", "corp", "corporation", "lp", "llp", "psc", "dr", "doctor",
})
# Words a great many clinic names share: sharing only these does not make two names alike.
GENERIC_NAME_WORDS = frozenset({
    "ketamine", "clinic", "center", "wellness", "health", "infusion", "therapy", "medical",
    "institute", "mental", "treatment", "psychiatry", "services", "care", "integrative",
    "healing", "mind", "body", "spravato", "iv", "recovery", "behavioral", "group",
    "associates", "practice", "solution", "psychotherapy", "medicine", "md", "do", "np",
    "pmhnp", "lpc", "lcsw", "phd", "psyd", "aprn", "crna", "holistic", "functional", "clinical",
    "assisted", "kap", "kat", "spa", "lounge", "studio", "hub", "network", "partners", "llc",
    "and", "center", "centers", "program", "programs", "neuro", "neuroscience", "brain",
    "depression", "anxiety", "ptsd", "pain", "relief", "restore", "restorative", "renewal",
    "renew", "revive", "new", "life", "hope", "path", "journey",
})


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
        place = (address.postal_code or "")[:5] or slug(f"{address.city or ''} {address.state or ''}")
    return f"{practice[:80]}-{place}".strip("-") if place else practice[:80]


# -- prices ---------------------------------------------------------------------------------

CURRENCY_SYMBOLS = {"$": "USD", "us$": "USD", "usd": "USD", "€": "EUR", "eur": "EUR",
                    "£": "GBP", "gbp": "GBP", "c$": "CAD", "cad": "CAD", "ca$": "CAD"}
_AMOUNT = re.compile(r"(?P<cur>us\$|c\$|ca\$|[$€£]|usd|eur|gbp|cad)?\s*"
                     r"(?P<num>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<cents>\d{1,2}))?\s*(?P<k>k\b)?",
                     re.I)
_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                 "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}
_SESSIONS = re.compile(
    r"(?:(?:series|package|course|set|pack|bundle|block)\s+of\s+(?P<a>\d{1,2}|[a-z]+)"
    r"|(?P<b>\d{1,2}|[a-z]+)[\s-]+(?:sessions?|infusions?|treatments?|injections?|doses?|"
    r"visits?|appointments?)\b"
    r"|(?P<c>\d{1,2}|[a-z]+)[\s-]+(?:session|infusion|treatment|dose)[\s-]+(?:series|package|"
    r"course|bundle))", re.I)


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
        count = int(word) if word.isdigit() else _NUMBER_WORDS.get(word)
        if count and 2 <= count <= 24:
            return count
    return None


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
    currency = (CURRENCY_SYMBOLS.get(str(currency).strip().lower(), str(currency).strip().upper())
                if currency else "USD")
    kind = price.get("kind") or "per_session"
    sessions = price.get("sessions")
    if kind == "series" and not sessions:
        sessions = sessions_in(price.get("quote"))
    route = price.get("route")
    if route is not None and route not in ROUTES:
        route = normalize_route(route)
    return {"route": route, "kind": kind, "amount_min": low, "amount_max": high,
            "currency": currency[:3], "sessions": sessions,
            "source_url": price.get("source_url"), "quote": price.get("quote")}


# -- vocabularies ---------------------------------------------------------------------------

_ROUTE_WORDS: tuple[tuple[re.Pattern, str], ...] = tuple((re.compile(p, re.I), v) for p, v in (
    (r"spravato|esketamine|nasal spray \(esk", "spravato"),
    (r"intra-?nasal|nasal spray|nasal", "intranasal_ketamine"),
    (r"\biv\b|intravenous|infusion", "iv"),
    (r"\bim\b|intramuscular|injection|shot", "im"),
    (r"oral|troche|lozenge|sublingual|\brdt\b|tablet|at-?home|capsule|buccal", "oral"),
))
_CONDITION_WORDS: tuple[tuple[re.Pattern, str], ...] = tuple((re.compile(p, re.I), v) for p, v in (
    (r"suicid", "suicidal_ideation"),
    (r"bipolar", "bipolar"),
    (r"ptsd|post-?traumatic|trauma", "ptsd"),
    (r"\bocd\b|obsessive", "ocd"),
    (r"depress|\bmdd\b|\btrd\b|mood disorder", "depression"),
    (r"anxiety|panic|\bgad\b", "anxiety"),
    (r"fibromyalgia", "fibromyalgia"),
    (r"migraine|headache", "migraine"),
    (r"pain|crps|\brsd\b|neuropath", "chronic_pain"),
    (r"substance|addiction|alcohol|opioid|\baud\b|\bsud\b|dependence", "substance_use"),
    (r"eating|anorexia|bulimia|binge", "eating_disorders"),
))
_CARE_STEP_WORDS: tuple[tuple[re.Pattern, str], ...] = tuple((re.compile(p, re.I), v) for p, v in (
    (r"outcome|phq|gad-?7|questionnaire|measure|track", "outcome_tracking"),
    (r"follow", "follow_up"),
    (r"integrat", "integration"),
    (r"prepar|\bprep\b|set and setting", "preparation"),
    (r"monitor|vital|nurse|anesthesi|supervis", "medical_monitoring"),
    (r"educat|informed consent|orientation", "education"),
    (r"assess|screen|evaluat|intake|consult", "assessment"),
))


def _vocabulary(word: Any, known: tuple[str, ...], table) -> str | None:
    if not isinstance(word, str):
        return None
    text = word.strip().lower().replace("-", "_").replace(" ", "_")
    if text in known:
        return text
    for pattern, value in table:
        if pattern.search(word):
            return value
    return None


def normalize_route(word: Any) -> str | None:
    """'IV infusion' → 'iv'; 'Spravato®' → 'spravato'; 'troches' → 'oral'; None if unknown."""
    return _vocabulary(word, ROUTES, _ROUTE_WORDS)


def normalize_condition(word: Any) -> str | None:
    """'treatment-resistant depression' → 'depression'; 'CRPS' → 'chronic_pain'."""
    value = _vocabulary(word, CONDITIONS, _CONDITION_WORDS)
    if value is None and isinstance(word, str) and word.strip():
        return "other"
    return value


def normalize_care_step(word: Any) -> str | None:
    """'integration sessions' → 'integration'; 'PHQ-9 tracking' → 'outcome_tracking'."""
    return _vocabulary(word, CARE_STEPS, _CARE_STEP_WORDS)


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
                if fixed["kind"] not in ("per_session", "series", "consultation", "maintenance",
                                         "other"):
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
        data["insurance"] = {k: v for k, v in raw["insurance"].items() if isinstance(v, bool | None)}
    if raw.get("page_type") not in ("clinic", "directory", "article", "other"):
        data["page_type"] = "clinic" if raw.get("page_type") is None else "other"
    return data
