"""`katdir import` and `katdir export`: records in the model's shape in, clinics out."""

from __future__ import annotations

import csv
import io
import json

import pytest

from indexer.imports import import_records
from katdir.export import export
from katdir.geocoding import build_geocoder
from katdir.model import Decision, Review
from katdir.store import open_store


@pytest.fixture
def store(sqlite_url):
    with open_store(sqlite_url) as store:
        yield store


@pytest.fixture
def geocoder(tmp_path):
    return build_geocoder(None, cache_path=tmp_path / "geo.db")


def record(**fields) -> str:
    base = {
        "id": "other-directory-42",
        "name": "Rose City Ketamine",
        "phone": "503.555.0190",
        "website": "https://www.rosecityketamine.example/?utm_source=x",
        "address": {
            "street": "1221 SW Yamhill Street #300",
            "city": "Portland",
            "state": "Oregon",
            "postal_code": "97205",
        },
        "prices": [{"kind": "per_session", "amount_min": 600, "amount_max": 400}],
    }
    return json.dumps({**base, **fields})


def lines(*records: str):
    return list(enumerate(records, 1))


def test_imported_records_are_normalized_geocoded_and_keep_their_id(store, geocoder):
    summary = import_records(lines(record()), store, geocoder, approve=True)
    assert (summary.loaded, summary.geocoded) == (1, 1)
    clinic = store.get("other-directory-42")
    assert (clinic.phone, clinic.website) == ("+15035550190", "https://rosecityketamine.example")
    assert (clinic.address.street, clinic.address.state) == ("1221 SW Yamhill St, Suite 300", "OR")
    assert (clinic.prices[0].amount_min, clinic.prices[0].amount_max) == (400, 600)
    assert clinic.location.precision == "postal_code"
    assert clinic.review.status == "approved"


def test_an_invalid_record_stops_the_import_unless_skipped(store, geocoder):
    bad = record(id="bad id with spaces")
    summary = import_records(lines(record(), bad), store, geocoder)
    assert not summary.written and store.count() == 0 and "line 2" in summary.describe()
    summary = import_records(lines(record(), bad), store, geocoder, skip_invalid=True)
    assert summary.loaded == 1


def test_a_curators_decision_beats_an_approving_import(store, geocoder):
    import_records(lines(record()), store, geocoder)
    store.put_decision(
        Decision(
            clinic_id="other-directory-42",
            review=Review(status="rejected", by="ana"),
            overrides={"name": "Rose City Ketamine (closed)"},
        )
    )
    import_records(lines(record()), store, geocoder, approve=True, replace=True)
    clinic = store.get("other-directory-42")
    assert (clinic.review.status, clinic.name) == ("rejected", "Rose City Ketamine (closed)")
    assert clinic.version == 2


def test_export_writes_approved_clinics_in_three_formats(store, geocoder):
    import_records(lines(record(), record(id="pending-1", name="Pending Clinic")), store, geocoder)
    import_records(lines(record()), store, geocoder, approve=True, replace=True)
    out = io.StringIO()
    assert export(store.iter_clinics(), "jsonl", out) == 1
    note, line = out.getvalue().splitlines()
    assert json.loads(note)["katdir_export"]["licence"] == "CC-BY-4.0"
    assert json.loads(line)["id"] == "other-directory-42"
    assert "overrides" not in json.loads(line)
    # an export imports back: its licence note is not taken for a clinic
    summary = import_records(
        enumerate(out.getvalue().splitlines(), 1), store, geocoder, replace=True
    )
    assert (summary.read, summary.errors) == (1, [])
    out = io.StringIO()
    assert export(store.iter_clinics(), "csv", out, approved_only=False) == 2
    assert {row["id"] for row in csv.DictReader(io.StringIO(out.getvalue()))} == {
        "other-directory-42",
        "pending-1",
    }
    out = io.StringIO()
    export(store.iter_clinics(), "geojson", out)
    collection = json.loads(out.getvalue())
    assert collection["features"][0]["geometry"]["type"] == "Point"
    assert collection["licence"] == "CC-BY-4.0" and collection["exported_at"]
    properties = collection["features"][0]["properties"]
    assert isinstance(properties["routes"], list) and isinstance(properties["prices"], list)
