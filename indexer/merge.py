"""One clinic's crawled facts from several sources: fields chosen by trust and recency.

A `Facts` is what one source says about one clinic location, normalized: a listing, or —
on a partial crawl — what the stored clinic holds from the sources this crawl did not
revisit. `merge_facts` orders the sources by trust (the clinic's own site before a
directory), then by recency (the newest fetch first), and then:

- single values (name, phone, website, email, hours, flags, each insurance flag) come from
  the first source that states them;
- the address is the first source's that has a street, completed from sources in the same
  ZIP (a suite only another source names is taken when the street number agrees);
- lists (routes, conditions, care steps) and prices come from the most trusted tier of
  sources that states any (a directory's list never dilutes what the clinic's site says),
  united within that tier;
- evidence and sources are kept from every source, so a curator can see where each
  listing of the clinic was found.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from indexer.normalize import normalize_address, normalize_email, normalize_price, parse_street
from katdir.model import Address, Clinic, Listing
from katdir.normalize import canonical_site, normalize_phone, normalize_url, site_host, site_key

# How far each kind of page is believed when sources disagree.
TRUST = {"clinic": 2, "directory": 1}
MAX_EVIDENCE_PER_FIELD = 10


def kept_source(url: str, covered: set[str]) -> bool:
    """Whether a stored source outlives a crawl that did not list the clinic there: only if
    the crawl did not cover its site. Sources on a loopback or bare-IP host with a port (the
    demo's and the tests' sample web, on new ports every run) can never be covered again and
    are not kept."""
    host = site_host(url)
    return bool(host) and host not in covered and site_key(url) is not None


@dataclass(slots=True)
class Facts:
    """What one source says about one clinic location, in the model's forms."""

    trust: int
    url: str
    fetched_at: datetime | None
    name: str | None
    organization: str | None = None
    website: str | None = None
    phone: str | None = None
    email: str | None = None
    hours: str | None = None
    telehealth: bool | None = None
    therapy_integrated: bool | None = None
    address: Address | None = None
    routes: list[str] = field(default_factory=list)
    conditions: list[str] = field(default_factory=list)
    care_steps: list[str] = field(default_factory=list)
    prices: list[dict[str, Any]] = field(default_factory=list)
    insurance: dict[str, bool | None] = field(default_factory=dict)
    evidence: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    sources: list[dict[str, Any]] = field(default_factory=list)
    held_facts: list[dict[str, Any]] = field(default_factory=list)
    order: tuple = ()
    # The matching's keys (indexer.matching.ClinicKeys, without their coarse point), when
    # indexer.pipeline.read_facts read these facts: made in the process that normalized them,
    # whose street parser has this very address in its memo.
    keys: Any = None

    def __post_init__(self) -> None:
        # Most trusted first, then newest first; the URL and name make the order total.
        newest = -self.fetched_at.timestamp() if self.fetched_at else float("inf")
        self.order = (-self.trust, newest, self.url, self.name or "")


def facts_from_listing(listing: Listing) -> Facts | None:
    """A listing's facts, normalized; None for pages that are no clinic's (articles, other)."""
    trust = TRUST.get(listing.page_type)
    if trust is None:
        return None
    website = normalize_url(listing.website)
    if listing.page_type == "directory":
        if website and site_host(website) == site_host(listing.url):
            website = None  # a directory linking to itself names no clinic's website
    elif website is None:
        website = canonical_site(listing.url)  # a clinic's own page: its site is its website
    prices = []
    for price in listing.prices:
        fixed = normalize_price(
            {
                "route": price.route,
                "kind": price.kind,
                "amount_min": price.amount_min,
                "amount_max": price.amount_max,
                "currency": price.currency,
                "sessions": price.sessions,
                "source_url": price.source_url or listing.url,
                "quote": price.quote,
            }
        )
        if fixed is not None:
            prices.append(fixed)
    source_urls = dict.fromkeys([listing.url, *listing.source_urls])
    fetched_at = listing.fetched_at
    if fetched_at is not None and fetched_at.tzinfo is None:
        fetched_at = fetched_at.replace(tzinfo=timezone.utc)
    return Facts(
        trust=trust,
        url=listing.url,
        fetched_at=fetched_at,
        name=" ".join(listing.name.split()) if listing.name else None,
        organization=" ".join(listing.organization.split()) if listing.organization else None,
        website=website,
        phone=normalize_phone(listing.phone),
        email=normalize_email(listing.email),
        hours=listing.hours.strip() if listing.hours else None,
        telehealth=listing.telehealth,
        therapy_integrated=listing.therapy_integrated,
        address=normalize_address(listing.address),
        routes=list(listing.routes),
        conditions=list(listing.conditions),
        care_steps=list(listing.care_steps),
        prices=prices,
        insurance={k: v for k, v in listing.insurance.__dict__.items() if v is not None},
        evidence={
            k: [{"url": e.url, "quote": e.quote} for e in v] for k, v in listing.evidence.items()
        },
        sources=_sources(listing, source_urls, fetched_at),
        held_facts=[h.model_dump(mode="json") for h in listing.held_facts],
    )


