"""A scriptable Nominatim on 127.0.0.1, so the online path is tested over real HTTP.

It answers GET /search in Nominatim's JSON shape (`format=json` or `jsonv2`, with `address`
only when `addressdetails=1` is asked) and records every request (arrival time, parameters,
headers). A test queues replies — 429 with Retry-After, 500, a slow answer —
with `nominatim.then(...)`; without a queued reply it answers 200 with the places it was given.
"""

from __future__ import annotations

import collections
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from katdir.geocoding.cache import normalize_query

USER_AGENT = "katdir-tests/1.0 (+https://github.com/katdir/katdir)"
LICENCE = "Data © OpenStreetMap contributors, ODbL 1.0. https://osm.org/copyright"


def nominatim_house(
    lat: float,
    lon: float,
    house_number: str,
    road: str,
    city: str,
    state: str,
    state_code: str,
    postcode: str,
) -> dict:
    """A house-number result, as Nominatim's /search?format=json&addressdetails=1 gives it."""
    return {
        "place_id": 100149,
        "licence": LICENCE,
        "osm_type": "node",
        "osm_id": 107775,
        "lat": str(lat),
        "lon": str(lon),
        "class": "place",
        "type": "house",
        "place_rank": 30,
        "importance": 0.1,
        "addresstype": "place",
        "name": "",
        "display_name": f"{house_number}, {road}, {city}, {state}, {postcode}, United States",
        "address": {
            "house_number": house_number,
            "road": road,
            "city": city,
            "state": state,
            "ISO3166-2-lvl4": f"US-{state_code}",
            "postcode": postcode,
            "country": "United States",
            "country_code": "us",
        },
        "boundingbox": [str(lat - 0.0001), str(lat + 0.0001), str(lon - 0.0001), str(lon + 0.0001)],
    }


def nominatim_road(
    lat: float, lon: float, road: str, city: str, state: str, state_code: str
) -> dict:
    """A street (no house number) result."""
    return {
        "place_id": 200300,
        "licence": LICENCE,
        "osm_type": "way",
        "osm_id": 4242,
        "lat": str(lat),
        "lon": str(lon),
        "class": "highway",
        "type": "residential",
        "place_rank": 26,
        "importance": 0.05,
        "addresstype": "road",
        "name": road,
        "display_name": f"{road}, {city}, {state}, United States",
        "address": {
            "road": road,
            "city": city,
            "state": state,
            "ISO3166-2-lvl4": f"US-{state_code}",
            "country": "United States",
            "country_code": "us",
        },
        "boundingbox": [str(lat - 0.01), str(lat + 0.01), str(lon - 0.01), str(lon + 0.01)],
    }


@dataclass(frozen=True)
class Reply:
    status: int = 200
    retry_after: str | None = None
    delay: float = 0.0  # seconds to wait before answering


@dataclass(frozen=True)
class SeenRequest:
    at: float  # time.monotonic() on arrival
    path: str
    params: dict[str, str]
    headers: dict[str, str]


@dataclass
class FakeNominatim:
    domain: str = ""
    places: dict[str, list[dict]] = field(default_factory=dict)
    replies: collections.deque = field(default_factory=collections.deque)
    requests: list[SeenRequest] = field(default_factory=list)

    def knows(self, query: str, *results: dict) -> None:
        self.places[normalize_query(query)] = list(results)

    def then(self, *replies: Reply) -> None:
        self.replies.extend(replies)

    def gaps(self) -> list[float]:
        """Seconds between consecutive requests' arrivals."""
        return [b.at - a.at for a, b in zip(self.requests, self.requests[1:])]


def _as_requested(place: dict, params: dict[str, str]) -> dict:
    """Nominatim sends `address` only with addressdetails=1; jsonv2 says `category`."""
    place = dict(place)
    if params.get("addressdetails") != "1":
        place.pop("address", None)
    if params.get("format") == "jsonv2" and "class" in place:
        place["category"] = place.pop("class")
    return place


class NominatimHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        fake: FakeNominatim = self.server.fake
        url = urlsplit(self.path)
        params = dict(parse_qsl(url.query))
        fake.requests.append(SeenRequest(time.monotonic(), url.path, params, dict(self.headers)))
        reply = fake.replies.popleft() if fake.replies else Reply()
        time.sleep(reply.delay)
        if url.path != "/search":
            reply = Reply(status=404)
        if reply.status == 200:
            payload = [
                _as_requested(place, params)
                for place in fake.places.get(normalize_query(params.get("q", "")), [])
            ]
        else:
            payload = {"error": {"code": reply.status, "message": "scripted failure"}}
        body = json.dumps(payload).encode()
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            if reply.retry_after is not None:
                self.send_header("Retry-After", reply.retry_after)
            self.end_headers()
            self.wfile.write(body)
        except ConnectionError:  # the client timed out and hung up first
            pass

    def log_message(self, format, *args) -> None:  # keep test output quiet
        pass


def serve_fake_nominatim() -> tuple[FakeNominatim, ThreadingHTTPServer]:
    """Start serving on a free port of 127.0.0.1 in a thread; `server.shutdown()` stops it."""
    fake = FakeNominatim()
    server = ThreadingHTTPServer(("127.0.0.1", 0), NominatimHandler)
    server.daemon_threads = True
    server.fake = fake
    fake.domain = f"127.0.0.1:{server.server_address[1]}"
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    ).start()
    return fake, server
