"""The JSON API over the embedded store: search, detail, geocode, errors that name the parameter."""

from __future__ import annotations

import pytest

from katdir.geo import haversine_km
from katdir.model import Clinic

DENVER = (39.7392, -104.9903)

CLINICS = [
    Clinic(
        id="denver-iv",
        name="Denver IV Ketamine",
        address={"city": "Denver", "state": "CO", "postal_code": "80202"},
        location={"lat": 39.7525, "lon": -104.9995},
        routes=["iv"],
        prices=[
            {"kind": "per_session", "route": "iv", "amount_min": 450, "quote": "$450 per infusion"}
        ],
        telehealth=False,
        review={"status": "approved"},
    ),
    Clinic(
        id="boulder-im",
        name="Boulder Mind IM",
        address={"city": "Boulder", "state": "CO", "postal_code": "80302"},
        location={"lat": 40.0150, "lon": -105.2705},
        routes=["im", "oral"],
        prices=[{"kind": "series", "sessions": 6, "route": "im", "amount_min": 2400}],
        therapy_integrated=True,
        telehealth=True,
        review={"status": "approved"},
    ),
    Clinic(
        id="aurora-spravato",
        name="Aurora Spravato Center",
        address={"city": "Aurora", "state": "CO", "postal_code": "80012"},
        location={"lat": 39.6983, "lon": -104.8374},
        routes=["spravato"],
        insurance={"spravato_insurance": True},
        review={"status": "approved"},
    ),
    Clinic(
        id="pueblo-pending",
        name="Pueblo Pending",
        location={"lat": 38.2544, "lon": -104.6091},
        routes=["iv"],
        review={"status": "pending"},
    ),
    Clinic(
        id="austin-iv",
        name="Austin Infusions",
        location={"lat": 30.2672, "lon": -97.7431},
        routes=["iv"],
        review={"status": "approved"},
    ),
]


@pytest.fixture
def client(app_on, clinics_url):
    return app_on(clinics_url).test_client()


def search(client, **params):
    return client.get("/api/v1/clinics/search", query_string=params)


def test_search_near_a_zip_returns_clinics_within_the_radius_nearest_first(client):
    response = search(client, near="80202", radius=50)
    assert response.status_code == 200
    body = response.get_json()
    ids = [r["id"] for r in body["results"]]
    assert ids == ["denver-iv", "aurora-spravato", "boulder-im"]
    assert body["total"] == 3
    assert body["origin"]["precision"] == "postal_code"
    distances = [r["distance"]["mi"] for r in body["results"]]
    assert distances == sorted(distances) and distances[-1] <= 50
    first = body["results"][0]
    origin = (body["origin"]["lat"], body["origin"]["lon"])
    km = haversine_km(*origin, 39.7525, -104.9995)
    assert first["distance"]["km"] == pytest.approx(km, abs=0.01)
    assert first["distance"]["mi"] == pytest.approx(km / 1.609344, abs=0.01)


def test_search_by_city_and_coordinates(client):
    by_city = search(client, near="Denver, CO", radius=50).get_json()
    by_point = search(client, lat=DENVER[0], lon=DENVER[1], radius=50).get_json()
    assert {r["id"] for r in by_city["results"]} == {r["id"] for r in by_point["results"]}
    assert by_city["origin"]["precision"] == "city"


def test_pending_clinics_are_not_public(client):
    body = search(client, lat=38.2544, lon=-104.6091, radius=5).get_json()
    assert body["total"] == 0
    assert client.get("/api/v1/clinics/pueblo-pending").status_code == 404


def test_filters_route_price_therapy_and_units(client):
    assert [
        r["id"]
        for r in search(client, near="80202", radius=50, route="im,oral").get_json()["results"]
    ] == ["boulder-im"]
    # a series of six for $2,400 is $400 a session
    assert [
        r["id"]
        for r in search(client, near="80202", radius=50, max_price=420).get_json()["results"]
    ] == ["boulder-im"]
    assert [
        r["id"]
        for r in search(client, near="80202", radius=50, therapy="true").get_json()["results"]
    ] == ["boulder-im"]
    assert [
        r["id"]
        for r in search(client, near="80202", radius=50, insurance="yes").get_json()["results"]
    ] == ["aurora-spravato"]
    in_km = search(client, near="80202", radius=20, unit="km").get_json()
    assert [r["id"] for r in in_km["results"]] == ["denver-iv", "aurora-spravato"]