def _sources(listing: Listing, urls: dict[str, None], fetched_at: Any) -> list[dict[str, Any]]:
    """One source per page read: its own digest and time when the listing has them."""
    pages = {s.url: s for s in listing.sources}
    sources = []
    for url in urls:
        page = pages.get(url)
        when = page.fetched_at if page and page.fetched_at else fetched_at
        if when is not None and when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        sources.append(
            {
                "url": url,
                "spider": (page.spider if page else None) or listing.spider,
                "fetched_at": when,
                "content_hash": page.content_hash if page else listing.content_hash,
            }
        )
    return sources


def facts_kept_from(stored: Clinic, crawled: dict[str, Any], covered: set[str]) -> Facts | None:
    """What a stored clinic knows from sources this crawl did not cover (None if there are
    none): a partial crawl must neither drop those sources nor the facts read from them.

    `crawled` is the stored clinic's crawled view (its fields without curators' overrides).
    """
    kept = [s for s in stored.sources if kept_source(s.url, covered)]
    if not kept:
        return None
    fetched = [s.fetched_at for s in kept if s.fetched_at] or [stored.last_seen]
    address = crawled.get("address")
    own_site = site_host(crawled.get("website"))
    return Facts(
        trust=max(
            TRUST["clinic"] if own_site and site_host(s.url) == own_site else TRUST["directory"]
            for s in kept
        ),
        url=kept[0].url,
        fetched_at=max((f for f in fetched if f), default=None),
        name=crawled.get("name"),
        organization=crawled.get("organization"),
        website=crawled.get("website"),
        phone=crawled.get("phone"),
        email=crawled.get("email"),
        hours=crawled.get("hours"),
        telehealth=crawled.get("telehealth"),
        therapy_integrated=crawled.get("therapy_integrated"),
        address=Address.model_validate(address) if address else None,
        routes=list(crawled.get("routes") or []),
        conditions=list(crawled.get("conditions") or []),
        care_steps=list(crawled.get("care_steps") or []),
        prices=[
            dict(p)
            for p in crawled.get("prices") or []
            if not p.get("source_url") or site_host(p["source_url"]) not in covered
        ],
        insurance={k: v for k, v in (crawled.get("insurance") or {}).items() if v is not None},
        evidence={
            k: [e for e in v if site_host(e.get("url")) not in covered]
            for k, v in (crawled.get("evidence") or {}).items()
        },
        sources=[s.model_dump() for s in kept],
    )


def _first(facts: list[Facts], name: str) -> Any:
    for f in facts:
        value = getattr(f, name)
        if value is not None and value != "":
            return value
    return None


def _tiered(facts: list[Facts], name: str) -> list[Facts]:
    """The sources of the most trusted tier that state anything for a list field."""
    for trust in sorted({f.trust for f in facts}, reverse=True):
        tier = [f for f in facts if f.trust == trust and getattr(f, name)]
        if tier:
            return tier
    return []


def _address(facts: list[Facts]) -> Address | None:
    with_street = [f.address for f in facts if f.address is not None and f.address.street]
    others = [f.address for f in facts if f.address is not None]
    if not others:
        return None
    best = (with_street or others)[0]
    street = best.street
    if street and parse_street(street).unit is None:
        number = parse_street(street).number
        for other in with_street[1:]:
            parsed = parse_street(other.street)
            if (
                parsed.unit
                and parsed.number == number
                and (other.postal_code or "")[:5] == (best.postal_code or "")[:5]
            ):
                street = other.street
                break
    zip5 = (best.postal_code or "")[:5]
    city, state, postal = best.city, best.state, best.postal_code
    for other in others:
        same_place = (zip5 and (other.postal_code or "")[:5] == zip5) or (
            city and other.city == city and (not state or other.state == state)
        )
        if not same_place:
            continue
        city = city or other.city
        state = state or other.state
        if other.postal_code and (
            not postal
            or (len(other.postal_code) > len(postal) and other.postal_code.startswith(postal))
        ):
            postal = other.postal_code  # ZIP+4 where one source gives it
    return Address(street=street, city=city, state=state, postal_code=postal, country=best.country)


def _price_key(price: dict[str, Any]) -> tuple:
    return (
        price.get("route") or "",
        price.get("kind") or "",
        price["amount_min"],
        price.get("amount_max") or 0.0,
        price.get("sessions") or 0,
        price.get("currency") or "",
    )


