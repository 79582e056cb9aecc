"""Elasticsearch killed (SIGKILL) at the worst moments.

- A rebuild: while its bulk load runs, and at the moment the alias is to move. Either way the
  public alias still serves the previous complete index after the node comes back, and the next
  rebuild succeeds and leaves no half-loaded index behind.
- A write run (`katdir import`, `katdir index`): the writer killed halfway through its
  batches, or the node killed under it. The alias still serves the previous complete state, a
  second writer is told who holds the lock, and once the dead run's lock has expired the next
  run takes it over, removes the half-written generation and completes.
- A 3-node cluster (one JVM per node) with one replica of everything: each node in turn — the
  elected master and the node the client talks to first among them — is killed while searches
  and reads go on; they keep giving the right answers, then the node is started again and the
  cluster goes back to green.

The nodes are real ones of their own (tools/es-node/esctl with its own var folder), so that
killing them disturbs no other test.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from bench.synthetic import synthetic_clinics
from katdir.store import NearQuery, StoreUnavailable
from katdir.store import es_schema as schema
from katdir.store.elasticsearch import ElasticsearchStore

pytestmark = [pytest.mark.elasticsearch, pytest.mark.xdist_group("es-faults")]

ESCTL = Path(__file__).resolve().parents[2] / "tools" / "es-node" / "esctl"
BEFORE = 300  # clinics of the complete index the alias serves
AFTER = 30_000  # a rebuild long enough to be killed in the middle of its bulk load


class Node:
    """One Elasticsearch node in a folder of its own: start, kill -9, start again."""

    def __init__(self, var: Path):
        self.env = {
            **os.environ,
            "ES_VAR_DIR": str(var),
            "ES_HTTP_PORT": "0",
            "ES_TRANSPORT_PORT": "0",
            "ES_HEAP": "384m",
        }
        self.pid_file = var / "elasticsearch" / "node.pid"
        self.url = ""

    def start(self) -> str:
        done = subprocess.run(
            [str(ESCTL), "start"], env=self.env, capture_output=True, text=True, timeout=300
        )
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


ROOT = Path(__file__).resolve().parents[2]
KATDIR = ROOT / ".venv" / "bin" / "katdir"
LOCK_TTL = 4.0  # seconds: the killed writers' locks expire quickly in these tests
# …but not before a second `katdir` process has started and asked (seconds on a loaded machine).
CLI_LOCK_TTL = 30.0
SLOW = 180  # request timeout (s) of calls that wait on the cluster (health), on a loaded machine


class Cluster:
    """A 3-node cluster, one JVM per node, in a folder of its own: kill -9 one node, start it
    again (`esctl start` starts the nodes that are not running)."""

    size = 3

    def __init__(self, var: Path):
        self.env = {
            **os.environ,
            "ES_VAR_DIR": str(var),
            "ES_HTTP_PORT": "0",
            "ES_TRANSPORT_PORT": "0",
            "ES_HEAP": "256m",
        }
        self.es_dir = var / "elasticsearch"
        self.urls: list[str] = []

    def start(self) -> list[str]:
        done = subprocess.run(
            [str(ESCTL), "start", "--nodes", str(self.size)],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=400,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        self.urls = done.stdout.strip().splitlines()[-1].split(",")
        return self.urls

    def pid(self, node: int) -> int:
        return int((self.es_dir / f"cluster-{node}.pid").read_text())

    def kill(self, node: int) -> None:
        pid = self.pid(node)
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
            time.sleep(0.1)

    def stop(self) -> None:
        subprocess.run(
            [str(ESCTL), "stop", "--nodes", str(self.size)],
            env=self.env,
            capture_output=True,
            timeout=180,
        )


@pytest.fixture
def node(tmp_path):
    node = Node(tmp_path / "var")
    try:  # stopped whatever happens: no JVM outlives its test
        node.start()
        yield node
    finally:
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
    node, monkeypatch
):
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


@pytest.fixture
def cluster(tmp_path):
    cluster = Cluster(tmp_path / "var")
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


def answers(store: ElasticsearchStore, queries: list[NearQuery], ids: list[str]):
    """What the checks compare: the hits of each search (ids, in order, and totals), the
    count, and the clinics read by id."""
    found = [(r.total, [h.clinic.id for h in r.hits]) for r in map(store.search, queries)]
    read = [store.get(cid) for cid in ids]
    return found, store.count(), [c.model_dump_json() if c else None for c in read]


class Reader(threading.Thread):
    """Asks again and again, across the kill, until stopped: counts the rounds, the failures
    and the answers that differ from the expected ones."""

    def __init__(self, ask, expected):
        super().__init__()
        self.ask, self.expected = ask, expected
        self.stop = threading.Event()
        self.rounds, self.errors, self.wrong = 0, [], []

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                got = self.ask()
            except Exception as error:  # noqa: BLE001 — what the test reads
                self.errors.append(error)
                continue
            self.rounds += 1
            if got != self.expected:
                self.wrong.append(got)


def test_a_three_node_cluster_keeps_answering_with_any_one_node_killed(cluster):
    clinics = list(synthetic_clinics(3000, seed=11))
    # The client knows every node, as a deployment's KATDIR_STORE would list them.
    store = ElasticsearchStore(
        cluster.urls, prefix="katdir-test-cluster-faults", replicas=1, request_timeout=30
    )
    store.rebuild(clinics)
    health = store.es.options(request_timeout=SLOW).cluster.health(
        wait_for_status="green", timeout="150s"
    )
    assert health["status"] == "green" and health["number_of_nodes"] == 3

    # Searches that hit many clinics (spread over every shard) and a few reads by id.
    queries = [
        NearQuery(lat=c.location.lat, lon=c.location.lon, radius_km=radius, sort=sort, per_page=20)
        for c, radius, sort in [
            (clinics[5], 800, "distance"),
            (clinics[1], 300, "price"),
            (clinics[2], 2000, "distance"),
        ]
    ]
    ids = [c.id for c in clinics[::500]] + ["no-such-clinic"]
    expected = answers(store, queries, ids)
    assert all(total > 20 for total, _ in expected[0]) and expected[1] == 3000, expected[:2]

    names = [f"katdir-node-{i}" for i in range(cluster.size)]
    master = names.index(store.es.cat.master(format="json")[0]["node"])
    # The elected master, and the node the client tries first (another one too when they
    # are the same node).
    victims = [master, 0 if master != 0 else 1]
    killed_roles = []
    for victim in victims:
        roles = [
            role
            for role, is_it in (
                ("master", victim == master),
                ("first in the client's list", victim == 0),
            )
            if is_it
        ]
        killed_roles += roles
        reader = Reader(lambda: answers(store, queries, ids), expected)
        reader.start()
        time.sleep(1.0)
        cluster.kill(victim)
        # While the node stays down: a new client (a process starting now, with every
        # node's address) and the long-lived one both get the full, right answers.
        time.sleep(3.0)
        fresh = ElasticsearchStore(cluster.urls, prefix=store.prefix, request_timeout=30)
        assert answers(fresh, queries, ids) == expected, f"node {victim} down: new client"
        fresh.close()
        health = store.es.options(request_timeout=SLOW).cluster.health(
            timeout="60s", wait_for_nodes="2"
        )
        assert health["number_of_nodes"] == 2 and health["status"] in ("yellow", "green")
        time.sleep(2.0)
        reader.stop.set()
        reader.join(timeout=60)
        assert not reader.errors, (
            f"node {victim} ({', '.join(roles)}) killed: "
            f"{len(reader.errors)} failed, first: {reader.errors[0]!r}"
        )
        assert not reader.wrong and reader.rounds >= 3, (victim, reader.rounds, reader.wrong[:1])

        cluster.start()  # only the killed node starts again
        health = store.es.options(request_timeout=SLOW + 60).cluster.health(
            wait_for_status="green", wait_for_nodes="3", timeout=f"{SLOW}s"
        )
        assert health["status"] == "green" and health["number_of_nodes"] == 3, health
        assert answers(store, queries, ids) == expected
    assert "master" in killed_roles and "first in the client's list" in killed_roles
    # A new master was elected each time the old one died: someone is master now.
    assert store.es.cat.master(format="json")[0]["node"] in names
    store.drop_everything()
    store.close()


# -- write runs ----------------------------------------------------------------------------


def generation_count(store: ElasticsearchStore) -> int:
    """Documents in the clinic index a run is writing (the one no alias names yet), or -1."""
    live = store.aliased_indices()
    others = [name for name in clinic_indices(store) if name not in live]
    if not others:
        return -1
    store.es.indices.refresh(index=others[0])
    return int(store.es.count(index=others[0])["count"])


def served(store: ElasticsearchStore) -> dict[str, str]:
    return {c.id: c.model_dump_json() for c in store.iter_clinics()}


class Katdir:
    """`katdir ARGS` in a child process on the store; its output goes to files (it logs every
    Elasticsearch request: a pipe nobody reads would fill and stop it)."""

    def __init__(self, folder: Path, *args: str, url: str, prefix: str):
        env = {
            **os.environ,
            "KATDIR_STORE": url,
            "KATDIR_ES_PREFIX": prefix,
            "KATDIR_ES_WRITER_LOCK_TTL": str(CLI_LOCK_TTL),
        }
        cli = [str(KATDIR)] if KATDIR.exists() else [sys.executable, "-m", "katdir.cli"]
        self.err_path = folder / f"katdir-{uuid.uuid4().hex[:6]}.err"
        with open(self.err_path, "w") as err:
            self.process = subprocess.Popen(
                [*cli, *args],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=err,
            )
        self.pid = self.process.pid

    def finish(self, timeout: float) -> tuple[int, str]:
        code = self.process.wait(timeout=timeout)
        return code, self.err_path.read_text()

    def lines(self) -> list[str]:  # katdir's own messages, without the client's request log
        return [
            line
            for line in self.err_path.read_text().splitlines()
            if "elastic_transport" not in line
        ]


def write_clinics(path: Path, count: int, seed: int) -> list:
    clinics = list(synthetic_clinics(count, seed=seed))
    path.write_text("".join(c.model_dump_json() + "\n" for c in clinics))
    return clinics


def test_an_import_killed_halfway_leaves_the_previous_state_and_the_next_run_takes_over(
    es_url, tmp_path
):
    prefix = f"katdir-test-faults-{uuid.uuid4().hex[:8]}"
    url = es_url.split(",")[0]
    store = store_on(url, prefix)
    store.rebuild(synthetic_clinics(BEFORE, seed=5))
    [complete] = store.aliased_indices()
    before = served(store)
    # 10,000 clinics, written in 5 batches of 2,000 (their ids overlap the 300: some replace).
    write_clinics(tmp_path / "big.jsonl", 10_000, seed=12)

    writer = Katdir(
        tmp_path, "import", str(tmp_path / "big.jsonl"), "--replace", url=url, prefix=prefix
    )
    deadline = time.monotonic() + 600
    while generation_count(store) < 2_000:  # its first batch is in its generation
        assert writer.process.poll() is None, writer.lines()[-20:]
        assert time.monotonic() < deadline, "the import never wrote its first batch"
        time.sleep(0.2)
    writer.process.kill()  # SIGKILL: no clean-up of any kind
    writer.process.wait(timeout=30)
    assert 2_000 <= generation_count(store) < 10_000  # it really died halfway

    # Readers see the previous complete state, exactly.
    assert store.aliased_indices() == [complete] and served(store) == before
    # The lock outlives the dead writer until it expires: a second run is told who holds it.
    second = Katdir(
        tmp_path, "import", str(tmp_path / "big.jsonl"), "--replace", url=url, prefix=prefix
    )
    code, err = second.finish(timeout=120)
    assert code == 2 and "Traceback" not in err, second.lines()
    [message] = second.lines()
    assert message.startswith("katdir import: the Elasticsearch directory "), message
    assert f"is being written by katdir import (pid {writer.pid} on " in message, message
    assert "its lock expires at" in message, message

    lock = store.es.get(index=store.writer_lock, id="writer")["_source"]
    time.sleep(max(0.0, lock["expires"] - time.time()) + 0.5)  # the dead run's lock expires
    small = write_clinics(tmp_path / "small.jsonl", 200, seed=13)  # replaces 200 of 300
    third = Katdir(
        tmp_path, "import", str(tmp_path / "small.jsonl"), "--replace", url=url, prefix=prefix
    )
    code, err = third.finish(timeout=300)
    assert code == 0, third.lines()
    assert f"taking over the writer lock of katdir import (pid {writer.pid} on " in err
    now = served(store)
    assert set(now) == set(before) | {c.id for c in small}
    assert all(now[k] == v for k, v in before.items() if k not in {c.id for c in small})
    assert clinic_indices(store) == store.aliased_indices()  # the half-written one is gone
    store.drop_everything()


def test_the_node_killed_during_an_index_run_leaves_the_previous_state(node):
    prefix = f"katdir-test-faults-{uuid.uuid4().hex[:8]}"
    store = store_on(node.url, prefix)
    store.rebuild(synthetic_clinics(BEFORE, seed=14))
    [complete] = store.aliased_indices()
    before = served(store)

    failed: list[BaseException] = []

    def index_run() -> None:
        writer = store_on(node.url, prefix)
        writer.lock_ttl = LOCK_TTL
        clinics = list(synthetic_clinics(AFTER, seed=15))
        try:
            with writer.writing("katdir index"):
                for start in range(0, AFTER, 1000):
                    writer.upsert(clinics[start : start + 1000])
        except BaseException as error:  # noqa: BLE001 — the failure is what the test reads
            failed.append(error)

    running = threading.Thread(target=index_run)
    running.start()
    deadline = time.monotonic() + 300
    while generation_count(store) < BEFORE + 2_000:
        assert running.is_alive() and time.monotonic() < deadline, failed
        time.sleep(0.1)
    node.kill()
    running.join(timeout=120)
    assert failed and isinstance(failed[0], StoreUnavailable), failed

    store = store_on(node.start(), prefix)
    store.lock_ttl = LOCK_TTL
    assert store.aliased_indices() == [complete] and served(store) == before
    time.sleep(LOCK_TTL)  # the dead run's lock expires (the restart usually took longer)
    with store.writing("katdir index"):  # takes it over, removes the half-written generation
        store.upsert(synthetic_clinics(200, seed=16))
    assert len(served(store)) == len(set(before) | {c.id for c in synthetic_clinics(200, seed=16)})
    assert clinic_indices(store) == store.aliased_indices()
    store.upsert(synthetic_clinics(1, seed=17))  # single writes work again (no block left)
    store.drop_everything()
