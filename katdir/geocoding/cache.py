"""A persistent geocode cache: online answers kept in a SQLite file, so no query is asked twice.

Keyed by (provider, normalized query). It keeps both answers and "the provider knows no such
place" (a miss, which expires — 30 days by default — since map data grows), never a failure
to get an answer. Several processes may share the file: WAL lets readers and one writer work
at once, and writers wait for each other instead of failing.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from os import PathLike
from pathlib import Path

from geopy.location import Location

MISS_TTL_SECONDS = 30 * 24 * 3600
_SCHEMA_VERSION = 1
_SPACES = re.compile(r"\s+")
_SPACED_COMMA = re.compile(r"\s*,\s*")
_IN_BATCH = 500  # queries per SELECT … IN (…) of latest_answers


def normalize_query(query: str) -> str:
    """The cache key of a query: case, spacing and comma spacing do not make a new query."""
    text = unicodedata.normalize("NFKC", query).casefold()
    return _SPACED_COMMA.sub(", ", _SPACES.sub(" ", text)).strip(" ,")


@dataclass(frozen=True)
class CachedAnswer:
    location: Location | None  # None: the provider said it knows no such place
    stored_at: float  # Unix time

    @property
    def found(self) -> bool:
        return self.location is not None


class GeocodeCache:
    """Geocoder answers by (provider, normalized query), in one SQLite file.

    Thread-safe (one connection behind a lock) and safe to open from several processes.
    """

    def __init__(
        self,
        path: str | PathLike[str],
        *,
        miss_ttl_seconds: float = MISS_TTL_SECONDS,
        busy_timeout_seconds: float = 10.0,
    ) -> None:
        self.path = Path(path)
        self.miss_ttl_seconds = miss_ttl_seconds
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(
            self.path, timeout=busy_timeout_seconds, isolation_level=None, check_same_thread=False
        )
        deadline = time.monotonic() + busy_timeout_seconds
        while True:
            try:
                self._set_up()
                break
            except sqlite3.OperationalError as err:
                # Switching a new file to WAL takes a lock that SQLite's busy timeout does not
                # wait for: a second process opening the cache at the same moment retries.
                if "locked" not in str(err) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def _set_up(self) -> None:
        self._db.execute("PRAGMA journal_mode=WAL")
        # With WAL, NORMAL stays consistent; a power cut may lose the last few answers, no more.
        self._db.execute("PRAGMA synchronous=NORMAL")
        # Query first in the key: one index serves both a provider's answer and anyone's.
        self._db.execute("""
            CREATE TABLE IF NOT EXISTS geocode_cache (
                query     TEXT NOT NULL,
                provider  TEXT NOT NULL,
                found     INTEGER NOT NULL,
                lat       REAL,
                lon       REAL,
                address   TEXT,
                raw       TEXT,
                stored_at REAL NOT NULL,
                PRIMARY KEY (query, provider)
            ) WITHOUT ROWID""")
        self._db.execute(f"PRAGMA user_version={_SCHEMA_VERSION}")

    def get(self, provider: str, query: str) -> CachedAnswer | None:
        """The provider's answer or unexpired miss for the query; None when not asked yet."""
        with self._lock:
            row = self._db.execute(
                "SELECT found, lat, lon, address, raw, stored_at FROM geocode_cache"
                " WHERE query = ? AND provider = ?",
                (normalize_query(query), provider),
            ).fetchone()
        if row is None:
            return None
        found, lat, lon, address, raw, stored_at = row
        if found:
            return CachedAnswer(Location(address, (lat, lon), json.loads(raw)), stored_at)
        if time.time() - stored_at >= self.miss_ttl_seconds:
            return None
        return CachedAnswer(None, stored_at)

    def latest_answer(self, query: str) -> Location | None:
        """The newest answer any provider gave for the query (for running without the network)."""
        with self._lock:
            row = self._db.execute(
                "SELECT lat, lon, address, raw FROM geocode_cache"
                " WHERE query = ? AND found = 1 ORDER BY stored_at DESC LIMIT 1",
                (normalize_query(query),),
            ).fetchone()
        if row is None:
            return None
        lat, lon, address, raw = row
        return Location(address, (lat, lon), json.loads(raw))

    def latest_points(self, queries: Iterable[str]) -> dict[str, tuple[float, float, str]]:
        """(lat, lon, raw["precision"]) of `latest_answer` for many queries, by query as given
        (those with an answer only): a few statements for all of them, where an indexing run
        would otherwise send thousands, and no `Location` built for each."""
        asked: dict[str, list[str]] = {}
        for query in queries:
            asked.setdefault(normalize_query(query), []).append(query)
        keys = list(asked)
        newest: dict[str, tuple] = {}
        with self._lock:
            for start in range(0, len(keys), _IN_BATCH):
                chunk = keys[start : start + _IN_BATCH]
                for key, lat, lon, precision, stored_at in self._db.execute(
                    "SELECT query, lat, lon, json_extract(raw, '$.precision'), stored_at"
                    " FROM geocode_cache"
                    f" WHERE found = 1 AND query IN ({', '.join('?' * len(chunk))})",
                    chunk,
                ):
                    if key not in newest or stored_at > newest[key][3]:
                        newest[key] = (lat, lon, precision, stored_at)
        return {
            query: (lat, lon, precision)
            for key, (lat, lon, precision, _) in newest.items()
            if precision is not None  # an answer without a precision is no answer to rank
            for query in asked[key]
        }

    def put(self, provider: str, query: str, location: Location | None) -> None:
        """Keep the provider's answer; `None` records that it knows no such place."""
        if location is None:
            values = (0, None, None, None, None)
        else:
            values = (
                1,
                location.latitude,
                location.longitude,
                location.address,
                json.dumps(location.raw, ensure_ascii=False),
            )
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO geocode_cache"
                " (query, provider, found, lat, lon, address, raw, stored_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (normalize_query(query), provider, *values, time.time()),
            )

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> GeocodeCache:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
