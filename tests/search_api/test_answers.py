"""Answers a visitor can act on: the price of the route asked for, the cost of a series, the
local price context, the nearest clinic beyond the radius, and which place a name means."""

from __future__ import annotations

import pytest

from katdir.model import Clinic
from katdir.store import open_store


def clinic(cid: str, name: str, lat: float, lon: float, routes, prices, **extra) -> Clinic:
    return Clinic(
        id=cid,
        name=name,
        address={"city": "Denver", "state": "CO"},
        location={"lat": lat, "lon": lon},
        routes=routes,
        prices=prices,
        review={"status": "approved"},
        **extra,
    )


CLINICS = [
    # The case: $300 is the IM price; an IV session is $450.
    clinic(
        "mixed",
        "Mixed Routes Clinic",
        39.75,
        -104.99,
        ["im", "iv"],
        [
            {"route": "im", "kind": "per_session", "amount_min": 300},
            {"route": "iv", "kind": "per_session", "amount_min": 450},
        ],
    ),
    # A single session $450, and a series of six at $400 a session.
    clinic(
        "series",
        "Series Infusions",
        39.76,
        -105.00,
        ["iv"],
        [
            {"route": "iv", "kind": "per_session", "amount_min": 450},
            {"route": "iv", "kind": "series", "sessions": 6, "amount_min": 2400},
        ],
    ),
    clinic(
        "spravato",
        "Spravato Only",
        39.70,
        -104.90,
        ["spravato", "iv"],
        [
            {"route": "spravato", "kind": "per_session", "amount_min": 900},
            {"route": "iv", "kind": "per_session", "amount_min": 350},
        ],
    ),
    clinic(
        "iv-cheap",
        "Budget IV",
        39.80,
        -105.05,
        ["iv"],
        [{"route": None, "kind": "per_session", "amount_min": 500}],
    ),
    clinic(
        "far",
        "Colorado Springs Ketamine",
        38.83,
        -104.82,
        ["oral"],
        [{"route": "oral", "kind": "per_session", "amount_min": 200}],
    ),
]


@pytest.fixture
def client(app_on, sqlite_url):
    with open_store(sqlite_url) as store:
        store.upsert(CLINICS)
    return app_on(sqlite_url).test_client()


def search(client, **params) -> dict:
    response = client.get("/api/v1/clinics/search", query_string={"near": "80202", **params})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_max_price_is_the_price_of_the_route_asked_for(client):
    body = search(client, route="iv", max_price=350)
    assert [r["id"] for r in body["results"]] == ["spravato"]  # its IV session is $350
    shown = body["results"][0]["session_price"]
    assert shown == {
        "amount": 350.0,
        "route": "iv",
        "basis": "session",
        "sessions": None,
        "series_amount": None,
    }


def test_price_sort_sorts_and_shows_the_price_of_the_route_asked_for(client):
    body = search(client, route="spravato", sort="price")
    assert [(r["id"], r["min_session_price"]) for r in body["results"]] == [("spravato", 900.0)]
    body = search(client, route="iv", sort="price")
    assert [(r["id"], r["session_price"]["amount"]) for r in body["results"]] == [
        ("spravato", 350.0),
        ("series", 400.0),
        ("mixed", 450.0),
        ("iv-cheap", 500.0),
    ]


def test_a_series_divided_by_its_sessions_says_so(client):
    card = next(r for r in search(client, route="iv")["results"] if r["id"] == "series")
    assert card["session_price"] == {
        "amount": 400.0,
        "route": "iv",
        "basis": "series",
        "sessions": 6,
        "series_amount": 2400.0,
    }
    assert card["series_cost"] == {
        "amount": 2400.0,
        "sessions": 6,
        "route": "iv",
        "estimated": False,
    }


def test_without_a_published_series_the_cost_of_six_sessions_is_an_estimate(client):
    card = next(r for r in search(client, route="im")["results"] if r["id"] == "mixed")
    assert card["series_cost"] == {
        "amount": 1800.0,
        "sessions": 6,
        "route": "im",
        "estimated": True,
    }


