"""How sure the extractor is of each fact it reports, from 0 to 1.

The rules in the other modules decide *whether* a page states a fact; this module weighs
*how plainly* it does, from what the result itself shows: the quote the fact was read from,
whether a price names its route, whether the amount is one a clinic charges for that kind of
price, whether the wording is a market figure or a hedge, how many places on the page state
a route, and whether the page's type is clear. The crawler holds facts under its threshold
back from the public listing and sends them, with their quotes, to the curators' queue.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from .document import Document
from .structured import ARTICLE_TYPES, LIST_TYPES, Structured

# Plausible amounts per kind of price (USD); outside them a price is more likely a misreading
# (a phone number, a year, a market total) than a clinic's fee.
PLAUSIBLE = {
    "per_session": (50, 3_000),
    "maintenance": (50, 3_000),
    "series": (200, 20_000),
    "consultation": (0, 1_000),
    "other": (0, 5_000),
}
CONFLICT = 0.4  # one sign against the page's type puts its facts under the crawler's threshold
LONG_QUOTE = 180  # characters: a fee line is short; a long quote is prose or cells run together

_MARKET_RE = re.compile(r"\b(average|typically|national(?:ly)?|most clinics|many clinics|other clinics|"
                        r"range[sd]? from|can cost|may cost|could cost|expect to pay|elsewhere|market)\b", re.I)
# a route named in a general description, an example or a comparison, not as an offer
_HEDGE_RE = re.compile(r"\b(such as|for example|e\.g\.|unlike|compared (?:to|with)|some clinics|some providers|"
                       r"other clinics|in general|generally|can be (?:given|administered|delivered|taken)|"
                       r"is (?:usually|typically|often|commonly) (?:given|administered))\b|\?", re.I)
_ARTICLE_URL_RE = re.compile(r"/(blog|blogs|news|articles?|posts?|guides?|insights|journal|stories|magazine|"
                             r"press)(/|$)|/(19|20)\d\d/", re.I)


def _clamp(value: float) -> float:
    return round(min(1.0, max(0.0, value)), 2)


def page_type_confidence(doc: Document, data: Structured, kind: str) -> float:
    """How clear the page's type is: lower when signals point at another type than the one
    given (a "clinic" page at a blog address or with article metadata, an "other" page)."""
    score = 0.95
    if kind == "other":
        score -= 0.3
    if kind == "clinic":  # each sign of an article or a list on a page typed as a clinic's
        if _ARTICLE_URL_RE.search(urlsplit(doc.url).path):
            score -= CONFLICT
        if doc.meta.get("og:type", "").lower() == "article" or doc.meta.get("article:published_time"):
            score -= CONFLICT
        if data.has_type(ARTICLE_TYPES | LIST_TYPES):
            score -= CONFLICT
    return _clamp(score)


def price_confidence(price: dict) -> float:
    score = 0.95
    if price.get("route") is None:
        score -= 0.15
    if price.get("kind") == "other":
        score -= 0.15
    quote = price.get("quote") or ""
    if len(quote) > LONG_QUOTE:
        score -= 0.2
    if _MARKET_RE.search(quote):
        score -= 0.4
    low, high = PLAUSIBLE.get(price.get("kind") or "other", PLAUSIBLE["other"])
    amount = price.get("amount_min")
    if amount is not None and not low <= amount <= high:
        score -= 0.4
    if (price.get("currency") or "USD") != "USD":
        score -= 0.1
    return _clamp(score)


def route_confidence(quotes: list[str]) -> float:
    """More places that state a route, plainly, make it surer; a hedge or comparison less."""
    if not quotes:
        return 0.7  # stated in structured data or a heading only
    plain = [q for q in quotes if not _HEDGE_RE.search(q)]
    if len(plain) >= 2:
        return 0.95
    if plain:
        return 0.8
    return 0.5


def assess(result: dict, doc: Document, data: Structured) -> dict:
    """Add ``confidence`` to each price and a ``confidence`` section (page type, each route)
    to an ``extract_page`` result; returns the result."""
    # the page type's own model says how near the page is to the boundary between types
    page = min(page_type_confidence(doc, data, result.get("page_type") or "other"),
               result.get("page_type_confidence", 1.0))
    for price in result.get("prices") or ():
        price["confidence"] = _clamp(min(price_confidence(price), page + 0.05))
    quotes: dict[str, list[str]] = {}
    for item in (result.get("evidence") or {}).get("routes_offered") or ():
        quotes.setdefault(item.get("value"), []).append(item.get("quote") or "")
    result["confidence"] = {
        "page_type": page,
        "routes_offered": {r: _clamp(min(route_confidence(quotes.get(r, [])), page + 0.05))
                           for r in result.get("routes_offered") or ()},
    }
    return result
