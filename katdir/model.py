"""The clinic model shared by every stage: vocabularies, listings and clinics (docs/architecture.md §3).

A `Listing` is what the crawler read on one page (or one location of a site), with
provenance; a `Clinic` is what the indexer made of one or more listings and what the store
keeps and the API shows.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from functools import lru_cache
from typing import Annotated, Any, Literal, get_args
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

Route = Literal["iv", "im", "oral", "spravato", "intranasal_ketamine"]
PriceKind = Literal["per_session", "series", "consultation", "maintenance", "other"]
Condition = Literal[
    "depression",
    "anxiety",
    "ptsd",
    "ocd",
    "chronic_pain",
    "bipolar",
    "suicidal_ideation",
    "substance_use",
    "eating_disorders",
    "migraine",
    "fibromyalgia",
    "other",
]
CareStep = Literal[
    "assessment",
    "education",
    "preparation",
    "medical_monitoring",
    "integration",
    "follow_up",
    "outcome_tracking",
]
Precision = Literal["rooftop", "street", "postal_code", "city"]
ReviewStatus = Literal["pending", "approved", "rejected", "needs_changes"]
PageType = Literal["clinic", "directory", "article", "other"]
# Whether a clinic is listed at all, whatever its review: closed for good, removed at its own
# request, or merged into another clinic (a duplicate) — each keeps it out of search and exports.
Listed = Literal["listed", "closed", "removed", "merged"]

ROUTES: tuple[str, ...] = get_args(Route)
PRICE_KINDS: tuple[str, ...] = get_args(PriceKind)
CONDITIONS: tuple[str, ...] = get_args(Condition)
CARE_STEPS: tuple[str, ...] = get_args(CareStep)
PRECISIONS: tuple[str, ...] = get_args(Precision)
REVIEW_STATUSES: tuple[str, ...] = get_args(ReviewStatus)
LISTED: tuple[str, ...] = get_args(Listed)

ROUTE_LABELS = {
    "iv": "IV infusion",
    "im": "IM injection",
    "oral": "Oral / sublingual",
    "spravato": "Spravato (esketamine)",
    "intranasal_ketamine": "Intranasal ketamine",
}
CONDITION_LABELS = {
    "depression": "Depression",
    "anxiety": "Anxiety",
    "ptsd": "PTSD",
    "ocd": "OCD",
    "chronic_pain": "Chronic pain",
    "bipolar": "Bipolar disorder",
    "suicidal_ideation": "Suicidal thoughts",
    "substance_use": "Substance use",
    "eating_disorders": "Eating disorders",
    "migraine": "Migraine",
    "fibromyalgia": "Fibromyalgia",
    "other": "Other",
}


# Bounds on every field, so that no record — crawled, imported or typed by a curator — can
# make a page or a response huge: short texts (names, phones, places), long texts (quotes,
# notes, hours), URLs, lists, and free-form values by their size in JSON.
SHORT_TEXT = 300
LONG_TEXT = 2000
URL_LENGTH = 2048
MANY = 200  # items in a list of one clinic (prices, sources, changes, evidence per field)
FREE_FORM_BYTES = 64 * 1024


# White space (str.isspace's, which is what `\s` matches in a str pattern) or a control character.
_NOT_IN_URL = re.compile(r"[\s\x00-\x1f\x7f]")
# The usual shape, which urlsplit would accept too: http(s), an ASCII host (no user, no
# brackets), an optional port, then anything without white space or control characters.
_PLAIN_WEB_URL = re.compile(r"https?://[A-Za-z0-9.\-]+(?::[0-9]*)?(?:[/?#][^\s\x00-\x1f\x7f]*)?\Z")


@lru_cache(maxsize=1 << 16)  # a run validates each URL of a crawl once as listed, again as stored
def _web_url(value: str) -> str:
    """Only http(s) URLs with a host: anything else could run script from an `href`."""
    if _PLAIN_WEB_URL.match(value) is None and not _is_web_url(value):
        raise ValueError(
            "expected an http:// or https:// URL with a host, e.g. https://clinic.example/prices"
        )
    return value


def _is_web_url(value: str) -> bool:
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return (
        parts.scheme.lower() in ("http", "https")
        and bool(parts.hostname)
        and _NOT_IN_URL.search(value) is None
    )


def _small_json(value: Any) -> Any:
    size = len(json.dumps(value, default=str))
    if size > FREE_FORM_BYTES:
        raise ValueError(f"at most {FREE_FORM_BYTES} bytes of JSON, got {size}")
    return value


ShortText = Annotated[str, StringConstraints(max_length=SHORT_TEXT)]
LongText = Annotated[str, StringConstraints(max_length=LONG_TEXT)]
WebURL = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=URL_LENGTH), AfterValidator(_web_url)
]
FreeForm = Annotated[Any, AfterValidator(_small_json)]


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class Address(_Model):
    street: ShortText | None = None
    city: ShortText | None = None
    state: ShortText | None = None
    postal_code: ShortText | None = None
    country: ShortText = "US"

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
    currency: ShortText = "USD"
    sessions: int | None = Field(default=None, ge=1)
    source_url: WebURL | None = None
    quote: LongText | None = None
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

    url: WebURL
    quote: LongText


class HeldFact(_Model):
    """A crawled fact the extractor was unsure of (or read on a page of unclear type): kept
    out of the public clinic and shown to curators with its quote instead."""

    field: ShortText  # the clinic field it would go to: "routes" or "prices"
    value: FreeForm = None
    confidence: float | None = Field(default=None, ge=0, le=1)
    reason: ShortText = ""
    url: WebURL
    quote: LongText | None = None


class Source(_Model):
    url: WebURL
    spider: ShortText | None = None
    fetched_at: datetime | None = None
    content_hash: ShortText | None = None


class Review(_Model):
    status: ReviewStatus = "pending"
    by: ShortText | None = None
    at: datetime | None = None
    note: LongText | None = None


class Change(_Model):
    """A crawled difference (or a vanished listing) that no curator has acknowledged yet.

    The indexer appends one when a re-crawl finds a material field changed, or when a listing
    is gone from its sources for several crawls (`field == "listing"`); a curator's review at
    or after `at` acknowledges it.
    """

    field: ShortText
    old: FreeForm = None
    new: FreeForm = None
    at: datetime
    source_url: WebURL | None = None
    note: LongText | None = None


class Decision(_Model):
    """A curator's standing word on one clinic: review status, corrections, and the audit trail.

    Kept apart from the crawled clinic so that no re-crawl or rebuild can drop it; `version`
    guards against two curators overwriting each other.
    """

    clinic_id: ShortText
    review: Review = Field(default_factory=Review)
    overrides: dict[ShortText, FreeForm] = Field(default={}, max_length=MANY)
    listed: Listed = "listed"
    merged_into: ShortText | None = None
    # Listing URLs the indexer wrongly merged into this clinic: kept out of it (a split).
    kept_apart: list[WebURL] = Field(default=[], max_length=MANY)
    # The audit trail of this clinic: one entry per decision (who, when, what, before, after);
    # it grows with the clinic's life, each entry bounded.
    history: list[FreeForm] = []
    version: int = 0


class ClinicFacts(_Model):
    """What can be said of one clinic location, by a crawl or by the store: shared by
    `Listing` and `Clinic` so that the two never drift apart."""

    organization: ShortText | None = None
    website: WebURL | None = None
    phone: ShortText | None = None
    email: ShortText | None = None
    routes: list[Route] = Field(default=[], max_length=MANY)
    prices: list[Price] = Field(default=[], max_length=MANY)
    conditions: list[Condition] = Field(default=[], max_length=MANY)
    therapy_integrated: bool | None = None
    care_steps: list[CareStep] = Field(default=[], max_length=MANY)
    insurance: Insurance = Field(default_factory=Insurance)  # not a default to deep-copy
    telehealth: bool | None = None
    hours: LongText | None = None
    evidence: dict[ShortText, Annotated[list[Evidence], Field(max_length=MANY)]] = Field(
        default={}, max_length=MANY
    )


class Listing(ClinicFacts):
    """One clinic location as read from one site by the crawler, with provenance."""

    model_config = ConfigDict(extra="ignore")

    url: WebURL
    spider: ShortText | None = None
    fetched_at: datetime | None = None
    content_hash: ShortText | None = None
    page_type: PageType = "clinic"
    name: ShortText | None = None
    address: Address | None = None
    source_urls: list[WebURL] = Field(default=[], max_length=MANY)
    # Each page read, with its own digest (when the crawler knows it; else source_urls).
    sources: list[Source] = Field(default=[], max_length=MANY)
    held_facts: list[HeldFact] = Field(default=[], max_length=MANY)


# The facts curators vet against their sources: a crawled change to one sends the clinic back
# to the queue, and the review page shows each beside the quotes it was read from.
CURATED_FACTS = (
    "name",
    "organization",
    "website",
    "phone",
    "email",
    "address",
    "routes",
    "prices",
    "conditions",
    "therapy_integrated",
    "care_steps",
    "insurance",
    "telehealth",
    "hours",
)

# Fields of a clinic only curators see: their corrections, what the crawl says under them,
# the unreviewed changes and unsure facts, and the listing bookkeeping.
PRIVATE_FIELDS = frozenset(
    {
        "overrides",
        "crawled_values",
        "changes",
        "missing_crawls",
        "held_facts",
        "listed",
        "merged_into",
    }
)


class Clinic(ClinicFacts):
    """One physical location, as the store keeps it and the API shows it."""

    id: str = Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9._:-]+$")
    name: str = Field(min_length=1, max_length=SHORT_TEXT)
    address: Address = Field(default_factory=Address)
    location: Location | None = None
    sources: list[Source] = Field(default=[], max_length=MANY)
    review: Review = Field(default_factory=Review)
    overrides: dict[ShortText, FreeForm] = Field(default={}, max_length=MANY)
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    last_changed: datetime | None = None
    version: int = 1
    # Curators' queue (katdir/curator/queue.py): crawled changes not yet acknowledged by a review.
    changes: list[Change] = Field(default=[], max_length=MANY)
    # Crawls in a row that covered this clinic's sites without listing it (reset when seen).
    missing_crawls: int = Field(default=0, ge=0)
    # What the crawl says for fields a curator's override hides, so that a re-crawl compares
    # crawled with crawled and a curator can see what the source says now.
    crawled_values: dict[ShortText, FreeForm] = Field(default={}, max_length=MANY)
    # A curator's word on the listing itself (see Decision): only "listed" clinics are public.
    listed: Listed = "listed"
    merged_into: ShortText | None = None
    # Facts the last crawl was unsure of: not shown to visitors; new ones enter the queue.
    held_facts: list[HeldFact] = Field(default=[], max_length=MANY)

    @field_validator("routes", "conditions", "care_steps")
    @classmethod
    def _unique_sorted(cls, values: list[str]) -> list[str]:
        return sorted(set(values))

    @property
    def min_session_price(self) -> float | None:
        """The lowest price of one session found for this clinic (what `max_price` filters on,
        in US dollars: a price in another currency never counts as dollars)."""
        return lowest_session_price(self.prices)

    @property
    def is_public(self) -> bool:
        return self.review.status == "approved" and self.listed == "listed"

    @property
    def search_status(self) -> str:
        """What search filters on: the review status of a listed clinic, else why it is not."""
        return self.review.status if self.listed == "listed" else self.listed

    def public_view(self) -> dict[str, Any]:
        """The whole clinic as visitors may see it: no curator's names, notes or bookkeeping."""
        doc = self.model_dump(mode="json", exclude=PRIVATE_FIELDS)
        doc["review"] = {
            "status": self.review.status,
            "at": self.review.at.isoformat() if self.review.at else None,
        }
        return doc


