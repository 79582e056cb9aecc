"""Turn the facts read on a site's pages into listings: one per clinic location, with provenance.

Pure functions over the dicts that ``crawler.extract.extract_page`` returns (plus the
``url``, ``content_hash`` and ``fetched_at`` of each page), so the merge is tested without
Scrapy or a network. Only pages that the extractor calls ``clinic`` or ``other`` give
facts: a cost article or a directory page on the same site never lends a clinic its
prices or routes.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from katdir.model import (
    ADDRESS_FIELDS,
    CARE_STEPS,
    CONDITIONS,
    INSURANCE_FIELDS,
    PRICE_KINDS,
    ROUTES,
)
from katdir.normalize import site_root

from .extract.confidence import PUBLISH_AT, held_back, page_unsure

FACT_PAGE_TYPES = frozenset({"clinic", "other"})
INSURANCE_KEYS = INSURANCE_FIELDS
PRICE_KEYS = (
    "route",
    "kind",
    "amount_min",
    "amount_max",
    "currency",
    "sessions",
    "source_url",
    "quote",
)
ADDRESS_KEYS = ADDRESS_FIELDS
# Facts that belong to one location of a multi-location site, not to the whole site.
LOCATION_FIELDS = frozenset({"address", "phone", "hours", "name", "locations"})
MAX_EVIDENCE_PER_FIELD = 5
# Facts the extractor is less sure of than this (crawler.extract.confidence), and every fact
# of a page whose type is that unsure, are held back from the listing: they go to the
# curators' queue with their quotes (`held_facts`) instead of into a public clinic.
MIN_CONFIDENCE = PUBLISH_AT
MAX_HELD_FACTS = 20
# Evidence is filed under the listing's field names.
EVIDENCE_FIELD_NAMES = {"routes_offered": "routes"}
# Page names that are no clinic's name (a home page titled "Home | Clinic" read badly).
GENERIC_NAMES = frozenset(
    {
        "home",
        "homepage",
        "home page",
        "welcome",
        "index",
        "contact",
        "contact us",
        "about",
        "about us",
        "services",
        "pricing",
        "faq",
        "locations",
        "untitled",
    }
)


def content_hash(body: bytes) -> str:
    return "sha256:" + hashlib.sha256(body).hexdigest()


@dataclass
class _Location:
    name: str | None
    address: dict[str, Any] | None
    phone: str | None
    url: str  # where the location was read
    hours: str | None = None
    keys: set[str] = field(default_factory=set)


def merge_site_pages(
    pages: Iterable[Mapping[str, Any]],
    *,
    website: str | None = None,
    spider: str | None = None,
    min_confidence: float = MIN_CONFIDENCE,
) -> list[dict[str, Any]]:
    """One listing (a ``katdir.model.Listing``-shaped dict) per location found on a site.

    ``pages`` are ``extract_page`` results in crawl order (home page first), each with the
    page's ``url`` and, when known, its ``content_hash`` and ``fetched_at`` (ISO 8601).
    A site with no page of type ``clinic`` yields nothing. Routes, prices, conditions and
    the other site-wide facts are unioned over the pages, each kept with the page and
    quote it came from; address, phone and hours come from each location.
    """
    pages = [p for p in pages if p.get("url")]
    usable = [p for p in pages if p.get("page_type") in FACT_PAGE_TYPES]
    usable, held = hold_uncertain(usable, min_confidence)
    if not any(p.get("page_type") == "clinic" for p in usable):
        return []
    website = website or site_root(usable[0]["url"])
    site_name = _site_name(usable, website)
    locations = _locations(usable)
    multi = len(locations) > 1
    shared = _shared_facts(usable)
    source_urls = sorted({p["url"] for p in usable})
    fetched = sorted(str(p["fetched_at"]) for p in usable if p.get("fetched_at"))
    digest = hashlib.sha256(
        "\n".join(
            f"{p['url']} {p.get('content_hash') or ''}"
            for p in sorted(usable, key=lambda p: p["url"])
        ).encode()
    ).hexdigest()

    if not locations:
        locations = [
            _Location(
                None,
                None,
                _most_common(p.get("phone") for p in usable),
                _home_url(usable, website),
                _first(p.get("hours") for p in usable),
            )
        ]
    listings = []
    for loc in locations:
        if multi:
            name = _location_name(loc, site_name)
            phone = loc.phone
            hours = loc.hours
        else:
            name = site_name or loc.name
            phone = loc.phone or _most_common(p.get("phone") for p in usable)
            hours = loc.hours or _first(p.get("hours") for p in usable)
        listings.append(
            {
                "url": loc.url if multi else _home_url(usable, website),
                "spider": spider,
                "fetched_at": fetched[-1] if fetched else None,
                "content_hash": f"sha256:{digest}",
                "page_type": "clinic",
                "name": name,
                "organization": site_name if multi else None,
                "website": website,
                "phone": phone,
                "email": shared["email"],
                "address": loc.address,
                "routes": shared["routes"],
                "prices": [dict(p) for p in shared["prices"]],
                "conditions": shared["conditions"],
                "therapy_integrated": shared["therapy_integrated"],
                "care_steps": shared["care_steps"],
                "insurance": dict(shared["insurance"]),
                "telehealth": shared["telehealth"],
                "hours": hours,
                "evidence": _evidence(usable, loc if multi else None),
                "source_urls": source_urls,
                # Each page with its own digest, so a curator sees which page changed.
                "sources": [
                    {
                        "url": p["url"],
                        "spider": spider,
                        "fetched_at": p.get("fetched_at"),
                        "content_hash": p.get("content_hash"),
                    }
                    for p in sorted(usable, key=lambda p: p["url"])
                ],
                "held_facts": [h for h in held if not _stated(h, shared)],
            }
        )
    return listings


# --- facts held back for a curator --------------------------------------------------------


def hold_uncertain(
    pages: list[Mapping[str, Any]], min_confidence: float = MIN_CONFIDENCE
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The pages without their unsure routes and prices, and those facts as held facts:
    ``{field, value, confidence, reason, url, quote}``. Pages without confidences (another
    extractor) keep every fact."""
    kept: list[dict[str, Any]] = []
    held: list[dict[str, Any]] = []
    for page in pages:
        page = dict(page)
        scores = page.get("confidence") or {}
        page_score = scores.get("page_type")
        unsure_page = page_unsure(page_score)
        route_quotes = {}
        for item in (page.get("evidence") or {}).get("routes_offered") or ():
            if isinstance(item, Mapping):
                route_quotes.setdefault(item.get("value"), _clean(item.get("quote")))
        routes = []
        for route in page.get("routes_offered") or ():
            score = (scores.get("routes_offered") or {}).get(route)
            if held_back(score, page_score, min_confidence):
                held.append(
                    _held(
                        "routes",
                        route,
                        page_score if unsure_page else score,
                        unsure_page,
                        page["url"],
                        route_quotes.get(route),
                    )
                )
            else:
                routes.append(route)
        prices = []
        for price in page.get("prices") or ():
            score = price.get("confidence") if isinstance(price, Mapping) else None
            if held_back(score, page_score, min_confidence):
                value = {key: price.get(key) for key in PRICE_KEYS if key != "quote"}
                held.append(
                    _held(
                        "prices",
                        value,
                        page_score if unsure_page else score,
                        unsure_page,
                        page["url"],
                        _clean(price.get("quote")),
                    )
                )
            else:
                prices.append(price)
        page["routes_offered"], page["prices"] = routes, prices
        kept.append(page)
    unique: list[dict[str, Any]] = []
    for fact in held:
        if fact not in unique and len(unique) < MAX_HELD_FACTS:
            unique.append(fact)
    return kept, unique


