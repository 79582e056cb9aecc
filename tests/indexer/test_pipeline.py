"""The indexing run: listings in, clinics out; re-runs change nothing; changes are queued;
curators' decisions always win; vanished listings are noticed only where the crawl looked."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from indexer.pipeline import index_file, index_listings
from katdir.curator.apply import curate
from katdir.curator.queue import review_queue
from katdir.geocoding import build_geocoder
from katdir.model import Decision, Listing, Review
from katdir.store import NearQuery, open_store

FIRST = datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc)
MILE_HIGH = "mile-high-ketamine-example-80202"
BOULDER = "boulder-mind-example-80302"


def listing(**fields) -> Listing:
    base = {
        "url": "https://mile-high-ketamine.example/",
        "spider": "clinic_site",
        "fetched_at": FIRST.isoformat(),
        "page_type": "clinic",
        "name": "Mile High Ketamine",
        "website": "https://mile-high-ketamine.example/",
        "phone": "(303) 555-0142",
        "address": {
            "street": "1550 Wynkoop St, Suite 200",
            "city": "Denver",
            "state": "CO",
            "postal_code": "80202",
        },
        "routes": ["iv"],
        "prices": [
            {
                "kind": "per_session",
                "route": "iv",
                "amount_min": 450,
                "quote": "$450 per infusion",
                "source_url": "https://mile-high-ketamine.example/pricing",
            }
        ],
        "source_urls": ["https://mile-high-ketamine.example/pricing"],
    }
    return Listing.model_validate({**base, **fields})


def boulder(**fields) -> Listing:
    return listing(
        url="https://boulder-mind.example/",
        name="Boulder Mind",
        website="https://boulder-mind.example/",
        phone="(720) 555-0117",
        address={
            "street": "2120 Broadway, Suite 200",
            "city": "Boulder",
            "state": "CO",
            "postal_code": "80302",
        },
        prices=[],
        source_urls=[],
        **fields,
    )


def directory(**fields) -> Listing:
    base = {
        "url": "https://ketafind.example/clinics/mile-high",
        "spider": "directory",
        "page_type": "directory",
        "name": "Mile High Ketamine, LLC",
        "website": "https://www.mile-high-ketamine.example/?utm_source=ketafind",
        "phone": "303.555.0142",
        "routes": [],
        "prices": [],
        "source_urls": [],
        "address": {
            "street": "1550 Wynkoop Street Ste. 200",
            "city": "Denver",
            "state": "CO",
            "postal_code": "80202",
        },
    }
    return listing(**{**base, **fields})


def later(hours: float, item: Listing) -> Listing:
    return item.model_copy(update={"fetched_at": item.fetched_at + timedelta(hours=hours)})


@pytest.fixture
def store(sqlite_url):
    with open_store(sqlite_url) as store:
        yield store


@pytest.fixture
def geocoder(tmp_path):
    return build_geocoder(None, cache_path=tmp_path / "geo.db")


def snapshot(store) -> dict[str, str]:
    return {c.id: c.model_dump_json() for c in store.iter_clinics()}


def run(items, store, geocoder, *, hours: float = 0, **options):
    return index_listings(
        items, store, geocoder, now=FIRST + timedelta(hours=hours, minutes=5), **options
    )


# -- listings to clinics ---------------------------------------------------------------------


def test_listings_become_geocoded_clinics(store, geocoder):
    summary = run([listing()], store, geocoder, approve=True)
    assert (summary.new, summary.clinics, summary.not_geocoded, summary.written) == (1, 1, 0, 1)
    clinic = store.get(MILE_HIGH)
    assert clinic.phone == "+13035550142"
    assert clinic.address.street == "1550 Wynkoop St, Suite 200"
    assert clinic.location.precision == "postal_code"
    assert clinic.prices[0].source_url == "https://mile-high-ketamine.example/pricing"
    assert clinic.review.status == "approved" and clinic.version == 1
    found = store.search(NearQuery(lat=39.75, lon=-105.0, radius_km=10))
    assert [h.clinic.id for h in found.hits] == [clinic.id]


def test_one_clinic_seen_on_its_site_and_directories_is_one_clinic_with_every_source(
    store, geocoder
):
    redirect = "https://kapfinder.example/out?url=https%3A%2F%2Fmile-high-ketamine.example%2F"
    other_directory = directory(
        url="https://kapfinder.example/denver/12",
        name="Mile High Ketamine Ctr",
        phone="1-303-555-0142",
        website=redirect,
        address={
            "street": "1550 Wynkoop St #200",
            "city": "DENVER",
            "state": "Colorado",
            "postal_code": "80202-1234",
        },
    )
    summary = run([directory(), listing(), other_directory], store, geocoder)
    assert (summary.clinics, summary.merged) == (1, 2)
    [clinic] = store.iter_clinics()
    assert clinic.id == MILE_HIGH
    assert clinic.name == "Mile High Ketamine"  # the clinic's own site beats the directories
    assert clinic.address.postal_code == "80202-1234"  # a ZIP+4 one source gives is kept
    assert {s.url for s in clinic.sources} == {
        "https://mile-high-ketamine.example/",
        "https://mile-high-ketamine.example/pricing",
        "https://ketafind.example/clinics/mile-high",
        "https://kapfinder.example/denver/12",
    }


def test_fields_are_chosen_by_trust_then_recency(store, geocoder):
    old_directory = directory(phone="(303) 555-0100", hours="Mon–Fri 9–5")
    new_directory = later(
        24,
        directory(url="https://kapfinder.example/x", phone="(303) 555-0101", hours="Mon–Sat 8–6"),
    )
    run([old_directory, new_directory], store, geocoder)
    [clinic] = store.iter_clinics()
    assert (clinic.phone, clinic.hours) == ("+13035550101", "Mon–Sat 8–6")  # the newer one

    run(
        [old_directory, new_directory, listing(phone="(303) 555-0142", hours=None)],
        store,
        geocoder,
        hours=48,
    )
    [clinic] = store.iter_clinics()
    assert clinic.phone == "+13035550142"  # the clinic's own site, whatever its age
    assert clinic.hours == "Mon–Sat 8–6"  # a fact only directories state still counts


def test_a_multi_location_practice_stays_several_clinics_of_one_organization(store, geocoder):
    lakewood = listing(
        url="https://frontrange.example/locations/lakewood",
        website="https://frontrange.example/",
        name="Front Range Ketamine Centers – Lakewood",
        phone="(303) 555-0181",
        address={
            "street": "7200 W Alameda Ave, Suite 105",
            "city": "Lakewood",
            "state": "CO",
            "postal_code": "80226",
        },
    )
    springs = listing(
        url="https://frontrange.example/locations/colorado-springs",
        website="https://frontrange.example/",
        name="Front Range Ketamine Centers – Colorado Springs",
        phone="(303) 555-0181",
        address={
            "street": "625 N Cascade Ave, Suite 140",
            "city": "Colorado Springs",
            "state": "CO",
            "postal_code": "80903",
        },
    )
    summary = run([lakewood, springs], store, geocoder)
    assert (summary.clinics, summary.merged) == (2, 0)
    clinics = list(store.iter_clinics())
    assert {c.organization for c in clinics} == {"Front Range Ketamine Centers"}
    assert len({c.id for c in clinics}) == 2


def test_ids_do_not_change_when_other_listings_of_the_clinic_join(store, geocoder):
    run([directory()], store, geocoder)  # first seen on a directory only
    [first] = store.iter_clinics()
    run(
        [
            directory(),
            listing(),
            directory(url="https://kapfinder.example/x", name="Mile High Ketamine Clinic"),
        ],
        store,
        geocoder,
        hours=1,
    )
    [clinic] = store.iter_clinics()
    assert clinic.id == first.id
    assert clinic.first_seen == first.first_seen


def test_article_pages_never_become_clinics(store, geocoder):
    article = listing(page_type="article", name="What does ketamine cost?")
    summary = run([article], store, geocoder)
    assert summary.skipped == 1 and store.count() == 0


def test_a_listings_file_with_bad_lines_is_indexed_around_them(store, geocoder, tmp_path):
    path = tmp_path / "listings.jsonl"
    loose = (
        '{"url": "https://boulder-mind.example/", "name": "Boulder Mind", '
        '"routes": ["IV infusions"], "prices": [{"amount_min": "$400 - $600"}], '
        '"address": "2120 Broadway, Suite 200, Boulder, CO 80302"}'
    )
    path.write_text("\n".join([listing().model_dump_json(), "{not json", loose, ""]))
    summary = index_file(path, store, geocoder, progress=True)
    assert (summary.listings, summary.invalid, summary.coerced, summary.new) == (3, 1, 1, 2)
    boulder_mind = next(c for c in store.iter_clinics() if c.name == "Boulder Mind")
    assert boulder_mind.routes == ["iv"]
    assert (boulder_mind.prices[0].amount_min, boulder_mind.prices[0].amount_max) == (400, 600)
    assert "2 new" in summary.describe() and "1 invalid" in summary.describe()


def test_a_line_nested_deeper_than_json_can_read_is_one_invalid_line(store, geocoder, tmp_path):
    path = tmp_path / "listings.jsonl"
    path.write_text(
        "\n".join(
            [
                listing().model_dump_json(),
                "[" * 100_000 + "]" * 100_000,
                '{"a": ' * 50_000 + "1" + "}" * 50_000,
                "",
            ]
        )
    )
    summary = index_file(path, store, geocoder)
    assert (summary.listings, summary.invalid, summary.new) == (3, 2, 1)


# -- incremental runs ------------------------------------------------------------------------


def test_rerunning_the_same_crawl_changes_nothing(store, geocoder):
    crawl = [listing(), directory(), boulder()]
    run(crawl, store, geocoder)
    before = snapshot(store)
    again = run(crawl, store, geocoder, hours=2)
    assert (again.new, again.changed, again.refreshed, again.unchanged) == (0, 0, 0, 2)
    assert again.written == 0 and again.queued == 0
    assert snapshot(store) == before  # same content, same versions


def test_a_new_crawl_with_one_changed_price_updates_and_queues_only_that_clinic(store, geocoder):
    run([listing(), boulder()], store, geocoder, approve=True)
    store.put_decision(
        Decision(
            clinic_id=MILE_HIGH,
            review=Review(status="approved", by="ana", at=FIRST + timedelta(minutes=30)),
            overrides={"phone": "+13035550100"},
        )
    )
    run([listing(), boulder()], store, geocoder, hours=1)  # the decision is applied
    before = {c.id: c for c in store.iter_clinics()}
    assert before[MILE_HIGH].phone == "+13035550100"

    cheaper = listing(
        prices=[
            {
                "kind": "per_session",
                "route": "iv",
                "amount_min": 425,
                "quote": "$425 per infusion",
                "source_url": "https://mile-high-ketamine.example/pricing",
            }
        ]
    )
    summary = run([later(6, cheaper), later(6, boulder())], store, geocoder, hours=6)
    assert (summary.changed, summary.unchanged, summary.written, summary.queued) == (1, 1, 1, 1)

    after = {c.id: c for c in store.iter_clinics()}
    assert after[BOULDER] == before[BOULDER]  # not rewritten
    updated = after[MILE_HIGH]
    assert updated.version == before[MILE_HIGH].version + 1
    assert updated.prices[0].amount_min == 425
    assert updated.phone == "+13035550100"  # the curator's override stays
    assert updated.crawled_values == {"phone": "+13035550142"}
    assert updated.review.status == "approved"  # still published while a curator checks
    [change] = updated.changes
    assert change.field == "prices"
    assert (change.old[0]["amount_min"], change.new[0]["amount_min"]) == (450, 425)
    assert change.source_url == "https://mile-high-ketamine.example/pricing"
    [entry] = review_queue(store)
    assert entry.clinic_id == MILE_HIGH and entry.reasons == ["prices changed"]


def test_last_seen_is_refreshed_once_a_day_not_on_every_crawl(store, geocoder):
    run([listing()], store, geocoder)
    same_day = run([later(5, listing())], store, geocoder, hours=5)
    assert same_day.written == 0
    next_day = run([later(30, listing())], store, geocoder, hours=30)
    assert (next_day.refreshed, next_day.written, next_day.queued) == (1, 1, 0)
    clinic = store.get(MILE_HIGH)
    assert clinic.last_seen == FIRST + timedelta(hours=30)
    assert clinic.changes == [] and clinic.version == 2


def test_changes_of_one_field_collapse_and_a_reverted_change_disappears(store, geocoder):
    run([listing()], store, geocoder, approve=True)
    run([later(1, listing(routes=["iv", "im"]))], store, geocoder, hours=1)
    run([later(2, listing(routes=["iv", "im", "oral"]))], store, geocoder, hours=2)
    [change] = store.get(MILE_HIGH).changes
    assert (change.field, change.old, change.new) == ("routes", ["iv"], ["im", "iv", "oral"])
    run([later(3, listing())], store, geocoder, hours=3)
    assert store.get(MILE_HIGH).changes == []


# -- curators' decisions ---------------------------------------------------------------------


def test_decisions_are_applied_on_every_run_and_never_overwritten(store, geocoder):
    run([listing(), boulder()], store, geocoder)
    store.put_decision(
        Decision(clinic_id=BOULDER, review=Review(status="rejected", by="ana", at=FIRST))
    )
    store.put_decision(
        Decision(
            clinic_id=MILE_HIGH,
            review=Review(status="approved", by="ana", at=FIRST),
            overrides={
                "address.street": "1550 Wynkoop St, Suite 210",
                "insurance.va_community_care": True,
            },
        )
    )
    summary = run([listing()], store, geocoder, hours=1)  # Boulder was not crawled this time
    assert summary.written == 2
    mile_high, boulder_mind = store.get(MILE_HIGH), store.get(BOULDER)
    assert boulder_mind.review.status == "rejected"
    assert mile_high.review.status == "approved"
    assert mile_high.address.street == "1550 Wynkoop St, Suite 210"
    assert mile_high.insurance.va_community_care is True
    assert mile_high.crawled_values == {
        "address.street": "1550 Wynkoop St, Suite 200",
        "insurance.va_community_care": None,
    }

    assert run([listing()], store, geocoder, hours=2).written == 0  # stable from then on

    decision = store.get_decision(MILE_HIGH)
    store.put_decision(decision.model_copy(update={"overrides": {}}))
    run([listing()], store, geocoder, hours=3)
    assert store.get(MILE_HIGH).address.street == "1550 Wynkoop St, Suite 200"  # crawled again


def test_a_bad_override_is_skipped_not_fatal(store, geocoder):
    run([listing()], store, geocoder)
    store.put_decision(
        Decision(clinic_id=MILE_HIGH, overrides={"routes": ["teleportation"], "hours": "Tue 9–1"})
    )
    run([listing()], store, geocoder, hours=1)
    clinic = store.get(MILE_HIGH)
    assert (clinic.routes, clinic.hours) == (["iv"], "Tue 9–1")


def test_a_review_acknowledges_the_changes_before_it(store, geocoder):
    run([listing()], store, geocoder, approve=True)
    run([later(1, listing(phone="(303) 555-0199"))], store, geocoder, hours=1)
    assert [e.clinic_id for e in review_queue(store)] == [MILE_HIGH]

    decision = Decision(
        clinic_id=MILE_HIGH,
        review=Review(status="approved", by="ana", at=FIRST + timedelta(hours=2)),
    )
    stored = store.put_decision(decision)
    store.upsert([curate(store.get(MILE_HIGH), stored)])  # what the curator endpoint does
    assert review_queue(store) == []
    assert run([later(1, listing(phone="(303) 555-0199"))], store, geocoder, hours=3).written == 0


def test_new_clinics_wait_in_the_queue_unless_approved(store, geocoder):
    summary = run([listing(), boulder()], store, geocoder)
    assert summary.queued == 2
    assert {(e.clinic_id, tuple(e.reasons)) for e in review_queue(store)} == {
        (MILE_HIGH, ("new, not reviewed yet",)),
        (BOULDER, ("new, not reviewed yet",)),
    }


# -- vanished listings -----------------------------------------------------------------------


def test_a_listing_gone_for_three_crawls_of_its_site_is_queued(store, geocoder):
    run([listing(), boulder()], store, geocoder, approve=True)
    sites = ["https://mile-high-ketamine.example/", "https://boulder-mind.example/"]
    for crawl in (1, 2):
        summary = run([later(crawl, boulder())], store, geocoder, hours=crawl, crawled_sites=sites)
        assert (summary.missing, summary.gone) == (1, 0)
        assert store.get(MILE_HIGH).missing_crawls == crawl
    summary = run([later(3, boulder())], store, geocoder, hours=3, crawled_sites=sites)
    assert (summary.missing, summary.gone, summary.queued) == (1, 1, 1)
    clinic = store.get(MILE_HIGH)
    assert clinic.review.status == "approved"  # visible until a curator decides
    [change] = clinic.changes
    assert (change.field, change.old, change.new) == ("listing", "listed", "gone")
    assert "mile-high-ketamine.example" in change.note
    [entry] = review_queue(store)
    assert entry.clinic_id == MILE_HIGH and "gone" in entry.reasons[0]

    back = run([later(4, listing()), later(4, boulder())], store, geocoder, hours=4)
    assert back.missing == 0
    clinic = store.get(MILE_HIGH)
    assert (clinic.missing_crawls, clinic.changes) == (0, [])


def test_a_partial_crawl_marks_nothing_gone(store, geocoder):
    run([listing(), boulder()], store, geocoder)
    before = snapshot(store)
    for crawl in range(1, 5):  # crawls of Boulder's site only
        summary = run([later(crawl, boulder())], store, geocoder, hours=crawl)
        assert (summary.missing, summary.gone) == (0, 0)
    assert store.get(MILE_HIGH).model_dump_json() == before[MILE_HIGH]


def test_a_directory_only_crawl_keeps_what_the_clinic_site_said(store, geocoder):
    run([listing(), directory()], store, geocoder)
    summary = run([later(2, directory())], store, geocoder, hours=2)
    assert summary.changed == 0
    clinic = store.get(MILE_HIGH)
    assert [p.amount_min for p in clinic.prices] == [450]
    assert clinic.name == "Mile High Ketamine"
    assert "https://mile-high-ketamine.example/" in {s.url for s in clinic.sources}


def test_a_corrected_address_moves_the_clinic_on_the_map(store, geocoder):
    run([listing()], store, geocoder)
    denver = store.get(MILE_HIGH).location
    store.put_decision(
        Decision(
            clinic_id=MILE_HIGH,
            overrides={
                "address.city": "Boulder",
                "address.postal_code": "80302",
                "address.street": "2120 Broadway",
            },
        )
    )
    run([listing()], store, geocoder, hours=1)
    moved = store.get(MILE_HIGH)
    assert moved.address.city == "Boulder"
    assert moved.location.lat > denver.lat + 0.1  # Boulder lies north-west of Denver
    assert run([listing()], store, geocoder, hours=2).written == 0
