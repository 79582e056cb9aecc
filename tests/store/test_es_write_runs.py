"""Write runs on Elasticsearch (`store.writing()`: `katdir index`, `katdir import`): one writer
at a time under a lock document, and all of a run or none of it — its writes go to a new
generation of the clinic index that the alias names only when the run ends well.

Killing the writer or the node in the middle of a run: tests/store/test_es_faults.py."""

from __future__ import annotations

import time

import pytest

from katdir.model import Clinic, Decision
from katdir.store import StoreError, WriterBusy
from katdir.store import es_schema as schema
from katdir.store.elasticsearch import ElasticsearchStore

pytestmark = pytest.mark.elasticsearch


def clinics(prefix: str, n: int, name: str = "clinic") -> list[Clinic]:
    return [
        Clinic(
            id=f"{prefix}-{i:04d}",
            name=f"{name} {i}",
            location={"lat": 39.7 + i / 1000, "lon": -105.0},
            review={"status": "approved"},
        )
        for i in range(n)
    ]


def names(store: ElasticsearchStore) -> dict[str, str]:
    return {c.id: c.name for c in store.iter_clinics()}


def clinic_indices(store: ElasticsearchStore) -> list[str]:
    return sorted(store.es.indices.get(index=schema.clinics_index_pattern(store.prefix)))


def another(store: ElasticsearchStore) -> ElasticsearchStore:
    """A second client on the same directory, as another process would have."""
    return ElasticsearchStore(
        [str(n.base_url) for n in store.es.transport.node_pool.all()], prefix=store.prefix
    )


def test_a_run_is_invisible_until_it_ends_then_all_of_it_shows(es_store):
    es_store.upsert(clinics("a", 50, "old"))
    reader = another(es_store)
    with es_store.writing("katdir index"):
        es_store.upsert(clinics("a", 30, "new"))
        es_store.upsert(clinics("b", 20, "added"))
        assert es_store.delete("a-0049")
        # The run reads its own writes; everyone else still sees the previous state.
        assert es_store.get("a-0000").name == "new 0" and es_store.get("a-0049") is None
        assert len(names(es_store)) == 69
        assert set(names(reader).values()) == {f"old {i}" for i in range(50)}
        assert reader.count() == 50
    seen = names(reader)
    assert len(seen) == 69 and seen["a-0000"] == "new 0" and seen["a-0040"] == "old 40"
    assert seen["b-0019"] == "added 19" and "a-0049" not in seen
    assert clinic_indices(reader) == reader.aliased_indices()  # the old generation is gone
    assert not reader.es.exists(index=reader.writer_lock, id="writer")  # the lock is released
    reader.close()


def test_a_run_that_fails_halfway_leaves_everything_as_it_was(es_store):
    es_store.upsert(clinics("a", 40, "old"))
    [live] = es_store.aliased_indices()
    with pytest.raises(RuntimeError), es_store.writing("katdir import"):
        es_store.upsert(clinics("a", 40, "half"))
        raise RuntimeError("the run fails after its first batch")
    assert set(names(es_store).values()) == {f"old {i}" for i in range(40)}
    assert clinic_indices(es_store) == [live] == es_store.aliased_indices()
    # The live index takes writes again, and the next run takes the lock.
    es_store.upsert(clinics("c", 1, "curated"))
    with es_store.writing("katdir index"):
        es_store.upsert(clinics("a", 40, "next"))
    assert names(es_store)["a-0039"] == "next 39" and names(es_store)["c-0000"] == "curated 0"


def test_a_second_writer_is_told_who_writes_and_waits_for_nothing(es_store):
    es_store.upsert(clinics("a", 10, "old"))
    second = another(es_store)
    with es_store.writing("katdir index"):
        with pytest.raises(WriterBusy) as busy, second.writing("katdir import"):
            pytest.fail("the second run must not start")
        message = str(busy.value)
        assert message.startswith(f"the Elasticsearch directory {es_store.prefix!r} ")
        assert "is being written by katdir index (pid " in message and "since" in message
        assert "run this again when it has finished" in message
        es_store.upsert(clinics("a", 10, "first"))
        # A single write from elsewhere (a curator's) meanwhile: refused, naming the run,
        # instead of landing in the index the run is about to replace.
        with pytest.raises(WriterBusy, match="being written by katdir index"):
            second.upsert(clinics("a", 1, "curator"))
        with pytest.raises(WriterBusy, match="being written by katdir index"):
            second.delete("a-0003")
        # A curator's decision is refused before it is written, not saved without its copy.
        with pytest.raises(WriterBusy, match="being written by katdir index"):
            second.put_decision(Decision(clinic_id="a-0001", overrides={"name": "curated"}))
        assert second.get_decision("a-0001") is None
    assert set(names(second).values()) == {f"first {i}" for i in range(10)}
    with second.writing("katdir import"):  # free again
        second.upsert(clinics("a", 10, "second"))
    second.upsert(clinics("a", 1, "curator"))
    assert names(es_store)["a-0000"] == "curator 0" and names(es_store)["a-0009"] == "second 9"
    second.close()


def test_a_run_whose_lock_was_taken_over_makes_nothing_visible(es_store):
    es_store.upsert(clinics("a", 10, "old"))
    es_store.lock_ttl = 0.5  # this run "hangs" past its lock (no renewal in time)
    other = another(es_store)
    with pytest.raises(StoreError, match="another writer took over the writer lock"):
        with es_store.writing("katdir index"):
            es_store.upsert(clinics("a", 10, "slow"))
            # Its lock expires; the renewer beat too late: stop it renewing for the test.
            es_store._run().done.set()
            time.sleep(1.0)
            with other.writing("katdir import"):  # takes the expired lock over
                other.upsert(clinics("a", 10, "taker"))
    assert set(names(other).values()) == {f"taker {i}" for i in range(10)}
    assert clinic_indices(other) == other.aliased_indices()
    other.close()


def test_the_first_run_on_an_empty_directory_makes_its_index(es_store):
    with es_store.writing("katdir import"):
        es_store.upsert(clinics("n", 5))
        assert es_store.aliased_indices() == []  # nothing visible yet
    assert len(names(es_store)) == 5 and len(es_store.aliased_indices()) == 1