def _held(
    field: str, value: Any, score: float | None, unsure_page: bool, url: str, quote: str | None
) -> dict[str, Any]:
    reason = "the page's type is unclear" if unsure_page else "stated unclearly"
    return {
        "field": field,
        "value": value,
        "confidence": score,
        "reason": reason,
        "url": url,
        "quote": quote,
    }


def _stated(fact: Mapping[str, Any], shared: Mapping[str, Any]) -> bool:
    """A held fact another page of the site states plainly is no longer in doubt."""
    if fact["field"] == "routes":
        return fact["value"] in shared["routes"]
    value = fact["value"]
    return any(
        p.get("route") == value.get("route")
        and p.get("kind") == value.get("kind")
        and p.get("amount_min") == value.get("amount_min")
        for p in shared["prices"]
    )


# --- site-wide facts ---------------------------------------------------------------------


def _shared_facts(pages: list[Mapping[str, Any]]) -> dict[str, Any]:
    routes = {r for p in pages for r in p.get("routes_offered") or () if r in ROUTES}
    conditions = {c for p in pages for c in p.get("conditions") or () if c in CONDITIONS}
    steps = {s for p in pages for s in p.get("care_steps") or () if s in CARE_STEPS}
    insurance = {
        key: _merge_flag((p.get("insurance") or {}).get(key) for p in pages)
        for key in INSURANCE_KEYS
    }
    return {
        "routes": [r for r in ROUTES if r in routes],
        "conditions": [c for c in CONDITIONS if c in conditions],
        "care_steps": [s for s in CARE_STEPS if s in steps],
        "prices": _prices(pages),
        "therapy_integrated": _merge_flag(p.get("therapy_integrated") for p in pages),
        "telehealth": _merge_flag(p.get("telehealth") for p in pages),
        "insurance": insurance,
        "email": _most_common(p.get("email") for p in pages),
    }


