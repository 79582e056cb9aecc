"""The geocoding chain: offline first, online over real HTTP for streets, cached, polite, robust."""

from __future__ import annotations

import logging
import time

import pytest

from katdir.geocoding import GeocoderChain, build_geocoder
from katdir.geocoding.chain import query_fingerprint
from katdir.geocoding.providers import Nominatim
from katdir.settings import Settings

from .fake_nominatim import USER_AGENT, Reply, nominatim_house, nominatim_road

RED_RIVER = "1501 Red River St, Austin, TX 78701"
RED_RIVER_HOUSE = nominatim_house(
    30.2760, -97.7330, "1501", "Red River Street", "Austin", "Texas", "TX", "78701"
)
CHAIN_LOGGER = "katdir.geocoding.chain"


def test_zip_and_city_queries_never_go_online(nominatim, online_geocoder):
    chain = online_geocoder()
    for query in ("78701", "78701-1234", "Austin, TX", "new york ny", "Springfield"):
        location = chain.geocode(query)
        assert location.raw["source"] == "gazetteer"
    assert nominatim.requests == []


def test_street_address_goes_online_for_rooftop_precision(nominatim, online_geocoder):
    nominatim.knows(RED_RIVER, RED_RIVER_HOUSE)
    location = online_geocoder().geocode(RED_RIVER)
    assert location.raw["precision"] == "rooftop"
    assert location.raw["source"] == "nominatim"
    assert location.address == "1501 Red River Street, Austin, TX 78701"
    assert (location.latitude, location.longitude) == (30.2760, -97.7330)
    assert location.raw["response"]["licence"].startswith("Data © OpenStreetMap")
    [request] = nominatim.requests
    assert request.path == "/search"
    assert request.params["q"] == RED_RIVER
    assert request.params["format"] == "json"
    assert request.params["addressdetails"] == "1"
    assert request.params["countrycodes"] == "us"
    assert request.headers["User-Agent"] == USER_AGENT


def test_road_answer_is_street_precision(nominatim, online_geocoder):
    nominatim.knows(
        "Red River St, Austin, TX",
        nominatim_road(30.27, -97.73, "Red River Street", "Austin", "Texas", "TX"),
    )
    location = online_geocoder().geocode("Red River St, Austin, TX")
    assert (location.raw["precision"], location.address) == (
        "street",
        "Red River Street, Austin, TX",
    )


def test_online_answers_are_cached_for_the_next_process(nominatim, online_geocoder):
    nominatim.knows(RED_RIVER, RED_RIVER_HOUSE)
    first = online_geocoder().geocode(RED_RIVER)
    again = online_geocoder().geocode("1501 red river st,  austin, tx 78701")
    assert again == first
    assert again.raw["precision"] == "rooftop"
    assert len(nominatim.requests) == 1


def test_an_offline_chain_reads_what_an_online_run_cached(nominatim, online_geocoder, tmp_path):
    nominatim.knows(RED_RIVER, RED_RIVER_HOUSE)
    online_geocoder().geocode(RED_RIVER)
    offline = build_geocoder(None, cache_path=tmp_path / "geocode-cache.sqlite")
    try:
        assert offline.geocode(RED_RIVER).raw["precision"] == "rooftop"
        assert offline.geocode("99 Other St, Austin, TX 78701").raw["source"] == "gazetteer"
    finally:
        offline.close()
    assert len(nominatim.requests) == 1


def test_not_found_online_keeps_the_gazetteer_answer_and_is_not_asked_again(
    nominatim, online_geocoder
):
    chain = online_geocoder()
    location = chain.geocode("42 Imaginary Rd, Austin, TX 78701")
    assert (location.raw["precision"], location.raw["source"]) == ("postal_code", "gazetteer")
    assert chain.geocode("42 Imaginary Rd, Austin, TX 78701") == location
    assert online_geocoder().geocode("42 Imaginary Rd, Austin, TX 78701") == location
    assert len(nominatim.requests) == 1


