"""The geocoder the rest of katdir uses: persistent cache → offline gazetteer → online geocoder.

Which source answers a query:

- The gazetteer first, always: it is offline and takes microseconds. Its answer is final when
  the query names nothing finer than what it resolved — a ZIP ("10001", "10001-1234"), a place
  ("Austin, TX", "new york ny", "Springfield") or both: an online geocoder could only return
  the same centroid, so a visitor's usual query never leaves the process.
- A query with a street part the gazetteer could not use ("123 Main St Suite 4, Austin, TX
  78701" → its `raw["street"]`), or one the gazetteer does not know at all, may be answered
  better online (rooftop or street). The cache is asked first; the online geocoder only when
  the cache has nothing; its answer — a place, or "no such place" — is then cached.
  Gazetteer answers are not cached: recomputing them is faster than reading the cache.
- Without an online geocoder the cache is still read, never written: what an online run stored
  earlier (the indexer, with the network) answers the same query later (the API, without it).
- An online answer must beat the gazetteer's: finer precision, and within 80 km of its ZIP or
  place point (so a "Main St" in another state loses). Otherwise the gazetteer's answer stands.
- Online requests are spaced by geopy's `RateLimiter` (1 request/s for the public Nominatim).
  429s (waiting out Retry-After, up to `max_retry_after`; a longer one pauses online geocoding
  for that long), 5xx and timeouts are retried `max_retries` times; refusals (400/401/403) are
  not. Then a warning an operator can act on, and the query gets the gazetteer's answer, or
  None. Failures are never cached as "no such place"; nothing is raised for a failing query.

Visitors' queries can be their home address (health-adjacent personal data, docs/architecture.md §7): logs
name a query only by a short fingerprint, never by its text. With an online geocoder, a street
query is also sent to that provider and kept in the cache, so the API is best run without one
(it still reads what the indexer cached).
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Iterable
from os import PathLike
from typing import Any, NamedTuple

from geopy.adapters import AdapterHTTPError, RequestsAdapter
from geopy.distance import great_circle
from geopy.exc import (
    GeocoderAuthenticationFailure,
    GeocoderInsufficientPrivileges,
    GeocoderQueryError,
    GeocoderQuotaExceeded,
    GeocoderRateLimited,
    GeocoderServiceError,
    GeocoderTimedOut,
    GeocoderUnavailable,
)
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders.base import Geocoder
from geopy.location import Location

from katdir.geocoding.cache import MISS_TTL_SECONDS, GeocodeCache, normalize_query
from katdir.geocoding.gazetteer import Gazetteer
from katdir.geocoding.gazetteer import Point as GazetteerPoint
from katdir.geocoding.precision import is_finer
from katdir.geocoding.providers import Provider, provider_named
from katdir.settings import Settings

logger = logging.getLogger(__name__)

PLAUSIBLE_DISTANCE_KM = 80.0  # the largest rural ZIPs span about this much


def query_fingerprint(query: str) -> str:
    """Names a query in logs without revealing it (it may be a visitor's address)."""
    return hashlib.sha256(normalize_query(query).encode()).hexdigest()[:10]


class OnlineGeocoderError(Exception):
    """The online geocoder gave no answer this time; this says nothing about the place."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason  # rate_limited | paused | timed_out | unavailable | refused


class _Request(NamedTuple):
    """One online query, as RateLimiter sees it — and logs it, so its repr hides the text."""

    query: str
    timeout: float | None

    def __repr__(self) -> str:
        return f"<query {query_fingerprint(self.query)}>"


class OnlineGeocoder:
    """A provider's geopy geocoder behind geopy's RateLimiter, answering in katdir's precision
    vocabulary (read by the provider from its own answers)."""

    def __init__(
        self,
        provider: Provider,
        geocoder: Geocoder,
        *,
        min_delay_seconds: float = 1.0,
        max_retries: int = 2,
        error_wait_seconds: float = 5.0,
        max_retry_after: float = 60.0,
    ) -> None:
        self.provider = provider
        self.name = provider.name
        self.geocoder = geocoder
        self.max_retry_after = max_retry_after
        self._error_wait = max(error_wait_seconds, min_delay_seconds)  # RateLimiter demands it
        self._geocode_options = dict(provider.geocode_options)
        self._resume_at = 0.0  # time.monotonic() before which the provider asked not to be called
        self._pause_lock = threading.Lock()
        self._limited = RateLimiter(
            self._send,
            min_delay_seconds=min_delay_seconds,
            max_retries=max_retries,
            error_wait_seconds=self._error_wait,
            swallow_exceptions=False,
        )

    def geocode(self, query: str, *, timeout: float | None = None) -> Location | None:
        """The provider's answer, None when it knows no such place; raises OnlineGeocoderError."""
        try:
            place = self._limited(_Request(query, timeout))
        except GeocoderRateLimited as error:
            raise OnlineGeocoderError("rate_limited", f"{self.name}: {error}") from error
        except GeocoderTimedOut as error:  # geopy also reports 503/504 this way
            raise OnlineGeocoderError("timed_out", f"{self.name}: {error}") from error
        except GeocoderServiceError as error:  # 5xx, connection refused, unreadable answer
            raise OnlineGeocoderError("unavailable", f"{self.name}: {error}") from error
        if place is None:
            return None
        details = self.provider.describe(place.raw)
        if details is None:  # a county, state or country: no use for a near-me search
            return None
        label = ", ".join(
            filter(
                None,
                [
                    details["street"],
                    details["city"],
                    " ".join(filter(None, [details["state"], details["postal_code"]])),
                ],
            )
        )
        return Location(
            label or place.address,
            place.point,
            {**details, "source": self.name, "response": place.raw},
        )

    def _send(self, request: _Request):
        self._wait_out_pause()
        options = dict(self._geocode_options)
        if request.timeout is not None:
            options["timeout"] = request.timeout
        # Errors leave here re-raised without their cause: its message (a connection error's)
        # can hold the request URL, and so the query, and RateLimiter logs it with a traceback.
        try:
            return self.geocoder.geocode(request.query, exactly_one=True, **options)
        except GeocoderRateLimited as error:
            wait = error.retry_after if error.retry_after is not None else self._error_wait
            self._pause(wait)
            if wait > self.max_retry_after:
                raise OnlineGeocoderError(
                    "rate_limited",
                    f"{self.name} asked to wait {wait:.0f} s "
                    f"(more than max_retry_after={self.max_retry_after:g} s)",
                ) from None
            # RateLimiter retries; the next _send waits out the rest of the pause.
            raise GeocoderRateLimited(_failure(error), retry_after=error.retry_after) from None
        except (
            GeocoderQueryError,
            GeocoderAuthenticationFailure,
            GeocoderInsufficientPrivileges,
            GeocoderQuotaExceeded,
        ) as error:
            # Asking again won't help: a refused query, a blocked user agent or key, no quota.
            raise OnlineGeocoderError(
                "refused",
                f"{self.name} refused the request ({_failure(error)}); check the "
                f"user agent, API key and quota against its usage policy",
            ) from None
        except GeocoderServiceError as error:
            raise type(error)(_failure(error)) from None

    def _wait_out_pause(self) -> None:
        wait = self._resume_at - time.monotonic()
        if wait <= 0:
            return
        if wait > self.max_retry_after:
            raise OnlineGeocoderError("paused", f"{self.name} asked for a pause; {wait:.0f} s left")
        time.sleep(wait)

    def _pause(self, seconds: float) -> None:
        with self._pause_lock:
            resume_at = time.monotonic() + seconds
            if resume_at <= self._resume_at:
                return
            self._resume_at = resume_at
        logger.warning(
            "%s rate-limited us (HTTP 429): no requests to it for %.1f s, as it asked. If this "
            "recurs, raise min_delay_seconds or make sure only one process geocodes online.",
            self.name,
            seconds,
        )


def _failure(error: GeocoderServiceError) -> str:
    """What went wrong, without the request URL (it carries the query)."""
    if isinstance(error.__cause__, AdapterHTTPError):
        return f"HTTP {error.__cause__.status_code}"
    return {
        GeocoderTimedOut: "no answer within the timeout",
        GeocoderUnavailable: "could not connect",
    }.get(type(error), type(error).__name__)


def _adapter_without_retries(*, proxies, ssl_context) -> RequestsAdapter:
    # By default urllib3 under geopy's RequestsAdapter retries by itself and sleeps through any
    # Retry-After, an hour if asked. Retrying is the RateLimiter's job, within our limits.
    return RequestsAdapter(proxies=proxies, ssl_context=ssl_context, max_retries=0)


class GeocoderChain:
    """geopy-like `geocode` over the gazetteer, the cache and an optional online geocoder.

    Every answer has `raw["precision"]` (rooftop | street | postal_code | city) and
    `raw["source"]` ("gazetteer" or the online service's name).
    """

    def __init__(
        self,
        gazetteer: Gazetteer | None = None,
        *,
        cache: GeocodeCache | None = None,
        online: OnlineGeocoder | None = None,
    ) -> None:
        self.gazetteer = gazetteer or Gazetteer()
        self.cache = cache
        self.online = online

    def geocode(self, query: str, exactly_one: bool = True, timeout: float | None = None):
        """A Location, a list of them (`exactly_one=False`), or None; never raises for a query.

        `timeout` (seconds) overrides the online geocoder's for this query; None keeps it.
        """
        offline = self.gazetteer.geocode(query, exactly_one=False) or []
        best = offline[0] if offline else None
        if best is None or best.raw["street"]:
            better = self._finer_answer(query, best, timeout)
            if better is not None:
                return better if exactly_one else [better]
        if best is None:
            return None
        return best if exactly_one else offline

    def points_many(self, queries: Iterable[str]) -> dict[str, tuple[float, float, str] | None]:
        """(lat, lon, raw["precision"]) of `geocode(query)` for each query, at once: without an
        online geocoder the cache is read in one batch rather than once per query (an indexing
        run asks thousands of addresses). With one, each query is asked as `geocode` would."""
        queries = list(dict.fromkeys(queries))
        if self.online is not None or self.cache is None:
            return {query: _point(self.geocode(query)) for query in queries}
        offline = {query: self.gazetteer.point(query) for query in queries}
        cached = self.cache.latest_points(
            query for query, best in offline.items() if best is None or best.street
        )
        answers: dict[str, tuple[float, float, str] | None] = {}
        for query, best in offline.items():
            found = cached.get(query)  # only asked for when the gazetteer's answer is not final
            if found and _point_beats(*found, best):
                answers[query] = found
            else:
                answers[query] = None if best is None else (best.lat, best.lon, best.precision)
        return answers

    def close(self) -> None:
        if self.cache is not None:
            self.cache.close()

    def _finer_answer(
        self, query: str, offline: Location | None, timeout: float | None
    ) -> Location | None:
        if self.online is None:
            found = self.cache.latest_answer(query) if self.cache is not None else None
            return found if _beats(found, offline) else None
        cached = self.cache.get(self.online.name, query) if self.cache is not None else None
        if cached is not None:
            return cached.location if _beats(cached.location, offline) else None
        try:
            found = self.online.geocode(query, timeout=timeout)
        except OnlineGeocoderError as error:
            # A pause was announced once when it began; every query in it need not repeat it.
            log = logger.debug if error.reason == "paused" else logger.warning
            log(
                "online geocoding gave up on query %s (%s); answering %s",
                query_fingerprint(query),
                error,
                "from the gazetteer" if offline else "with no place",
            )
            return None
        except Exception:  # a provider's malformed answer must not stop an indexing run
            logger.exception(
                "online geocoding failed unexpectedly on query %s", query_fingerprint(query)
            )
            return None
        if self.cache is not None:
            self.cache.put(self.online.name, query, found)
        return found if _beats(found, offline) else None


def _beats(found: Location | None, offline: Location | None) -> bool:
    if found is None:
        return False
    if offline is not None:
        raw = offline.raw
        offline = GazetteerPoint(
            offline.latitude,
            offline.longitude,
            raw["precision"],
            raw.get("street"),
            bool(raw.get("ambiguous")),
        )
    return _point_beats(found.latitude, found.longitude, found.raw["precision"], offline)


def _point_beats(lat: float, lon: float, precision: str, offline: GazetteerPoint | None) -> bool:
    """Whether an answer at (lat, lon) with this precision is taken over the gazetteer's."""
    if offline is None:
        return True
    if not is_finer(precision, offline.precision):
        return False
    if offline.ambiguous:  # the gazetteer only guessed which Springfield
        return True
    # Nearer than |Δlat| + |Δlon| ≤ 0.7° is nearer than 78 km (a path along a meridian and a
    # parallel is no shorter than the great circle): plausible, without geopy's slower measure.
    if abs(lat - offline.lat) + abs(lon - offline.lon) <= 0.7:
        return True
    distance_km = great_circle((lat, lon), (offline.lat, offline.lon)).km
    if distance_km > PLAUSIBLE_DISTANCE_KM:
        logger.info(
            "an online answer %.0f km from the gazetteer's %s was not taken",
            distance_km,
            offline.precision,
        )
        return False
    return True


def _point(found: Location | None) -> tuple[float, float, str] | None:
    if found is None:
        return None
    return found.latitude, found.longitude, (found.raw or {}).get("precision")


def build_geocoder(
    settings: Settings | None = None,
    *,
    for_visitors: bool = False,
    cache_path: str | PathLike[str] | None = None,
    min_delay_seconds: float = 1.0,
    max_retries: int = 2,
    timeout: float = 10,
    error_wait_seconds: float = 5.0,
    max_retry_after: float = 60.0,
    miss_ttl_seconds: float = MISS_TTL_SECONDS,
) -> GeocoderChain:
    """The geocoding chain the settings describe.

    `settings.geocoder` is a geopy service name ("nominatim", "photon", …) or empty for
    offline only; `settings.geocoder_options` go to that geocoder's constructor, with
    `settings.user_agent`; the cache is `settings.geocode_cache_path` unless `cache_path` is
    given. Without settings: offline, cached in `cache_path` if given.

    `for_visitors` (the API's geocoder): visitors' queries can be their home address, so it
    stays offline — the gazetteer and what the indexer cached — unless the operator opts in
    with `KATDIR_API_ONLINE_GEOCODING`. Online requests are
    spaced by `min_delay_seconds`, retried `max_retries` times `error_wait_seconds` apart, wait
    out a Retry-After up to `max_retry_after` seconds, and time out after `timeout` seconds;
    "no such place" answers expire from the cache after `miss_ttl_seconds`.
    """
    if settings is None:
        settings = Settings()  # offline
    elif cache_path is None:
        cache_path = settings.geocode_cache_path
    online = settings.geocoder
    if for_visitors and not settings.api_online_geocoding:
        online = ""
    cache = GeocodeCache(cache_path, miss_ttl_seconds=miss_ttl_seconds) if cache_path else None
    if not online:
        return GeocoderChain(Gazetteer(), cache=cache)
    provider = provider_named(online)
    options: dict[str, Any] = {"user_agent": settings.user_agent, "timeout": timeout}
    if RequestsAdapter.is_available:  # geopy's other adapter (urllib) does not retry
        options["adapter_factory"] = _adapter_without_retries
    geocoder = provider.build(**{**options, **settings.geocoder_options})
    provider.check(geocoder, min_delay_seconds=min_delay_seconds)
    limited = OnlineGeocoder(
        provider,
        geocoder,
        min_delay_seconds=min_delay_seconds,
        max_retries=max_retries,
        error_wait_seconds=error_wait_seconds,
        max_retry_after=max_retry_after,
    )
    return GeocoderChain(Gazetteer(), cache=cache, online=limited)
