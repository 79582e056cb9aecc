"""Fixtures of the store tests: the 3-node cluster `make test` starts for the replica tests,
and Elasticsearch stores under a prefix of their own that is dropped afterwards."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def elasticsearch_cluster_url() -> str | None:
    """The cluster `esctl start --nodes 3` started: KATDIR_TEST_ES_CLUSTER_URL, else
    var/elasticsearch-cluster.url (comma-separated node URLs)."""
    url = os.environ.get("KATDIR_TEST_ES_CLUSTER_URL")
    path = ROOT / "var" / "elasticsearch-cluster.url"
    if not url and path.is_file():
        url = path.read_text().strip()
    return url or None


@pytest.fixture(scope="session")
def es_cluster_url() -> str:
    url = elasticsearch_cluster_url()
    if not url:
        # Never a skip: CI must go red when the replica tests cannot run.
        pytest.fail(
            "no Elasticsearch cluster: run `make es-cluster-start` (make test does) "
            "or set KATDIR_TEST_ES_CLUSTER_URL"
        )
    return url


def unique_prefix(name: str = "t") -> str:
    """A prefix of its own per test: tests running in parallel share one node."""
    return f"katdir-test-{name}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def es_store(es_url) -> Iterator:
    """An empty Elasticsearch store under a prefix of its own, dropped afterwards."""
    from katdir.store.elasticsearch import ElasticsearchStore

    store = ElasticsearchStore(es_url.split(","), prefix=unique_prefix())
    yield store
    store.drop_everything()
    store.close()
