"""The shapes of the API's answers, as pydantic models: the OpenAPI document's schemas come
from their JSON Schema (and the Clinic model's), never from a hand-written spec.

`extra="forbid"` makes each schema say `additionalProperties: false`, so a field added to an
answer without being added here fails the test that checks answers against the document.
"""

from __future__ import annotations

from typing import Literal

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


class SessionPrice(_Answer):
    """The lowest price of one session for the route(s) searched for (any route when none
    was): a single-session price, or a series price divided by its sessions."""

    amount: float
    route: Route | None  # the route the price names; null when the source did not say
    basis: Literal["session", "series"]
    sessions: int | None  # for a series: how many sessions it covers
    series_amount: float | None  # for a series: its whole price


class SeriesCost(_Answer):
    """An initial series for the route(s) searched for: the lowest published series price,
    else six sessions at the per-session price (`estimated`)."""

    amount: float
    sessions: int
    route: Route | None
    estimated: bool


class RoutePrices(_Answer):
    """Per-session prices of one route among the clinics that match."""

    count: int
    lowest: float | None
    median: float | None
    highest: float | None


class NearestBeyond(_Answer):
    """When nothing matches: the nearest clinic that matches all but the radius, and the
    radius (in `unit`) that reaches it — null beyond the largest radius allowed."""

    id: str
    name: str
    city: str | None
    state: str | None
    distance: Distance
    radius: float | None
    unit: str


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
    session_price: SessionPrice | None
    series_cost: SeriesCost | None
    distance: Distance


class Origin(_Answer):
    lat: float
    lon: float
    label: str | None  # the place found for `near`; null for lat+lon
    precision: Precision | None
    street_ignored: bool  # the street part of `near` was not used: searched from a centre


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
    price_context: dict[Route, RoutePrices]  # the routes searched for, else every route
    nearest_beyond: NearestBeyond | None


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
