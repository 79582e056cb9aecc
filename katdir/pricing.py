"""What a session and an initial series cost at a clinic, for the route(s) a visitor asks about.

One place for the rule that `max_price`, the price sort, the price facets and the result card
share, so that a clinic "from $300 a session" never means $300 for another route than the one
searched for:

- A price counts for route R when it names R, or when it names no route and the clinic gives
  ketamine one way only, R (then there is nothing else it could be for). A price without a
  route at a clinic with several routes counts only when no route is asked for.
- Per session: a `per_session` price, or a `series` price divided by its sessions.
- An initial series: the lowest published series price for the routes; else an estimate of
  `SERIES_SESSIONS` sessions at the per-session price, marked as one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from katdir.model import ROUTES, Price, prices_of

if TYPE_CHECKING:
    from katdir.model import Clinic


@dataclass(frozen=True)
class StoredPrices:
    """A clinic's routes and prices read from its stored document (katdir.store.Hit.document)
    without validating the rest of it: what the functions below read of a clinic."""

    routes: list[str]
    prices: list[Price]

    @classmethod
    def of(cls, doc: dict[str, Any]) -> StoredPrices:
        return cls(doc["routes"], prices_of(doc))


# A usual initial series for depression is six sessions over two to three weeks.
SERIES_SESSIONS = 6


@dataclass(frozen=True)
class SessionPrice:
    """The lowest price of one session for the routes asked, and where the figure comes from."""

    amount: float
    route: str | None  # the route the price names (None: the page did not say)
    basis: Literal["session", "series"]  # a single session, or a series divided by its sessions
    sessions: int | None = None  # for a series: how many sessions it covers
    series_amount: float | None = None  # for a series: its whole price

    def as_dict(self) -> dict:
        return {
            "amount": self.amount,
            "route": self.route,
            "basis": self.basis,
            "sessions": self.sessions,
            "series_amount": self.series_amount,
        }


@dataclass(frozen=True)
class SeriesCost:
    """What an initial series costs: published, or estimated from the per-session price."""

    amount: float
    sessions: int
    route: str | None
    estimated: bool

    def as_dict(self) -> dict:
        return {
            "amount": self.amount,
            "sessions": self.sessions,
            "route": self.route,
            "estimated": self.estimated,
        }


def _counts_for(price: Price, clinic_routes: list[str], routes: tuple[str, ...]) -> bool:
    if not routes:
        return True
    if price.route is not None:
        return price.route in routes
    return len(clinic_routes) == 1 and clinic_routes[0] in routes


def prices_for(clinic: Clinic | StoredPrices, routes: Iterable[str] = ()) -> list[Price]:
    """The clinic's prices that are for one of `routes` (every price when none is asked)."""
    wanted = tuple(routes)
    return [p for p in clinic.prices if _counts_for(p, clinic.routes, wanted)]


def session_price(clinic: Clinic | StoredPrices, routes: Iterable[str] = ()) -> SessionPrice | None:
    """The lowest per-session price for any of `routes` (any route when none is given); at
    equal amounts a single-session price wins over a series divided by its sessions."""
    candidates = [p for p in prices_for(clinic, routes) if p.per_session is not None]
    if not candidates:
        return None
    best = min(candidates, key=lambda p: (p.per_session, p.kind != "per_session"))
    if best.kind == "per_session":
        return SessionPrice(best.per_session, best.route, "session")
    return SessionPrice(best.per_session, best.route, "series", best.sessions, best.amount_min)


def route_session_prices(clinic: Clinic) -> dict[str, float | None]:
    """The per-session price of each route (`session_price(clinic, (route,)).amount`), for the
    stores to index: the lowest per-session figure among the prices that count for the route,
    found in one pass over the prices rather than one a route (a rebuild asks every clinic)."""
    found: dict[str, float | None] = dict.fromkeys(ROUTES)
    only = clinic.routes[0] if len(clinic.routes) == 1 else None  # an unrouted price's route
    for price in clinic.prices:
        amount = price.per_session
        route = price.route if price.route is not None else only
        if amount is not None and route in found:
            best = found[route]
            if best is None or amount < best:
                found[route] = amount
    return found


def stored_prices_by_route(
    doc: dict[str, Any],
) -> dict[str | None, tuple[SessionPrice | None, SeriesCost | None]]:
    """`(session_price, series_cost)` of a clinic's stored document for a search on no route
    (key None) and on each route one of its prices counts for (key: the route), found in one
    pass over the stored prices, without making models of them (a result card is made for
    every clinic written). The same answers as the functions above asked once a route."""
    routes = doc["routes"]
    only = routes[0] if len(routes) == 1 else None  # an unrouted price's route
    # key → [the session price's (per_session, is a series), its price,
    #        the series' (amount_min, sessions), its price]
    best: dict[str | None, list] = {}
    for price in doc["prices"]:
        kind = price.get("kind", "per_session")
        amount = price["amount_min"]
        sessions = price.get("sessions")
        if kind == "per_session":
            per = amount
        elif kind == "series" and sessions:
            per = round(amount / sessions, 2)  # as Price.per_session
        else:
            per = None
        route = price.get("route")
        if route is None:
            route = only
        for key in (None, route) if route is not None else (None,):
            found = best.get(key)
            if found is None:
                found = best[key] = [None, None, None, None]
            if per is not None:
                rank = (per, kind != "per_session")
                if found[0] is None or rank < found[0]:  # the first of equals, as min()
                    found[0], found[1] = rank, price
            if kind == "series" and sessions:
                rank = (amount, sessions)
                if found[2] is None or rank < found[2]:
                    found[2], found[3] = rank, price
    answers = {}
    for key, (session_rank, session, series_rank, series) in best.items():
        if session is None:
            per_session = None
        elif session_rank[1]:
            per_session = SessionPrice(
                session_rank[0],
                session.get("route"),
                "series",
                session["sessions"],
                session["amount_min"],
            )
        else:
            per_session = SessionPrice(session_rank[0], session.get("route"), "session")
        if series is not None:
            cost = SeriesCost(series_rank[0], series_rank[1], series.get("route"), False)
        elif per_session is not None:
            cost = SeriesCost(
                round(per_session.amount * SERIES_SESSIONS, 2),
                SERIES_SESSIONS,
                per_session.route,
                True,
            )
        else:
            cost = None
        answers[key] = (per_session, cost)
    return answers


def series_cost(clinic: Clinic | StoredPrices, routes: Iterable[str] = ()) -> SeriesCost | None:
    """An initial series for any of `routes`: the lowest published one, else an estimate."""
    wanted = tuple(routes)
    series = [p for p in prices_for(clinic, wanted) if p.kind == "series" and p.sessions]
    if series:
        cheapest = min(series, key=lambda p: (p.amount_min, p.sessions))
        return SeriesCost(cheapest.amount_min, cheapest.sessions, cheapest.route, False)
    per_session = session_price(clinic, wanted)
    if per_session is None:
        return None
    return SeriesCost(
        round(per_session.amount * SERIES_SESSIONS, 2), SERIES_SESSIONS, per_session.route, True
    )


def lowest_of(prices: dict[str, float | None], routes: Iterable[str]) -> float | None:
    """The lowest of the per-route prices of `routes` (what a multi-route search uses)."""
    found = [prices[r] for r in routes if prices.get(r) is not None]
    return min(found) if found else None


def median(values: list[float]) -> float | None:
    """The middle value of sorted values; the mean of the two middle ones for an even count."""
    if not values:
        return None
    n = len(values)
    middle = n // 2
    return values[middle] if n % 2 else (values[middle - 1] + values[middle]) / 2
