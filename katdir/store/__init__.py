"""Stores: `open_store(settings)` picks the embedded SQLite store or Elasticsearch by URL."""

from __future__ import annotations

from katdir.filters import MAX_TEXT_WORDS, SORTS
from katdir.settings import Settings
from katdir.store.base import (
    RECORD_KINDS,
    SEARCH_TIMEOUT,
    ConflictError,
    Hit,
    NearQuery,
    Record,
    SearchResult,
    SearchTooCostly,
    Store,
    StoreError,
    StoreUnavailable,
    WriterBusy,
    client_gone,
)


def open_store(settings: Settings | str, *, es_prefix: str | None = None) -> Store:
    """The store the settings name: `sqlite:///path.db` → the embedded store;
    `http(s)://host:9200[,…]` → Elasticsearch. A URL alone is the default settings with
    that store (handy in tests and scripts); `es_prefix` overrides the settings' prefix."""
    if isinstance(settings, str):
        settings = Settings(store=settings)
    if es_prefix is not None:
        settings = settings.with_overrides({"es_prefix": es_prefix})
    url = settings.store_url
    if url.startswith("sqlite:"):
        from katdir.store.sqlite import SQLiteStore

        return SQLiteStore.from_url(url, columns_in_memory=settings.search_columns)
    if url.startswith(("http://", "https://")):
        from katdir.store.elasticsearch import ElasticsearchStore

        return ElasticsearchStore.from_settings(settings)
    raise StoreError(
        f"KATDIR_STORE={url!r} is not a store URL: use sqlite:///path/to/file.db "
        "or http(s)://host:9200 (comma-separated nodes)"
    )


__all__ = [
    "MAX_TEXT_WORDS",
    "RECORD_KINDS",
    "SEARCH_TIMEOUT",
    "SORTS",
    "ConflictError",
    "Hit",
    "NearQuery",
    "Record",
    "SearchResult",
    "SearchTooCostly",
    "Store",
    "StoreError",
    "StoreUnavailable",
    "WriterBusy",
    "open_store",
    "client_gone",
]
