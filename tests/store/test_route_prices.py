"""`max_price` is the price for the route asked for, on both stores (a property over generated
clinics): `route=R&max_price=P` finds exactly the clinics that give R with a session of R at
most P, and the price sort orders by that same price."""

from __future__ import annotations

import itertools
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from katdir.model import ROUTES, Clinic
from katdir.store import NearQuery, open_store

STORES = ["sqlite", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)]
ORIGIN = (39.7392, -104.9903)
_serial = itertools.count()


@pytest.fixture(scope="module", params=STORES)
def store(request, tmp_path_factory):
    if request.param == "sqlite":
        store = open_store(f"sqlite:///{tmp_path_factory.mktemp('prices') / 'p.db'}")
    else:
        store = open_store(
            request.getfixturevalue("es_url"),
            es_prefix=f"katdir-test-prices-{uuid.uuid4().hex[:8]}",
        )
    yield store
    if request.param == "elasticsearch":
        store.drop_everything()
    store.close()


amounts = st.integers(min_value=50, max_value=1500).map(float)


@st.composite
def clinics(draw) -> list[Clinic]:
    made = []
    for _ in range(draw(st.integers(min_value=1, max_value=8))):
        routes = draw(st.lists(st.sampled_from(ROUTES), min_size=1, max_size=3, unique=True))
        prices = []
        for _ in range(draw(st.integers(min_value=0, max_value=4))):
            kind = draw(st.sampled_from(("per_session", "series", "consultation")))
            price = {
                "kind": kind,
                "amount_min": draw(amounts),
                "route": draw(st.sampled_from([*routes, None])),
            }
            if kind == "series":
                price["sessions"] = draw(st.integers(min_value=2, max_value=8))
                price["amount_min"] *= price["sessions"]
            prices.append(price)
        made.append(
            Clinic(
                id=f"gen-{next(_serial)}",
                name="Generated clinic",
                routes=routes,
                prices=prices,
                location={
                    "lat": ORIGIN[0] + draw(st.floats(-0.2, 0.2)),
                    "lon": ORIGIN[1] + draw(st.floats(-0.2, 0.2)),
                },
                review={"status": "approved"},
            )
        )
    return made


def sessions_of(clinic: Clinic, route: str) -> list[float]:
    """The spec, written out apart from katdir.pricing: what one session of `route` costs —
    a session price, or a series over its sessions — from prices that name the route, or
    that name none at a clinic giving only that route."""
    found = []
    for p in clinic.prices:
        if p.route == route or (p.route is None and clinic.routes == [route]):
            if p.kind == "per_session":
                found.append(p.amount_min)
            elif p.kind == "series":
                found.append(round(p.amount_min / p.sessions, 2))
    return found


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(generated=clinics(), cap=amounts, route=st.sampled_from(ROUTES))
def test_max_price_for_a_route_keeps_only_clinics_with_a_session_of_it_at_most_that(
    store, generated, cap, route
):
    store.upsert(generated)
    try:
        query = NearQuery(
            lat=ORIGIN[0],
            lon=ORIGIN[1],
            radius_km=60,
            filters={"route": (route,), "max_price": cap},
            sort="price",
            per_page=100,
        )
        result = store.search(query)
        got = [h.clinic.id for h in result.hits]
        expected = {
            c.id
            for c in generated
            if route in c.routes and any(a <= cap for a in sessions_of(c, route))
        }
        assert set(got) == expected
        cheapest = {c.id: min(sessions_of(c, route)) for c in generated if c.id in expected}
        assert [cheapest[cid] for cid in got] == sorted(cheapest[cid] for cid in got)
        assert result.facets["price"]["max"] in (None, *cheapest.values())
        if cheapest:
            assert result.facets["price"]["max"] == max(cheapest.values()) <= cap
    finally:
        for clinic in generated:
            store.delete(clinic.id)
