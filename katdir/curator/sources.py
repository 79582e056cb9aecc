"""Sources curators add to crawl — a clinic's own site or a directory profile — each with a
re-crawl interval, its last crawl and that crawl's result. `katdir refresh` crawls the ones
that are due; the API only records them (it never crawls), after the crawler's SSRF rules."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from katdir.curator.decisions import AlreadyExists, CurationError
from katdir.model import utcnow
from katdir.netguard import url_block_reason
from katdir.store import ConflictError, Store

SourceKind = Literal["clinic_site", "directory"]
SOURCE_KINDS: tuple[str, ...] = get_args(SourceKind)
MIN_INTERVAL_H, MAX_INTERVAL_H, DEFAULT_INTERVAL_H = 1, 24 * 365, 24 * 7
MAX_URL = 2000


class CrawlSource(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    url: str
    kind: SourceKind = "clinic_site"
    interval_hours: int = Field(default=DEFAULT_INTERVAL_H, ge=MIN_INTERVAL_H, le=MAX_INTERVAL_H)
    added_by: str
    added_at: datetime
    last_crawl_at: datetime | None = None
    last_result: str | None = None
    last_ok: bool | None = None
    crawl_requested_at: datetime | None = None

    def due(self, now: datetime) -> bool:
        if self.last_crawl_at is None:
            return True
        if self.crawl_requested_at and self.crawl_requested_at >= self.last_crawl_at:
            return True
        return now - self.last_crawl_at >= timedelta(hours=self.interval_hours)


def source_id(url: str) -> str:
    return "src-" + hashlib.sha256(url.encode("utf-8")).hexdigest()[:12]


def check_url(url: Any, *, allow_private: bool = False) -> str:
    if not isinstance(url, str) or not url.strip() or len(url) > MAX_URL:
        raise CurationError("url", f"url: an http(s) URL of at most {MAX_URL} characters")
    url = url.strip()
    reason = url_block_reason(url)
    if url.lower().startswith("data:"):
        reason = "scheme 'data' is not fetched"
    if reason and not (allow_private and url.lower().startswith(("http://", "https://"))):
        raise CurationError("url", f"url: {reason} (only public http(s) sites are crawled)")
    return url


def add_source(
    store: Store,
    *,
    url: Any,
    kind: Any = "clinic_site",
    interval_hours: Any = None,
    by: str,
    allow_private: bool = False,
) -> CrawlSource:
    url = check_url(url, allow_private=allow_private)
    if kind not in SOURCE_KINDS:
        raise CurationError("kind", f"kind: one of {', '.join(SOURCE_KINDS)}")
    interval = DEFAULT_INTERVAL_H if interval_hours is None else interval_hours
    if (
        isinstance(interval, bool)
        or not isinstance(interval, int)
        or not MIN_INTERVAL_H <= interval <= MAX_INTERVAL_H
    ):
        raise CurationError(
            "interval_hours",
            f"interval_hours: a whole number of hours from {MIN_INTERVAL_H} to {MAX_INTERVAL_H}",
        )
    source = CrawlSource(
        id=source_id(url),
        url=url,
        kind=kind,
        interval_hours=interval,
        added_by=by,
        added_at=utcnow(),
    )
    try:
        store.put_record("source", source.id, source.model_dump(mode="json"), 0)
    except ConflictError:
        raise AlreadyExists("url", f"url: {url} is a source already ({source.id})") from None
    return source


def list_sources(store: Store) -> list[CrawlSource]:
    return [CrawlSource.model_validate(r.doc) for r in store.iter_records("source")]


def due_sources(store: Store, now: datetime | None = None) -> list[CrawlSource]:
    now = now or utcnow()
    return [s for s in list_sources(store) if s.due(now)]


def _update(store: Store, source_id_: str, change) -> CrawlSource:
    for _ in range(3):
        record = store.get_record("source", source_id_)
        if record is None:
            raise CurationError("id", f"no source {source_id_!r}")
        source = CrawlSource.model_validate(record.doc)
        change(source)
        try:
            store.put_record("source", source.id, source.model_dump(mode="json"), record.version)
            return source
        except ConflictError:
            continue
    raise CurationError("id", f"source {source_id_} is being changed; try again")


def request_crawl(store: Store, source_id_: str) -> CrawlSource:
    """Crawl at the next `katdir refresh`, whatever the interval says."""
    return _update(store, source_id_, lambda s: setattr(s, "crawl_requested_at", utcnow()))


def record_crawl(
    store: Store, source_id_: str, *, ok: bool, result: str, at: datetime | None = None
) -> CrawlSource:
    def change(s: CrawlSource) -> None:
        s.last_crawl_at, s.last_ok, s.last_result = at or utcnow(), ok, result[:500]

    return _update(store, source_id_, change)
