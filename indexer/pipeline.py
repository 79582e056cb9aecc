"""The indexing run: listings → clinics (normalize, merge, geocode, keep curators' work) → store.

A run only writes clinics whose crawled content changed, so re-running it on the same crawl
writes nothing; curators' review and overrides are carried over from the stored clinic and
always beat crawled values.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from tqdm import tqdm

from indexer.normalize import clinic_id, normalize_address, normalize_phone, normalize_url
from katdir.model import Clinic, Evidence, Listing, Location, Review, Source, utcnow
from katdir.store import Store

log = logging.getLogger(__name__)

# Which pages to believe first when listings of one clinic disagree.
TRUST = {"clinic": 2, "directory": 1}
# Fields a re-crawl compares to decide whether a clinic changed.
CRAWLED_FIELDS = ("name", "organization", "website", "phone", "email", "address", "location",
                  "routes", "prices", "conditions", "therapy_integrated", "care_steps",
                  "insurance", "telehealth", "hours")


@dataclass
class IndexSummary:
    listings: int = 0
    invalid: int = 0
    skipped: int = 0
    clinics: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    merged: int = 0
    not_geocoded: int = 0
    problems: list[str] = field(default_factory=list)

    def describe(self) -> str:
        return (f"indexed {self.listings} listings into {self.clinics} clinics: "
                f"{self.new} new, {self.changed} changed, {self.unchanged} unchanged, "
                f"{self.merged} listings merged into others, {self.not_geocoded} not geocoded, "
                f"{self.invalid} invalid, {self.skipped} not clinic pages")


def read_listings(lines: Iterable[str], summary: IndexSummary) -> Iterator[Listing]:
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        summary.listings += 1
        try:
            yield Listing.model_validate_json(line)
        except ValidationError as err:
            summary.invalid += 1
            first = err.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            summary.problems.append(f"line {number}: {where}: {first['msg']}")


def listing_to_clinic(listing: Listing) -> Clinic | None:
    """One listing as a clinic of its own (merging comes after); None without a name."""
    if not listing.name:
        return None
    address = normalize_address(listing.address)
    website = normalize_url(listing.website) or normalize_url(listing.url)
    evidence = {k: list(v) for k, v in listing.evidence.items()}
    return Clinic(
        id=clinic_id(listing.name, website, address),
        name=listing.name.strip(),
        organization=listing.organization,
        website=website,
        phone=normalize_phone(listing.phone),
        email=listing.email,
        address=address or {},
        routes=listing.routes,
        prices=[p.model_copy(update={"source_url": p.source_url or listing.url})
                for p in listing.prices],
        conditions=listing.conditions,
        therapy_integrated=listing.therapy_integrated,
        care_steps=listing.care_steps,
        insurance=listing.insurance,
        telehealth=listing.telehealth,
        hours=listing.hours,
        evidence=evidence,
        sources=[Source(url=url, spider=listing.spider, fetched_at=listing.fetched_at,
                        content_hash=listing.content_hash)
                 for url in dict.fromkeys([listing.url, *listing.source_urls])],
        last_seen=listing.fetched_at,
    )


def merge_clinics(group: list[tuple[int, Clinic]]) -> Clinic:
    """One clinic from listings of the same place: trusted sources' scalars, union of facts."""
    group = sorted(group, key=lambda tc: -tc[0])
    merged = group[0][1].model_copy(deep=True)
    for _, other in group[1:]:
        for name in ("organization", "website", "phone", "email", "hours",
                     "therapy_integrated", "telehealth"):
            if getattr(merged, name) is None and getattr(other, name) is not None:
                setattr(merged, name, getattr(other, name))
        for name, value in other.address.model_dump().items():
            if getattr(merged.address, name) in (None, "") and value:
                setattr(merged.address, name, value)
        for name, value in other.insurance.model_dump().items():
            if getattr(merged.insurance, name) is None and value is not None:
                setattr(merged.insurance, name, value)
        merged.routes = merged.routes + other.routes
        merged.conditions = merged.conditions + other.conditions
        merged.care_steps = merged.care_steps + other.care_steps
        seen = {_price_key(p) for p in merged.prices}
        merged.prices = merged.prices + [p for p in other.prices if _price_key(p) not in seen]
        for key, items in other.evidence.items():
            merged.evidence.setdefault(key, []).extend(
                e for e in items if e not in merged.evidence.get(key, []))
        known = {s.url for s in merged.sources}
        merged.sources = merged.sources + [s for s in other.sources if s.url not in known]
        if other.last_seen and (merged.last_seen is None or other.last_seen > merged.last_seen):
            merged.last_seen = other.last_seen
    return merged


