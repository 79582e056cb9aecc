"""The Elasticsearch node killed (SIGKILL) in the middle of a rebuild: while its bulk load runs,
and at the moment the alias is to move. Either way the public alias still serves the previous
complete index after the node comes back, and the next rebuild succeeds and leaves no
half-loaded index behind.

The node is a real one of its own (tools/es-node/esctl with its own var folder), so that
killing it disturbs no other test.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
import uuid
from pathlib import Path

import pytest

from bench.synthetic import synthetic_clinics
from katdir.store import StoreUnavailable
from katdir.store import es_schema as schema
from katdir.store.elasticsearch import ElasticsearchStore

pytestmark = [pytest.mark.elasticsearch, pytest.mark.xdist_group("es-faults")]

ESCTL = Path(__file__).resolve().parents[2] / "tools" / "es-node" / "esctl"
BEFORE = 300  # clinics of the complete index the alias serves
AFTER = 30_000  # a rebuild long enough to be killed in the middle of its bulk load


class Node:
    """One Elasticsearch node in a folder of its own: start, kill -9, start again."""

    def __init__(self, var: Path):
        self.env = {**os.environ, "ES_VAR_DIR": str(var), "ES_HTTP_PORT": "0",
                    "ES_TRANSPORT_PORT": "0", "ES_HEAP": "384m"}
        self.pid_file = var / "elasticsearch" / "node.pid"
        self.url = ""

    def start(self) -> str:
        done = subprocess.run([str(ESCTL), "start"], env=self.env, capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
        self.url = done.stdout.strip().splitlines()[-1]
        return self.url

    def kill(self) -> None:
        os.kill(int(self.pid_file.read_text()), signal.SIGKILL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                os.kill(int(self.pid_file.read_text()), 0)
            except (ProcessLookupError, FileNotFoundError):
                return
            time.sleep(0.1)

    def stop(self) -> None:
        subprocess.run([str(ESCTL), "stop"], env=self.env, capture_output=True, timeout=120)


@pytest.fixture
def node(tmp_path):
    node = Node(tmp_path / "var")
    node.start()
    yield node
    node.stop()


def store_on(url: str, prefix: str) -> ElasticsearchStore:
    return ElasticsearchStore([url], prefix=prefix, request_timeout=10, max_retries=0)


def served_ids(store: ElasticsearchStore) -> set[str]:
    return {c.id for c in store.iter_clinics()}


def clinic_indices(store: ElasticsearchStore) -> list[str]:
    return sorted(store.es.indices.get(index=schema.clinics_index_pattern(store.prefix)))


def test_killed_during_the_bulk_load_the_previous_index_serves_and_the_next_run_recovers(node):
    prefix = f"katdir-test-faults-{uuid.uuid4().hex[:8]}"
    before = list(synthetic_clinics(BEFORE, seed=5))
    store = store_on(node.url, prefix)
    store.rebuild(before)
    [complete] = store.aliased_indices()

    failed: list[BaseException] = []

    def rebuild() -> None:
        try:
            store_on(node.url, prefix).rebuild(synthetic_clinics(AFTER, seed=6))
        except BaseException as error:  # noqa: BLE001 — the failure is what the test reads
            failed.append(error)

    loading = threading.Thread(target=rebuild)
    loading.start()
    deadline = time.monotonic() + 120
    while len(clinic_indices(store)) < 2:  # the new index exists: its bulk load has begun
        assert time.monotonic() < deadline, "the rebuild never created its index"
        time.sleep(0.05)
    time.sleep(0.5)
    node.kill()
    loading.join(timeout=120)
    assert failed and isinstance(failed[0], StoreUnavailable), failed

    store = store_on(node.start(), prefix)
    assert store.aliased_indices() == [complete]
    assert served_ids(store) == {c.id for c in before}  # complete, nothing half-loaded shows

    after = list(synthetic_clinics(500, seed=7))
    assert store.rebuild(after) == 500
    assert served_ids(store) == {c.id for c in after}
    assert clinic_indices(store) == store.aliased_indices()  # the abandoned index is gone
    store.drop_everything()


def test_killed_as_the_alias_moves_the_previous_index_serves_and_the_next_run_recovers(
        node, monkeypatch):
    prefix = f"katdir-test-faults-{uuid.uuid4().hex[:8]}"
    before = list(synthetic_clinics(BEFORE, seed=8))
    store = store_on(node.url, prefix)
    store.rebuild(before)
    [complete] = store.aliased_indices()

    moving = store_on(node.url, prefix)
    real_update = moving.es.indices.update_aliases

    def kill_then_update(*args, **kwargs):  # the node dies as the alias call goes out
        node.kill()
        return real_update(*args, **kwargs)

    monkeypatch.setattr(moving.es.indices, "update_aliases", kill_then_update)
    with pytest.raises(StoreUnavailable):
        moving.rebuild(synthetic_clinics(400, seed=9))

    store = store_on(node.start(), prefix)
    assert store.aliased_indices() == [complete]
    assert served_ids(store) == {c.id for c in before}

    after = list(synthetic_clinics(450, seed=10))
    assert store.rebuild(after) == 450
    assert served_ids(store) == {c.id for c in after}
    assert clinic_indices(store) == store.aliased_indices()
    store.drop_everything()
