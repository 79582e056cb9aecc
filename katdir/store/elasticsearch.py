"""The scale-out store: clinics in Elasticsearch, with exactly the behaviour of the SQLite store.

Readers and incremental writers address the alias `{prefix}-clinics`; a full rebuild loads a
new index `{prefix}-clinics-<timestamp>` and moves the alias in one `_aliases` call, so that
readers switch from the whole old content to the whole new one. A write run (`writing()`:
`katdir index`, `katdir import`) works the same way: under a writer lock (one document created
with op_type=create in `{prefix}-writer`), its first write clones the live index into a new
generation, every write of the run goes there, and the alias moves to it only when the run
ends well — a run that dies leaves the previous complete state visible. Curators' decisions
live in `{prefix}-decisions`, which rebuilds never touch. The mapping is katdir.store.es_schema.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import re
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from elasticsearch import ApiError, Elasticsearch, NotFoundError, TransportError, helpers
from elasticsearch import ConflictError as EsConflictError
from elasticsearch.serializer import OrjsonSerializer

from katdir.filters import FILTERS, MAX_TEXT_WORDS, Parameter
from katdir.geo import haversine_km
from katdir.model import ROUTES, Clinic, Decision
from katdir.pricing import StoredPrices, session_price
from katdir.settings import Settings
from katdir.store import es_schema as schema
from katdir.store.base import (
    PRICE_BANDS,
    SEARCH_TIMEOUT,
    ConflictError,
    Hit,
    NearQuery,
    Record,
    RoutePrices,
    SearchResult,
    SearchTooCostly,
    Store,
    StoreError,
    StoreUnavailable,
    WriterBusy,
    context_routes,
    empty_facets,
    no_price_context,
)

log = logging.getLogger(__name__)

# The client, built to fail fast and to recover by itself: a request gives up after
# request_timeout seconds (a timed-out request is retried once, on another node when there is
# one), and a node that failed is benched for at most max_dead_node_backoff seconds — with a
# single node, or when every node failed, the next request tries again at once — so when the
# cluster comes back the next request works without a restart.
CLIENT_DEFAULTS: dict[str, Any] = {
    "request_timeout": 10.0,
    "max_retries": 1,
    "retry_on_timeout": True,
    "dead_node_backoff_factor": 0.5,
    "max_dead_node_backoff": 5.0,
}
BULK_TIMEOUT = 120.0  # seconds for one bulk chunk: a busy cluster may take long, and that's fine
BULK_CHUNK_DOCS = 1000  # measured: 500 → 2,000 docs per request changes little past 1,000
BULK_CHUNK_BYTES = 10 * 1024 * 1024
LOADING_SETTINGS = {
    "number_of_replicas": 0,
    "refresh_interval": "-1",
    "translog.durability": "async",
}
BULK_BATCH = 200  # documents handed from the reading thread to the sending one at a time
BULK_QUEUE = 2 * BULK_CHUNK_DOCS // BULK_BATCH  # batches made ahead: two bulk requests' worth
PAGE = 1000  # clinics per request when walking the whole index
PAGE_MARGIN = 8  # neighbours fetched on each side of a page to put it in exact order
# How far Elasticsearch's distance may be from the exact one: a geo_point is indexed as two
# 32-bit integers (steps of 4.7 mm in latitude, ≤ 9.4 mm in longitude), so ≤ 1.1 cm; 2 cm kept.
QUANTIZATION_KM = 2e-5
MAX_REPORTED_FAILURES = 20
# Distinct prices of one route a price context counts in one aggregation (far more than a
# market has); beyond, its median is read in price order (slower: a deep page).
MEDIAN_TERMS = 5000
# A search's page and its counts as two requests of one msearch (measured at 1M clinics:
# BENCHMARKS.md); off: one request, the page carrying the total and the aggregations.
PAGE_APART = True
# A search's price facet and price context counted from one `terms` aggregation per price
# field (measured: BENCHMARKS.md); off: min, max, missing, range and stats aggregations.
PRICE_TERMS = True
OLD_INDEX_GRACE = 1.0  # seconds between the alias swap and deleting the index it left
# A write run's lock lasts this long unless renewed; its run renews it every quarter of that,
# so only a run that died (or hung that long) loses it to the next writer.
WRITER_LOCK_TTL = 120.0
WRITER_LOCK_ID = "writer"


_PREFIX = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")


@contextlib.contextmanager
def _engine(action: str) -> Iterator[None]:
    """Elasticsearch's failures as the store's: down, slow or overloaded → StoreUnavailable
    (the API answers 503 + Retry-After); anything else → StoreError."""
    try:
        yield
    except StoreError:
        raise
    except TransportError as err:  # connection refused or reset, timeout, TLS
        raise StoreUnavailable(
            f"Elasticsearch unreachable while trying to {action}: {err}"
        ) from err
    except ApiError as err:
        if err.meta.status >= 500 or err.meta.status == 429:
            raise StoreUnavailable(
                f"Elasticsearch could not {action} right now ({err.meta.status}): {err.message}"
            ) from err
        raise StoreError(
            f"Elasticsearch refused to {action} ({err.meta.status}): {err.message}: {err.info}"
        ) from err


class _SenderStopped(Exception):
    """The bulk sender thread stopped before the clinics were all read."""


@dataclass
class _Run:
    """One write run of this process: its lock (the document's sequence number and primary
    term prove it is still ours), and the generation its writes go to once it has one."""

    name: str
    doc: dict[str, Any]
    seq_no: int
    primary_term: int
    generation: str | None = None
    live: str | None = None
    lost: str | None = None  # why the lock is no longer ours
    keep: bool = False  # left for the next run: it names what this run could not clean up
    done: threading.Event = field(default_factory=threading.Event)
    guard: threading.Lock = field(default_factory=threading.Lock)


def _blocked(reason: str) -> bool:
    """Was a write refused because the index is closed to writes (a run is writing)?"""
    return "cluster_block_exception" in reason


def _when(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


class ElasticsearchStore(Store):
    """Clinics in an Elasticsearch 8.x cluster (one node or many), under names from `prefix`.

    `nodes` are URLs (credentials may be in them: https://user:pass@host:9200);
    `client_options` go to the client (`from_settings` puts the API key and the CA bundle
    there). `replicas` is the replica count of new indices.
    """

    def __init__(
        self,
        nodes: list[str],
        prefix: str = "katdir",
        *,
        shards: int = 1,
        replicas: int = 0,
        **client_options: Any,
    ):
        nodes = [n.strip() for n in nodes if n.strip()]
        if not nodes:
            raise StoreError("no Elasticsearch node given")
        if not _PREFIX.match(prefix):
            raise StoreError(
                f"KATDIR_ES_PREFIX={prefix!r}: use lowercase letters, digits, - and _ "
                "(starting with a letter or digit, at most 100 characters)"
            )
        self.prefix = prefix
        self.alias = schema.clinics_alias(prefix)
        self.decisions = schema.decisions_index(prefix)
        self.records = schema.records_index(prefix)
        self.shards = shards
        self.replicas = replicas
        # orjson (a dependency already): bulk bodies and search answers (≈ 40 kB) in a
        # fraction of the json module's time.
        options = {"serializer": OrjsonSerializer(), **CLIENT_DEFAULTS, **client_options}
        try:
            # Building the client opens no connection: the app starts while the cluster is down.
            self.es = Elasticsearch(nodes, **options)
        except ValueError as err:  # e.g. TLS options for an http:// node, a malformed URL
            raise StoreError(f"cannot use {len(nodes)} Elasticsearch node(s): {err}") from err
        self._alias_ready = False
        self._decisions_ready = False
        self._records_ready = False
        self._schema_checked = False
        self.writer_lock = schema.writer_lock_index(prefix)
        self.lock_ttl = WRITER_LOCK_TTL
        self._local = threading.local()  # .run: the write run of this thread, if any

    @classmethod
    def from_settings(cls, settings: Settings) -> ElasticsearchStore:
        """The store of `settings.store_url` (comma-separated nodes), with its prefix, replicas,
        API key and CA bundle."""
        nodes = settings.store_url.split(",")
        options: dict[str, Any] = {}
        if settings.es_api_key:
            options["api_key"] = settings.es_api_key
        if settings.es_ca_certs and all(n.strip().startswith("https:") for n in nodes):
            options["ca_certs"] = settings.es_ca_certs  # (plain http: no TLS to set)
        store = cls(nodes, prefix=settings.es_prefix, replicas=settings.es_replicas, **options)
        store.lock_ttl = settings.es_writer_lock_ttl
        return store

    def close(self) -> None:
        self.es.close()

    def ping(self) -> bool:
        try:
            return bool(self.es.ping())
        except Exception:  # noqa: BLE001 - a ping answers, it never raises
            return False

    # -- set-up ----------------------------------------------------------------------------

    def _put_template(self) -> None:
        with _engine("store the index template"):
            self.es.indices.put_index_template(
                name=schema.template_name(self.prefix),
                **schema.clinic_template(self.prefix, shards=self.shards, replicas=self.replicas),
            )

    def _ensure_alias(self) -> None:
        """The first incremental write to an empty directory makes its first index."""
        if self._alias_ready:
            return
        self._check_schema()
        with _engine("create the clinic index"):
            if not self.es.indices.exists_alias(name=self.alias):
                self._put_template()
                self.es.options(ignore_status=400).indices.create(
                    index=schema.initial_clinics_index(self.prefix), aliases={self.alias: {}}
                )
                if not self.es.indices.exists_alias(name=self.alias):
                    raise StoreError(f"could not create the alias {self.alias}")
        self._alias_ready = True

    def _check_schema(self) -> None:
        """Refuse to write to or search an index made at another schema version (once per
        store object); reading documents (`get`, `iter_clinics`) stays possible, so that
        `katdir rebuild` can copy them into an index of the current version."""
        if self._schema_checked:
            return
        with _engine("read the clinic index's mapping"):
            try:
                mappings = self.es.indices.get_mapping(index=self.alias)
            except NotFoundError:  # no index yet: it will be made at this version
                return
        for name, mapping in sorted(mappings.items()):
            version = schema.schema_version(mapping)
            if version < schema.SCHEMA_VERSION:
                raise StoreError(
                    f"the Elasticsearch index {name} has store schema {version}, this katdir "
                    f"needs {schema.SCHEMA_VERSION}: run `katdir rebuild` (same KATDIR_STORE "
                    f"and KATDIR_ES_PREFIX) to copy every clinic into a new index; searches "
                    f"keep using the old one until it is done"
                )
            if version > schema.SCHEMA_VERSION:
                raise StoreError(
                    f"the Elasticsearch index {name} has store schema {version}, "
                    f"newer than this katdir's ({schema.SCHEMA_VERSION}): upgrade "
                    "katdir"
                )
            # A search filter declared since the index was made (katdir.filters): same cure.
            missing = schema.missing_filter_fields(mapping)
            if missing:
                raise StoreError(
                    f"the Elasticsearch index {name} has no field for the search filter(s) "
                    f"{', '.join(missing)}: run `katdir rebuild` (same KATDIR_STORE and "
                    f"KATDIR_ES_PREFIX) to copy every clinic into a new index with them"
                )
        self._schema_checked = True

    def reindex(self) -> int:
        """Copy every clinic into a new index of the current schema and move the alias to it
        (streamed: the old index is read while the new one is loaded), as a write run: no
        other run writes meanwhile."""
        with self.writing("katdir rebuild"):
            count = self.rebuild(self.iter_clinics())
        self._schema_checked = False
        return count

    def _ensure_decisions(self) -> None:
        if self._decisions_ready:
            return
        with _engine("create the decisions index"):
            if not self.es.indices.exists(index=self.decisions):
                self.es.options(ignore_status=400).indices.create(
                    index=self.decisions, **schema.decisions_index_body(replicas=self.replicas)
                )
        self._decisions_ready = True

    def _ensure_records(self) -> None:
        if self._records_ready:
            return
        with _engine("create the records index"):
            if not self.es.indices.exists(index=self.records):
                self.es.options(ignore_status=400).indices.create(
                    index=self.records, **schema.records_index_body(replicas=self.replicas)
                )
        self._records_ready = True

    def aliased_indices(self) -> list[str]:
        """The concrete index (or, mid-accident, indices) the alias points at now."""
        with _engine("read the alias"):
            try:
                return sorted(self.es.indices.get_alias(name=self.alias))
            except NotFoundError:
                return []

    def drop_everything(self) -> None:
        """Delete every index, alias and template of this prefix (tests; `katdir` never does)."""
        with _engine("drop the indices"):
            found = self.es.options(ignore_status=404).indices.get(
                index=schema.clinics_index_pattern(self.prefix), expand_wildcards="all"
            )
            ours = [name for name in found if schema.is_clinics_index(self.prefix, name)]
            ours += [self.decisions, self.records, self.writer_lock]
            for name in ours:
                self.es.options(ignore_status=404).indices.delete(index=name)
            self.es.options(ignore_status=404).indices.delete_index_template(
                name=schema.template_name(self.prefix)
            )
        self._alias_ready = self._decisions_ready = self._records_ready = False
        self._schema_checked = False

    # -- writing ---------------------------------------------------------------------------

    def _bulk(
        self, index: str, clinics: Iterable[Clinic], *, require_alias: bool
    ) -> tuple[int, list[tuple[str, str]]]:
        """Index the clinics into `index`; returns how many were written and the failures
        (id, reason), document by document.

        This thread reads the clinics and makes their documents (the Python side's cost)
        while a second thread sends the previous ones and waits for the node, so the two
        overlap; the clinics are read only here (an iterator may belong to this thread)."""
        batches: queue.Queue[list[dict[str, Any]] | None] = queue.Queue(maxsize=BULK_QUEUE)
        abandoned = threading.Event()
        outcome: dict[str, Any] = {"written": 0, "failures": []}

        def actions() -> Iterator[dict[str, Any]]:
            while (batch := batches.get()) is not None:
                if abandoned.is_set():
                    raise StoreError("bulk load abandoned: reading the clinics failed")
                yield from batch

        def send() -> None:
            try:
                with _engine("load clinics"):
                    outcome["written"], outcome["failures"] = self._send(
                        actions(), require_alias=require_alias
                    )
            except BaseException as err:  # noqa: BLE001 - handed to the reading thread
                outcome["error"] = err
                abandoned.set()

        sender = threading.Thread(target=send, name="katdir-es-bulk", daemon=True)
        sender.start()
        try:
            batch: list[dict[str, Any]] = []
            for clinic in clinics:
                batch.append(
                    {
                        "_op_type": "index",
                        "_index": index,
                        "_id": clinic.id,
                        "_source": schema.clinic_document(clinic),
                    }
                )
                if len(batch) == BULK_BATCH:
                    self._hand_over(batches, batch, sender)
                    batch = []
            if batch:
                self._hand_over(batches, batch, sender)
        except _SenderStopped:
            pass  # the sender's error is raised below
        except BaseException:
            abandoned.set()
            raise
        finally:
            with contextlib.suppress(_SenderStopped):
                self._hand_over(batches, None, sender)  # the end
            sender.join()
        if "error" in outcome:
            raise outcome["error"]
        return outcome["written"], outcome["failures"]

    @staticmethod
    def _hand_over(
        batches: queue.Queue[list[dict[str, Any]] | None],
        batch: list[dict[str, Any]] | None,
        sender: threading.Thread,
    ) -> None:
        while sender.is_alive():
            with contextlib.suppress(queue.Full):
                batches.put(batch, timeout=0.1)
                return
        # The sender stopped early (its error is raised by _bulk): stop reading clinics.
        raise _SenderStopped

    def _send(
        self, actions: Iterator[dict[str, Any]], *, require_alias: bool
    ) -> tuple[int, list[tuple[str, str]]]:
        written, failures = 0, []
        for ok, item in helpers.streaming_bulk(
            self.es.options(request_timeout=BULK_TIMEOUT),
            actions,
            chunk_size=BULK_CHUNK_DOCS,
            max_chunk_bytes=BULK_CHUNK_BYTES,
            raise_on_error=False,
            raise_on_exception=True,
            max_retries=3,
            initial_backoff=1,
            max_backoff=30,  # on 429: back off
            require_alias=require_alias or None,
        ):
            if ok:
                written += 1
                continue
            result = next(iter(item.values()))
            error = result.get("error", {})
            reason = (
                f"{error.get('type')}: {error.get('reason')}"
                if isinstance(error, dict)
                else str(error)
            )
            cause = error.get("caused_by") if isinstance(error, dict) else None
            if cause:
                reason += f" ({cause.get('type')}: {cause.get('reason')})"
            failures.append((str(result.get("_id")), reason))
        return written, failures

    @staticmethod
    def _failure_error(what: str, failures: list[tuple[str, str]]) -> StoreError:
        shown = "; ".join(f"{cid}: {reason}" for cid, reason in failures[:MAX_REPORTED_FAILURES])
        more = len(failures) - MAX_REPORTED_FAILURES
        error = StoreError(
            f"{what}: {len(failures)} clinic(s) refused by Elasticsearch — "
            f"{shown}{f'; and {more} more' if more > 0 else ''}"
        )
        error.failures = failures  # type: ignore[attr-defined]
        return error

    def upsert(self, clinics: Iterable[Clinic]) -> int:
        """Index the clinics (inside a write run: into its generation; else through the
        alias), then refresh once so that reads see them.

        Outside a run, a bulk is not all-or-nothing: the clinics that Elasticsearch accepted
        stay written, and a StoreError names the ones it refused. While a run of another
        process writes, the live index is closed to writes: WriterBusy names that run.
        """
        clinics = list(clinics)
        run = self._run()
        if run is not None:
            target = self._generation(run)
        else:
            self._ensure_alias()
            target = self.alias
        written, failures = self._bulk(target, clinics, require_alias=run is None)
        if run is None and failures and all(_blocked(reason) for _, reason in failures):
            self._unblocked_by_a_dead_run()  # WriterBusy while a live run holds the lock
            written, failures = self._bulk(target, clinics, require_alias=True)
        # An explicit refresh (≈ 20 ms) rather than refresh=wait_for (up to refresh_interval,
        # ≈ 1 s measured) per request: reads see the writes as soon as upsert returns.
        with _engine("refresh"):
            self.es.indices.refresh(index=target)
        if failures:
            raise self._failure_error("upsert incomplete", failures)
        return written

    def delete(self, clinic_id: str) -> bool:
        self._check_schema()
        run = self._run()
        target = self._generation(run) if run is not None else self.alias
        for attempt in (1, 2):
            with _engine("delete a clinic"):
                try:
                    self.es.delete(index=target, id=clinic_id, refresh=True)
                except NotFoundError:  # no such clinic, or no index at all yet
                    return False
                except ApiError as err:
                    if attempt == 2 or run is not None or not _blocked(str(err)):
                        raise
                    self._unblocked_by_a_dead_run()
                    continue
            return True
        return True

    # -- write runs: one at a time, all or nothing -----------------------------------------

    @contextlib.contextmanager
    def writing(self, run: str) -> Iterator[None]:
        """A write run: under the writer lock, its writes go to a new generation of the
        clinic index that the alias names only once the run has ended well. A second writer
        meanwhile gets WriterBusy naming the first; a run that dies leaves the previous
        complete state visible, and its lock expires so that the next run takes over."""
        if self._run() is not None:  # a run inside a run: the outer one decides
            yield
            return
        state = self._take_lock(run)
        self._local.run = state
        renewer = threading.Thread(
            target=self._keep_lock, args=(state,), name="katdir-es-writer-lock", daemon=True
        )
        renewer.start()
        try:
            try:
                yield
                self._commit(state)
            except BaseException:
                self._discard_generation(state)
                raise
        finally:
            self._local.run = None
            state.done.set()
            renewer.join(timeout=30)
            self._release_lock(state)

    def _run(self) -> _Run | None:
        return getattr(self._local, "run", None)

    def _ensure_writer_lock(self) -> None:
        with _engine("create the writer lock index"):
            if not self.es.indices.exists(index=self.writer_lock):
                self.es.options(ignore_status=400).indices.create(
                    index=self.writer_lock, **schema.writer_lock_index_body(replicas=self.replicas)
                )

    def _take_lock(self, run: str) -> _Run:
        """Create the lock document; if a run holds it, WriterBusy — unless its lock expired
        (that run died): then take it over and clean up what the dead run left."""
        self._ensure_writer_lock()
        now = time.time()
        doc = {
            "run": run,
            "owner": f"pid {os.getpid()} on {socket.gethostname()}",
            "started": datetime.fromtimestamp(now, timezone.utc).isoformat(),
            "expires": now + self.lock_ttl,
            "generation": None,
            "live": None,
        }
        with _engine("take the writer lock"):
            try:
                made = self.es.create(index=self.writer_lock, id=WRITER_LOCK_ID, document=doc)
                return _Run(run, doc, made["_seq_no"], made["_primary_term"])
            except EsConflictError:
                pass
            try:
                held = self.es.get(index=self.writer_lock, id=WRITER_LOCK_ID)
            except NotFoundError:  # released just now: try once more
                made = self.es.create(index=self.writer_lock, id=WRITER_LOCK_ID, document=doc)
                return _Run(run, doc, made["_seq_no"], made["_primary_term"])
            holder = held["_source"]
            if holder["expires"] > time.time():
                raise WriterBusy(self._busy_message(holder))
            log.warning(
                "%s: taking over the writer lock of %s (%s, since %s): it expired at %s "
                "without being released, so that run died; removing what it left",
                run,
                holder["run"],
                holder["owner"],
                holder["started"],
                _when(holder["expires"]),
            )
            try:
                made = self.es.index(
                    index=self.writer_lock,
                    id=WRITER_LOCK_ID,
                    document=doc,
                    if_seq_no=held["_seq_no"],
                    if_primary_term=held["_primary_term"],
                )
            except EsConflictError:  # another writer took it over first
                raise WriterBusy(
                    self._busy_message(
                        self.es.get(index=self.writer_lock, id=WRITER_LOCK_ID)["_source"]
                    )
                ) from None
        self._clean_up_after(holder)
        return _Run(run, doc, made["_seq_no"], made["_primary_term"])

    def _busy_message(self, holder: dict[str, Any]) -> str:
        return (
            f"the Elasticsearch directory {self.prefix!r} is being written by "
            f"{holder['run']} ({holder['owner']}, since {holder['started']}); run this "
            "again when it has finished (if that run died, its lock expires at "
            f"{_when(holder['expires'])})"
        )

    def _clean_up_after(self, holder: dict[str, Any]) -> None:
        """What a dead run left: its unfinished generation and the block on the live index —
        or, if it died just after moving the alias, the generation it replaced."""
        with _engine("clean up after a dead run"):
            generation, live = holder.get("generation"), holder.get("live")
            aliased = self.aliased_indices()
            if generation and generation not in aliased:
                log.info("deleting %s, the unfinished generation of a run that died", generation)
                self.es.options(ignore_status=404).indices.delete(index=generation)
            if live and generation in aliased:
                self.es.options(ignore_status=404).indices.delete(index=live)
            elif live:
                self.es.options(ignore_status=404).indices.put_settings(
                    index=live, settings={"index.blocks.write": None}
                )

    def _update_lock(self, state: _Run, **changes: Any) -> None:
        """Write the lock document again (renewed, or naming the generation) — only if it is
        still the one this run wrote; else the lock was taken over and the run must stop."""
        with state.guard:
            if state.lost:
                raise StoreError(state.lost)
            doc = {**state.doc, **changes, "expires": time.time() + self.lock_ttl}
            try:
                with _engine("renew the writer lock"):
                    made = self.es.index(
                        index=self.writer_lock,
                        id=WRITER_LOCK_ID,
                        document=doc,
                        if_seq_no=state.seq_no,
                        if_primary_term=state.primary_term,
                    )
            except StoreError as err:
                if not isinstance(err.__cause__, EsConflictError):
                    raise
                state.lost = (
                    f"{state.name}: another writer took over the writer lock of "
                    f"{self.prefix} (this run was too slow to renew it); nothing of "
                    "this run was made visible"
                )
                raise StoreError(state.lost) from None
            state.doc, state.seq_no, state.primary_term = (
                doc,
                made["_seq_no"],
                made["_primary_term"],
            )

    def _keep_lock(self, state: _Run) -> None:
        while not state.done.wait(self.lock_ttl / 4):
            try:
                self._update_lock(state)
            except StoreUnavailable as err:  # try again at the next beat, before it expires
                log.warning("%s: could not renew the writer lock: %s", state.name, err)
            except StoreError:
                return  # taken over: the run finds out at its next write or at its end

    def _release_lock(self, state: _Run) -> None:
        if state.lost or state.keep:
            return
        try:
            with _engine("release the writer lock"):
                self.es.delete(
                    index=self.writer_lock,
                    id=WRITER_LOCK_ID,
                    if_seq_no=state.seq_no,
                    if_primary_term=state.primary_term,
                )
        except StoreError as err:  # it expires by itself; the next run takes it over
            log.warning(
                "%s: could not release the writer lock (it expires at %s): %s",
                state.name,
                _when(state.doc["expires"]),
                err,
            )

    def _generation(self, state: _Run) -> str:
        """The index this run writes to, made at its first write: a clone of the live index
        (hard links: fast), taken while the live index is closed to writes, so that nobody's
        write can fall between the copy and the alias move."""
        if state.generation is not None:
            return state.generation
        self._check_schema()
        generation = schema.new_clinics_index(self.prefix)
        live = self.aliased_indices()
        if len(live) > 1:
            raise StoreError(
                f"the alias {self.alias} names {len(live)} indices ({live}): "
                "run `katdir rebuild` to make one"
            )
        # Named in the lock first: if this run dies, the next one knows what to remove.
        self._update_lock(state, generation=generation, live=live[0] if live else None)
        state.generation, state.live = generation, live[0] if live else None
        with _engine("start a new generation of the clinic index"):
            if not live:  # an empty directory: the template makes the index
                self._put_template()
                self.es.indices.create(index=generation)
            else:
                self.es.indices.put_settings(index=live[0], settings={"index.blocks.write": True})
                # Waits on the cluster: the client's timeout must outlast the server's.
                slow = self.es.options(request_timeout=BULK_TIMEOUT)
                slow.indices.clone(
                    index=live[0],
                    target=generation,
                    settings={"index.blocks.write": None},
                    wait_for_active_shards="1",
                    timeout="60s",
                )
                slow.cluster.health(index=generation, wait_for_status="yellow", timeout="60s")
        return generation

    def _move_alias_to(self, index: str) -> None:
        """The clinics' alias on `index` alone, in one call. It is removed by pattern, not by
        the names last read: if another writer moved it in between, it still ends on exactly
        one index."""
        self.es.indices.update_aliases(
            actions=[
                {
                    "remove": {
                        "index": schema.clinics_index_pattern(self.prefix),
                        "alias": self.alias,
                        "must_exist": False,
                    }
                },
                {"add": {"index": index, "alias": self.alias}},
            ]
        )

    def _commit(self, state: _Run) -> None:
        """The run ended well: the alias moves to its generation in one call."""
        if state.generation is None:
            return
        with _engine("make the run's writes visible"):
            self._update_lock(state)  # still ours: nobody took over meanwhile
            self.es.indices.refresh(index=state.generation)
            self._move_alias_to(state.generation)
        self._alias_ready = True
        previous, state.generation, state.live = state.live, None, None
        if previous:
            time.sleep(OLD_INDEX_GRACE)  # let searches that resolved the alias before finish
            try:
                with _engine("delete the previous generation"):
                    self.es.options(ignore_status=404).indices.delete(index=previous)
            except StoreError as err:  # the run is visible; a rebuild removes what is left
                log.warning(
                    "%s: could not delete the previous generation %s: %s", state.name, previous, err
                )

    def _discard_generation(self, state: _Run) -> None:
        """The run failed: its generation goes, the live index takes writes again."""
        if state.generation is None:
            return
        try:
            with _engine("discard the run's generation"):
                if state.generation not in self.aliased_indices():
                    self.es.options(ignore_status=404).indices.delete(index=state.generation)
                if state.live:
                    self.es.options(ignore_status=404).indices.put_settings(
                        index=state.live, settings={"index.blocks.write": None}
                    )
        except StoreError as err:  # the next run cleans up (the lock names both)
            log.warning(
                "%s: could not remove its unfinished generation %s: %s",
                state.name,
                state.generation,
                err,
            )
            state.keep = True
            return
        state.generation = state.live = None

    def _refuse_during_a_run(self) -> None:
        """A curator's decision and the clinic's copy it changes go together: while another
        process's run holds the lock (and would refuse the copy), WriterBusy before the
        decision is written. An expired lock is left to the copy's write, which takes it."""
        if self._run() is not None:
            return
        with _engine("read the writer lock"):
            held = (
                self.es.options(ignore_status=404)
                .get(index=self.writer_lock, id=WRITER_LOCK_ID)
                .body
            )
        if held.get("found") and held["_source"]["expires"] > time.time():
            raise WriterBusy(self._busy_message(held["_source"]))

    def _unblocked_by_a_dead_run(self) -> None:
        """A write outside a run found the live index closed to writes: a run holds it
        (WriterBusy), or a run died holding it — take its expired lock, which cleans up."""
        state = self._take_lock("a write")
        try:
            with _engine("open the clinic index to writes"):  # no run holds it: nobody blocks
                self.es.options(ignore_status=404).indices.put_settings(
                    index=self.alias, settings={"index.blocks.write": None}
                )
        finally:
            self._release_lock(state)

    def rebuild(self, clinics: Iterable[Clinic]) -> int:
        """Load every clinic into a new index, then move the alias to it in one `_aliases`
        call and delete the indices it left. If anything fails before the move, the new index
        is deleted and the alias still points at the old content: nothing is lost."""
        run = self._run()
        if run is not None:  # the run's own generation is superseded by this whole load
            self._discard_generation(run)
        self._put_template()
        new = schema.new_clinics_index(self.prefix)
        with _engine("create a new clinic index"):
            # No refreshes, no replicas and no fsync per bulk request while loading: all come
            # after the last document (an index that dies half-loaded is deleted anyway).
            self.es.indices.create(index=new, settings=LOADING_SETTINGS)
        try:
            written, failures = self._bulk(new, clinics, require_alias=False)
            if failures:
                raise self._failure_error(f"rebuild abandoned, {self.alias} unchanged", failures)
            with _engine("open the new clinic index"):
                self.es.indices.put_settings(
                    index=new,
                    settings={
                        **{name: None for name in LOADING_SETTINGS},  # back to the template's
                        "number_of_replicas": self.replicas,
                    },
                )
                self.es.indices.refresh(index=new)
                # A Lucene commit and a synced translog: durable before anyone reads it (the
                # load's translog was synced only every few seconds).
                self.es.indices.flush(index=new, wait_if_ongoing=True)
                old = self.aliased_indices()
                self._move_alias_to(new)
        except BaseException:
            try:
                self.es.options(ignore_status=404).indices.delete(index=new)
            except Exception as cleanup:  # noqa: BLE001 - the first error is the one to report
                log.warning("could not delete the abandoned index %s: %s", new, cleanup)
            raise
        self._alias_ready = True
        if any(name != new for name in old):
            time.sleep(OLD_INDEX_GRACE)  # let searches that resolved the alias before finish
        with _engine("delete the old clinic index"):
            for name in old:
                if name != new:
                    self.es.options(ignore_status=404).indices.delete(index=name)
            for name in self._abandoned_before(new):
                log.info("deleting %s, left half-loaded by an earlier rebuild that died", name)
                self.es.options(ignore_status=404).indices.delete(index=name)
        return written

    def _abandoned_before(self, new: str) -> list[str]:
        """Clinic indices older than `new` that no alias names: what a rebuild killed with the
        node (it could not delete its own index) left. A newer one may be a rebuild running
        now, so it stays; names sort by their creation time (schema.new_clinics_index)."""
        indices = self.es.options(ignore_status=404).indices.get_alias(
            index=schema.clinics_index_pattern(self.prefix)
        )
        if not isinstance(indices.body, dict):
            return []
        return sorted(
            name for name, info in indices.body.items() if name < new and not info.get("aliases")
        )

    # -- curators' decisions ---------------------------------------------------------------

    def get_decision(self, clinic_id: str) -> Decision | None:
        with _engine("read a decision"):
            try:
                found = self.es.get(index=self.decisions, id=clinic_id)
            except NotFoundError:
                return None
        return schema.decision_from_source(found["_source"])

    def put_decision(self, decision: Decision) -> Decision:
        """Optimistic concurrency: a new decision is created only if none exists; a changed one
        is written only if the stored one is still at the version read (checked with the
        document's own version, enforced by if_seq_no/if_primary_term)."""
        self._ensure_decisions()
        self._refuse_during_a_run()
        stored = decision.model_copy(update={"version": decision.version + 1})
        conflict = ConflictError(
            f"the decision on {decision.clinic_id} changed since "
            f"version {decision.version} was read"
        )
        with _engine("write a decision"):
            try:
                if decision.version == 0:
                    self.es.create(
                        index=self.decisions,
                        id=decision.clinic_id,
                        document=schema.decision_document(stored),
                        refresh=True,
                    )
                    return stored
                try:
                    current = self.es.get(index=self.decisions, id=decision.clinic_id)
                except NotFoundError:
                    raise conflict from None
                if current["_source"].get("version") != decision.version:
                    raise conflict
                self.es.index(
                    index=self.decisions,
                    id=decision.clinic_id,
                    document=schema.decision_document(stored),
                    if_seq_no=current["_seq_no"],
                    if_primary_term=current["_primary_term"],
                    refresh=True,
                )
            except EsConflictError:
                raise conflict from None
        return stored

    def iter_decisions(self) -> Iterator[Decision]:
        for source in self._walk(self.decisions, "clinic_id"):
            yield schema.decision_from_source(source)

    # -- curators' records -----------------------------------------------------------------

    def get_record(self, kind: str, key: str) -> Record | None:
        with _engine("read a record"):
            try:
                found = self.es.get(index=self.records, id=schema.record_id(kind, key))
            except NotFoundError:
                return None
        source = found["_source"]
        return Record(kind, key, source["version"], source["doc"])

    def put_record(self, kind: str, key: str, doc: dict[str, Any], version: int | None) -> Record:
        """Optimistic concurrency as for decisions: create only if absent (version 0), else
        write only over the version read (if_seq_no/if_primary_term)."""
        self._ensure_records()
        doc_id = schema.record_id(kind, key)
        conflict = ConflictError(f"the {kind} {key!r} changed since version {version} was read")
        with _engine("write a record"):
            try:
                if version == 0:
                    self.es.create(
                        index=self.records,
                        id=doc_id,
                        refresh=True,
                        document={"kind": kind, "key": key, "version": 1, "doc": doc},
                    )
                    return Record(kind, key, 1, doc)
                try:
                    current = self.es.get(index=self.records, id=doc_id)
                except NotFoundError:
                    if version is not None:
                        raise conflict from None
                    current = None
                stored = current["_source"]["version"] if current else 0
                if version is not None and stored != version:
                    raise conflict
                guard = (
                    {"if_seq_no": current["_seq_no"], "if_primary_term": current["_primary_term"]}
                    if current
                    else {"op_type": "create"}
                )
                self.es.index(
                    index=self.records,
                    id=doc_id,
                    refresh=True,
                    **guard,
                    document={"kind": kind, "key": key, "version": stored + 1, "doc": doc},
                )
            except EsConflictError:
                raise conflict from None
        return Record(kind, key, stored + 1, doc)

    def iter_records(self, kind: str) -> Iterator[Record]:
        for source in self._walk(
            self.records, "key", query={"term": {"kind": kind}}, fields=["key", "version", "doc"]
        ):
            yield Record(kind, source["key"], source["version"], source["doc"])

    # -- reading ---------------------------------------------------------------------------

    def get(self, clinic_id: str) -> Clinic | None:
        with _engine("read a clinic"):
            try:
                found = self.es.get(index=self._clinics(), id=clinic_id, source_includes="doc")
            except NotFoundError:
                return None
        return schema.clinic_from_source(found["_source"])

    def iter_clinics(self) -> Iterator[Clinic]:
        for source in self._walk(self._clinics(), "id"):
            yield schema.clinic_from_source(source)

    def _clinics(self) -> str:
        """Where whole clinics are read: a run reads its own writes, everyone else the alias."""
        run = self._run()
        return run.generation if run is not None and run.generation else self.alias

    def _walk(
        self,
        index: str,
        key: str,
        *,
        query: dict[str, Any] | None = None,
        fields: list[str] | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Every document's source in `key` order, from one point in time (a rebuild that
        swaps the alias meanwhile doesn't mix two contents)."""
        with _engine("open a point in time"):
            try:
                pit = self.es.open_point_in_time(index=index, keep_alive="2m")["id"]
            except NotFoundError:
                return
        after = None
        try:
            while True:
                with _engine("read clinics"):
                    page = self.es.search(
                        pit={"id": pit, "keep_alive": "2m"},
                        size=PAGE,
                        sort=[{key: "asc"}],
                        source_includes=fields or "doc",
                        search_after=after,
                        track_total_hits=False,
                        query=query,
                    )
                pit = page.get("pit_id", pit)
                hits = page["hits"]["hits"]
                for hit in hits:
                    yield hit["_source"]
                if len(hits) < PAGE:
                    return
                after = hits[-1]["sort"]
        finally:
            with contextlib.suppress(Exception):
                self.es.close_point_in_time(id=pit)

    def count(self) -> int:
        with _engine("count clinics"):
            try:
                return int(self.es.count(index=self.alias)["count"])
            except NotFoundError:
                return 0

    def search(self, query: NearQuery) -> SearchResult:
        return self._search(query, context=False)[0]

    def search_with_context(self, query: NearQuery) -> tuple[SearchResult, dict[str, RoutePrices]]:
        """`search(query)` and `price_context(query)` from one round trip, whose aggregations
        visit the matches once for the facets and the price context together."""
        result, context = self._search(query, context=True)
        assert context is not None
        return result, context

    def _search(
        self, query: NearQuery, *, context: bool
    ) -> tuple[SearchResult, dict[str, RoutePrices] | None]:
        """Elasticsearch filters, counts and orders; the page is then put in exact order.

        One msearch carries two requests, which the node runs side by side: the page (sorted;
        no total, no aggregations) and the counts (no hits: the total, the facets and, with
        `context`, the price context's aggregations). Each reads the index as of its own
        start: a refresh that lands between the two (a write outside a run) can make the
        total count a clinic the page does not show, as two requests could before. With
        `PAGE_APART` off, both are one request, as before (bench/bench_es.py times both).

        Elasticsearch sorts on indexed points quantized to about 1 cm, so two clinics whose
        distances differ by less than that may come out swapped against the great-circle
        order (it happens: 3 of the contract suite's 2,000 queries). So each page is fetched
        with a margin of neighbours on both sides, re-ordered by the exact haversine distance
        from the stored point — SQLite's order — and a side's margin is widened until no
        clinic outside the window could belong on the page.
        """
        self._check_schema()
        body = search_body(query)
        before = after = PAGE_MARGIN
        counts: dict[str, Any] | None = None
        while True:
            start = max(0, query.offset - before)
            size = min(query.offset + query.per_page + after, schema.MAX_RESULT_WINDOW) - start
            if size <= 0:  # past index.max_result_window: the counts, and no page
                start = size = 0
            searches: list[dict[str, Any]] = []
            page = page_request(body, start, size)
            if counts is None:
                aggregations = counts_aggregations(query, body, context=context)
                if size and not PAGE_APART:  # the page, the total and the aggregations at once
                    page = {**page, "track_total_hits": True, "aggregations": aggregations}
                else:
                    searches += [_SEARCH_HEADER, counts_request(body, aggregations)]
            if size:
                searches += [_SEARCH_HEADER, page]
            responses = self._msearch(searches)
            if responses is None:  # nothing loaded yet: an empty directory
                empty = no_price_context(query) if context else None
                return SearchResult(0, [], empty_facets()), empty
            if counts is None:
                counts = responses[0]
                total = counts["hits"]["total"]["value"]
                facets, prices = self._counted(query, body, total, counts["aggregations"], context)
            hits = responses[-1]["hits"]["hits"] if size else []  # the page comes last
            window = [_Ranked.of(hit, query) for hit in hits]
            at_end = start + len(window) >= min(total, schema.MAX_RESULT_WINDOW)
            exact = sorted(window, key=_Ranked.exact_key)
            first = query.offset - start
            page = exact[first : first + query.per_page] if size else []
            unsure_first = (
                [] if start == 0 else [r for r in page if not window[0].clearly_before(r)]
            )
            unsure_last = [] if at_end else [r for r in page if not r.clearly_before(window[-1])]
            if not unsure_first and not unsure_last:
                result = SearchResult(
                    total, [Hit(None, r.distance_km, r.doc, r.card) for r in page], facets
                )
                return result, prices
            if unsure_first:
                before = self._band(query, body, window[0], unsure_first, before)
            if unsure_last:
                after = self._band(query, body, window[-1], unsure_last, after)

    def _msearch(self, searches: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
        """The responses of an msearch, each checked; None when there is no index yet."""
        with _engine("search"):
            responses = self.es.msearch(index=self.alias, searches=searches)["responses"]
        for response in responses:
            error = response.get("error")
            if error:
                kind = error.get("type") if isinstance(error, dict) else str(error)
                if kind == "index_not_found_exception":
                    return None
                status = int(response.get("status", 500))
                reason = error.get("reason") if isinstance(error, dict) else error
                message = f"Elasticsearch could not search ({status}): {kind}: {reason}"
                if status >= 500 or status == 429:
                    raise StoreUnavailable(message)
                raise StoreError(message)
            if response.get("timed_out"):
                raise SearchTooCostly(
                    f"the search took longer than {SEARCH_TIMEOUT:g} s and was stopped"
                )
        return responses

    def price_context(self, query: NearQuery) -> dict[str, RoutePrices]:
        """Each route's prices with their counts (a `terms` aggregation over its price field:
        prices are few — whole dollars or cents of a series), all in one request; count,
        extremes and median are then counted from them, exact as SQLite's (Elasticsearch's
        percentiles are estimates). When a route's prices are too many for one aggregation
        (`MEDIAN_TERMS`): its stats, and its middle prices read in price order."""
        if not PRICE_TERMS:
            return self._stats_context(query)
        body = search_body(query)
        fields = [schema.price_field((route,)) for route in context_routes(query)]
        request = counts_request(body, price_terms(fields))
        request["track_total_hits"] = False
        responses = self._msearch([_SEARCH_HEADER, request])
        if responses is None:
            return no_price_context(query)
        context = context_of(query, responses[0]["aggregations"])
        return context if context is not None else self._stats_context(query)

    def _stats_context(self, query: NearQuery) -> dict[str, RoutePrices]:
        """The price context from stats and terms aggregations (each route's median counted
        from its terms, or read in price order when they are too many)."""
        request = counts_request(search_body(query), context_aggregations(query))
        request["track_total_hits"] = False
        responses = self._msearch([_SEARCH_HEADER, request])
        if responses is None:
            return no_price_context(query)
        return self._context_of(query, responses[0]["aggregations"])

    def _counted(
        self,
        query: NearQuery,
        body: dict[str, Any],
        total: int,
        aggs: dict[str, Any],
        context: bool,
    ) -> tuple[dict[str, Any], dict[str, RoutePrices] | None]:
        """The facets and (with `context`) the price context from counts_aggregations'
        answers; when some prices were too many to be counted, from a second request with
        Elasticsearch's own stats, min, max, missing and range aggregations."""
        if not PRICE_TERMS:
            return facets_of(aggs), (self._context_of(query, aggs) if context else None)
        price = schema.price_field(query.routes)
        facets = facets_of_terms(aggs, price, total)
        prices = context_of(query, aggs) if context else None
        if facets is None:
            responses = self._msearch(
                [_SEARCH_HEADER, counts_request(body, facet_aggregations(price))]
            )
            facets = facets_of(responses[0]["aggregations"]) if responses else empty_facets()
        if context and prices is None:
            prices = self._stats_context(query)
        return facets, prices

    def _context_of(self, query: NearQuery, aggs: dict[str, Any]) -> dict[str, RoutePrices]:
        """The price context from context_aggregations' answers."""
        routes = context_routes(query)
        stats = {route: aggs[f"context-{route}"] for route in routes}
        medians: dict[str, float] = {}
        too_many = []
        for route in routes:
            prices = aggs[f"context-{route}-prices"]
            if not stats[route]["count"]:
                continue
            if prices["sum_other_doc_count"]:
                too_many.append(route)
                continue
            counts = sorted((bucket["key"], bucket["doc_count"]) for bucket in prices["buckets"])
            medians[route] = _median_of_counts(counts, int(stats[route]["count"]))
        if too_many:
            matches = search_body(query)["query"]
            medians.update(self._medians_by_sorting(matches, {r: stats[r] for r in too_many}))
        return {
            route: RoutePrices(
                int(stats[route]["count"]),
                stats[route]["min"],
                medians.get(route),
                stats[route]["max"],
            )
            if stats[route]["count"]
            else RoutePrices(0)
            for route in routes
        }

    def _medians_by_sorting(
        self, matches: dict[str, Any], stats: dict[str, dict[str, Any]]
    ) -> dict[str, float]:
        """Each route's median from its middle one or two prices in price order."""
        searches: list[dict[str, Any]] = []
        for route, found in stats.items():
            field, count = schema.price_field((route,)), found["count"]
            searches += [
                {"index": self.alias},
                {
                    "query": {"bool": {"filter": [matches, {"exists": {"field": field}}]}},
                    "sort": [{field: "asc"}],
                    "from": (count - 1) // 2,
                    "size": 2 - count % 2,
                    "_source": False,
                    "track_total_hits": False,
                },
            ]
        medians = {}
        if searches:
            with _engine("search"):
                answers = self.es.msearch(searches=searches)["responses"]
            for route, answer in zip(stats, answers, strict=True):
                if "error" in answer:
                    raise StoreError(f"Elasticsearch refused a median: {answer['error']}")
                middle = [hit["sort"][0] for hit in answer["hits"]["hits"]]
                medians[route] = sum(middle) / len(middle)
        return medians

    def _band(
        self,
        query: NearQuery,
        body: dict[str, Any],
        edge: _Ranked,
        unsure: list[_Ranked],
        margin: int,
    ) -> int:
        """How wide a side's margin must be: every clinic that could swap places with the page's
        unsure ones ranks within as many places of the window's edge as there are clinics with
        their sort key and a distance within the quantization band — typically clinics at
        one spot (a ZIP centroid), all at the same distance. Counted in one request."""
        if query.sort == "relevance" and query.text:
            return margin * 8  # scores cannot be filtered on: widen blindly
        slack = 3 * QUANTIZATION_KM
        low = min(r.es_distance_km for r in [*unsure, edge]) - slack
        high = max(r.es_distance_km for r in [*unsure, edge]) + slack
        band: list[dict[str, Any]] = [
            {
                "geo_distance": {
                    "distance": f"{high!r}km",
                    "distance_type": "arc",
                    "location": {"lat": query.lat, "lon": query.lon},
                }
            }
        ]
        excluded: list[dict[str, Any]] = []
        if low > 0:
            excluded.append(
                {
                    "geo_distance": {
                        "distance": f"{low!r}km",
                        "distance_type": "arc",
                        "location": {"lat": query.lat, "lon": query.lon},
                    }
                }
            )
        if query.sort == "price":
            price = schema.price_field(query.routes)
            if edge.primary[0] == 0:
                band.append({"term": {price: edge.primary[1]}})
            else:
                excluded.append({"exists": {"field": price}})
        bool_query = body["query"]["bool"]
        narrowed = {
            "bool": {**bool_query, "filter": [*bool_query["filter"], *band], "must_not": excluded}
        }
        with _engine("search"):
            count = self.es.count(index=self.alias, query=narrowed)["count"]
        return max(margin * 2, margin + count)


class _Ranked:
    """A hit with what ordering it needs: the sort key before distance (price or score, exact
    in both engines), Elasticsearch's distance (quantized) and the exact one."""

    __slots__ = ("card", "distance_km", "doc", "es_distance_km", "id", "primary")

    def __init__(
        self,
        doc: dict[str, Any],
        card: bytes,
        primary: tuple,
        es_distance_km: float,
        distance_km: float,
    ):
        self.doc, self.card, self.primary = doc, card, primary
        self.es_distance_km, self.distance_km, self.id = es_distance_km, distance_km, doc["id"]

    @classmethod
    def of(cls, hit: dict[str, Any], query: NearQuery) -> _Ranked:
        # The clinic as stored (its JSON dump, validated when written): read, not validated.
        doc = hit["_source"]["doc"]
        loc = doc["location"]
        # The distance shown: haversine from the exact stored point, as SQLite does — both
        # stores report the same kilometres for a clinic, to the last digit.
        exact = haversine_km(query.lat, query.lon, loc["lat"], loc["lon"])
        sort = hit["sort"]
        if query.sort == "price":
            found = session_price(StoredPrices.of(doc), query.routes)
            price = found.amount if found else None
            primary: tuple = (0, price) if price is not None else (1, 0.0)
            es_distance = sort[1]
        elif query.sort == "relevance" and query.text:
            primary, es_distance = (-hit["_score"],), sort[1]
        else:
            primary, es_distance = (), sort[0]
        return cls(doc, hit["_source"]["card"].encode(), primary, float(es_distance), exact)

    def exact_key(self) -> tuple:
        return (self.primary, self.distance_km, self.id)

    def clearly_before(self, other: _Ranked) -> bool:
        """Is every hit Elasticsearch ranks at or before `self` truly before `other`?"""
        if self.primary != other.primary:
            return self.primary < other.primary
        return self.es_distance_km < other.es_distance_km - 2 * QUANTIZATION_KM


# -- queries (pure functions: the request body for a NearQuery, the facets of a response) ----


def _median_of_counts(counts: list[tuple[float, int]], total: int) -> float:
    """The median of `total` prices given as sorted (price, how many) pairs."""
    ranks, middle, below = sorted({(total - 1) // 2, total // 2}), [], 0
    for price, n in counts:
        middle += [price for rank in ranks if below <= rank < below + n]
        below += n
    return sum(middle) / len(middle)


def text_clause(text: str) -> dict[str, Any]:
    """Every word must match, each as a prefix, in the name or the body — SQLite's FTS query
    `"w1"* AND "w2"* …`. A name match weighs 10, a body match 1 (sqlite's bm25 weights)."""
    phrases = schema.query_words(text)
    if len(phrases) > MAX_TEXT_WORDS:
        raise SearchTooCostly(f"a text search takes at most {MAX_TEXT_WORDS} words")
    if not phrases or any(not tokens for tokens in phrases):
        return {"match_none": {}}
    must = []
    for tokens in phrases:
        if len(tokens) == 1:
            should = [
                {"prefix": {"name": {"value": tokens[0], "boost": 10.0}}},
                {"prefix": {"body": {"value": tokens[0], "boost": 1.0}}},
            ]
        else:  # a word FTS5 splits ("chronic_pain"): a phrase whose last token is a prefix
            phrase = " ".join(tokens)
            should = [
                {
                    "match_phrase_prefix": {
                        field: {"query": phrase, "boost": boost, "max_expansions": 1000}
                    }
                }
                for field, boost in (("name", 10.0), ("body", 1.0))
            ]
        must.append({"bool": {"should": should, "minimum_should_match": 1}})
    return {"bool": {"must": must}}


# Kind (katdir.filters) → the filter clause of one filter's value. The text kind is not here:
# it is scored when it orders the results (search_body).
QUERY_CLAUSES: dict[str, Callable[[Parameter, Any, NearQuery], dict[str, Any]]] = {
    "flag": lambda f, value, query: {"term": {f.field: value}},
    "any_of": lambda f, value, query: {"terms": {f.field: list(value)}},
    "at_most": lambda f, value, query: {"range": {f.field: {"lte": value}}},
    "session_price_at_most": lambda f, value, query: {
        "range": {schema.price_field(query.routes): {"lte": value}}
    },
}


def search_body(query: NearQuery) -> dict[str, Any]:
    origin = {"lat": query.lat, "lon": query.lon}
    filters: list[dict[str, Any]] = [
        {"terms": {"status": list(query.statuses)}},
        {
            "geo_distance": {
                "distance": f"{query.radius_km!r}km",
                "distance_type": "arc",
                "location": origin,
            }
        },
    ]
    for f in FILTERS:
        value = query.filters.get(f.name)
        if value is not None and value != () and f.kind.name in QUERY_CLAUSES:
            filters.append(QUERY_CLAUSES[f.kind.name](f, value, query))
    price = schema.price_field(query.routes)
    relevance = query.sort == "relevance" and bool(query.text)
    must = []
    if query.text:
        # Scored only when it orders the results; otherwise a filter (cached, no scoring).
        (must if relevance else filters).append(text_clause(query.text))
    by_distance = {
        "_geo_distance": {
            "location": origin,
            "order": "asc",
            "unit": "km",
            "distance_type": "arc",
            "mode": "min",
        }
    }
    by_id = {"id": {"order": "asc"}}
    sort: list[Any] = [by_distance, by_id]
    if query.sort == "price":
        sort.insert(0, {price: {"order": "asc", "missing": "_last"}})
    elif relevance:
        sort.insert(0, {"_score": {"order": "desc"}})
    return {
        "query": {"bool": {"filter": filters, **({"must": must} if must else {})}},
        "sort": sort,
        "from_": query.offset,
        "size": query.per_page,
        "track_total_hits": True,
        # A shard that fails (e.g. an index deleted under a running search) is an error, never
        # a silently shorter answer.
        "allow_partial_search_results": False,
        # Each shard stops at the deadline (the search then fails, partial results being off).
        # No terminate_after: it would make the totals and facets wrong.
        "timeout": f"{round(SEARCH_TIMEOUT * 1000)}ms",
        "source_includes": ["doc", "card"],
        "aggregations": facet_aggregations(price),
    }


# One search of an msearch: a clinic search must fail whole, never answer from part of
# the index (e.g. one deleted under it).
_SEARCH_HEADER: dict[str, Any] = {"allow_partial_search_results": False}


def page_request(body: dict[str, Any], start: int, size: int) -> dict[str, Any]:
    """The sorted page of search_body's matches, without a total or aggregations: the sort
    then only has to find the first `start + size`."""
    return {
        "query": body["query"],
        "sort": body["sort"],
        "from": start,
        "size": size,
        "track_total_hits": False,
        "timeout": body["timeout"],
        "_source": {"includes": body["source_includes"]},
    }


def counts_request(body: dict[str, Any], aggregations: dict[str, Any]) -> dict[str, Any]:
    """The total and the aggregations of search_body's matches, without hits."""
    return {
        "query": body["query"],
        "size": 0,
        "track_total_hits": True,
        "timeout": f"{round(SEARCH_TIMEOUT * 1000)}ms",
        "aggregations": aggregations,
    }


def counts_aggregations(query: NearQuery, body: dict[str, Any], *, context: bool) -> dict[str, Any]:
    """The aggregations of a search's counts: each route's count, and each price with its count
    for the price facet (the field of the routes searched for) and, with `context`, for each
    route of the price context — one `terms` aggregation per field, where separate min, max,
    missing, range and stats aggregations each read the prices again (PRICE_TERMS off:
    those, as before)."""
    if not PRICE_TERMS:
        aggs = body["aggregations"]
        return {**aggs, **context_aggregations(query)} if context else aggs
    fields = [schema.price_field(query.routes)]
    if context:
        fields += [schema.price_field((route,)) for route in context_routes(query)]
    # A terms aggregation on the routes reads each match's routes once; a filters one runs a
    # query per route (measured at 1M in dense metros: 7 vs 55 ms of the node's time).
    routes = {"terms": {"field": "routes", "size": len(ROUTES)}}
    return {"route-terms": routes, **price_terms(fields)}


def price_terms(fields: list[str]) -> dict[str, Any]:
    """Each price with its count, for each field (once each)."""
    return {
        _terms_name(field): {"terms": {"field": field, "size": MEDIAN_TERMS}}
        for field in dict.fromkeys(fields)
    }


def _terms_name(field: str) -> str:
    return "prices-" + field.replace(".", "-")


def counted_prices(aggs: dict[str, Any], field: str) -> list[tuple[float, int]] | None:
    """(price, how many) in price order from price_terms' answer; None when there were more
    prices than the aggregation returns."""
    found = aggs[_terms_name(field)]
    if found["sum_other_doc_count"]:
        return None
    return sorted((bucket["key"], bucket["doc_count"]) for bucket in found["buckets"])


def facets_of_terms(aggs: dict[str, Any], field: str, total: int) -> dict[str, Any] | None:
    """The facets from the route facet and the prices counted on `field` (None when they
    were too many): the same numbers as facets_of() of facet_aggregations()."""
    counted = counted_prices(aggs, field)
    if counted is None or aggs["route-terms"]["sum_other_doc_count"]:
        return None
    facets = empty_facets()
    for bucket in aggs["route-terms"]["buckets"]:
        if bucket["key"] in facets["routes"]:
            facets["routes"][bucket["key"]] = int(bucket["doc_count"])
    price = facets["price"]
    if counted:
        price["min"], price["max"] = counted[0][0], counted[-1][0]
    price["unknown"] = total - sum(n for _, n in counted)  # one price per clinic, or none
    price["bands"] = {
        name: sum(
            n
            for amount, n in counted
            if (low is None or amount >= low) and (high is None or amount < high)
        )
        for name, low, high in PRICE_BANDS
    }
    return facets


def context_of(query: NearQuery, aggs: dict[str, Any]) -> dict[str, RoutePrices] | None:
    """The price context from price_terms' answer; None when some route's prices were too
    many."""
    context = {}
    for route in context_routes(query):
        counted = counted_prices(aggs, schema.price_field((route,)))
        if counted is None:
            return None
        count = sum(n for _, n in counted)
        context[route] = (
            RoutePrices(count, counted[0][0], _median_of_counts(counted, count), counted[-1][0])
            if count
            else RoutePrices(0)
        )
    return context


def context_aggregations(query: NearQuery) -> dict[str, Any]:
    """For each route of the price context: the stats of its price, and each price with its
    count (for the median)."""
    aggs: dict[str, Any] = {}
    for route in context_routes(query):
        field = schema.price_field((route,))
        aggs[f"context-{route}"] = {"stats": {"field": field}}
        aggs[f"context-{route}-prices"] = {"terms": {"field": field, "size": MEDIAN_TERMS}}
    return aggs


def facet_aggregations(price: str = "min_price") -> dict[str, Any]:
    """Route counts, and the price facets on `price`: the field of the routes searched for."""
    bands = []
    for name, low, high in PRICE_BANDS:
        band: dict[str, Any] = {"key": name}
        if low is not None:
            band["from"] = low  # inclusive
        if high is not None:
            band["to"] = high  # exclusive, as in PRICE_BANDS
        bands.append(band)
    return {
        "routes": {"filters": {"filters": {r: {"term": {"routes": r}} for r in ROUTES}}},
        "price_min": {"min": {"field": price}},
        "price_max": {"max": {"field": price}},
        "price_unknown": {"missing": {"field": price}},
        "price_bands": {"range": {"field": price, "ranges": bands, "keyed": True}},
    }


def facets_of(aggs: dict[str, Any]) -> dict[str, Any]:
    facets = empty_facets()
    if not aggs:
        return facets
    buckets = aggs["routes"]["buckets"]
    facets["routes"] = {route: int(buckets[route]["doc_count"]) for route in ROUTES}
    price = facets["price"]
    price["min"] = aggs["price_min"]["value"]
    price["max"] = aggs["price_max"]["value"]
    price["unknown"] = int(aggs["price_unknown"]["doc_count"])
    bands = aggs["price_bands"]["buckets"]
    price["bands"] = {name: int(bands[name]["doc_count"]) for name, _, _ in PRICE_BANDS}
    return facets