def test_unknown_everywhere_is_none_and_the_miss_expires(nominatim, online_geocoder):
    chain = online_geocoder(miss_ttl_seconds=0.2)
    assert chain.geocode("7 Nowhere Lane, Zzyzxville") is None
    assert chain.geocode("7 Nowhere Lane, Zzyzxville") is None
    assert len(nominatim.requests) == 1
    time.sleep(0.3)
    assert chain.geocode("7 Nowhere Lane, Zzyzxville") is None
    assert len(nominatim.requests) == 2


def test_places_the_gazetteer_does_not_know_are_asked_online(nominatim, online_geocoder):
    nominatim.knows(
        "Zilker Park, Austin area",
        {
            **RED_RIVER_HOUSE,
            "class": "leisure",
            "type": "park",
            "place_rank": 30,
            "addresstype": "leisure",
            "address": {"city": "Austin", "ISO3166-2-lvl4": "US-TX"},
        },
    )
    location = online_geocoder().geocode("Zilker Park, Austin area")
    assert location.raw["source"] == "nominatim"
    assert location.raw["precision"] == "street"  # a named feature without a house number
    assert location.address == "Austin, TX"


def test_online_answer_far_from_the_zip_loses_to_the_gazetteer(nominatim, online_geocoder):
    nominatim.knows(
        "1 Main St, Austin, TX 78701",
        nominatim_house(41.3, -72.9, "1", "Main Street", "Austin", "Connecticut", "CT", "06510"),
    )
    location = online_geocoder().geocode("1 Main St, Austin, TX 78701")
    assert (location.raw["source"], location.address) == ("gazetteer", "Austin, TX 78701")


def test_coarse_online_answer_does_not_replace_a_zip(nominatim, online_geocoder):
    nominatim.knows(
        "Somewhere in Austin, TX 78701",
        {
            **RED_RIVER_HOUSE,
            "class": "boundary",
            "type": "administrative",
            "place_rank": 12,
            "addresstype": "county",
            "address": {"county": "Travis County"},
        },
    )
    location = online_geocoder().geocode("Somewhere in Austin, TX 78701")
    assert location.raw["source"] == "gazetteer"


def test_server_error_is_retried(nominatim, online_geocoder):
    nominatim.knows(RED_RIVER, RED_RIVER_HOUSE)
    nominatim.then(Reply(status=500))
    location = online_geocoder().geocode(RED_RIVER)
    assert location.raw["precision"] == "rooftop"
    assert len(nominatim.requests) == 2


def test_lasting_server_errors_give_up_with_a_warning_and_are_not_cached(
    nominatim, online_geocoder, caplog
):
    nominatim.knows(RED_RIVER, RED_RIVER_HOUSE)
    nominatim.then(Reply(status=500), Reply(status=502), Reply(status=500))
    chain = online_geocoder(max_retries=2)
    with caplog.at_level(logging.WARNING, logger=CHAIN_LOGGER):
        location = chain.geocode(RED_RIVER)
    assert (location.raw["precision"], location.raw["source"]) == ("postal_code", "gazetteer")
    assert len(nominatim.requests) == 3  # one try and max_retries retries
    [warning] = [r for r in caplog.records if r.name == CHAIN_LOGGER]
    assert warning.levelno == logging.WARNING
    assert "gave up" in warning.getMessage()
    assert query_fingerprint(RED_RIVER) in warning.getMessage()
    assert "Red River" not in caplog.text  # a visitor's address stays out of the logs
    assert chain.geocode(RED_RIVER).raw["precision"] == "rooftop"  # the failure was not cached
    assert len(nominatim.requests) == 4


