"""Fixtures shared by the whole suite: stores, and the Elasticsearch node that `make test` starts."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def elasticsearch_url() -> str | None:
    """The node `make es-start` started: KATDIR_TEST_ES_URL, else var/elasticsearch.url."""
    url = os.environ.get("KATDIR_TEST_ES_URL")
    if not url and (ROOT / "var" / "elasticsearch.url").is_file():
        url = (ROOT / "var" / "elasticsearch.url").read_text().strip()
    return url or None


@pytest.fixture(scope="session")
def es_url() -> str:
    url = elasticsearch_url()
    if not url:
        # Never a skip: a missing node is a broken set-up, and CI must go red on it.
        pytest.fail(
            "no Elasticsearch node: run `make es-start` (make test does) or set KATDIR_TEST_ES_URL"
        )
    return url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'katdir.db'}"
