"""A stateful property test on both stores: crawls and index runs, decisions, overrides,
merges, splits, removals, full rebuilds and stale-version writes, interleaved at random.
After every step no decision or override is lost and no removed clinic comes back."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from indexer.pipeline import index_listings
from katdir.curator import decisions
from katdir.export import export
from katdir.geocoding import build_geocoder
from katdir.model import Listing
from katdir.store import NearQuery, open_store

START = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
SITES = [
    ("mile-high", "Mile High Ketamine", "1550 Wynkoop St"),
    ("lodo-iv", "LoDo IV Clinic", "1701 Wynkoop St"),
    ("union-kat", "Union Station KAT", "1900 16th St"),
    ("cherry-creek", "Cherry Creek Infusions", "250 Steele St"),
]
PHONES = ["+13035550100", "+13035550111", "+13035550122"]


def crawl_listings(present: list[int], price: int, at: datetime) -> list[Listing]:
    return [
        Listing.model_validate(
            {
                "url": f"https://{slug}.example/",
                "spider": "clinic_site",
                "page_type": "clinic",
                "fetched_at": at.isoformat(),
                "name": name,
                "website": f"https://{slug}.example/",
                "routes": ["iv"],
                "care_steps": ["assessment"],
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
                        "amount_min": price + 10 * i,
                        "quote": f"${price + 10 * i} per infusion",
                    }
                ],
            }
        )
        for i, (slug, name, street) in enumerate(SITES)
        if i in present
    ]


class Curation(RuleBasedStateMachine):
    store_url: str = ""
    es_prefix: str = "katdir"
    geocoder = None

    @initialize()
    def first_crawl(self):
        self.prefix = f"{self.es_prefix}-{uuid.uuid4().hex[:6]}"
        url = self.store_url.replace("{n}", uuid.uuid4().hex[:8])
        self.store = open_store(url, es_prefix=self.prefix)
        self.now = START
        self.crawl_now(list(range(len(SITES))), 400)
        self.ids = sorted(c.id for c in self.store.iter_clinics())
        assert len(self.ids) == len(SITES)
        # What the curators said, per clinic: the truth every step is checked against.
        self.expected = {
            cid: {
                "status": "pending",
                "overrides": {},
                "listed": "listed",
                "merged_into": None,
                "version": 0,
            }
            for cid in self.ids
        }

    def teardown(self):
        if hasattr(self, "store"):
            if hasattr(self.store, "drop_everything"):
                self.store.drop_everything()
            self.store.close()

    def crawl_now(self, present: list[int], price: int) -> None:
        self.now += timedelta(days=2)
        index_listings(
            crawl_listings(present, price, self.now),
            self.store,
            self.geocoder,
            crawled_sites=[f"https://{s}.example/" for s, _, _ in SITES],
            now=self.now + timedelta(minutes=5),
        )

    # -- the crawler's side --------------------------------------------------------------

    @rule(present=st.sets(st.integers(0, len(SITES) - 1)), price=st.sampled_from([400, 450]))
    def crawl(self, present, price):
        self.crawl_now(sorted(present), price)

    @rule()
    def full_rebuild(self):
        self.store.rebuild(list(self.store.iter_clinics()))

    # -- the curators' side --------------------------------------------------------------

    def _did(self, cid: str, saved) -> None:
        self.expected[cid]["version"] = saved.version

    @rule(
        i=st.integers(0, len(SITES) - 1),
        status=st.sampled_from(["approved", "rejected", "needs_changes", "pending"]),
    )
    def review(self, i, status):
        cid = self.ids[i]
        saved = decisions.review(
            self.store,
            cid,
            status=status,
            note="checked",
            version=self.expected[cid]["version"],
            by="ana@example.org",
        )
        self.expected[cid]["status"] = status
        self._did(cid, saved)

    @rule(i=st.integers(0, len(SITES) - 1), phone=st.sampled_from([*PHONES, None]))
    def override(self, i, phone):
        cid = self.ids[i]
        saved = decisions.correct(
            self.store,
            cid,
            overrides={"phone": phone},
            note="called",
            version=self.expected[cid]["version"],
            by="bo@example.org",
        )
        if phone is None:
            self.expected[cid]["overrides"].pop("phone", None)
        else:
            self.expected[cid]["overrides"]["phone"] = phone
        self._did(cid, saved)

    @rule(i=st.integers(0, len(SITES) - 1), reason=st.sampled_from(["removed", "closed", "listed"]))
    def close(self, i, reason):
        cid = self.ids[i]
        saved = decisions.close(
            self.store,
            cid,
            reason=reason,
            note="asked",
            version=self.expected[cid]["version"],
            by="ana@example.org",
        )
        self.expected[cid].update(listed=reason, merged_into=None)
        self._did(cid, saved)

    @precondition(lambda self: any(e["listed"] == "listed" for e in self.expected.values()))
    @rule(i=st.integers(0, len(SITES) - 1), j=st.integers(0, len(SITES) - 1))
    def merge(self, i, j):
        target, other = self.ids[i], self.ids[j]
        if target == other or self.expected[target]["listed"] != "listed":
            return
        saved = decisions.merge(
            self.store,
            target,
            other_id=other,
            version=self.expected[target]["version"],
            note=None,
            by="ana@example.org",
        )
        self._did(target, saved)
        self.expected[other].update(listed="merged", merged_into=target)
        self.expected[other]["version"] = self.store.get_decision(other).version

    @rule(i=st.integers(0, len(SITES) - 1))
    def split(self, i):
        target = self.ids[i]
        merged = [c for c, e in self.expected.items() if e["merged_into"] == target]
        if not merged:
            with pytest.raises(decisions.CurationError):
                decisions.split(
                    self.store,
                    target,
                    other_id=None,
                    note=None,
                    version=self.expected[target]["version"],
                    by="ana@example.org",
                )
            return
        saved = decisions.split(
            self.store,
            target,
            other_id=None,
            note=None,
            version=self.expected[target]["version"],
            by="ana@example.org",
        )
        self._did(target, saved)
        for other in merged:
            self.expected[other].update(listed="listed", merged_into=None)
            self.expected[other]["version"] = self.store.get_decision(other).version

    @precondition(lambda self: any(e["version"] for e in self.expected.values()))
    @rule(i=st.integers(0, len(SITES) - 1), stale_by=st.integers(1, 3))
    def stale_write(self, i, stale_by):
        cid = self.ids[i]
        version = self.expected[cid]["version"] - stale_by
        if version < 0:
            return
        with pytest.raises(decisions.StaleVersion) as refused:
            decisions.review(
                self.store,
                cid,
                status="rejected",
                note="late",
                version=version,
                by="late@example.org",
            )
        assert refused.value.current["version"] == self.expected[cid]["version"]

    # -- what must hold after every step ----------------------------------------------------

    @invariant()
    def nothing_is_lost(self):
        if not hasattr(self, "store"):
            return
        public = {
            h.clinic.id
            for h in self.store.search(
                NearQuery(lat=39.75, lon=-104.99, radius_km=50, per_page=100)
            ).hits
        }
        import io

        out = io.StringIO()
        export(self.store.iter_clinics(), "csv", out)
        exported = out.getvalue()
        for cid, want in self.expected.items():
            decision = self.store.get_decision(cid)
            clinic = self.store.get(cid)
            assert clinic is not None
            if want["version"]:
                assert decision.version == want["version"]
                assert decision.review.status == want["status"]
                assert decision.overrides == want["overrides"]
                assert (decision.listed, decision.merged_into) == (
                    want["listed"],
                    want["merged_into"],
                )
            assert clinic.review.status == want["status"]
            assert clinic.overrides == want["overrides"]
            assert clinic.listed == want["listed"]
            if "phone" in want["overrides"]:
                assert clinic.phone == want["overrides"]["phone"]
            visible = want["status"] == "approved" and want["listed"] == "listed"
            assert (cid in public) == visible, (cid, want)
            assert (f"\n{cid}," in exported) == visible


@pytest.mark.parametrize(
    ("store", "examples"),
    [("sqlite", 25), pytest.param("elasticsearch", 6, marks=pytest.mark.elasticsearch)],
)
def test_no_decision_is_ever_lost(request, tmp_path, store, examples):
    if store == "sqlite":
        Curation.store_url = f"sqlite:///{tmp_path}/state-{{n}}.db"
    else:
        from tests.store.conftest import unique_prefix

        Curation.store_url = request.getfixturevalue("es_url")
        Curation.es_prefix = unique_prefix("state")
    Curation.geocoder = build_geocoder(None, cache_path=tmp_path / "geo.db")
    run_state_machine_as_test(
        Curation,
        settings=settings(
            max_examples=examples,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
