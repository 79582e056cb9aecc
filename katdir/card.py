"""A clinic's result card: what a search result shows of it, made once when the clinic is
written (`card_of`, the one place a card is made, used by both stores) and kept beside its
stored document, so that a page of results is a join of bytes (`result_json`).

A stored card is two lines of JSON:

1. the result exactly as the API writes it (keys sorted) for a search without a route, less
   the search's own `distance`;
2. for each route the clinic has a price for, the three fields that depend on the routes
   searched for (`min_session_price`, `series_cost`, `session_price`) as a search on that
   route shows them (a route left out shows no price).

A search on several routes at once makes those three from the card's prices (katdir.pricing),
as a search always did. Within line 1 the search's fields go in by key: the keys before them
are top-level ones, because no object nested before them (address, insurance, location) has
such a key, and a `"` inside a JSON string is always escaped.
"""

from __future__ import annotations

from typing import Any

import orjson

from katdir.model import ROUTES, shown_of
from katdir.pricing import (
    SeriesCost,
    SessionPrice,
    StoredPrices,
    series_cost,
    session_price,
    stored_prices_by_route,
)

SORTED = orjson.OPT_SORT_KEYS  # as the API writes its answers (search_api.json_provider)

# Where the search's own fields go in line 1, by the keys that follow them in sorted order.
_BEFORE_ID = b',"id":'  # `distance` goes before it
_MIN_PRICE = b',"min_session_price":'
_AFTER_MIN_PRICE = b',"name":'
_SERIES = b',"series_cost":'  # then `session_price`
_AFTER_SESSION = b',"telehealth":'


UNPRICED = {"min_session_price": None, "session_price": None, "series_cost": None}


def priced(prices: StoredPrices, routes: tuple[str, ...]) -> dict[str, Any]:
    """The card's fields that depend on the routes searched for (all routes when none is)."""
    return _priced_fields(session_price(prices, routes), series_cost(prices, routes))


def _priced_fields(price: SessionPrice | None, series: SeriesCost | None) -> dict[str, Any]:
    return {
        "min_session_price": price.amount if price else None,
        "session_price": price.as_dict() if price else None,
        "series_cost": series.as_dict() if series else None,
    }


def card_of(doc: dict[str, Any]) -> bytes:
    """The stored card of a clinic from its stored document (`Clinic.model_dump(mode="json")`)."""
    found = stored_prices_by_route(doc)  # what `priced` gives for no route and for each route
    card = shown_of(doc) | _priced_fields(*found.get(None, (None, None)))
    by_route = {r: _priced_fields(*found[r]) for r in ROUTES if r in found}
    return orjson.dumps(card, option=SORTED) + b"\n" + orjson.dumps(by_route, option=SORTED)


def shown(card: bytes) -> dict[str, Any]:
    """What the card shows of its clinic (line 1), as a dict."""
    return orjson.loads(card.partition(b"\n")[0])


def result_json(card: bytes, distance: dict[str, float], routes: tuple[str, ...] = ()) -> bytes:
    """One search result as the API writes it: the stored card with the search's distance
    and, for a search on routes, the prices for those routes."""
    line, _, by_route = card.partition(b"\n")
    if routes:
        if len(routes) == 1:
            fields = orjson.loads(by_route).get(routes[0], UNPRICED)
        else:
            fields = priced(StoredPrices.of(orjson.loads(line)), routes)  # its routes and prices
        start = line.index(_MIN_PRICE) + len(_MIN_PRICE)
        end = line.index(_AFTER_MIN_PRICE, start)
        series = line.index(_SERIES, end)
        after = line.index(_AFTER_SESSION, series)
        line = b"".join(
            (
                line[:start],
                orjson.dumps(fields["min_session_price"]),
                line[end:series],
                b',"series_cost":',
                orjson.dumps(fields["series_cost"], option=SORTED),
                b',"session_price":',
                orjson.dumps(fields["session_price"], option=SORTED),
                line[after:],
            )
        )
    at = line.index(_BEFORE_ID)
    return b"".join((line[:at], b',"distance":', orjson.dumps(distance, option=SORTED), line[at:]))
