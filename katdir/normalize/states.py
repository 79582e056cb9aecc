"""US states and territories (full names, lower case, to two-letter postal codes) and ZIP codes."""

from __future__ import annotations

import re

STATES = {
    "alabama": "AL",
    "alaska": "AK",
    "arizona": "AZ",
    "arkansas": "AR",
    "california": "CA",
    "colorado": "CO",
    "connecticut": "CT",
    "delaware": "DE",
    "district of columbia": "DC",
    "florida": "FL",
    "georgia": "GA",
    "hawaii": "HI",
    "idaho": "ID",
    "illinois": "IL",
    "indiana": "IN",
    "iowa": "IA",
    "kansas": "KS",
    "kentucky": "KY",
    "louisiana": "LA",
    "maine": "ME",
    "maryland": "MD",
    "massachusetts": "MA",
    "michigan": "MI",
    "minnesota": "MN",
    "mississippi": "MS",
    "missouri": "MO",
    "montana": "MT",
    "nebraska": "NE",
    "nevada": "NV",
    "new hampshire": "NH",
    "new jersey": "NJ",
    "new mexico": "NM",
    "new york": "NY",
    "north carolina": "NC",
    "north dakota": "ND",
    "ohio": "OH",
    "oklahoma": "OK",
    "oregon": "OR",
    "pennsylvania": "PA",
    "rhode island": "RI",
    "south carolina": "SC",
    "south dakota": "SD",
    "tennessee": "TN",
    "texas": "TX",
    "utah": "UT",
    "vermont": "VT",
    "virginia": "VA",
    "washington": "WA",
    "west virginia": "WV",
    "wisconsin": "WI",
    "wyoming": "WY",
    "puerto rico": "PR",
    "guam": "GU",
    "virgin islands": "VI",
    "american samoa": "AS",
    "northern mariana islands": "MP",
}
# Other ways of writing a state's name that addresses use.
ALIASES = {"washington dc": "DC", "d c": "DC"}
STATE_CODES = frozenset(STATES.values())


_ZIP = re.compile(r"^(\d{5})(?:[-\s]?(\d{4}))?$")
_NAMES = {**STATES, **ALIASES}


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
    return _NAMES.get(text)


def normalize_postal_code(code: str | None) -> str | None:
    """ZIP or ZIP+4 as '80202' or '80202-1234'; None for anything else."""
    if not code:
        return None
    match = _ZIP.match(str(code).strip())
    if not match:
        return None
    return match.group(1) + (f"-{match.group(2)}" if match.group(2) else "")
