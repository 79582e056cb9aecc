"""A clinic's stored result card (katdir.card): the result a search answer shows, byte for byte
what it was when each result was made from the validated model at every request."""

from __future__ import annotations

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.synthetic import synthetic_clinics
from katdir.card import UNPRICED, card_of, result_json
from katdir.model import ROUTES, Clinic
from katdir.pricing import series_cost, session_price
from tests.test_model_summary import card_from_model, unusual_clinics
from tests.test_pricing import PRICES

ROUTE_CHOICES = [(), *((route,) for route in ROUTES), ("oral", "spravato"), ("im", "iv"), ROUTES]


def result_from_model(clinic: Clinic, km: float, routes: tuple[str, ...]) -> bytes:
    """A result as the API wrote it before cards were stored (search_api.service, round 3)."""
    price = session_price(clinic, routes)
    series = series_cost(clinic, routes)
    result = {
        **card_from_model(clinic),
        "min_session_price": price.amount if price else None,
        "session_price": price.as_dict() if price else None,
        "series_cost": series.as_dict() if series else None,
        "distance": {"mi": round(km / 1.609344, 2), "km": round(km, 2)},
    }
    return orjson.dumps(result, option=orjson.OPT_SORT_KEYS)


def awkward_clinics() -> list[Clinic]:
    """Names and addresses that spell the keys the search's fields go in by."""
    base = next(iter(synthetic_clinics(1, seed=9)))
    words = ',"id":,"min_session_price":,"name":,"series_cost":,"telehealth":\\"\n'
    return [
        base.model_copy(
            update={
                "name": "Clinic " + words,
                "organization": words,
                "address": base.address.model_copy(update={"street": words, "city": words}),
            }
        )
    ]


@pytest.mark.parametrize("routes", ROUTE_CHOICES)
def test_a_result_from_the_stored_card_is_the_result_made_from_the_model(routes):
    clinics = [*synthetic_clinics(400, seed=7), *unusual_clinics(), *awkward_clinics()]
    for n, clinic in enumerate(clinics):
        card = card_of(orjson.loads(clinic.model_dump_json()))  # as both stores make it
        km = n * 0.731 + 0.004
        distance = {"mi": round(km / 1.609344, 2), "km": round(km, 2)}
        assert result_json(card, distance, routes) == result_from_model(clinic, km, routes)
    assert {r for c in clinics for r in c.routes} == set(ROUTES)


def test_a_card_is_two_lines_of_json_the_result_without_distance_and_the_prices_by_route():
    clinic = next(iter(synthetic_clinics(1, seed=4)))
    shown, by_route = card_of(clinic.model_dump(mode="json")).split(b"\n")
    without_distance = orjson.loads(result_from_model(clinic, 0, ()))
    del without_distance["distance"]
    assert shown == orjson.dumps(without_distance, option=orjson.OPT_SORT_KEYS)
    priced = orjson.loads(by_route)
    assert priced and set(priced) <= set(ROUTES)
    for route in ROUTES:
        result = orjson.loads(result_from_model(clinic, 0, (route,)))
        shown = {k: result[k] for k in ("min_session_price", "series_cost", "session_price")}
        assert priced.get(route, UNPRICED) == shown


BASE = next(iter(synthetic_clinics(1, seed=12)))


@settings(max_examples=600, derandomize=True, deadline=None)
@given(
    routes=st.lists(st.sampled_from(ROUTES), min_size=1, max_size=3, unique=True),
    prices=st.lists(PRICES, max_size=8),
    currency=st.sampled_from(["USD", "CAD"]),
)
def test_a_result_from_the_card_of_any_prices_is_the_result_made_from_the_model(
    routes, prices, currency
):
    """Many clinics whose prices tie, lack routes or sessions, or name routes the clinic does
    not list: a card (made in one pass over the stored prices) writes every search's result
    as the model did."""
    clinic = BASE.model_copy(
        update={
            "routes": routes,
            "prices": [p.model_copy(update={"currency": currency}) for p in prices],
        }
    )
    card = card_of(orjson.loads(clinic.model_dump_json()))
    distance = {"mi": 1.55, "km": 2.5}
    for searched in ROUTE_CHOICES:
        assert result_json(card, distance, searched) == result_from_model(clinic, 2.5, searched)