def test_a_price_without_a_route_counts_only_at_a_clinic_of_one_route(client):
    body = search(client, route="iv", max_price=500)
    assert "iv-cheap" in [r["id"] for r in body["results"]]
    card = next(r for r in body["results"] if r["id"] == "iv-cheap")
    assert card["session_price"]["route"] is None


def test_price_context_per_route_among_the_matches(client):
    body = search(client, radius=25)
    context = body["price_context"]
    assert context["iv"] == {"count": 4, "lowest": 350.0, "median": 425.0, "highest": 500.0}
    assert context["im"] == {"count": 1, "lowest": 300.0, "median": 300.0, "highest": 300.0}
    assert context["oral"]["count"] == 0  # Colorado Springs is beyond 25 mi
    only_iv = search(client, radius=25, route="iv")["price_context"]
    assert list(only_iv) == ["iv"]
    assert body["nearest_beyond"] is None


def test_no_match_names_the_nearest_one_beyond_the_radius_and_the_radius_to_reach_it(client):
    body = search(client, radius=10, route="oral")
    assert body["total"] == 0 and body["results"] == []
    beyond = body["nearest_beyond"]
    assert beyond["id"] == "far" and beyond["name"] == "Colorado Springs Ketamine"
    assert 60 < beyond["distance"]["mi"] < 70
    assert beyond["radius"] >= beyond["distance"]["mi"] and beyond["unit"] == "mi"
    wider = search(client, radius=beyond["radius"], route="oral")
    assert [r["id"] for r in wider["results"]] == ["far"]


def test_no_match_anywhere_has_no_nearest_beyond(client):
    body = search(client, route="intranasal_ketamine")
    assert body["total"] == 0 and body["nearest_beyond"] is None


def test_an_ambiguous_place_is_answered_with_the_candidates(client):
    response = client.get("/api/v1/clinics/search", query_string={"near": "Portland"})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "ambiguous_place"
    labels = [c["label"] for c in error["details"]["candidates"]]
    assert labels[:2] == ["Portland, OR", "Portland, ME"]
    assert error["details"]["parameter"] == "near"
    # one clear answer is not ambiguous
    assert search(client, near="Denver")["origin"]["label"] == "Denver, CO"
    assert search(client, near="Portland, ME")["origin"]["label"] == "Portland, ME"


def test_a_street_address_says_it_is_searched_from_a_centre(client):
    origin = search(client, near="1600 Glenarm Pl, Denver, CO")["origin"]
    assert origin["precision"] == "city" and origin["street_ignored"] is True
    assert search(client)["origin"]["street_ignored"] is False


def test_text_search_covers_what_a_clinic_says_it_offers(app_on, sqlite_url):
    offering = clinic(
        "offers",
        "Front Range Wellness",
        39.75,
        -104.99,
        ["iv"],
        [],
        therapy_integrated=True,
        telehealth=True,
        care_steps=["integration"],
        insurance={"va_community_care": True},
    )
    with open_store(sqlite_url) as store:
        store.upsert([offering, *CLINICS])
    client = app_on(sqlite_url).test_client()
    for words in ("therapy", "integration", "telehealth", "veterans", "VA community care"):
        assert [r["id"] for r in search(client, q=words)["results"]] == ["offers"], words


def test_spravato_coverage_is_a_filter_of_its_own(app_on, sqlite_url):
    covered = clinic(
        "covered",
        "Covered Spravato",
        39.75,
        -104.99,
        ["spravato"],
        [],
        insurance={"spravato_insurance": True, "accepts_insurance": False},
    )
    with open_store(sqlite_url) as store:
        store.upsert([covered, *CLINICS])
    client = app_on(sqlite_url).test_client()
    assert [r["id"] for r in search(client, spravato_insurance="true")["results"]] == ["covered"]
    page = client.get("/?near=80202").get_data(as_text=True)
    assert 'name="spravato_insurance"' in page  # the form follows the declarations
