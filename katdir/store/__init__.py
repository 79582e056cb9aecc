"""Stores: `open_store(url)` picks the embedded SQLite store or Elasticsearch by URL."""

from __future__ import annotations

from katdir.filters import MAX_TEXT_WORDS, SORTS
from katdir.store.base import (
    SEARCH_TIMEOUT,
    ConflictError,
    Hit,
    NearQuery,
    SearchResult,
    SearchTooCostly,
    Store,
    StoreError,
    StoreUnavailable,
    client_gone,
)


def open_store(url: str, *, es_prefix: str = "katdir") -> Store:
    """`sqlite:///path.db` → the embedded store; `http(s)://host:9200[,…]` → Elasticsearch."""
    if url.startswith("sqlite:"):
        from katdir.store.sqlite import SQLiteStore

        return SQLiteStore.from_url(url)
    if url.startswith(("http://", "https://")):
        from katdir.store.elasticsearch import ElasticsearchStore

        return ElasticsearchStore(url.split(","), prefix=es_prefix)
    raise StoreError(
        f"KATDIR_STORE={url!r} is not a store URL: use sqlite:///path/to/file.db "
        "or http(s)://host:9200 (comma-separated nodes)"
    )


__all__ = ["MAX_TEXT_WORDS", "SEARCH_TIMEOUT", "SORTS", "ConflictError", "Hit", "NearQuery",
           "SearchResult", "SearchTooCostly", "Store", "StoreError", "StoreUnavailable",
           "open_store", "client_gone"]
