"""katdir.pricing: the one-pass per-route prices the stores index, and those a result card
shows, equal the per-route `session_price` and `series_cost` they stand for."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bench.synthetic import synthetic_clinics
from katdir.model import ROUTES, Price, PriceKind
from katdir.pricing import (
    StoredPrices,
    prices_for,
    route_session_prices,
    series_cost,
    session_price,
    stored_prices_by_route,
)
from katdir.store.base import search_fields

KINDS = PriceKind.__args__
# Few distinct amounts, so ties between a session price and a series are common.
AMOUNTS = st.sampled_from([0.0, 100.0, 150.0, 299.99, 300.0, 450.0, 600.0, 1800.0])
PRICES = st.builds(
    Price,
    route=st.none() | st.sampled_from(ROUTES),
    kind=st.sampled_from(KINDS),
    amount_min=AMOUNTS,
    sessions=st.none() | st.integers(1, 8),
)
CLINICS = st.builds(
    StoredPrices,
    routes=st.lists(st.sampled_from(ROUTES), max_size=3, unique=True),
    prices=st.lists(PRICES, max_size=8),
)


def stored(clinic: StoredPrices) -> dict:
    """The part of a stored document (`Clinic.model_dump(mode="json")`) prices are read from."""
    return {"routes": clinic.routes, "prices": [p.model_dump(mode="json") for p in clinic.prices]}


@settings(max_examples=2000, derandomize=True)
@given(CLINICS)
def test_route_prices_are_each_routes_session_price(clinic):
    expected = {}
    for route in ROUTES:
        price = session_price(clinic, (route,))
        expected[route] = price.amount if price else None
    assert route_session_prices(clinic) == expected


def test_route_prices_count_an_unrouted_price_for_a_clinic_of_one_route():
    clinic = StoredPrices(
        ["iv"],
        [Price(amount_min=400), Price(route="im", kind="series", amount_min=900, sessions=6)],
    )
    assert route_session_prices(clinic) == dict.fromkeys(ROUTES) | {"iv": 400, "im": 150}
    assert route_session_prices(StoredPrices(["iv", "im"], [Price(amount_min=400)])) == (
        dict.fromkeys(ROUTES)
    )


@settings(max_examples=2000, derandomize=True)
@given(CLINICS)
def test_stored_prices_by_route_are_session_price_and_series_cost_once_a_route(clinic):
    expected = {}
    for key, routes in [(None, ()), *((route, (route,)) for route in ROUTES)]:
        if prices_for(clinic, routes):  # a route no price counts for has no entry
            expected[key] = (session_price(clinic, routes), series_cost(clinic, routes))
    assert stored_prices_by_route(stored(clinic)) == expected


def test_stored_prices_by_route_take_the_first_of_equal_prices_and_a_session_over_a_series():
    clinic = StoredPrices(
        ["iv", "im"],
        [
            Price(route="iv", kind="series", amount_min=1800, sessions=6),  # 300 a session
            Price(route="iv", amount_min=300),
            Price(route="im", kind="series", amount_min=1200, sessions=4),  # 300 a session
            Price(route="iv", kind="series", amount_min=1200, sessions=4),
            Price(amount_min=90),  # no route, at a clinic of two: counts for no route asked
        ],
    )
    found = stored_prices_by_route(stored(clinic))
    assert set(found) == {None, "iv", "im"}
    assert found["iv"][0].basis == "session" and found["iv"][1].amount == 1200
    assert found["im"][0].series_amount == 1200 and not found["im"][1].estimated
    assert found[None][0].amount == 90 and found[None][1].route == "im"  # the first series
    assert found == {
        key: (session_price(clinic, routes), series_cost(clinic, routes))
        for key, routes in [(None, ()), ("iv", ("iv",)), ("im", ("im",))]
    }


BASE = next(iter(synthetic_clinics(1, seed=21)))


@settings(max_examples=1000, derandomize=True)
@given(CLINICS)
def test_the_lowest_price_the_stores_index_is_the_session_price_of_no_route(prices):
    clinic = BASE.model_copy(update={"routes": prices.routes, "prices": prices.prices})
    price = session_price(clinic)
    assert search_fields(clinic)["min_price"] == (price.amount if price else None)