def test_telehealth_filter_keeps_the_clinics_that_say_yes_or_no(client):
    def ids(**params):
        return [
            r["id"] for r in search(client, near="80202", radius=50, **params).get_json()["results"]
        ]

    assert ids(telehealth="true") == ["boulder-im"]
    assert ids(telehealth="no") == ["denver-iv"]  # Aurora has not said: unknown never matches
    assert ids(telehealth="true", route="iv") == []
    response = search(client, near="80202", telehealth="sometimes")
    assert response.status_code == 400
    assert response.get_json()["error"]["details"] == {
        "parameter": "telehealth",
        "value": "sometimes",
        "accepted": "true or false",
    }
    spec = client.get("/api/v1/openapi.json").get_json()
    described = {p["name"]: p for p in spec["paths"]["/api/v1/clinics/search"]["get"]["parameters"]}
    assert described["telehealth"]["schema"] == {"type": "boolean"}


def test_price_sort_and_facets(client):
    body = search(client, near="80202", radius=50, sort="price").get_json()
    assert [r["id"] for r in body["results"]] == ["boulder-im", "denver-iv", "aurora-spravato"]
    assert body["facets"]["routes"]["iv"] == 1
    assert body["facets"]["price"] == {
        "min": 400.0,
        "max": 450.0,
        "unknown": 1,
        "bands": {"under_400": 0, "400_600": 2, "600_800": 0, "800_plus": 0},
    }


def test_clinic_detail_keeps_price_provenance(client):
    body = client.get("/api/v1/clinics/denver-iv").get_json()
    assert body["prices"][0]["quote"] == "$450 per infusion"
    assert "overrides" not in body


@pytest.mark.parametrize(
    ("params", "parameter", "accepted"),
    [
        ({"lat": "abc", "lon": "-105"}, "lat", "latitude"),
        ({"lat": "95", "lon": "-105"}, "lat", "-90 to 90"),
        ({"lat": "39", "lon": "-200"}, "lon", "-180 to 180"),
        ({"near": "80202", "radius": "-5"}, "radius", "greater than 0"),
        ({"near": "80202", "radius": "0"}, "radius", "greater than 0"),
        ({"near": "80202", "radius": "5000"}, "radius", "at most 500"),
        ({"near": "80202", "radius": "1000", "unit": "km"}, "radius", "at most 804.672"),
        ({"near": "80202", "unit": "parsec"}, "unit", "mi, km"),
        ({"near": "80202", "route": "magic"}, "route", "iv, im, oral, spravato"),
        ({"near": "80202", "route": "iv,magic"}, "route", "intranasal_ketamine"),
        ({"near": "80202", "condition": "flu"}, "condition", "depression"),
        ({"near": "80202", "max_price": "cheap"}, "max_price", "price in USD"),
        ({"near": "80202", "max_price": "nan"}, "max_price", "price in USD"),
        ({"near": "80202", "page": "0"}, "page", "from 1"),
        ({"near": "80202", "page": "two"}, "page", "whole number"),
        ({"near": "80202", "per_page": "100000"}, "per_page", "1 to 100"),
        ({"near": "80202", "sort": "random"}, "sort", "distance, price, relevance"),
        ({"near": "80202", "insurance": "maybe"}, "insurance", "true or false"),
        ({"lat": "39.7"}, "lon", "lat and lon together"),
        ({"lon": "-105"}, "lat", "lat and lon together"),
        ({"near": "80202", "lat": "39", "lon": "-105"}, "near", "either near or lat+lon"),
        ({}, "near", "ZIP code"),
        ({"near": "Atlantis, ZZ"}, "near", "ZIP code"),
        ({"near": "00000"}, "near", "ZIP code"),
        ({"near": "80202", "raduis": "5"}, "raduis", "radius"),
        # Only ASCII digits: int() and float() would read these as 1 and 10.
        ({"near": "80202", "page": "\uff11"}, "page", "digits 0-9"),
        ({"near": "80202", "per_page": "1_0"}, "per_page", "digits 0-9"),
        ({"near": "80202", "radius": "2_5"}, "radius", "digits 0-9"),
        ({"near": "80202", "max_price": "\uff14\uff10\uff10"}, "max_price", "digits 0-9"),
        ({"lat": "\u0663\u0669", "lon": "-105"}, "lat", "digits 0-9"),
    ],
)
def test_bad_parameters_are_400_naming_the_parameter_and_what_is_accepted(
    client, params, parameter, accepted
):
    response = search(client, **params)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid_parameter"
    assert error["details"]["parameter"] == parameter
    assert accepted in error["details"]["accepted"]
    assert parameter in error["message"]


