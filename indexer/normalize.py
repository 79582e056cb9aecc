"""Normalization of crawled values into the clinic model's forms (pure functions, no I/O)."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import phonenumbers
import usaddress

from katdir.model import Address

STATES = {
    "alabama": "AL", "alaska": "AK", "arizona": "AZ", "arkansas": "AR", "california": "CA",
    "colorado": "CO", "connecticut": "CT", "delaware": "DE", "district of columbia": "DC",
    "florida": "FL", "georgia": "GA", "hawaii": "HI", "idaho": "ID", "illinois": "IL",
    "indiana": "IN", "iowa": "IA", "kansas": "KS", "kentucky": "KY", "louisiana": "LA",
    "maine": "ME", "maryland": "MD", "massachusetts": "MA", "michigan": "MI", "minnesota": "MN",
    "mississippi": "MS", "missouri": "MO", "montana": "MT", "nebraska": "NE", "nevada": "NV",
    "new hampshire": "NH", "new jersey": "NJ", "new mexico": "NM", "new york": "NY",
    "north carolina": "NC", "north dakota": "ND", "ohio": "OH", "oklahoma": "OK", "oregon": "OR",
    "pennsylvania": "PA", "rhode island": "RI", "south carolina": "SC", "south dakota": "SD",
    "tennessee": "TN", "texas": "TX", "utah": "UT", "vermont": "VT", "virginia": "VA",
    "washington": "WA", "west virginia": "WV", "wisconsin": "WI", "wyoming": "WY",
    "puerto rico": "PR", "guam": "GU", "virgin islands": "VI",
}
STATE_CODES = set(STATES.values())
TRACKING_PARAMS = re.compile(r"^(utm_\w+|fbclid|gclid|dclid|msclkid|mc_[ce]id|_hs\w+|ref|source)$", re.I)
_IP_HOST = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")
_ZIP = re.compile(r"^(\d{5})(?:-?(\d{4}))?$")


def slug(text: str) -> str:
    """Lower-case ASCII words joined by hyphens: 'Café Mind, Inc.' → 'cafe-mind-inc'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def normalize_phone(raw: str | None, region: str = "US") -> str | None:
    """A phone number in E.164 (+13035550142), or None when it is not a valid number."""
    if not raw:
        return None
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_url(url: str | None) -> str | None:
    """A canonical URL: https kept, host lower-cased without 'www.', tracking parameters and
    fragments dropped, no trailing slash on the root."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return None
    host = parts.hostname.lower().removeprefix("www.")
    netloc = f"{host}:{parts.port}" if parts.port and parts.port not in (80, 443) else host
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if not TRACKING_PARAMS.match(k)])
    path = parts.path if parts.path not in ("", "/") else ""
    return urlunsplit((parts.scheme, netloc, path, query, ""))


def site_key(url: str | None) -> str | None:
    """The host that names a practice's website; None for bare IP addresses and localhost,
    whose ports change from run to run (the demo's and the tests' sample web)."""
    canonical = normalize_url(url)
    host = urlsplit(canonical).hostname if canonical else None
    if not host or host == "localhost" or _IP_HOST.match(host) or ":" in host:
        return None
    return host


def normalize_state(state: str | None) -> str | None:
    if not state:
        return None
    text = state.strip().strip(".").lower()
    if text.upper() in STATE_CODES:
        return text.upper()
    return STATES.get(text)


def normalize_postal_code(code: str | None) -> str | None:
    """ZIP or ZIP+4 as '80202' or '80202-1234'."""
    if not code:
        return None
    match = _ZIP.match(code.strip())
    if not match:
        return None
    return match.group(1) + (f"-{match.group(2)}" if match.group(2) else "")


def parse_address(text: str) -> Address:
    """A one-line US address split into its parts with usaddress."""
    try:
        tagged, _ = usaddress.tag(text)
    except usaddress.RepeatedLabelError:
        tagged = {}
    street_labels = ("AddressNumber", "StreetNamePreDirectional", "StreetNamePreType",
                     "StreetName", "StreetNamePostType", "StreetNamePostDirectional",
                     "OccupancyType", "OccupancyIdentifier", "USPSBoxType", "USPSBoxID")
    street = " ".join(tagged[k] for k in street_labels if k in tagged).strip(" ,") or None
    return Address(street=street, city=(tagged.get("PlaceName") or "").strip(" ,") or None,
                   state=tagged.get("StateName"), postal_code=tagged.get("ZipCode"))


def normalize_address(address: Address | dict | str | None) -> Address | None:
    if address is None:
        return None
    if isinstance(address, str):
        address = parse_address(address)
    elif isinstance(address, dict):
        address = Address(**{k: v for k, v in address.items() if k in Address.model_fields})
    street = re.sub(r"\s+", " ", address.street).strip(" ,") if address.street else None
    city = re.sub(r"\s+", " ", address.city).strip(" ,") if address.city else None
    normalized = Address(
        street=street or None,
        city=city.title() if city and (city.isupper() or city.islower()) else city,
        state=normalize_state(address.state),
        postal_code=normalize_postal_code(address.postal_code),
        country=(address.country or "US").upper()[:2],
    )
    if not any((normalized.street, normalized.city, normalized.postal_code)):
        return None
    return normalized


def clinic_id(name: str, website: str | None, address: Address | None) -> str:
    """A stable id for one location: its practice (website host, else name) and its place."""
    practice = slug(site_key(website) or "") or slug(name)
    place = ""
    if address is not None:
        place = (address.postal_code or "")[:5] or slug(f"{address.city or ''} {address.state or ''}")
    return f"{practice[:80]}-{place}".strip("-") if place else practice[:80]
