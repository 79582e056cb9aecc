"""Online providers looked up by name, each read from its own answers; the API stays offline
unless the operator opts in."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest

from katdir.geocoding import PROVIDERS, build_geocoder
from katdir.geocoding.providers import Pelias, Photon, provider_named
from katdir.settings import Settings, SettingsError
from search_api import create_app

from .fake_nominatim import USER_AGENT, nominatim_house

ADDRESS = "1501 Red River St, Austin, TX 78701"


def test_providers_are_looked_up_by_name():
    assert {"nominatim", "photon", "pelias"} <= set(PROVIDERS)
    assert provider_named(" Photon ").name == "photon"
    with pytest.raises(SettingsError, match="KATDIR_GEOCODER='mapquestx'.*nominatim"):
        provider_named("mapquestx")


def photon_feature(kind: str, **props) -> dict:
    """A feature as Photon's /api answers it (GeoJSON, OSM tags in properties)."""
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [-97.733, 30.276]},
        "properties": {
            "osm_type": "N",
            "osm_id": 1,
            "country": "United States",
            "countrycode": "US",
            "type": kind,
            **props,
        },
    }


@pytest.mark.parametrize(
    ("feature", "precision"),
    [
        (
            photon_feature(
                "house",
                housenumber="1501",
                street="Red River Street",
                city="Austin",
                state="Texas",
                postcode="78701",
            ),
            "rooftop",
        ),
        (photon_feature("street", name="Red River Street", city="Austin", state="Texas"), "street"),
        (photon_feature("city", name="Austin", state="Texas"), "city"),
        (
            photon_feature("other", osm_key="place", osm_value="postcode", postcode="78701"),
            "postal_code",
        ),
        (photon_feature("county", name="Travis County", state="Texas"), None),
    ],
)
def test_photon_precision_comes_from_its_own_answer(feature, precision):
    details = Photon().describe(feature)
    assert (details and details["precision"]) == precision


def test_photon_address_parts():
    details = Photon().describe(
        photon_feature(
            "house",
            housenumber="1501",
            street="Red River Street",
            city="Austin",
            state="Texas",
            postcode="78701-1234",
        )
    )
    assert details == {
        "precision": "rooftop",
        "street": "1501 Red River Street",
        "city": "Austin",
        "state": "TX",
        "postal_code": "78701",
    }


@pytest.mark.parametrize(
    ("layer", "precision"),
    [
        ("address", "rooftop"),
        ("street", "street"),
        ("postalcode", "postal_code"),
        ("locality", "city"),
        ("county", None),
        ("region", None),
    ],
)
def test_pelias_precision_comes_from_its_layer(layer, precision):
    feature = {
        "type": "Feature",
        "properties": {
            "layer": layer,
            "housenumber": "1501",
            "street": "Red River St",
            "locality": "Austin",
            "region_a": "TX",
            "postalcode": "78701",
        },
    }
    details = Pelias().describe(feature)
    assert (details and details["precision"]) == precision


class FakePhoton(BaseHTTPRequestHandler):
    """Photon's /api on 127.0.0.1, answering every query with one house."""

    queries: list[str] = []

    def do_GET(self):  # noqa: N802 - http.server's name
        query = dict(parse_qsl(urlsplit(self.path).query)).get("q", "")
        FakePhoton.queries.append(query)
        body = json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    photon_feature(
                        "house",
                        housenumber="1501",
                        street="Red River Street",
                        city="Austin",
                        state="Texas",
                        postcode="78701",
                    )
                ],
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_a_photon_server_answers_through_the_chain_with_its_own_precision(tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakePhoton)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        settings = Settings(
            geocoder="photon",
            geocoder_domain=f"127.0.0.1:{server.server_port}",
            geocoder_scheme="http",
            user_agent=USER_AGENT,
            geocode_cache=str(tmp_path / "geo.db"),
        )
        chain = build_geocoder(settings, min_delay_seconds=0.05, timeout=2)
        found = chain.geocode(ADDRESS)
        assert (found.raw["source"], found.raw["precision"]) == ("photon", "rooftop")
        assert found.latitude == pytest.approx(30.276)
        assert FakePhoton.queries == [ADDRESS]
        chain.close()
    finally:
        server.shutdown()
        server.server_close()


def search_near(app, place):
    return app.test_client().get("/api/v1/clinics/search", query_string={"near": place})


def test_the_api_never_sends_a_visitors_address_online_unless_opted_in(nominatim, tmp_path):
    nominatim.knows(
        ADDRESS,
        nominatim_house(
            30.276, -97.733, "1501", "Red River Street", "Austin", "Texas", "TX", "78701"
        ),
    )
    online = {
        "KATDIR_STORE": f"sqlite:///{tmp_path / 'k.db'}",
        "KATDIR_GEOCODER": "nominatim",
        "KATDIR_GEOCODER_DOMAIN": nominatim.domain,
        "KATDIR_GEOCODER_SCHEME": "http",
        "KATDIR_USER_AGENT": USER_AGENT,
        "KATDIR_GEOCODE_CACHE": str(tmp_path / "g.db"),
    }
    assert search_near(create_app(online), ADDRESS).status_code == 200
    assert nominatim.requests == []  # answered from the gazetteer (the ZIP), on this machine
    opted_in = create_app({**online, "KATDIR_API_ONLINE_GEOCODING": "1"})
    assert search_near(opted_in, ADDRESS).status_code == 200
    assert len(nominatim.requests) == 1
