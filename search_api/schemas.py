"""The shapes of the API's answers, as pydantic models: the OpenAPI document's schemas come
from their JSON Schema (and the Clinic model's), never from a hand-written spec.

`extra="forbid"` makes each schema say `additionalProperties: false`, so a field added to an
answer without being added here fails the test that checks answers against the document.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from katdir.model import (
    Address,
    Condition,
    Insurance,
    Location,
    Precision,
    Price,
    ReviewStatus,
    Route,
)


class _Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Distance(_Answer):
    mi: float
    km: float


class ClinicSummary(_Answer):
    """A search result: what a list of clinics shows (prices without their quotes)."""

    id: str
    name: str
    organization: str | None
    website: str | None
    phone: str | None
    address: Address
    location: Location | None
    routes: list[Route]
    min_session_price: float | None
    prices: list[Price]
    conditions: list[Condition]
    therapy_integrated: bool | None
    insurance: Insurance
    telehealth: bool | None
    review_status: ReviewStatus
    last_seen: str | None
    distance: Distance


class Origin(_Answer):
    lat: float
    lon: float
    label: str | None  # the place found for `near`; null for lat+lon
    precision: Precision | None


class Radius(_Answer):
    value: float
    unit: str


class PriceFacet(_Answer):
    min: float | None
    max: float | None
    unknown: int
    bands: dict[str, int]


class Facets(_Answer):
    routes: dict[Route, int]
    price: PriceFacet


class SearchResult(_Answer):
    origin: Origin
    radius: Radius
    total: int
    page: int
    per_page: int
    results: list[ClinicSummary]
    facets: Facets


class Place(_Answer):
    query: str
    lat: float
    lon: float
    label: str | None
    precision: Precision | None


class ErrorBody(_Answer):
    code: str
    message: str
    details: dict


class Error(_Answer):
    error: ErrorBody
