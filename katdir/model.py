"""The clinic model shared by every stage: vocabularies, listings and clinics (DESIGN §3).

A `Listing` is what the crawler read on one page (or one location of a site), with
provenance; a `Clinic` is what the indexer made of one or more listings and what the store
keeps and the API shows.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator

Route = Literal["iv", "im", "oral", "spravato", "intranasal_ketamine"]
PriceKind = Literal["per_session", "series", "consultation", "maintenance", "other"]
Condition = Literal[
    "depression", "anxiety", "ptsd", "ocd", "chronic_pain", "bipolar", "suicidal_ideation",
    "substance_use", "eating_disorders", "migraine", "fibromyalgia", "other",
]
CareStep = Literal[
    "assessment", "education", "preparation", "medical_monitoring", "integration",
    "follow_up", "outcome_tracking",
]
Precision = Literal["rooftop", "street", "postal_code", "city"]
ReviewStatus = Literal["pending", "approved", "rejected", "needs_changes"]
PageType = Literal["clinic", "directory", "article", "other"]

ROUTES: tuple[str, ...] = get_args(Route)
PRICE_KINDS: tuple[str, ...] = get_args(PriceKind)
CONDITIONS: tuple[str, ...] = get_args(Condition)
CARE_STEPS: tuple[str, ...] = get_args(CareStep)
PRECISIONS: tuple[str, ...] = get_args(Precision)
REVIEW_STATUSES: tuple[str, ...] = get_args(ReviewStatus)

ROUTE_LABELS = {
    "iv": "IV infusion",
    "im": "IM injection",
    "oral": "Oral / sublingual",
    "spravato": "Spravato (esketamine)",
    "intranasal_ketamine": "Intranasal ketamine",
}


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class Address(_Model):
    street: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str = "US"

    def one_line(self) -> str:
        place = " ".join(p for p in (self.state, self.postal_code) if p)
        return ", ".join(p for p in (self.street, self.city, place) if p)


class Location(_Model):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    precision: Precision = "postal_code"


class Price(_Model):
    route: Route | None = None
    kind: PriceKind = "per_session"
    amount_min: float = Field(ge=0)
    amount_max: float | None = Field(default=None, ge=0)
    currency: str = "USD"
    sessions: int | None = Field(default=None, ge=1)
    source_url: str | None = None
    quote: str | None = None
    # how sure the extractor was (crawler.extract.confidence); unsure prices are held back
    confidence: float | None = Field(default=None, ge=0, le=1)

    @property
    def per_session(self) -> float | None:
        """What one session costs: a session price, or a series divided by its sessions."""
        if self.kind == "per_session":
            return self.amount_min
        if self.kind == "series" and self.sessions:
            return round(self.amount_min / self.sessions, 2)
        return None


class Insurance(_Model):
    accepts_insurance: bool | None = None
    spravato_insurance: bool | None = None
    va_community_care: bool | None = None
    hsa_fsa: bool | None = None
    financing: bool | None = None


# Field names derived from the models, never typed again elsewhere.
ADDRESS_FIELDS: tuple[str, ...] = tuple(Address.model_fields)
INSURANCE_FIELDS: tuple[str, ...] = tuple(Insurance.model_fields)


class Evidence(_Model):
    """Where a fact was read: the page and the short quote that says it."""

    url: str
    quote: str


class HeldFact(_Model):
    """A crawled fact the extractor was unsure of (or read on a page of unclear type): kept
    out of the public clinic and shown to curators with its quote instead."""

    field: str  # the clinic field it would go to: "routes" or "prices"
    value: Any = None
    confidence: float | None = Field(default=None, ge=0, le=1)
    reason: str = ""
    url: str
    quote: str | None = None


class Source(_Model):
    url: str
    spider: str | None = None
    fetched_at: datetime | None = None
    content_hash: str | None = None


class Review(_Model):
    status: ReviewStatus = "pending"
    by: str | None = None
    at: datetime | None = None
    note: str | None = None


class Change(_Model):
    """A crawled difference (or a vanished listing) that no curator has acknowledged yet.

    The indexer appends one when a re-crawl finds a material field changed, or when a listing
    is gone from its sources for several crawls (`field == "listing"`); a curator's review at
    or after `at` acknowledges it.
    """

    field: str
    old: Any = None
    new: Any = None
    at: datetime
    source_url: str | None = None
    note: str | None = None


class Decision(_Model):
    """A curator's standing word on one clinic: review status, corrections, and the audit trail.

    Kept apart from the crawled clinic so that no re-crawl or rebuild can drop it; `version`
    guards against two curators overwriting each other.
    """

    clinic_id: str
    review: Review = Review()
    overrides: dict[str, Any] = {}
    history: list[dict[str, Any]] = []
    version: int = 0


class ClinicFacts(_Model):
    """What can be said of one clinic location, by a crawl or by the store: shared by
    `Listing` and `Clinic` so that the two never drift apart."""

    organization: str | None = None
    website: str | None = None
    phone: str | None = None
    email: str | None = None
    routes: list[Route] = []
    prices: list[Price] = []
    conditions: list[Condition] = []
    therapy_integrated: bool | None = None
    care_steps: list[CareStep] = []
    insurance: Insurance = Insurance()
    telehealth: bool | None = None
    hours: str | None = None
    evidence: dict[str, list[Evidence]] = {}


class Listing(ClinicFacts):
    """One clinic location as read from one site by the crawler, with provenance."""

    model_config = ConfigDict(extra="ignore")

    url: str
    spider: str | None = None
    fetched_at: datetime | None = None
    content_hash: str | None = None
    page_type: PageType = "clinic"
    name: str | None = None
    address: Address | None = None
    source_urls: list[str] = []
    held_facts: list[HeldFact] = []


class Clinic(ClinicFacts):
    """One physical location, as the store keeps it and the API shows it."""

    id: str = Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9._:-]+$")
    name: str = Field(min_length=1)
    address: Address = Address()
    location: Location | None = None
    sources: list[Source] = []
    review: Review = Review()
    overrides: dict[str, Any] = {}
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    last_changed: datetime | None = None
    version: int = 1
    # Curators' queue (indexer/queue.py): crawled changes not yet acknowledged by a review.
    changes: list[Change] = []
    # Crawls in a row that covered this clinic's sites without listing it (reset when seen).
    missing_crawls: int = Field(default=0, ge=0)
    # What the crawl says for fields a curator's override hides, so that a re-crawl compares
    # crawled with crawled and a curator can see what the source says now.
    crawled_values: dict[str, Any] = {}
    # Facts the last crawl was unsure of: not shown to visitors; new ones enter the queue.
    held_facts: list[HeldFact] = []

    @field_validator("routes", "conditions", "care_steps")
    @classmethod
    def _unique_sorted(cls, values: list[str]) -> list[str]:
        return sorted(set(values))

    @property
    def min_session_price(self) -> float | None:
        """The lowest price of one session found for this clinic (what `max_price` filters on)."""
        prices = [p.per_session for p in self.prices if p.per_session is not None]
        return min(prices) if prices else None

    @property
    def is_public(self) -> bool:
        return self.review.status == "approved"

    def summary(self) -> dict[str, Any]:
        """The fields a search result shows; the detail endpoint returns the whole clinic."""
        return {
            "id": self.id,
            "name": self.name,
            "organization": self.organization,
            "website": self.website,
            "phone": self.phone,
            "address": self.address.model_dump(),
            "location": self.location.model_dump() if self.location else None,
            "routes": self.routes,
            "min_session_price": self.min_session_price,
            "prices": [p.model_dump(exclude={"source_url", "quote"}) for p in self.prices],
            "conditions": self.conditions,
            "therapy_integrated": self.therapy_integrated,
            "insurance": self.insurance.model_dump(),
            "telehealth": self.telehealth,
            "review_status": self.review.status,
            "last_seen": self.last_seen.isoformat() if self.last_seen else None,
        }