def lowest_session_price(prices: list[Price]) -> float | None:
    """The lowest price of one session among `prices`, in US dollars (Clinic.min_session_price)."""
    found = [p.per_session for p in prices if p.per_session is not None and p.currency == "USD"]
    return min(found) if found else None


def prices_of(doc: dict[str, Any]) -> list[Price]:
    """The prices of a clinic's stored document, as models, without validating them again."""
    return [Price.model_construct(**price) for price in doc["prices"]]


# What a search result shows of a clinic as it is stored; the detail endpoint shows the whole.
SUMMARY_FIELDS = (
    "id",
    "name",
    "organization",
    "website",
    "phone",
    "address",
    "location",
    "routes",
    "conditions",
    "therapy_integrated",
    "insurance",
    "telehealth",
)
UNSHOWN_PRICE_FIELDS = frozenset({"source_url", "quote"})


def summary_of(doc: dict[str, Any], prices: list[Price] | None = None) -> dict[str, Any]:
    """The fields a search result shows, from a clinic's stored document (the JSON of
    `Clinic.model_dump(mode="json")`, validated when it was written), so that a page of
    results is made without validating each clinic again. A document written before a field
    existed is validated first, which fills in the field's default. `prices`: the document's
    prices as models, when the caller has them already (prices_of)."""
    summary = shown_of(doc)
    summary["min_session_price"] = lowest_session_price(
        prices_of(doc) if prices is None else prices
    )
    return summary


def shown_of(doc: dict[str, Any]) -> dict[str, Any]:
    """`summary_of` but `min_session_price`, which a result card sets by the routes searched
    for (katdir.card), so a card's maker need not make models of the prices for it."""
    try:
        summary = {name: doc[name] for name in SUMMARY_FIELDS}
        review_status, last_seen = doc["review"]["status"], doc["last_seen"]
    except KeyError:
        return shown_of(Clinic.model_validate(doc).model_dump(mode="json"))
    summary["prices"] = [
        {k: v for k, v in price.items() if k not in UNSHOWN_PRICE_FIELDS} for price in doc["prices"]
    ]
    summary["review_status"] = review_status
    # As the API has always written it: isoformat's "+00:00" where JSON's dump says "Z".
    summary["last_seen"] = datetime.fromisoformat(last_seen).isoformat() if last_seen else None
    return summary