def merge_facts(facts: list[Facts]) -> dict[str, Any]:
    """The crawled fields of one clinic (model field names), plus `last_seen`."""
    if len(facts) == 1:
        return _single(facts[0])
    facts = sorted(facts, key=lambda f: f.order)
    merged: dict[str, Any] = {}
    for name in (
        "name",
        "organization",
        "website",
        "phone",
        "email",
        "hours",
        "telehealth",
        "therapy_integrated",
    ):
        merged[name] = _first(facts, name)
    merged["address"] = _address(facts)
    for name in ("routes", "conditions", "care_steps"):
        merged[name] = sorted({v for f in _tiered(facts, name) for v in getattr(f, name)})
    prices: dict[tuple, dict[str, Any]] = {}
    for f in _tiered(facts, "prices"):
        for price in f.prices:
            prices.setdefault(_price_key(price), price)
    merged["prices"] = [prices[k] for k in sorted(prices)]
    insurance: dict[str, bool] = {}
    for f in facts:
        for key, value in f.insurance.items():
            insurance.setdefault(key, value)
    merged["insurance"] = insurance
    evidence: dict[str, list[dict[str, str]]] = {}
    for f in facts:
        for key, items in f.evidence.items():
            bucket = evidence.setdefault(key, [])
            for item in items:
                if item not in bucket and len(bucket) < MAX_EVIDENCE_PER_FIELD:
                    bucket.append(item)
    merged["evidence"] = {k: v for k, v in sorted(evidence.items()) if v}
    sources: dict[str, dict[str, Any]] = {}
    for f in facts:
        for source in f.sources:
            known = sources.get(source["url"])
            if known is None or (
                source.get("fetched_at")
                and (not known.get("fetched_at") or source["fetched_at"] > known["fetched_at"])
            ):
                sources[source["url"]] = source
    merged["sources"] = [sources[url] for url in sorted(sources)]
    merged["held_facts"] = _held_facts(facts)
    seen = [f.fetched_at for f in facts if f.fetched_at]
    merged["last_seen"] = max(seen) if seen else None
    merged["first_fetched"] = min(seen) if seen else None
    return merged


def _single(f: Facts) -> dict[str, Any]:
    """`merge_facts` of one source (most clinics), the same result without the bookkeeping."""
    prices: dict[tuple, dict[str, Any]] = {}
    for price in f.prices:
        prices.setdefault(_price_key(price), price)
    sources: dict[str, dict[str, Any]] = {}
    for source in f.sources:
        sources.setdefault(source["url"], source)
    evidence = {}
    for key in sorted(f.evidence):
        items = []
        for item in f.evidence[key]:
            if item not in items and len(items) < MAX_EVIDENCE_PER_FIELD:
                items.append(item)
        if items:
            evidence[key] = items
    return {
        "name": f.name or None,
        "organization": f.organization or None,
        "website": f.website or None,
        "phone": f.phone or None,
        "email": f.email or None,
        "hours": f.hours or None,
        "telehealth": f.telehealth,
        "therapy_integrated": f.therapy_integrated,
        "address": _address([f]),
        "routes": sorted(set(f.routes)),
        "conditions": sorted(set(f.conditions)),
        "care_steps": sorted(set(f.care_steps)),
        "prices": [prices[k] for k in sorted(prices)],
        "insurance": dict(f.insurance),
        "evidence": evidence,
        "sources": [sources[url] for url in sorted(sources)],
        "held_facts": _held_facts([f]),
        "last_seen": f.fetched_at,
        "first_fetched": f.fetched_at,
    }


def _held_facts(facts: list[Facts]) -> list[dict[str, Any]]:
    """The sources' unsure facts, each once, without those the clinic states plainly."""
    held: list[dict[str, Any]] = []
    for f in facts:
        for fact in f.held_facts:
            if fact not in held:
                held.append(fact)
    return held


def common_organization(names: list[str]) -> str | None:
    """What branch names of one practice share at their start ("Front Range Ketamine –
    Lakewood", "Front Range Ketamine – Colorado Springs" → "Front Range Ketamine")."""
    if len(names) < 2:
        return None
    split = [n.replace("–", " ").replace("—", " ").replace(" - ", " ").split() for n in names]
    prefix: list[str] = []
    for words in zip(*split, strict=False):
        if len({w.lower() for w in words}) != 1:
            break
        prefix.append(words[0])
    while prefix and prefix[-1].lower() in {"of", "the", "at", "-", "&", "and"}:
        prefix.pop()
    return " ".join(prefix) if len(prefix) >= 2 else None


def organization_of_branches(groups: list[dict[str, Any]], host_of) -> None:
    """Give the branches of one practice (clinics sharing a website host) their organization
    when no source named it: the organization another branch has, else their names' common
    start. Mutates the merged dicts."""
    by_host: dict[str, list[dict[str, Any]]] = {}
    for merged in groups:
        host = host_of(merged.get("website"))
        if host:
            by_host.setdefault(host, []).append(merged)
    for branches in by_host.values():
        if len(branches) < 2:
            continue
        named = Counter(b["organization"] for b in branches if b.get("organization"))
        organization = (
            min(named, key=lambda o: (-named[o], o))
            if named
            else common_organization([b["name"] for b in branches if b.get("name")])
        )
        if organization:
            for branch in branches:
                branch["organization"] = branch.get("organization") or organization
