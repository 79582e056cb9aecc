"""The SQLite geocode cache: persistence, misses and their expiry, several processes at once."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from geopy.location import Location

from katdir.geocoding import GeocodeCache

REPO_ROOT = Path(__file__).resolve().parents[2]

ROOFTOP = Location(
    "1501 Red River Street, Austin, TX 78701",
    (30.276, -97.733),
    {"precision": "rooftop", "source": "nominatim", "postal_code": "78701"},
)


def test_answers_persist_across_instances(tmp_path):
    path = tmp_path / "cache.sqlite"
    with GeocodeCache(path) as cache:
        cache.put("nominatim", "1501 Red River St, Austin, TX", ROOFTOP)
    with GeocodeCache(path) as reopened:
        cached = reopened.get("nominatim", "1501 Red River St, Austin, TX")
    assert cached.found
    assert cached.location == ROOFTOP
    assert cached.location.raw == ROOFTOP.raw
    assert cached.stored_at <= time.time()


def test_case_and_spacing_do_not_make_a_new_query(tmp_path):
    with GeocodeCache(tmp_path / "cache.sqlite") as cache:
        cache.put("nominatim", "1501 Red River St, Austin, TX", ROOFTOP)
        assert cache.get("nominatim", "  1501 red river st ,austin,   tx ").location == ROOFTOP


def test_misses_are_cached_until_they_expire(tmp_path):
    path = tmp_path / "cache.sqlite"
    with GeocodeCache(path) as cache:
        cache.put("nominatim", "Nowhere Lane 5, Atlantis", None)
        cached = cache.get("nominatim", "Nowhere Lane 5, Atlantis")
        assert cached is not None and not cached.found and cached.location is None
    with GeocodeCache(path, miss_ttl_seconds=0.05) as short_lived:
        time.sleep(0.1)
        assert short_lived.get("nominatim", "Nowhere Lane 5, Atlantis") is None


def test_answers_belong_to_their_provider(tmp_path):
    with GeocodeCache(tmp_path / "cache.sqlite") as cache:
        cache.put("nominatim", "1501 Red River St, Austin, TX", ROOFTOP)
        cache.put("photon", "1501 Red River St, Austin, TX", None)
        assert cache.get("photon", "1501 Red River St, Austin, TX").location is None
        assert cache.get("opencage", "1501 Red River St, Austin, TX") is None
        assert cache.latest_answer("1501 red river st, austin, tx") == ROOFTOP
        assert cache.latest_answer("somewhere else") is None


def test_the_file_is_in_wal_mode_and_its_folder_is_created(tmp_path):
    path = tmp_path / "var" / "nested" / "cache.sqlite"
    GeocodeCache(path).close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


WRITER = """
import sys
from geopy.location import Location
from katdir.geocoding import GeocodeCache
path, name = sys.argv[1], sys.argv[2]
with GeocodeCache(path) as cache:
    for n in range(100):
        cache.put("nominatim", f"{name} {n}", Location(f"{name} {n}", (30.0, -97.0),
                  {"precision": "rooftop", "source": "nominatim"}))
        cache.get("nominatim", f"{name} {n // 2}")
"""


def test_several_processes_can_write_one_file_at_once(tmp_path):
    path = tmp_path / "cache.sqlite"
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), f"writer{i}"],
            cwd=REPO_ROOT,
            stderr=subprocess.PIPE,
        )
        for i in range(2)
    ]
    for writer in writers:
        _, stderr = writer.communicate(timeout=60)
        assert writer.returncode == 0, stderr.decode()
    with GeocodeCache(path) as cache:
        assert all(
            cache.get("nominatim", f"writer{i} {n}").found for i in range(2) for n in range(100)
        )
