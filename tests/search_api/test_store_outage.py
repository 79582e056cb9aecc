"""The API over Elasticsearch when the cluster goes away: 503 with a JSON error and Retry-After,
then answers again by itself once the cluster is back — no restart.

The outage is real at the socket level but touches no node: the app talks to the shared test
node through a small TCP proxy in this test, which can refuse connections (a stopped node:
nothing listens on the port), swallow them (a hung node: connections accepted, never
answered) and come back. Stopping the shared node itself would break the other tests that
pytest-xdist runs at the same time; a node of our own would cost ~10 s of start-up each way.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import uuid

import pytest

from katdir.model import Clinic
from katdir.store import NearQuery, StoreUnavailable
from katdir.store.elasticsearch import ElasticsearchStore

pytestmark = pytest.mark.elasticsearch

DENVER = (39.7392, -104.9903)


class FlakyProxy:
    """A TCP proxy to `upstream` on a fixed local port: `up`, `down` (refuses: nothing
    listens) or `hung` (accepts, forwards nothing)."""

    def __init__(self, upstream: tuple[str, int]):
        self.upstream = upstream
        self.port = 0
        self.mode = "down"
        self._listener: socket.socket | None = None
        self._conns: set[socket.socket] = set()
        self._lock = threading.Lock()
        self.set("up")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def set(self, mode: str) -> None:
        self._close_all()
        self.mode = mode
        if mode == "down":
            return
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))  # the same port again after an outage
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener, mode), daemon=True).start()

    def _close_all(self) -> None:
        with self._lock:
            socks = list(self._conns)
            self._conns.clear()
            if self._listener is not None:
                socks.append(self._listener)
                self._listener = None
        for s in socks:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()

    def _accept(self, listener: socket.socket, mode: str) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # closed by set()
            with self._lock:
                self._conns.add(client)
            if mode == "up":
                upstream = socket.create_connection(self.upstream)
                with self._lock:
                    self._conns.add(upstream)
                for a, b in ((client, upstream), (upstream, client)):
                    threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                dst.shutdown(socket.SHUT_WR)

    def close(self) -> None:
        self.set("down")


@pytest.fixture
def proxy(es_url):
    host_port = es_url.split(",")[0].split("//", 1)[1].rstrip("/")
    host, port = host_port.rsplit(":", 1)
    flaky = FlakyProxy((host, int(port)))
    yield flaky
    flaky.close()


@pytest.fixture
def prefix(es_url):
    """A directory of a few clinics in its own prefix, loaded straight into the node."""
    name = f"katdir-test-outage-{uuid.uuid4().hex[:8]}"
    store = ElasticsearchStore([es_url], prefix=name)
    store.rebuild(
        [
            Clinic(
                id=f"denver-{i}",
                name=f"Denver Ketamine {i}",
                location={"lat": DENVER[0] + i / 100, "lon": DENVER[1]},
                review={"status": "approved"},
            )
            for i in range(3)
        ]
    )
    yield name
    store.drop_everything()
    store.close()


def search(client):
    return client.get(
        "/api/v1/clinics/search", query_string={"lat": DENVER[0], "lon": DENVER[1], "radius": 25}
    )


def test_search_answers_503_while_the_cluster_is_gone_and_recovers_without_restart(
    proxy, prefix, app_on
):
    app = app_on(proxy.url, KATDIR_ES_PREFIX=prefix)
    client = app.test_client()
    ok = search(client)
    assert ok.status_code == 200 and ok.get_json()["total"] == 3

    proxy.set("down")
    for _ in range(3):  # and it stays a clean 503, request after request
        started = time.monotonic()
        down = search(client)
        assert down.status_code == 503
        assert time.monotonic() - started < 3, "a refused connection is answered at once"
        assert down.headers["Retry-After"] == str(app.extensions["katdir.settings"].retry_after)
        assert down.is_json and down.get_json()["error"]["code"] == "store_unavailable"

    page = client.get("/", query_string={"lat": DENVER[0], "lon": DENVER[1]})
    assert page.status_code == 503 and "retry" in page.get_data(as_text=True)
    assert page.headers["Retry-After"] == str(app.extensions["katdir.settings"].retry_after)

    proxy.set("up")
    back = search(client)
    assert back.status_code == 200, back.get_json()
    assert [r["id"] for r in back.get_json()["results"]] == ["denver-0", "denver-1", "denver-2"]


def test_a_hung_cluster_times_out_into_store_unavailable_and_recovers(proxy, prefix):
    store = ElasticsearchStore([proxy.url], prefix=prefix, request_timeout=0.5)
    q = NearQuery(lat=DENVER[0], lon=DENVER[1], radius_km=40)
    assert store.search(q).total == 3
    proxy.set("hung")
    started = time.monotonic()
    with pytest.raises(StoreUnavailable):
        store.search(q)
    assert time.monotonic() - started < 3  # request_timeout, retried once
    assert store.ping() is False
    proxy.set("up")
    assert store.search(q).total == 3 and store.ping() is True
    store.close()


def test_a_cluster_with_one_node_gone_keeps_answering(proxy, es_url, prefix):
    """Two "nodes" (two ways to the same node): with one down, every search still answers,
    and the one that comes back is used again within seconds."""
    other = FlakyProxy(proxy.upstream)
    try:
        store = ElasticsearchStore([proxy.url, other.url], prefix=prefix)
        q = NearQuery(lat=DENVER[0], lon=DENVER[1], radius_km=40)
        other.set("down")
        assert all(store.search(q).total == 3 for _ in range(6))
        other.set("up")
        proxy.set("down")
        time.sleep(store.es.transport.node_pool.max_dead_node_backoff)
        assert all(store.search(q).total == 3 for _ in range(6))
        store.close()
    finally:
        other.close()
