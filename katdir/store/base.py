"""The store interface: what the indexer writes to and the API reads from.

Two implementations (embedded SQLite, Elasticsearch) answer the same `NearQuery` with the
same ids in the same order; the contract tests in tests/store hold them to it.
"""

from __future__ import annotations

import abc
import contextlib
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson

from katdir.card import card_of
from katdir.filters import indexed_values
from katdir.model import ROUTES, Clinic, Decision
from katdir.pricing import median, route_session_prices

Sort = Literal["distance", "price", "relevance"]  # katdir.filters.SORTS, with their wording

# Per-session price bands shown as a facet; the upper edge is exclusive.
PRICE_BANDS: tuple[tuple[str, float | None, float | None], ...] = (
    ("under_400", None, 400.0),
    ("400_600", 400.0, 600.0),
    ("600_800", 600.0, 800.0),
    ("800_plus", 800.0, None),
)


# Bounds on one search's work, the same for both stores: a text of more than
# katdir.filters.MAX_TEXT_WORDS words is refused (the API says so first), and a search still
# running after SEARCH_TIMEOUT seconds is stopped.
SEARCH_TIMEOUT = 2.0

# Set by the server for the request being handled: true once its client has hung up, so a
# store can stop working for nobody. None outside a request.
client_gone: ContextVar[Callable[[], bool] | None] = ContextVar("client_gone", default=None)


class StoreError(Exception):
    """A store could not do what was asked (bad data, engine error)."""


class StoreUnavailable(StoreError):
    """The engine behind the store cannot be reached right now; retrying later may work."""


class WriterBusy(StoreError):
    """Another run (an index run, an import) is writing to the store right now."""


class SearchTooCostly(StoreError):
    """A search hit a bound on its work (too many words, too long, or its client left)."""


class ConflictError(StoreError):
    """Someone else changed the record since it was read (optimistic concurrency)."""


# Curators' records other than decisions, kept like decisions (rebuilds never touch them):
# accounts by email, API tokens by their sha256, public requests, and crawl sources.
RECORD_KINDS: tuple[str, ...] = ("account", "token", "request", "source")


@dataclass(frozen=True)
class Record:
    """One curators' record: `doc` at `version` (1 after the first write)."""

    kind: str
    key: str
    version: int
    doc: dict[str, Any]


@dataclass(frozen=True)
class NearQuery:
    """A near-me search: every clinic within `radius_km` of (lat, lon) that passes the filters."""

    lat: float
    lon: float
    radius_km: float
    # Filter name (katdir.filters.FILTERS) → its checked value; each store compiles every
    # filter by its kind, so a new filter of a known kind needs nothing here.
    filters: Mapping[str, Any] = field(default_factory=dict)
    sort: Sort = "distance"
    page: int = 1
    per_page: int = 20
    statuses: tuple[str, ...] = ("approved",)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    # Two filters do more than filter: the routes choose which prices count (katdir.pricing)
    # for the price sort, facets and context; the text ranks by relevance.
    @property
    def routes(self) -> tuple[str, ...]:
        return tuple(self.filters.get("route", ()))

    @property
    def text(self) -> str | None:
        return self.filters.get("q")


