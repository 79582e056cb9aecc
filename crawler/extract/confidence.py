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
# Facts under this are held back from the public listing (crawler.listing) and sent to the
# curators' queue with their quotes; `katdir extract` prints them apart, as held for review,
# never as the provider's routes or prices. Every fact of a page whose type is that unsure
# is held too.
PUBLISH_AT = 0.6
# The page type's model (crawler.extract.page_type.confidence) gives the probability of the
# type it chose: 0.55 is where it leans on its prior alone, with little evidence either way
# (a short pricing or condition page of a clinic). A page is unsure, and all its facts held,
# only when another type comes closer than that.
PAGE_TYPE_BAR = 0.55
# A price, and a route read only from a description, is published only where the model is
# sure the page is the provider's own (four to one): an article or cost guide typed `clinic`
# by a small margin would otherwise put the market's figures and the routes it describes in
# a public listing. The rule-based conflicts (an og:type of article on a clinic's pricing
# page) are weighed by PAGE_TYPE_BAR, not here.
CONFIDENT_PAGE = 0.8
UNSURE_PAGE_CAP = 0.5  # what such a fact can score on a page under CONFIDENT_PAGE: held
# How plainly a price is stated as the provider's own (crawler.extract.prices): the most a
# price in that voice can score. An unclear voice is held for a curator.
# Only the provider's voice in the price's own sentence, or a line of its price list, is
# published: a plain statement in a paragraph where the provider speaks elsewhere, or a fee
# stated with no one speaking, is read from a cost guide as easily as from a fee page, so a
# curator confirms it first (precision before recall: a wrong price misleads a patient).
VOICE_CAP = {"own": 1.0, "paragraph": 0.5, "definite": 0.5, "unclear": 0.45}
CONFLICT = (
    0.4  # one sign in the page's metadata against its type puts its facts under the threshold
)
# an article-like address alone weighs less: the page-type rules have weighed it already, and
# providers keep pages that state their own offer under /blog/ too
ADDRESS_CONFLICT = 0.25
LONG_QUOTE = 180  # characters: a fee line is short; a long quote is prose or cells run together

# (a span such as "range from" is weighed with the provider's voice in crawler.extract.prices)
_MARKET_RE = re.compile(
    r"\b(average|typically|national(?:ly)?|most clinics|many clinics|other clinics|"
    r"can cost|may cost|could cost|expect to pay|elsewhere|market)\b",
    re.I,
)
# a route named in a general description, an example or a comparison, not as an offer
_HEDGE_RE = re.compile(
    r"\b(such as|for example|e\.g\.|unlike|compared (?:to|with)|some clinics|some providers|"
    r"other clinics|in general|generally|can be (?:given|administered|delivered|taken)|"
    r"is (?:usually|typically|often|commonly) (?:given|administered))\b|\?",
    re.I,
)
_ARTICLE_URL_RE = re.compile(
    r"/(blog|blogs|news|articles?|posts?|guides?|insights|journal|stories|magazine|"
    r"press)(/|$)|/(19|20)\d\d/",
    re.I,
)


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
            score -= ADDRESS_CONFLICT
        if doc.meta.get("og:type", "").lower() == "article" or doc.meta.get(
            "article:published_time"
        ):
            score -= CONFLICT
        if data.has_type(ARTICLE_TYPES | LIST_TYPES):
            score -= CONFLICT
    return _clamp(score)


def price_confidence(price: dict, voice: str = "own") -> float:
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
    return _clamp(min(score, VOICE_CAP.get(voice, 1.0)))


def page_unsure(page_score: float | None) -> bool:
    """Whether a page's type is too unsure for any of its facts to be published."""
    return page_score is not None and page_score < PAGE_TYPE_BAR


def held_back(score: float | None, page_score: float | None, threshold: float = PUBLISH_AT) -> bool:
    """Whether a fact is held for a curator instead of published: its own confidence is under
    the threshold, or its page's type is unsure (facts without a confidence are published)."""
    return page_unsure(page_score) or (score is not None and score < threshold)


DESCRIBED = 0.5  # each of three or more routes a page names without the provider speaking
FAQ_TOPIC = 0.65  # the one treatment a provider's FAQ asks about, never stated as an offer


def route_confidence(quotes: list[str], *, strong: bool = False, faq: bool = False) -> float:
    """A route the provider states as its own ("we offer", a service list) is sure; otherwise
    more places that state it, plainly, make it surer; a hedge or comparison less."""
    if strong:
        return 0.95
    if faq:
        return FAQ_TOPIC
    if not quotes:
        return 0.7  # stated in structured data or a heading only
    plain = [q for q in quotes if not _HEDGE_RE.search(q)]
    if len(plain) >= 2:
        return 0.85
    if plain:
        return 0.75
    return 0.5


def assess(result: dict, doc: Document, data: Structured, *, price_voices: list[str] = ()) -> dict:
    """Add ``confidence`` to each price and a ``confidence`` section (page type, each route)
    to an ``extract_page`` result; ``price_voices``: how plainly each price is stated as the
    provider's own (crawler.extract.prices); returns the result."""
    # the page type's own model says how near the page is to the boundary between types
    page = min(
        page_type_confidence(doc, data, result.get("page_type") or "other"),
        result.get("page_type_confidence", 1.0),
    )
    sure_page = result.get("page_type_confidence", 1.0) >= CONFIDENT_PAGE
    voices = list(price_voices)
    for i, price in enumerate(result.get("prices") or ()):
        voice = voices[i] if i < len(voices) else "own"
        price["confidence"] = _clamp(
            min(price_confidence(price, voice), page + 0.05, 1.0 if sure_page else UNSURE_PAGE_CAP)
        )
    quotes: dict[str, list[str]] = {}
    strength: dict[str, str] = {}
    for item in (result.get("evidence") or {}).get("routes_offered") or ():
        quotes.setdefault(item.get("value"), []).extend(
            [item.get("quote") or "", *(item.get("more_quotes") or ())]
        )
        strength[item.get("value")] = item.get("strength") or "weak"
    # three or more routes, none stated as the provider's own: a description of the ways
    # ketamine is given (a guide read as a clinic page) more than a menu of services
    described = len(strength) >= 3 and not {"strong", "label"} & set(strength.values())
    result["confidence"] = {
        "page_type": page,
        "routes_offered": {
            r: _clamp(
                min(
                    route_confidence(
                        quotes.get(r, []),
                        strong=strength.get(r) == "strong",
                        faq=strength.get(r) == "faq",
                    ),
                    DESCRIBED if described else 1.0,
                    page + 0.05,
                    1.0 if sure_page or strength.get(r) == "strong" else UNSURE_PAGE_CAP,
                )
            )
            for r in result.get("routes_offered") or ()
        },
    }
    return result