def _price_key(price) -> tuple:
    return (price.route, price.kind, price.amount_min, price.amount_max, price.sessions)


def geocode_clinic(clinic: Clinic, geocoder) -> bool:
    """Give the clinic a location from its address; False when no place was found."""
    address = clinic.address
    for query in (address.one_line(), address.postal_code,
                  f"{address.city}, {address.state}" if address.city and address.state else None):
        if not query:
            continue
        found = geocoder.geocode(query)
        if found is not None:
            clinic.location = Location(lat=found.latitude, lon=found.longitude,
                                       precision=found.raw.get("precision", "city"))
            return True
    return False


def _crawled(clinic: Clinic) -> dict[str, Any]:
    return clinic.model_dump(mode="json", include=set(CRAWLED_FIELDS))


def carry_over(fresh: Clinic, stored: Clinic | None, *, approve: bool) -> tuple[Clinic, str]:
    """The clinic to write, and whether it is 'new', 'changed' or 'unchanged'."""
    now = utcnow()
    if stored is None:
        fresh.first_seen = fresh.last_seen or now
        fresh.last_changed = now
        fresh.review = Review(status="approved" if approve else "pending",
                              by="katdir index --approve" if approve else None,
                              at=now if approve else None)
        return fresh, "new"
    fresh.first_seen = stored.first_seen
    fresh.review = stored.review
    fresh.overrides = stored.overrides
    fresh.version = stored.version
    fresh.last_changed = stored.last_changed
    for name, value in stored.overrides.items():  # curators' corrections beat crawled values
        if name in Clinic.model_fields:
            setattr(fresh, name, value)
    if _crawled(fresh) == _crawled(stored) and fresh.last_seen == stored.last_seen:
        return stored, "unchanged"
    if _crawled(fresh) != _crawled(stored):
        fresh.version = stored.version + 1
        fresh.last_changed = now
    return fresh, "changed"


def index_listings(listings: Iterable[Listing], store: Store, geocoder, *, approve: bool = False,
                   progress: bool = False, summary: IndexSummary | None = None) -> IndexSummary:
    summary = summary or IndexSummary()
    groups: dict[str, list[tuple[int, Clinic]]] = defaultdict(list)
    for listing in listings:
        clinic = listing_to_clinic(listing) if listing.page_type in TRUST else None
        if clinic is None:
            summary.skipped += 1
            continue
        groups[clinic.id].append((TRUST[listing.page_type], clinic))

    to_write = []
    bar = tqdm(groups.items(), total=len(groups), desc="indexing clinics", unit="clinic",
               disable=not progress, leave=False)
    for cid, group in bar:
        summary.merged += len(group) - 1
        fresh = merge_clinics(group)
        if not geocode_clinic(fresh, geocoder):
            summary.not_geocoded += 1
            log.warning("no location for clinic %s (address %r): it is stored but cannot be "
                        "found by near-me search", cid, fresh.address.one_line())
        clinic, state = carry_over(fresh, store.get(cid), approve=approve)
        setattr(summary, state, getattr(summary, state) + 1)
        if state != "unchanged":
            to_write.append(clinic)
    store.upsert(to_write)
    summary.clinics = len(groups)
    return summary


def index_file(path: Path, store: Store, geocoder, *, approve: bool = False,
               progress: bool = False) -> IndexSummary:
    summary = IndexSummary()
    with open(path, encoding="utf-8") as lines:
        index_listings(read_listings(lines, summary), store, geocoder, approve=approve,
                       progress=progress, summary=summary)
    for problem in summary.problems[:20]:
        log.warning("%s: skipped listing: %s", path, problem)
    return summary
