"""Writes are atomic and guarded (issue 11, finding 5): an import or an index run is one
transaction — killed with SIGKILL halfway, it leaves the store as it was; a second writer
is stopped with a message naming the first; an id twice in a file is an error naming both
lines; overwriting a clinic the store has needs --replace."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from indexer.imports import import_records
from katdir.cli import main
from katdir.geocoding import build_geocoder
from katdir.model import Clinic, Decision
from katdir.store import WriterBusy, open_store
from katdir.store.sqlite import SQLiteStore

RECORDS = 10_000


def record(i: int, **fields) -> str:
    return json.dumps(
        {
            "id": f"clinic-{i}",
            "name": f"Clinic {i}",
            "location": {"lat": 39 + i / 1e5, "lon": -105.0},
            **fields,
        }
    )


@pytest.fixture
def geocoder(tmp_path):
    return build_geocoder(None, cache_path=tmp_path / "geo.db")


# A child that imports RECORDS records, and stops for good after its first batch is written.
HALFWAY = """
import sys, time
from pathlib import Path
from katdir.store.sqlite import SQLiteStore
from katdir.geocoding import build_geocoder
from indexer.imports import import_records

db, source, marker = sys.argv[1:4]
upsert = SQLiteStore.upsert
def upsert_then_stall(self, clinics):
    written = upsert(self, clinics)
    Path(marker).write_text(str(written))
    time.sleep(120)
    return written
SQLiteStore.upsert = upsert_then_stall
store = SQLiteStore(db)
lines = list(enumerate(Path(source).read_text().splitlines(), 1))
import_records(lines, store, build_geocoder(None, cache_path=Path(db).with_suffix(".geo")),
               replace=True)
"""


def test_an_import_killed_halfway_leaves_the_store_as_it_was(tmp_path):
    db = tmp_path / "katdir.db"
    with SQLiteStore(db) as store:
        store.upsert(Clinic.model_validate_json(record(i)) for i in range(RECORDS))
    source = tmp_path / "clinics.jsonl"
    source.write_text("\n".join(record(i, name=f"Renamed {i}") for i in range(RECORDS)))
    marker = tmp_path / "halfway"
    child = subprocess.Popen([sys.executable, "-c", HALFWAY, str(db), str(source), str(marker)])
    try:
        deadline = time.monotonic() + 120
        while not marker.exists() and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert marker.exists(), "the child never wrote its first batch"
        assert int(marker.read_text()) < RECORDS  # it was halfway
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    with SQLiteStore(db) as store:
        names = {c.name for c in store.iter_clinics()}
        assert store.count() == RECORDS
    assert not any(n.startswith("Renamed") for n in names)
    # And the killed writer's lock died with it: the next import runs.
    with SQLiteStore(db) as store:
        summary = import_records(
            list(enumerate(source.read_text().splitlines(), 1)),
            store,
            build_geocoder(None, cache_path=tmp_path / "g2.db"),
            replace=True,
        )
        assert summary.loaded == RECORDS and store.get("clinic-7").name == "Renamed 7"


def test_a_run_that_fails_halfway_writes_nothing(tmp_path, geocoder):
    with SQLiteStore(tmp_path / "katdir.db") as store:
        store.upsert([Clinic.model_validate_json(record(1))])
        with pytest.raises(RuntimeError), store.writing("katdir index"):
            store.upsert([Clinic.model_validate_json(record(2))])
            store.delete("clinic-1")
            raise RuntimeError("the geocoder fell over")
        assert [c.id for c in store.iter_clinics()] == ["clinic-1"]


def test_a_second_writer_is_stopped_with_a_message_naming_the_first(
    tmp_path, geocoder, monkeypatch, capsys
):
    db = tmp_path / "katdir.db"
    first, second = SQLiteStore(db), SQLiteStore(db)
    with first.writing("katdir index"):
        with pytest.raises(WriterBusy, match=rf"being written by katdir index \(pid {os.getpid()}"):
            import_records([(1, record(1))], second, geocoder)
        # The command line says it in one line, and fails.
        source = tmp_path / "one.jsonl"
        source.write_text(record(1))
        monkeypatch.setenv("KATDIR_STORE", f"sqlite:///{db}")
        monkeypatch.setenv("KATDIR_VAR", str(tmp_path))
        assert main(["import", str(source)]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "being written by katdir index" in err[0]
    # Once the first has finished, the second goes ahead.
    assert import_records([(1, record(1))], second, geocoder).loaded == 1


def test_a_curators_write_during_a_run_is_refused_at_once_and_saves_nothing(tmp_path):
    db = tmp_path / "katdir.db"
    first, curator = SQLiteStore(db), SQLiteStore(db)
    clinic = Clinic.model_validate_json(record(1))
    curator.upsert([clinic])
    with first.writing("katdir index"):
        started = time.monotonic()
        for write in (
            lambda: curator.put_decision(Decision(clinic_id=clinic.id)),
            lambda: curator.upsert([clinic]),
            lambda: curator.delete(clinic.id),
        ):
            with pytest.raises(WriterBusy, match="being written by katdir index"):
                write()
        assert time.monotonic() - started < 10  # not SQLite's 30 s wait for the run's lock
    assert curator.get_decision(clinic.id) is None and curator.get(clinic.id) is not None
    curator.put_decision(Decision(clinic_id=clinic.id))  # the run has ended: it goes through


def test_duplicate_ids_in_a_file_are_an_error_naming_both_lines(tmp_path, geocoder):
    with open_store(f"sqlite:///{tmp_path / 'katdir.db'}") as store:
        summary = import_records(
            [(1, record(1)), (2, record(2)), (3, record(1, name="Other"))], store, geocoder
        )
        assert not summary.written and store.count() == 0
    assert "line 3: id 'clinic-1' is also on line 1" in summary.describe()


def test_overwriting_a_stored_clinic_needs_replace(tmp_path, geocoder):
    with open_store(f"sqlite:///{tmp_path / 'katdir.db'}") as store:
        assert import_records([(1, record(1))], store, geocoder).loaded == 1
        again = import_records([(1, record(1, name="Overwritten"))], store, geocoder)
        assert not again.written and store.get("clinic-1").name == "Clinic 1"
        assert "line 1: id 'clinic-1' is already in the store: pass --replace" in again.describe()
        replaced = import_records(
            [(1, record(1, name="Overwritten"))], store, geocoder, replace=True
        )
        assert replaced.loaded == 1 and store.get("clinic-1").name == "Overwritten"
        assert store.get("clinic-1").version == 2