class Hit:
    """A clinic that matches, and its distance from the search's origin.

    A store hands over the clinic as it keeps it: its document — the JSON of
    `Clinic.model_dump(mode="json")`, as text or parsed, or a function that reads it when
    asked — or the `Clinic` itself, and the clinic's result card made when it was written
    (katdir.card), which a search answer shows as it is. `clinic` validates the document only
    for a caller that asks for the model; `card` is made from the document only for a store
    that kept none.
    """

    __slots__ = ("_card", "_clinic", "_document", "distance_km")

    def __init__(
        self,
        clinic: Clinic | None,
        distance_km: float,
        document: str | bytes | dict[str, Any] | Callable[[], str | bytes] | None = None,
        card: bytes | None = None,
    ):
        if clinic is None and document is None:
            raise ValueError("a hit needs its clinic or the clinic's stored document")
        self._clinic, self._document, self.distance_km = clinic, document, distance_km
        self._card = card

    @property
    def card(self) -> bytes:
        """The clinic's stored result card (katdir.card)."""
        if self._card is None:
            self._card = card_of(self.document)
        return self._card

    @property
    def clinic(self) -> Clinic:
        if self._clinic is None:
            doc = self._document if not callable(self._document) else self.document
            self._clinic = (
                Clinic.model_validate(doc)
                if isinstance(doc, dict)
                else Clinic.model_validate_json(doc)  # type: ignore[arg-type]
            )
        return self._clinic

    @property
    def document(self) -> dict[str, Any]:
        """The clinic as stored: `Clinic.model_dump(mode="json")` (never changed by readers)."""
        doc = self._document
        if not isinstance(doc, dict):
            if callable(doc):
                doc = doc()
            doc = orjson.loads(doc) if doc is not None else self.clinic.model_dump(mode="json")
            self._document = doc
        return doc

    def __eq__(self, other: object) -> bool:
        # Two hits are equal when they show the same clinic at the same distance, whichever
        # form (document or model) each store handed over.
        if not isinstance(other, Hit):
            return NotImplemented
        return self.distance_km == other.distance_km and self.document == other.document

    __hash__ = None  # type: ignore[assignment]  # equal by content, and mutable (cached forms)

    def __repr__(self) -> str:
        name = self._clinic.id if self._clinic is not None else "stored document"
        return f"Hit({name}, {self.distance_km:.3f} km)"


@dataclass(frozen=True)
class RoutePrices:
    """Per-session prices of one route among the clinics that match a search."""

    count: int
    lowest: float | None = None
    median: float | None = None
    highest: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "lowest": self.lowest,
            "median": self.median,
            "highest": self.highest,
        }


def context_routes(query: NearQuery) -> tuple[str, ...]:
    """The routes a price context describes: those asked for, else every route."""
    return tuple(r for r in ROUTES if r in query.routes) if query.routes else ROUTES


def no_price_context(query: NearQuery) -> dict[str, RoutePrices]:
    """The price context of a search that matches nothing: each of its routes at 0."""
    return {route: RoutePrices(0) for route in context_routes(query)}


def route_prices_of(values: list[float]) -> RoutePrices:
    """The context of one route from its sorted prices (brute force: tests, small sets)."""
    if not values:
        return RoutePrices(0)
    return RoutePrices(len(values), values[0], median(values), values[-1])


@dataclass
class SearchResult:
    total: int
    hits: list[Hit]
    facets: dict[str, Any] = field(default_factory=dict)


def empty_facets() -> dict[str, Any]:
    return {
        "routes": {route: 0 for route in ROUTES},
        "price": {
            "min": None,
            "max": None,
            "unknown": 0,
            "bands": {name: 0 for name, _, _ in PRICE_BANDS},
        },
    }


def search_fields(clinic: Clinic) -> dict[str, Any]:
    """The derived values both stores filter and sort on, computed the same way for both:
    the review status, the prices (katdir.pricing) and each indexed filter's field."""
    # session_price(clinic).amount: its tie-break only chooses among equal amounts.
    amounts = [a for a in (p.per_session for p in clinic.prices) if a is not None]
    return {
        "status": clinic.search_status,
        "min_price": min(amounts) if amounts else None,
        "route_prices": route_session_prices(clinic),
        **indexed_values(clinic),
    }


# Words for what a clinic says it offers beyond its routes and conditions, so that a visitor's
# "therapy", "insurance", "VA" or "telehealth" finds the clinics that offer it.
OFFER_WORDS = {
    "therapy_integrated": "psychotherapy therapy integrated",
    "accepts_insurance": "insurance accepted",
    "spravato_insurance": "spravato insurance",
    "va_community_care": "va veterans community care",
    "hsa_fsa": "hsa fsa",
    "financing": "financing payment plans",
    "telehealth": "telehealth online virtual",
}


