"""Backup and restore, and decisions through re-crawls: crawl output plus a restored backup
rebuild the same public directory; a removed clinic stays out of search and exports."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta

import pytest

from indexer.pipeline import index_listings
from katdir.curator import decisions
from katdir.curator.accounts import add_account, create_token, principal_for_token
from katdir.curator.backup import BackupError, backup_lines, restore
from katdir.curator.requests import submit
from katdir.curator.sources import add_source
from katdir.export import export
from katdir.geocoding import build_geocoder
from katdir.model import Listing
from katdir.store import NearQuery, open_store

FIRST = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def listings(hours: float = 0) -> list[Listing]:
    def one(slug: str, name: str, street: str, price: float) -> Listing:
        return Listing.model_validate(
            {
                "url": f"https://{slug}.example/",
                "spider": "clinic_site",
                "page_type": "clinic",
                "fetched_at": (FIRST + timedelta(hours=hours)).isoformat(),
                "name": name,
                "website": f"https://{slug}.example/",
                "routes": ["iv"],
                "address": {
                    "street": street,
                    "city": "Denver",
                    "state": "CO",
                    "postal_code": "80202",
                },
                "prices": [
                    {
                        "kind": "per_session",
                        "route": "iv",
                        "amount_min": price,
                        "quote": f"${price:.0f} per infusion",
                        "source_url": f"https://{slug}.example/pricing",
                    }
                ],
            }
        )

    return [
        one("mile-high", "Mile High Ketamine", "1550 Wynkoop St", 450),
        one("lodo-iv", "LoDo IV Clinic", "1701 Wynkoop St", 500),
        one("union-kat", "Union Station KAT", "1900 16th St", 550),
    ]


def index(store, geocoder, hours: float = 0):
    return index_listings(
        listings(hours), store, geocoder, now=FIRST + timedelta(hours=hours, minutes=5)
    )


def public(store) -> list[str]:
    """What visitors see (the store's own write counter, `version`, aside)."""
    found = store.search(NearQuery(lat=39.75, lon=-105.0, radius_km=50, per_page=100))
    return [
        json.dumps({k: v for k, v in h.clinic.public_view().items() if k != "version"})
        for h in found.hits
    ]


def exported(store) -> str:
    out = io.StringIO()
    export(store.iter_clinics(), "csv", out)
    return out.getvalue()


@pytest.fixture
def geocoder(tmp_path):
    return build_geocoder(None, cache_path=tmp_path / "geo.db")


def curate_some(store) -> dict[str, str]:
    ids = {c.name: c.id for c in store.iter_clinics()}
    by = "ana@example.org"
    decisions.review(
        store, ids["Mile High Ketamine"], status="approved", note=None, version=0, by=by
    )
    decisions.correct(
        store,
        ids["Mile High Ketamine"],
        overrides={"phone": "+13035550142"},
        note="called them",
        version=1,
        by=by,
    )
    decisions.review(store, ids["LoDo IV Clinic"], status="approved", note=None, version=0, by=by)
    decisions.close(
        store, ids["LoDo IV Clinic"], reason="removed", note="owner asked", version=1, by=by
    )
    decisions.review(
        store, ids["Union Station KAT"], status="rejected", note="not a clinic", version=0, by=by
    )
    return ids


def test_removed_stays_out_and_overrides_stay_through_recrawls(sqlite_url, geocoder):
    with open_store(sqlite_url) as store:
        index(store, geocoder)
        ids = curate_some(store)
        before = public(store)
        for hours in (30, 60, 90):  # re-crawls (a day apart, so last_seen moves)
            index(store, geocoder, hours)
            names = [json.loads(c)["name"] for c in public(store)]
            assert names == ["Mile High Ketamine"]
            assert "LoDo IV Clinic" not in exported(store)
            assert store.get(ids["Mile High Ketamine"]).phone == "+13035550142"
        assert [json.loads(c)["id"] for c in public(store)] == [json.loads(c)["id"] for c in before]


def test_crawl_output_plus_a_backup_rebuild_the_same_directory(tmp_path, geocoder):
    with open_store(f"sqlite:///{tmp_path / 'a.db'}") as first:
        index(first, geocoder)
        curate_some(first)
        add_account(first, "ana@example.org", "curator", "a long enough password")
        token = create_token(first, "ana@example.org")
        submit(
            first, clinic_id=next(first.iter_clinics()).id, kind="correction", message="new hours"
        )
        add_source(first, url="https://new.example/", by="ana@example.org")
        lines = list(backup_lines(first))
        directory, listing_export = public(first), exported(first)
    assert "a long enough password" not in "".join(lines) and token not in "".join(lines)
    with open_store(f"sqlite:///{tmp_path / 'b.db'}") as second:
        index(second, geocoder)
        summary = restore(second, lines)
        assert summary.counts == {
            "account": 1,
            "token": 1,
            "request": 1,
            "source": 1,
            "decision": 3,
        }
        assert public(second) == directory and exported(second) == listing_export
        index(second, geocoder, 30)  # and the next run keeps it so
        assert [json.loads(c)["id"] for c in public(second)] == [
            json.loads(c)["id"] for c in directory
        ]
        assert principal_for_token(second, token).email == "ana@example.org"
        history = second.get_decision(next(iter(d.clinic_id for d in second.iter_decisions())))
        assert history.history  # the audit came back with the decisions


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ('{"type": "account"}\n', "first line"),
        ('{"type": "katdir-curation-backup", "version": 1}\nnot json\n', "line 2: not JSON"),
        (
            '{"type": "katdir-curation-backup", "version": 1}\n'
            '{"type": "account", "key": "a", "doc": {"email": "a"}}\n',
            "line 2: account a: role",
        ),
        (
            '{"type": "katdir-curation-backup", "version": 1}\n'
            '{"type": "clinic", "key": "a", "doc": {}}\n',
            "line 2: type must be",
        ),
    ],
)
def test_a_damaged_backup_is_refused_before_anything_is_written(sqlite_url, text, message):
    with open_store(sqlite_url) as store:
        with pytest.raises(BackupError, match=message):
            restore(store, text.splitlines())
        assert list(store.iter_records("account")) == []
