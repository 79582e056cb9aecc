"""Item pipelines, one job each: validate into ``katdir.model.Listing``, require an identity,
drop duplicates. Each returns the item or raises ``DropItem`` with the reason, and counts
the reason in the stats (``katdir/dropped/<reason>``) for the crawl summary."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter
from pydantic import ValidationError
from scrapy.exceptions import DropItem

from katdir.model import Listing

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class ListingDropped(DropItem):
    """An item refused by a pipeline; ``reason`` is a short stats key."""

    def __init__(self, reason: str, message: str, log_level: str = "INFO") -> None:
        super().__init__(f"{reason}: {message}", log_level=log_level)
        self.reason = reason


class _Pipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> _Pipeline:
        return cls(crawler)

    def drop(self, reason: str, message: str, log_level: str = "INFO") -> ListingDropped:
        self.stats.inc_value(f"katdir/dropped/{reason}")
        return ListingDropped(reason, message, log_level)


class ValidateListingPipeline(_Pipeline):
    """Validate an item against ``Listing`` and pass on its canonical JSON form
    (``Listing.model_dump(mode="json")``), so every later stage sees one shape."""

    def process_item(self, item: Any) -> dict[str, Any]:
        data = ItemAdapter(item).asdict()
        try:
            listing = Listing.model_validate(data)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or 'item'}: {err['msg']}"
                for err in exc.errors()[:5]
            )
            raise self.drop("invalid", f"{data.get('url')}: {problems}", "WARNING") from None
        return listing.model_dump(mode="json")


class RequireIdentityPipeline(_Pipeline):
    """Drop listings with neither a name nor an address: nobody could find or check them."""

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        address = item.get("address") or {}
        has_address = any(address.get(k) for k in ("street", "city", "postal_code"))
        if not (item.get("name") or "").strip() and not has_address:
            raise self.drop("no_identity", f"{item.get('url')}: no name and no address")
        return item


def _norm(value: Any) -> str:
    return re.sub(r"[^a-z0-9]+", " ", str(value or "").lower()).strip()


def dedupe_key(item: dict[str, Any]) -> tuple:
    """Same kind of page, same site, same name, same place: the same listing. Listings of
    one clinic from different sources are kept: the indexer merges them with provenance."""
    address = item.get("address") or {}
    site = _norm(item.get("website") or item.get("url"))
    street_number = (re.match(r"\s*(\d+)", address.get("street") or "") or [None])[0]
    place = (_norm(street_number), _norm(address.get("postal_code") or address.get("city")))
    return (
        item.get("page_type"),
        site,
        _norm(item.get("name")),
        place,
        re.sub(r"\D", "", item.get("phone") or ""),
    )


class DedupeListingPipeline(_Pipeline):
    """Drop a listing already emitted in this crawl (a site reached from two seeds, a
    directory entry on two pages)."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.seen: set[tuple] = set()

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        key = dedupe_key(item)
        if key in self.seen:
            raise self.drop("duplicate", f"{item.get('url')}: already emitted")
        self.seen.add(key)
        return item