def text_body(clinic: Clinic) -> str:
    """What the text search looks through besides the name: where the clinic is, and
    everything it says it offers."""
    parts = [
        clinic.organization,
        clinic.address.city,
        clinic.address.state,
        clinic.address.postal_code,
        " ".join(clinic.routes),
        " ".join(clinic.conditions),
        " ".join(clinic.care_steps),
    ]
    offers = {
        "therapy_integrated": clinic.therapy_integrated,
        "telehealth": clinic.telehealth,
        **clinic.insurance.model_dump(),
    }
    parts += [OFFER_WORDS[name] for name, value in offers.items() if value is True]
    parts += [p.quote for p in clinic.prices if p.quote]
    return " ".join(p.replace("_", " ") for p in parts if p)


class Store(abc.ABC):
    """Clinics by id, and near-me search over the public ones."""

    @abc.abstractmethod
    def upsert(self, clinics: Iterable[Clinic]) -> int:
        """Insert or replace clinics by id; returns how many were written."""

    @abc.abstractmethod
    def get(self, clinic_id: str) -> Clinic | None: ...

    @abc.abstractmethod
    def delete(self, clinic_id: str) -> bool: ...

    @abc.abstractmethod
    def search(self, query: NearQuery) -> SearchResult: ...

    @abc.abstractmethod
    def price_context(self, query: NearQuery) -> dict[str, RoutePrices]:
        """Per route (those asked for, else all): lowest, median and highest per-session price
        and their count among the clinics that match `query` (its page and sort ignored)."""

    def search_with_context(self, query: NearQuery) -> tuple[SearchResult, dict[str, RoutePrices]]:
        """`search(query)` and `price_context(query)` together, as a search's answer shows
        them (the context is every route at 0 when nothing matches). A store that can answer
        both from one pass over the matches overrides this."""
        result = self.search(query)
        if not result.total:
            return result, no_price_context(query)
        return result, self.price_context(query)

    @abc.abstractmethod
    def iter_clinics(self) -> Iterator[Clinic]:
        """Every clinic, whatever its review status, in id order."""

    @abc.abstractmethod
    def count(self) -> int: ...

    @abc.abstractmethod
    def rebuild(self, clinics: Iterable[Clinic]) -> int:
        """Replace every clinic with these, atomically for readers; decisions are kept."""

    def reindex(self) -> int:
        """Rebuild the search structures from the stored clinics themselves (`katdir
        rebuild`, after an upgrade that changed the store's schema); returns the count."""
        return self.rebuild(list(self.iter_clinics()))

    # Curators' decisions live apart from clinics: rebuilds never touch them.

    @abc.abstractmethod
    def get_decision(self, clinic_id: str) -> Decision | None: ...

    @abc.abstractmethod
    def put_decision(self, decision: Decision) -> Decision:
        """Store a decision read at `decision.version`; returns it at its new version.
        Raises ConflictError when the stored one moved on in between."""

    @abc.abstractmethod
    def iter_decisions(self) -> Iterator[Decision]: ...

    @abc.abstractmethod
    def get_record(self, kind: str, key: str) -> Record | None: ...

    @abc.abstractmethod
    def put_record(self, kind: str, key: str, doc: dict[str, Any], version: int | None) -> Record:
        """Store a record read at `version` (0: it must not exist yet); returns it at its new
        version. Raises ConflictError when the stored one moved on in between. `version=None`
        writes whatever is stored (restoring a backup)."""

    @abc.abstractmethod
    def iter_records(self, kind: str) -> Iterator[Record]:
        """Every record of a kind, in key order."""

    def ping(self) -> bool:
        return True

    @contextlib.contextmanager
    def writing(self, run: str) -> Iterator[None]:
        """One run of writes (`run` names it, e.g. "katdir index"): readers see all of it or
        none of it, and one run at a time — a second raises WriterBusy naming the first."""
        yield

    def generation(self) -> Hashable | None:
        """A token that changes whenever what the store holds may have changed — a commit by
        any connection, in any process — cheap enough to ask on every request (the API keeps
        its answers while it stays the same). None: this store has no such token."""
        return None

    def warm(self) -> None:  # noqa: B027 - optional hook
        """Start preparing what makes searches fast, and return at once (the SQLite store loads
        its search columns into memory on a thread of its own)."""

    def release(self) -> None:  # noqa: B027 - optional hook
        """The calling thread is done with the store for now (the end of a web request)."""

    def close(self) -> None:  # noqa: B027 - optional hook
        pass

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
