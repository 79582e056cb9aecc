"""The store interface: what the indexer writes to and the API reads from.

Two implementations (embedded SQLite, Elasticsearch) answer the same `NearQuery` with the
same ids in the same order; the contract tests in tests/store hold them to it.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Literal

from katdir.model import ROUTES, Clinic, Decision

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


class SearchTooCostly(StoreError):
    """A search hit a bound on its work (too many words, too long, or its client left)."""


class ConflictError(StoreError):
    """Someone else changed the record since it was read (optimistic concurrency)."""


@dataclass(frozen=True)
class NearQuery:
    """A near-me search: every clinic within `radius_km` of (lat, lon) that passes the filters."""

    lat: float
    lon: float
    radius_km: float
    routes: tuple[str, ...] = ()  # any of them
    conditions: tuple[str, ...] = ()  # any of them
    max_price: float | None = None  # on the lowest per-session price; unknown prices never pass
    insurance: bool | None = None
    va: bool | None = None
    therapy: bool | None = None
    text: str | None = None
    sort: Sort = "distance"
    page: int = 1
    per_page: int = 20
    statuses: tuple[str, ...] = ("approved",)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


@dataclass(frozen=True)
class Hit:
    clinic: Clinic
    distance_km: float


@dataclass
class SearchResult:
    total: int
    hits: list[Hit]
    facets: dict[str, Any] = field(default_factory=dict)


def empty_facets() -> dict[str, Any]:
    return {
        "routes": {route: 0 for route in ROUTES},
        "price": {"min": None, "max": None, "unknown": 0,
                  "bands": {name: 0 for name, _, _ in PRICE_BANDS}},
    }


def search_fields(clinic: Clinic) -> dict[str, Any]:
    """The derived values both stores filter and sort on, computed the same way for both."""
    accepts = clinic.insurance.accepts_insurance
    spravato = clinic.insurance.spravato_insurance
    if accepts or spravato:
        insurance = True
    elif accepts is False and spravato is not True:
        insurance = False
    else:
        insurance = None
    return {
        "status": clinic.review.status,
        "min_price": clinic.min_session_price,
        "insurance": insurance,
        "va": clinic.insurance.va_community_care,
        "therapy": clinic.therapy_integrated,
    }


def text_body(clinic: Clinic) -> str:
    """What the text search looks through besides the name."""
    parts = [clinic.organization, clinic.address.city, clinic.address.state,
             clinic.address.postal_code, " ".join(clinic.routes), " ".join(clinic.conditions)]
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
    def iter_clinics(self) -> Iterator[Clinic]:
        """Every clinic, whatever its review status, in id order."""

    @abc.abstractmethod
    def count(self) -> int: ...

    @abc.abstractmethod
    def rebuild(self, clinics: Iterable[Clinic]) -> int:
        """Replace every clinic with these, atomically for readers; decisions are kept."""

    # Curators' decisions live apart from clinics: rebuilds never touch them.

    @abc.abstractmethod
    def get_decision(self, clinic_id: str) -> Decision | None: ...

    @abc.abstractmethod
    def put_decision(self, decision: Decision) -> Decision:
        """Store a decision read at `decision.version`; returns it at its new version.
        Raises ConflictError when the stored one moved on in between."""

    @abc.abstractmethod
    def iter_decisions(self) -> Iterator[Decision]: ...

    def ping(self) -> bool:
        return True

    def close(self) -> None:  # noqa: B027 - optional hook
        pass

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