@pytest.mark.parametrize(
    "query",
    [
        "near=80202&radius=10&radius=400",
        "near=80202&near=10001",
        "lon=-105&lat=39.7&lat=40",
        "near=80202&max_price=300&max_price=900",
        "near=80202&insurance=true&insurance=false",
        "near=80202&sort=price&sort=distance",
        "near=80202&page=1&page=2",
    ],
)
def test_a_single_valued_parameter_given_twice_is_a_400_naming_it(client, query):
    response = client.get("/api/v1/clinics/search?" + query)
    assert response.status_code == 400
    error = response.get_json()["error"]
    name = query.split("&")[-1].split("=")[0]
    assert error["details"]["parameter"] == name
    assert f"{name} is given 2 times" in error["message"]


def test_repeatable_parameters_take_several_values(client):
    response = client.get("/api/v1/clinics/search?near=80202&radius=50&route=im&route=spravato")
    assert {r["id"] for r in response.get_json()["results"]} == {"boulder-im", "aurora-spravato"}


def test_unknown_clinic_is_a_json_404(client):
    response = client.get("/api/v1/clinics/no-such-clinic")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_unknown_api_path_and_method_are_json_errors(client):
    assert client.get("/api/v1/nothing").get_json()["error"]["code"] == "not_found"
    response = client.post("/api/v1/clinics/search")
    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == "method_not_allowed"


def test_geocode_endpoint(client):
    body = client.get("/api/v1/geocode", query_string={"q": "Boulder, CO"}).get_json()
    assert body["precision"] == "city"
    assert body["lat"] == pytest.approx(40.0, abs=0.2)
    assert client.get("/api/v1/geocode").status_code == 400
    assert client.get("/api/v1/geocode", query_string={"q": "Nowhere, ZZ"}).status_code == 404


def test_openapi_spec_describes_every_declared_search_parameter(client):
    from katdir.filters import PARAMETERS

    spec = client.get("/api/v1/openapi.json").get_json()
    described = {p["name"]: p for p in spec["paths"]["/api/v1/clinics/search"]["get"]["parameters"]}
    assert list(described) == [p.name for p in PARAMETERS]
    for parameter in PARAMETERS:
        assert described[parameter.name]["schema"] == parameter.kind.schema()
        assert described[parameter.name]["description"].startswith(parameter.help)
    assert described["route"]["explode"] is True
    assert spec["openapi"].startswith("3.")


def test_openapi_spec_says_near_and_lat_lon_exclude_each_other(client):
    search_op = client.get("/api/v1/openapi.json").get_json()["paths"]["/api/v1/clinics/search"][
        "get"
    ]
    assert search_op["x-exclusive-parameters"] == [["near"], ["lat", "lon"]]
    assert "exclude each other" in search_op["description"]
    for parameter in search_op["parameters"]:
        if parameter["name"] in ("near", "lat", "lon"):
            assert "near, or lat + lon (they exclude each other)" in parameter["description"]


def test_responses_match_the_openapi_schemas(client):
    import jsonschema

    spec = client.get("/api/v1/openapi.json").get_json()

    def check(body, name):  # the spec is the root document, so its $refs resolve
        jsonschema.validate(body, {"$ref": f"#/components/schemas/{name}", **spec})

    check(search(client, near="80202", radius=50).get_json(), "SearchResult")
    check(client.get("/api/v1/clinics/boulder-im").get_json(), "Clinic")
    check(search(client, near="80202", unit="parsec").get_json(), "Error")