def _merge_flag(values: Iterable[Any]) -> bool | None:
    """A fact stated on any page wins over its absence; a "yes" on one page wins over a
    "no" on another (negatives tend to be general disclaimers, positives specific)."""
    seen = [v for v in values if isinstance(v, bool)]
    if not seen:
        return None
    return any(seen)


def _prices(pages: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    prices: list[dict[str, Any]] = []
    seen: set[tuple] = set()
    for page in pages:
        for raw in page.get("prices") or ():
            if not isinstance(raw, Mapping) or raw.get("amount_min") is None:
                continue
            price = {key: raw.get(key) for key in PRICE_KEYS}
            price["kind"] = price["kind"] or "per_session"
            price["currency"] = price["currency"] or "USD"
            price["source_url"] = price["source_url"] or page["url"]
            if not _valid_price(price):  # one odd price must not cost the clinic its listing
                continue
            key = (
                price["route"],
                price["kind"],
                float(price["amount_min"]),
                None if price["amount_max"] is None else float(price["amount_max"]),
                price["sessions"],
            )
            if key not in seen:
                seen.add(key)
                prices.append(price)
    return prices


def _valid_price(price: Mapping[str, Any]) -> bool:
    try:
        amounts = [float(price["amount_min"])] + (
            [float(price["amount_max"])] if price["amount_max"] is not None else []
        )
        sessions_ok = price["sessions"] is None or int(price["sessions"]) >= 1
    except (TypeError, ValueError):
        return False
    return (
        min(amounts) >= 0
        and sessions_ok
        and price["kind"] in PRICE_KINDS
        and (price["route"] is None or price["route"] in ROUTES)
    )


# --- names and locations -------------------------------------------------------------------


def _home_url(pages: list[Mapping[str, Any]], website: str) -> str:
    for page in pages:
        if page["url"].rstrip("/") == website.rstrip("/"):
            return page["url"]
    return pages[0]["url"]


def _name(page: Mapping[str, Any]) -> str | None:
    name = _clean(page.get("name"))
    return None if name is None or name.lower() in GENERIC_NAMES else name


def _site_name(pages: list[Mapping[str, Any]], website: str) -> str | None:
    """The home page's name, else the name most pages give."""
    home = _home_url(pages, website)
    for page in pages:
        if page["url"] == home and page.get("page_type") == "clinic" and _name(page):
            return _name(page)
    return _most_common(_name(p) for p in pages if p.get("page_type") == "clinic") or _most_common(
        _name(p) for p in pages
    )


def _location_name(loc: _Location, site_name: str | None) -> str | None:
    if loc.name and (not site_name or loc.name.lower() != site_name.lower()):
        if site_name and site_name.lower() not in loc.name.lower():
            return f"{site_name} – {loc.name}"
        return loc.name
    city = (loc.address or {}).get("city")
    if site_name and city:
        return f"{site_name} – {city}"
    return site_name or loc.name


def _address_keys(address: Mapping[str, Any] | None) -> set[str]:
    """Keys under which two spellings of one address meet: street number + ZIP, street number
    + city, or ZIP/city alone when the street is unknown."""
    if not address:
        return set()
    postal = re.sub(r"\D", "", str(address.get("postal_code") or ""))[:5]
    city = _norm(address.get("city"))
    number = re.match(r"\s*(\d+[A-Za-z]?)\b", str(address.get("street") or ""))
    keys = set()
    if number:
        if postal:
            keys.add(f"{number.group(1)}|{postal}")
        if city:
            keys.add(f"{number.group(1)}|{city}")
    elif postal or city:
        keys.add(f"~{postal or city}")
    return keys


def _is_weak(loc: _Location) -> bool:
    return all(k.startswith("~") for k in loc.keys)


def _completeness(address: Mapping[str, Any] | None) -> int:
    return sum(1 for key in ADDRESS_KEYS[:4] if (address or {}).get(key))


def _locations(pages: list[Mapping[str, Any]]) -> list[_Location]:
    found: list[_Location] = []

    def add(name: Any, address: Any, phone: Any, url: str, hours: Any = None) -> None:
        address = _address(address)
        keys = _address_keys(address)
        if not keys:
            return
        for loc in found:
            if loc.keys & keys:
                loc.keys |= keys
                if _completeness(address) > _completeness(loc.address):
                    loc.address = address
                loc.name = loc.name or _clean(name)
                loc.phone = loc.phone or _clean(phone)
                loc.hours = loc.hours or _clean(hours)
                return
        found.append(_Location(_clean(name), address, _clean(phone), url, _clean(hours), keys))

    # Named locations first: they pair an address with its own phone and name.
    for page in pages:
        for entry in page.get("locations") or ():
            if isinstance(entry, Mapping):
                add(entry.get("name"), entry.get("address"), entry.get("phone"), page["url"])
    for page in pages:
        # A page that lists several locations has no single phone or hours of its own.
        several = len(page.get("locations") or ()) > 1
        add(
            None,
            page.get("address"),
            None if several else page.get("phone"),
            page["url"],
            None if several else page.get("hours"),
        )
    # Prefer the location's own page as its URL: the page whose address it is.
    for loc in found:
        for page in pages:
            if (
                _address_keys(_address(page.get("address"))) & loc.keys
                and len(page.get("locations") or ()) <= 1
            ):
                loc.url = page["url"]
                break
    # A street address beats a bare ZIP or city; bare ones count only when there is nothing
    # better, and then only those with a ZIP (a city named in passing is no location).
    strong = [loc for loc in found if not _is_weak(loc)]
    if strong:
        return strong
    with_zip = [loc for loc in found if (loc.address or {}).get("postal_code")]
    return with_zip or found[:1]


def _address(value: Any) -> dict[str, Any] | None:
    if not isinstance(value, Mapping):
        return None
    address = {key: _clean(value.get(key)) for key in ADDRESS_KEYS}
    address["country"] = address["country"] or "US"
    if not any(address[key] for key in ADDRESS_KEYS[:4]):
        return None
    return address


# --- provenance -------------------------------------------------------------------------------


def _evidence(
    pages: list[Mapping[str, Any]], loc: _Location | None
) -> dict[str, list[dict[str, str]]]:
    """{field: [{url, quote}]}; for one location of several, location facts only when the
    quote names that location (its ZIP, street number or phone)."""
    markers: list[str] = []
    if loc is not None:
        address = loc.address or {}
        markers = [
            m
            for m in (
                address.get("postal_code"),
                _street_number(address.get("street")),
                (loc.phone or "")[-4:] or None,
            )
            if m
        ]
    evidence: dict[str, list[dict[str, str]]] = {}
    for page in pages:
        for fact, entries in (page.get("evidence") or {}).items():
            for entry in entries or ():
                quote = _clean((entry or {}).get("quote")) if isinstance(entry, Mapping) else None
                if not quote:
                    continue
                if (
                    loc is not None
                    and fact in LOCATION_FIELDS
                    and not any(m in quote for m in markers)
                ):
                    continue
                bucket = evidence.setdefault(EVIDENCE_FIELD_NAMES.get(fact, fact), [])
                item = {"url": page["url"], "quote": quote}
                if item not in bucket and len(bucket) < MAX_EVIDENCE_PER_FIELD:
                    bucket.append(item)
    return evidence


# --- small helpers ----------------------------------------------------------------------------


def _street_number(street: Any) -> str | None:
    match = re.match(r"\s*(\d+)", str(street or ""))
    return match.group(1) if match else None


def _clean(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, (list, tuple)):  # e.g. opening hours given line by line
        value = "; ".join(str(v) for v in value if v)
    text = re.sub(r"\s+", " ", str(value)).strip()
    return text or None


def _norm(value: Any) -> str:
    return re.sub(r"[^a-z0-9]+", " ", str(value or "").lower()).strip()


def _first(values: Iterable[Any]) -> Any:
    for value in values:
        if _clean(value):
            return _clean(value)
    return None


def _most_common(values: Iterable[Any]) -> Any:
    """The most frequent non-empty value; ties go to the one seen first."""
    cleaned = [_clean(v) for v in values]
    counts = Counter(v for v in cleaned if v)
    if not counts:
        return None
    best = max(counts.values())
    return next(v for v in cleaned if v and counts[v] == best)
