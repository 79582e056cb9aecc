"""The gazetteer's prebuilt index file: built once under the var folder, identical to the index
built in memory, rebuilt when the packaged data changes, built by one process at a time."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from katdir.geocoding import gazetteer as gazetteer_module
from katdir.geocoding.gazetteer import _Index, _Place, _Zip

REPO = Path(__file__).resolve().parents[2]


def test_a_cold_process_builds_the_file_once_and_it_answers_like_the_index_in_memory(tmp_path):
    env = {**os.environ, "KATDIR_VAR": str(tmp_path), "PYTHONPATH": str(REPO)}
    code = (
        "from katdir.geocoding import Gazetteer; from katdir.geocoding.gazetteer import "
        "_index_path; print(Gazetteer().geocode('Austin, TX').address); print(_index_path())"
    )
    first = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    label, path = first.stdout.split("\n")[:2]
    assert label == "Austin, TX"
    path = Path(path)
    assert path.parent == tmp_path and path.exists()
    built = path.stat().st_mtime_ns
    second = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert second.stdout == first.stdout
    assert path.stat().st_mtime_ns == built  # opened, not rebuilt

    in_memory = gazetteer_module._build_index()
    on_disk = gazetteer_module._open_index(path)
    assert len(on_disk.zips) == len(in_memory.zips) > 40_000
    assert len(on_disk.places) == len(in_memory.places) > 30_000
    assert all(on_disk.zips[code] == z for code, z in in_memory.zips.items())
    assert all(on_disk.places.get(key) == place for key, place in in_memory.places.items())
    assert all(on_disk.by_name[key] == same for key, same in in_memory.by_name.items())
    assert dict(on_disk.states) == in_memory.states
    assert on_disk.zips.get("00000") is None and "00000" not in on_disk.zips
    assert on_disk.places.get(("austin", None)) is None
    with pytest.raises(KeyError):
        on_disk.by_name["nosuchplaceanywhere"]


def _package(root: Path, name: str, data: str) -> None:
    (root / name).mkdir(parents=True, exist_ok=True)
    (root / name / "__init__.py").write_text("")
    (root / name / "data.json").write_text(data)


def test_the_fingerprint_follows_the_packaged_data(tmp_path, monkeypatch):
    _package(tmp_path, "fake_zip_data", "[1]")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(gazetteer_module, "_DATA_PACKAGES", ("fake_zip_data",))
    before = gazetteer_module._fingerprint()
    assert gazetteer_module._fingerprint() == before
    _package(tmp_path, "fake_zip_data", "[1, 2]")  # a new release ships other data
    after = gazetteer_module._fingerprint()
    assert after != before
    monkeypatch.setenv("KATDIR_VAR", str(tmp_path / "var"))
    assert gazetteer_module._index_path() == tmp_path / "var" / f"gazetteer-{after}.sqlite"


def test_concurrent_builders_build_once_and_old_files_go(tmp_path, monkeypatch):
    builds = []
    tiny = _Index(
        zips={"78701": _Zip("78701", "Austin", "TX", 30.27, -97.74)},
        places={("austin", "TX"): _Place("Austin", "TX", 30.26, -97.74, 961855, 40, "geonames")},
        by_name={"austin": (_Place("Austin", "TX", 30.26, -97.74, 961855, 40, "geonames"),)},
        states={"tx": "TX", "texas": "TX"},
    )

    def slow_build():
        builds.append(threading.get_ident())
        threading.Event().wait(0.3)  # long enough for the other builder to queue on the lock
        return tiny

    monkeypatch.setattr(gazetteer_module, "_build_index", slow_build)
    stale = tmp_path / "gazetteer-0123456789abcdef.sqlite"
    stale.write_bytes(b"an index of older data")
    path = tmp_path / "gazetteer-fedcba9876543210.sqlite"
    writers = [
        threading.Thread(target=gazetteer_module._write_index, args=(path,)) for _ in range(2)
    ]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(10)
    assert len(builds) == 1
    assert not stale.exists()
    assert not list(tmp_path.glob("*.partial"))
    index = gazetteer_module._open_index(path)
    assert index.zips["78701"] == tiny.zips["78701"]
    assert index.by_name["austin"] == tiny.by_name["austin"]
    assert index.states == tiny.states