def test_rate_limited_request_waits_for_retry_after(nominatim, online_geocoder, caplog):
    nominatim.knows(RED_RIVER, RED_RIVER_HOUSE)
    nominatim.then(Reply(status=429, retry_after="1"))
    with caplog.at_level(logging.WARNING, logger=CHAIN_LOGGER):
        location = online_geocoder().geocode(RED_RIVER)
    assert location.raw["precision"] == "rooftop"
    assert len(nominatim.requests) == 2
    assert nominatim.gaps()[0] >= 0.95
    [warning] = [r.getMessage() for r in caplog.records if r.name == CHAIN_LOGGER]
    assert "HTTP 429" in warning and "1.0 s" in warning


def test_long_retry_after_gives_up_at_once_and_pauses_online_geocoding(
    nominatim, online_geocoder, caplog
):
    nominatim.then(Reply(status=429, retry_after="3600"))
    chain = online_geocoder(max_retry_after=2.0)
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger=CHAIN_LOGGER):
        first = chain.geocode(RED_RIVER)
        second = chain.geocode("99 Other St, Austin, TX 78701")
    assert time.monotonic() - started < 1.0
    assert first.raw["source"] == second.raw["source"] == "gazetteer"
    assert len(nominatim.requests) == 1  # nothing more is sent during the pause
    assert "3600" in caplog.text
    assert chain.cache.get("nominatim", RED_RIVER) is None  # not cached as "no such place"


def test_slow_server_times_out_and_gives_up(nominatim, online_geocoder, caplog):
    nominatim.knows(RED_RIVER, RED_RIVER_HOUSE)
    nominatim.then(Reply(delay=8.0), Reply(delay=8.0))
    chain = online_geocoder(timeout=0.2, max_retries=1)
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger=CHAIN_LOGGER):
        location = chain.geocode(RED_RIVER)
    # Waiting for the answers would take 16 s; two 0.2 s timeouts leave room for a busy machine.
    assert time.monotonic() - started < 6
    assert location.raw["source"] == "gazetteer"
    assert len(nominatim.requests) == 2
    assert "timed_out" in caplog.text
    assert chain.cache.get("nominatim", RED_RIVER) is None


def test_refused_requests_are_not_retried(nominatim, online_geocoder, caplog):
    nominatim.then(Reply(status=403))
    with caplog.at_level(logging.WARNING, logger=CHAIN_LOGGER):
        location = online_geocoder().geocode(RED_RIVER)
    assert location.raw["source"] == "gazetteer"
    assert len(nominatim.requests) == 1
    assert "refused" in caplog.text


def test_unreachable_server_gives_up_without_raising_or_logging_the_query(online_geocoder, caplog):
    chain = online_geocoder(domain="127.0.0.1:9", max_retries=1)
    with caplog.at_level(logging.WARNING):
        assert chain.geocode(RED_RIVER).raw["source"] == "gazetteer"
        assert chain.geocode("7 Nowhere Lane, Zzyzxville") is None
    warned = "\n".join(logging.Formatter().format(record) for record in caplog.records)
    assert "could not connect" in warned
    assert "Traceback" in warned  # geopy's RateLimiter logs each retry with its traceback...
    assert "Red" not in warned and "Nowhere" not in warned  # ...but never the query


def test_requests_are_spaced_by_min_delay(nominatim, online_geocoder):
    chain = online_geocoder(min_delay_seconds=0.1, error_wait_seconds=0.1)
    for n in range(4):
        chain.geocode(f"{n} Congress Ave, Austin, TX 78701")
    assert len(nominatim.requests) == 4
    # Spacing is enforced when requests leave; arrivals jitter by a connection set-up or so.
    assert min(nominatim.gaps()) >= 0.07
    assert sum(nominatim.gaps()) >= 3 * 0.1 - 0.02


def test_public_nominatim_must_be_asked_at_most_once_a_second():
    with pytest.raises(ValueError, match="1 request/s"):
        build_geocoder(Settings(geocoder="nominatim"), min_delay_seconds=0.5)


