"""A search result's card, made from a clinic's stored document without validating it again
(katdir.model.summary_of), says exactly what the validated model says."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import orjson
import pytest

from bench.synthetic import synthetic_clinics
from katdir.model import ROUTES, Clinic, Price, summary_of
from katdir.pricing import StoredPrices, series_cost, session_price


def card_from_model(clinic: Clinic) -> dict:
    """What a result showed when it was made from the validated model (the API's contract)."""
    return {
        "id": clinic.id,
        "name": clinic.name,
        "organization": clinic.organization,
        "website": clinic.website,
        "phone": clinic.phone,
        "address": clinic.address.model_dump(),
        "location": clinic.location.model_dump() if clinic.location else None,
        "routes": clinic.routes,
        "min_session_price": clinic.min_session_price,
        "prices": [p.model_dump(exclude={"source_url", "quote"}) for p in clinic.prices],
        "conditions": clinic.conditions,
        "therapy_integrated": clinic.therapy_integrated,
        "insurance": clinic.insurance.model_dump(),
        "telehealth": clinic.telehealth,
        "review_status": clinic.review.status,
        "last_seen": clinic.last_seen.isoformat() if clinic.last_seen else None,
    }


def unusual_clinics() -> list[Clinic]:
    base = next(iter(synthetic_clinics(1, seed=3)))
    quoted = Price(
        route="iv",
        kind="series",
        amount_min=2400,
        sessions=6,
        source_url="https://example.org/fees",
        quote="six infusions for $2,400",
    )
    return [
        base.model_copy(update={"last_seen": None, "location": None, "prices": []}),
        base.model_copy(
            update={
                "last_seen": datetime(2026, 3, 1, 9, 30, 15, 120, tzinfo=timezone.utc),
                "prices": [quoted, Price(amount_min=90, currency="CAD"), Price(amount_min=450)],
            }
        ),
        base.model_copy(
            update={"last_seen": datetime(2026, 3, 1, 9, tzinfo=timezone(timedelta(hours=-5)))}
        ),
        base.model_copy(update={"last_seen": datetime(2026, 3, 1, 9)}),  # naive
    ]


@pytest.mark.parametrize("routes", [(), ("iv",), ("oral", "spravato")])
def test_card_from_the_stored_json_equals_the_models(routes):
    clinics = [*synthetic_clinics(400, seed=7), *unusual_clinics()]
    for clinic in clinics:
        stored = orjson.loads(clinic.model_dump_json())  # as both stores keep it
        assert stored == clinic.model_dump(mode="json")
        priced = StoredPrices.of(stored)
        assert summary_of(stored, priced.prices) == card_from_model(clinic)
        assert summary_of(stored) == card_from_model(clinic)
        assert session_price(priced, routes) == session_price(clinic, routes)
        assert series_cost(priced, routes) == series_cost(clinic, routes)
    assert {r for c in clinics for r in c.routes} == set(ROUTES)


def test_a_document_written_before_a_field_existed_gets_its_default():
    clinic = next(iter(synthetic_clinics(1, seed=5)))
    stored = orjson.loads(clinic.model_dump_json())
    del stored["telehealth"]
    assert summary_of(stored)["telehealth"] == Clinic.model_fields["telehealth"].get_default()
