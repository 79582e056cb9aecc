"""katdir.pricing: the one-pass per-route prices the stores index equal the per-route
`session_price` they stand for."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from katdir.model import ROUTES, Price, PriceKind
from katdir.pricing import StoredPrices, route_session_prices, session_price

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