def test_a_batch_answers_as_one_by_one(tmp_path):
    """`points_many` (the indexer's batch) gives each query the point, and precision, that
    `geocode` gives it alone: a cached rooftop near the ZIP wins, one far away, a coarser one
    or none at all leave the gazetteer's; the newest cached answer counts; a query the
    gazetteer does not know takes the cache's; spelling variants share one cached answer."""
    from geopy.location import Location

    chain = build_geocoder(None, cache_path=tmp_path / "geocode-cache.sqlite")
    near, far = (30.2672, -97.7369), (40.7128, -74.0060)
    cached = {
        "1501 Red River St, Austin, TX 78701": (near, "rooftop"),
        "2 Far St, Austin, TX 78701": (far, "rooftop"),
        "3 Coarse St, Austin, TX 78701": (near, "city"),
        "5 Nowhere Rd, Zzyzx, ZZ": (near, "street"),
    }
    try:
        for query, (point, precision) in cached.items():
            chain.cache.put("nominatim", query, Location(query, point, {"precision": precision}))
        newer = Location("newer", (30.27, -97.74), {"precision": "street"})
        chain.cache.put("other", "1501 Red River St, Austin, TX 78701", newer)
        queries = [
            *cached,
            "1501 RED RIVER ST,  austin, tx 78701",
            "4 Uncached St, Austin, TX 78701",
            "78701",
            "Springfield",
            "Nowhere At All, QQ",
        ]
        batch = chain.points_many(queries)
        alone = {}
        for query in queries:
            found = chain.geocode(query)
            alone[query] = found and (found.latitude, found.longitude, found.raw["precision"])
        assert batch == alone
        assert batch["1501 Red River St, Austin, TX 78701"] == (30.27, -97.74, "street")
        assert batch["2 Far St, Austin, TX 78701"][2] == "postal_code"
        assert batch["5 Nowhere Rd, Zzyzx, ZZ"] == (*near, "street")
        assert batch["Nowhere At All, QQ"] is None
    finally:
        chain.close()


def test_offline_chain_without_cache():
    chain = build_geocoder(None)
    assert isinstance(chain, GeocoderChain)
    assert chain.geocode("10001").raw["precision"] == "postal_code"
    assert [place.address for place in chain.geocode("Springfield", exactly_one=False)][:2] == [
        "Springfield, MO",
        "Springfield, MA",
    ]
    assert chain.geocode("Nowhere, ZZ") is None


@pytest.mark.parametrize(
    ("answer", "precision"),
    [
        (
            {"class": "place", "type": "house", "place_rank": 30, "address": {"house_number": "5"}},
            "rooftop",
        ),
        (
            {"category": "building", "type": "yes", "place_rank": 30, "addresstype": "building"},
            "rooftop",
        ),  # format=jsonv2 says "category" where json says "class"
        (
            {"class": "amenity", "type": "clinic", "place_rank": 30, "addresstype": "amenity"},
            "street",
        ),
        (
            {"class": "highway", "type": "primary", "place_rank": 26, "addresstype": "road"},
            "street",
        ),
        (
            {"class": "place", "type": "postcode", "place_rank": 21, "addresstype": "postcode"},
            "postal_code",
        ),
        (
            {
                "class": "boundary",
                "type": "administrative",
                "place_rank": 16,
                "addresstype": "city",
            },
            "city",
        ),
        ({"class": "place", "type": "suburb", "place_rank": 19, "addresstype": "suburb"}, "city"),
        (
            {
                "class": "boundary",
                "type": "administrative",
                "place_rank": 12,
                "addresstype": "county",
            },
            None,
        ),
        (
            {
                "class": "boundary",
                "type": "administrative",
                "place_rank": 8,
                "addresstype": "state",
            },
            None,
        ),
    ],
)
def test_nominatim_answers_map_to_the_precision_vocabulary(answer, precision):
    details = Nominatim().describe(answer)
    assert (details and details["precision"]) == precision
