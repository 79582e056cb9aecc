"""Curators' records in both stores: optimistic concurrency, kinds kept apart, rebuilds keep them."""

from __future__ import annotations

import pytest

from katdir.model import Clinic
from katdir.store import ConflictError, open_store

STORES = ["sqlite", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)]


@pytest.fixture(params=STORES)
def store(request, tmp_path):
    if request.param == "sqlite":
        store = open_store(f"sqlite:///{tmp_path / 'r.db'}")
    else:
        from tests.store.conftest import unique_prefix

        store = open_store(request.getfixturevalue("es_url"), es_prefix=unique_prefix("rec"))
    yield store
    if request.param == "elasticsearch":
        store.drop_everything()
    store.close()


def test_records_refuse_stale_writes_and_survive_a_rebuild(store):
    first = store.put_record("account", "ana@example.org", {"role": "curator"}, 0)
    assert first.version == 1
    with pytest.raises(ConflictError):
        store.put_record("account", "ana@example.org", {"role": "admin"}, 0)  # "new" again
    second = store.put_record("account", "ana@example.org", {"role": "admin"}, 1)
    assert second.version == 2
    with pytest.raises(ConflictError):
        store.put_record("account", "ana@example.org", {"role": "curator"}, 1)  # stale
    with pytest.raises(ConflictError):
        store.put_record("account", "nobody@example.org", {"role": "curator"}, 3)
    store.put_record("token", "ab" * 32, {"email": "ana@example.org"}, 0)
    store.rebuild([Clinic(id="c1", name="One")])
    assert store.get_record("account", "ana@example.org").doc == {"role": "admin"}
    assert [r.key for r in store.iter_records("account")] == ["ana@example.org"]
    assert [r.key for r in store.iter_records("token")] == ["ab" * 32]
    assert store.get_record("source", "x") is None
    assert list(store.iter_records("request")) == []
    # A restore writes whatever is stored, new or not.
    assert store.put_record("account", "ana@example.org", {"role": "curator"}, None).version == 3
    assert store.put_record("source", "s1", {"url": "https://a.example"}, None).version == 1
