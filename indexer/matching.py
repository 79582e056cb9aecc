"""Which listings are one clinic: pair verdicts and clustering (issue 5, "Merging duplicates").

The same clinic turns up on its own site and on several directories with other spellings
("Ketamine Wellness Center of Denver" / "Denver Ketamine Wellness Ctr"), suite notations,
tracking URLs and phone formats; a multi-location practice shares a name, a website and often
a phone across places that are separate clinics. So:

1. **Keys.** Each listing (and each clinic already in the store) is reduced to `ClinicKeys`:
   a name key (indexer.normalize.name_key), the E.164 phone, the website host, and the place
   — street number, a spelling-proof street name, the suite, ZIP, city, state and a coarse
   point (the ZIP or city centroid from the offline gazetteer). One road has one street name
   however it is designated ("US Highway 9", "Route 9", "NJ-9", "State Road 9"); building and
   plaza names before the street and a floor beside the suite are set aside by the parser.
2. **Blocking.** Only listings that share a block are compared: same phone, same website
   host, same ZIP (or city when there is no ZIP), same street number and street. Phones and
   hosts found at more than `SHARED_KEY_PLACES` different places (a directory's call centre,
   a hospital system's domain) identify nothing and are dropped as keys and as evidence. Big
   blocks are narrowed by name first (`rapidfuzz.process.extract` with a score cut-off).
3. **Place.** `place_relation` says whether two listings can be at one place: `same_address`
   (same street number and street, E/W agreeing; suites agree or one is missing),
   `other_unit` (same building, different suites), `number_typo` (street numbers one
   keystroke apart on one street in one ZIP, suites not disagreeing), `same_area` (same ZIP or
   city, a street
   missing on one side), `near` (neighbouring ZIPs, within 10 km), `different` (another
   street or number, another state, ZIPs or towns far apart) or `unknown` (no address on one
   side). Different places are never one clinic: that is what keeps a multi-location practice
   and a chain's same-named branches apart, whatever their names, phones and website.
4. **Verdict.** `compare` weighs the place against rapidfuzz name similarity (`token_set_ratio`
   of the name keys, capped at 50 when both names have distinctive words and share none, as
   in "Mile High Ketamine Wellness" / "Rocky Mountain Ketamine Wellness") and agreement of
   phone and website host ("key"):
   - same address: a key, or a name ≥ 95, or a name ≥ 75 unless the websites differ, or a
     clinician's profile ("Dr. …", "…, MD") in the same suite with no other phone or website;
   - other suite of one building: a key and a name ≥ 60, or a name ≥ 95 unless the websites
     differ (a move within the building, or a stale directory);
   - same ZIP or city, street unknown on one side: a key and a name ≥ 60, or a name ≥ 95
     unless the websites differ, or a name ≥ 88 with neither phone nor website differing;
   - a street number one keystroke away: a name ≥ 95 and the phone and website agreeing
     (both, or one with the other unknown) — a directory's typo, never a neighbour;
   - neighbouring ZIPs: a key and a name ≥ 75; nothing known about the place: the same.
   A phone that differs counts little: directories show call-tracking numbers and switchboards.
5. **Clusters.** Matched pairs are joined best first (score = name similarity plus bonuses)
   in a union-find that refuses a join when the two groups hold listings at different places,
   or two clinics already stored under different ids: a listing without an address that
   resembles two branches of a practice joins one, never both, and a crawl never fuses two
   stored clinics (merging stored clinics is a curator's call).

`python -m indexer.dedupe_eval` measures `compare` on tests/fixtures/dedupe/pairs.jsonl.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from indexer.normalize import DIRECTIONS, GENERIC_NAME_WORDS, STREET_TYPES, name_key, parse_street
from katdir.geo import haversine_km
from katdir.model import Address
from katdir.normalize import STATE_CODES, identity_host, normalize_phone

# Name similarity (0–100) thresholds.
SAME_NAME = 88  # the same name, spelled differently
EXACT_NAME = 95
LIKE_NAME = 75  # alike enough when the place or a key agrees too
SOME_NAME = 60  # names of one practice ("Dr. Chen's Ketamine" / "Chen Ketamine Clinic")
GENERIC_ONLY_CAP = 50.0  # names that share only generic words
NEAR_KM = 10.0  # neighbouring ZIP centroids of one town
SAME_TOWN_KM = 25.0
SHARED_KEY_PLACES = 5
BIG_BLOCK = 12  # blocks larger than this are narrowed by name first
PREFILTER = float(SOME_NAME)

PLACE_BONUS = {
    "same_address": 20.0,
    "other_unit": 0.0,
    "number_typo": 5.0,
    "same_area": 10.0,
    "near": 5.0,
    "unknown": 0.0,
    "different": 0.0,
}
_DIRECTIONS = frozenset(t.lower() for t in DIRECTIONS.values())
_STREET_NOISE = frozenset(t.lower() for t in STREET_TYPES.values()) | _DIRECTIONS

# Route designators before a route number. "US Highway 9", "Route 9", "Hwy 9", "State Road 9",
# "SR-9" and "NJ-9" are one road written as a clinic's site and a directory each like it; county
# roads, interstates and farm-to-market roads are road systems of their own.
_ROUTE_SYSTEMS = (
    ("county-road", frozenset({"county", "cr", "co", "rd", "road"}), frozenset({"county", "cr"})),
    ("interstate", frozenset({"interstate", "i"}), frozenset({"interstate", "i"})),
    (
        "farm-road",
        frozenset({"fm", "rm", "farm", "ranch", "to", "market", "rd", "road"}),
        frozenset({"fm", "rm", "farm", "ranch"}),
    ),
    (
        "route",
        frozenset(
            {
                "us",
                "u",
                "s",
                "state",
                "highway",
                "hwy",
                "hy",
                "route",
                "rte",
                "rt",
                "road",
                "rd",
                "sr",
                "sh",
            }
        )
        | {c.lower() for c in STATE_CODES},
        frozenset(),
    ),
)
# A clinician's directory profile ("Dr. Ana Ruiz, MD", "Sam Reyes, PMHNP-BC") names a person,
# not a practice: at the practice's own suite it is the practice unless its contacts say not.
_CLINICIAN = re.compile(
    r"^dr\.?\s|,\s*(?:md|do|phd|psyd|pmhnp|np|aprn|crna|lcsw|lpc|lmft|lmhc|"
    r"fnp|dnp|pa-c)\b",
    re.I,
)
_DIGITS = re.compile(r"\d+")  # Route 9 and Route 90, 15th and 16th St: other streets
_HYPHENATED_ROUTE = re.compile(r"\b([A-Za-z]{1,2})-(\d{1,4})\b")  # "NH-25", "SR-7"


@dataclass(slots=True)
class ClinicKeys:
    """What tells one clinic location from another, normalized for comparison."""

    name: str
    name_key: str
    distinct: tuple[str, ...]  # the name's non-generic words
    phone: str | None
    host: str | None
    street_no: str | None
    street_core: str | None  # the street's name without its type and directionals
    street_dirs: str | None  # its directionals ("e", "sw"): E and W Colfax are two streets
    unit: str | None
    zip5: str | None
    city: str | None
    state: str | None
    point: tuple[float, float] | None  # coarse: a ZIP or city centroid
    stored_id: str | None = None  # set for a clinic already in the store

    @property
    def place_key(self) -> str | None:
        return self.zip5 or (f"{self.city}|{self.state}" if self.city else None)


def clinic_keys(
    name: str,
    *,
    phone: str | None = None,
    website: str | None = None,
    address: Address | dict | None = None,
    point: tuple[float, float] | None = None,
    stored_id: str | None = None,
) -> ClinicKeys:
    """Keys from values already normalized (phone E.164, address from normalize_address) —
    raw ones work too, they are only read more slowly."""
    if isinstance(address, dict):
        address = Address.model_construct(**address)
    key = name_key(name or "")
    street = _parse_street(address.street) if address is not None and address.street else None
    core = dirs = None
    if street is not None and street.key:
        words = _road_words(street.key.split())
        core = " ".join(w for w in words if w not in _STREET_NOISE) or street.key
        dirs = " ".join(w for w in words if w in _DIRECTIONS) or None
    return ClinicKeys(
        name=name or "",
        name_key=key,
        distinct=tuple(w for w in key.split() if w not in GENERIC_NAME_WORDS),
        phone=normalize_phone(phone) if phone else None,
        host=identity_host(website),
        street_no=street.number if street is not None else None,
        street_core=core,
        street_dirs=dirs,
        unit=street.unit if street is not None else None,
        zip5=(address.postal_code or "")[:5] or None if address is not None else None,
        city=(address.city or "").casefold() or None if address is not None else None,
        state=(address.state or None) if address is not None else None,
        point=point,
        stored_id=stored_id,
    )


def _parse_street(text: str):
    street = parse_street(text)
    if street.number is None and _HYPHENATED_ROUTE.search(text):  # usaddress misreads "88 NH-25"
        return parse_street(_HYPHENATED_ROUTE.sub(r"\1 \2", text))
    return street


def _road_words(words: list[str]) -> list[str]:
    """A street key's route designator in one spelling per road system: "us highway 9 s",
    "rte 9 s" and "nj 9 s" all read "route 9 s"; "cr 42 w" reads "county-road 42 w"."""
    number = next((i for i, word in enumerate(words) if word.isdigit()), None)
    if not number:
        return words
    start = 0
    while start < number and words[start] in _DIRECTIONS:
        start += 1
    prefix = set(words[start:number])
    if not prefix:
        return words
    for system, vocabulary, markers in _ROUTE_SYSTEMS:
        if prefix <= vocabulary and (not markers or prefix & markers):
            if system == "county-road" and prefix == {"co"}:
                continue  # "CO 7" is a Colorado state route
            return [*words[:start], system, *words[number:]]
    return words


@dataclass(frozen=True, slots=True)
class Verdict:
    same: bool
    score: float
    place: str
    name: float
    reasons: tuple[str, ...]


def name_similarity(a: ClinicKeys, b: ClinicKeys) -> float:
    """rapidfuzz token-set ratio of the name keys, capped at GENERIC_ONLY_CAP when both names
    have distinctive words and share none of them ("Mile High Ketamine Wellness" vs "Rocky
    Mountain Ketamine Wellness")."""
    if not a.name_key or not b.name_key:
        return 0.0
    score = fuzz.token_set_ratio(a.name_key, b.name_key)
    if score > GENERIC_ONLY_CAP and a.distinct and b.distinct and not _share_word(a, b):
        return GENERIC_ONLY_CAP
    return score


def _share_word(a: ClinicKeys, b: ClinicKeys) -> bool:
    if set(a.distinct) & set(b.distinct):
        return True
    for x in a.distinct:
        for y in b.distinct:
            if len(x) > 3 and len(y) > 3 and fuzz.ratio(x, y) >= 85:
                return True
    joined_a, joined_b = "".join(a.distinct), "".join(b.distinct)  # "MileHigh" / "Mile High"
    return len(joined_a) > 5 and fuzz.ratio(joined_a, joined_b) >= 90


def _distance(a: ClinicKeys, b: ClinicKeys) -> float | None:
    if a.point is None or b.point is None:
        return None
    return haversine_km(a.point[0], a.point[1], b.point[0], b.point[1])


def _other_town(a: ClinicKeys, b: ClinicKeys) -> bool:
    """Two places that cannot be one town: other states, or other ZIPs/cities far apart."""
    if a.state and b.state and a.state != b.state:
        return True
    if a.zip5 and b.zip5 and a.zip5 != b.zip5:
        distance = _distance(a, b)
        if distance is not None:
            return distance > NEAR_KM
        return bool(a.city and b.city and a.city != b.city)
    if a.city and b.city and a.city != b.city:
        distance = _distance(a, b)
        return distance is None or distance > SAME_TOWN_KM
    return False


def place_relation(a: ClinicKeys, b: ClinicKeys) -> str:
    """same_address | other_unit | same_area | near | different | unknown (see module doc)."""
    if a.street_no and b.street_no and a.street_core and b.street_core:
        if a.street_core != b.street_core and (
            fuzz.ratio(a.street_core, b.street_core) < 85  # a spelling slip at most...
            or _DIGITS.findall(a.street_core) != _DIGITS.findall(b.street_core)
        ):  # ...in words
            return "different"
        if a.street_dirs and b.street_dirs and a.street_dirs != b.street_dirs:
            return "different"
        if _other_town(a, b):
            return "different"
        if a.street_no != b.street_no:
            return "number_typo" if _number_typo(a, b) else "different"
        if a.unit and b.unit and a.unit != b.unit:
            return "other_unit"
        return "same_address"
    if _other_town(a, b):
        return "different"
    if a.zip5 and b.zip5:
        return "same_area" if a.zip5 == b.zip5 else "near"
    if a.city and b.city:
        return "same_area" if a.city == b.city else "near"
    return "unknown"


def _number_typo(a: ClinicKeys, b: ClinicKeys) -> bool:
    """Street numbers one keystroke apart (4125/4215, 11612/1612, 1855/1885) on one street in
    one ZIP, suites not disagreeing: a directory's typo, or the next building — the names and
    contact details decide which (see compare)."""
    same_zip = a.zip5 == b.zip5 if a.zip5 and b.zip5 else bool(a.city and a.city == b.city)
    return (
        same_zip
        and min(len(a.street_no), len(b.street_no)) >= 3
        and OSA.distance(a.street_no, b.street_no) == 1
        and not (a.unit and b.unit and a.unit != b.unit)
    )


def compare(a: ClinicKeys, b: ClinicKeys) -> Verdict:
    """Whether two listings are one clinic location, how sure (score), and why."""
    place = place_relation(a, b)
    name = name_similarity(a, b)
    phone = bool(a.phone and a.phone == b.phone)
    host = bool(a.host and a.host == b.host)
    phone_conflict = bool(a.phone and b.phone and not phone)
    host_conflict = bool(a.host and b.host and not host)
    key = phone or host
    if place == "different":
        same = False
    elif place == "same_address":  # one name at one address is one clinic, whatever the
        # directories say its phone and website are (switchboards, call tracking, parent sites)
        same = (
            key
            or name >= EXACT_NAME
            or (name >= LIKE_NAME and not host_conflict)
            or (
                bool(a.unit and a.unit == b.unit)
                and not phone_conflict
                and not host_conflict
                and bool(_CLINICIAN.search(a.name) or _CLINICIAN.search(b.name))
            )
        )
    elif place == "other_unit":  # another suite: a move within the building, or a neighbour
        same = (key and name >= SOME_NAME) or (name >= EXACT_NAME and not host_conflict)
    elif place == "same_area":
        same = (
            (key and name >= SOME_NAME)
            or (phone and host)
            or (name >= EXACT_NAME and not host_conflict)
            or (name >= SAME_NAME and not host_conflict and not phone_conflict)
        )
    elif place == "number_typo":  # the street number's typo needs everything else to agree
        same = name >= EXACT_NAME and (
            (phone and host) or (key and not phone_conflict and not host_conflict)
        )
    elif place == "near":  # a ZIP typo, or the next ZIP over
        same = key and name >= LIKE_NAME
    else:  # nothing to say where either is
        same = (key and name >= LIKE_NAME) or (phone and host)
    score = name + 25.0 * phone + 20.0 * host + PLACE_BONUS[place]
    reasons = [place, f"name {name:.0f}"]
    reasons += [
        r
        for r, on in (
            ("same phone", phone),
            ("same website", host),
            ("other phone", phone_conflict),
            ("other website", host_conflict),
        )
        if on
    ]
    return Verdict(bool(same), score, place, name, tuple(reasons))


# -- clustering -----------------------------------------------------------------------------


def drop_shared_keys(keys: Sequence[ClinicKeys]) -> tuple[set[str], set[str]]:
    """Forget phones and hosts that many places share (call centres, big systems); returns them."""
    places: dict[tuple[str, str], set[str]] = defaultdict(set)
    for k in keys:
        place = k.place_key or ""
        if k.phone:
            places[("p", k.phone)].add(place)
        if k.host:
            places[("h", k.host)].add(place)
    shared = {key for key, where in places.items() if len(where) > SHARED_KEY_PLACES}
    phones = {v for kind, v in shared if kind == "p"}
    hosts = {v for kind, v in shared if kind == "h"}
    if shared:
        for k in keys:
            if k.phone in phones:
                k.phone = None
            if k.host in hosts:
                k.host = None
    return phones, hosts


def _blocks(keys: Sequence[ClinicKeys]) -> dict[str, list[int]]:
    blocks: dict[str, list[int]] = defaultdict(list)
    for i, k in enumerate(keys):
        if k.phone:
            blocks["p:" + k.phone].append(i)
        if k.host:
            blocks["h:" + k.host].append(i)
        if k.zip5:
            blocks["z:" + k.zip5].append(i)
        elif k.city:
            blocks[f"c:{k.city}|{k.state}"].append(i)
        if k.street_no and k.street_core:
            blocks[f"a:{k.street_no}|{k.street_core.split()[0]}|{k.state}"].append(i)
    return blocks


def candidate_pairs(keys: Sequence[ClinicKeys]) -> set[tuple[int, int]]:
    """Pairs that share a block (never two stored clinics); big blocks narrowed by name."""
    pairs: set[tuple[int, int]] = set()
    for block, members in _blocks(keys).items():
        if len(members) < 2:
            continue
        if len(members) <= BIG_BLOCK or (block[0] in "ph" and len(members) <= 4 * BIG_BLOCK):
            for x in range(len(members)):
                for y in range(x + 1, len(members)):
                    pairs.add((members[x], members[y]))
            continue
        # rapidfuzz.process.cdist would do this in one call, but needs numpy; extract does not.
        names = [keys[i].name_key for i in members]
        for x, name in enumerate(names):
            for _, _, y in process.extract(
                name, names, scorer=fuzz.token_set_ratio, score_cutoff=PREFILTER, limit=None
            ):
                if x < y:
                    pairs.add((members[x], members[y]))
    return {(i, j) for i, j in pairs if not (keys[i].stored_id and keys[j].stored_id)}


class _Groups:
    """Union-find whose joins respect cannot-link constraints (other places, other stored ids)."""

    def __init__(self, keys: Sequence[ClinicKeys]):
        self.keys = keys
        self.parent = list(range(len(keys)))
        self.members: dict[int, list[int]] = {i: [i] for i in range(len(keys))}
        self.anchor: dict[int, str | None] = {i: k.stored_id for i, k in enumerate(keys)}

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def join(self, i: int, j: int) -> bool:
        ri, rj = self.find(i), self.find(j)
        if ri == rj:
            return True
        ai, aj = self.anchor[ri], self.anchor[rj]
        if ai and aj and ai != aj:
            return False
        mi, mj = self.members[ri], self.members[rj]
        if len(mi) > 1 or len(mj) > 1:
            for x in mi:
                for y in mj:
                    if place_relation(self.keys[x], self.keys[y]) == "different":
                        return False
        if len(mi) < len(mj):
            ri, rj, mi, mj = rj, ri, mj, mi
        self.parent[rj] = ri
        mi.extend(mj)
        del self.members[rj]
        self.anchor[ri] = ai or aj
        return True


def cluster(keys: Sequence[ClinicKeys]) -> list[list[int]]:
    """Groups of indices into `keys` that are one clinic each, in order of their first member.

    Mutates `keys` only to forget shared phones and hosts (see `drop_shared_keys`).
    """
    drop_shared_keys(keys)
    matched = []
    for i, j in candidate_pairs(keys):
        verdict = compare(keys[i], keys[j])
        if verdict.same:
            matched.append((-verdict.score, i, j))
    matched.sort()
    groups = _Groups(keys)
    for _, i, j in matched:
        groups.join(i, j)
    return sorted((sorted(m) for m in groups.members.values()), key=lambda m: m[0])
