"""Answers kept while the store does not change: a search or a clinic asked again is answered
from memory, and a client or a CDN that already holds the answer gets a 304.

An answer is kept under its endpoint and its canonical query (parameters by name, each one's
values in the order given) for as long as the store's *generation* (`Store.generation()`)
stays the same. On SQLite that is `PRAGMA data_version` of a read-only connection kept only to
watch: it moves whenever any other connection — an index run, an import, a curator's decision,
in any process — commits. A store without so cheap a generation (Elasticsearch) keeps nothing:
each answer is computed again, and still gets its ETag and its 304.

Answers are kept as the JSON bytes sent (never as objects a caller could change), at most
`KATDIR_ANSWER_CACHE_MB` per worker process, least recently used first out. The ETag is a hash
of those bytes, so every worker, and every server behind a CDN, gives the same one.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, current_app
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Request

from katdir.store import Store
from search_api import resources, service
from search_api.text_slots import TextSearchBusy, TextSlots, slot_count, taken_early

Generation = Callable[[], Hashable]
log = logging.getLogger("search_api.errors")  # the refusals' log line, as Flask's handler has it


@dataclass(frozen=True)
class Answer:
    body: bytes  # the JSON sent
    etag: str  # a strong validator of `body`

    @classmethod
    def of(cls, body: bytes) -> Answer:
        return cls(body, hashlib.blake2b(body, digest_size=12).hexdigest())


def generation_of(store: Store) -> Generation | None:
    """How to tell that `store` changed, cheaply enough to ask on every request (None: no way,
    and nothing is kept)."""
    told = getattr(store, "generation", None)
    return told if told is not None and told() is not None else None


class AnswerCache:
    """Answers by key, valid for one generation of the store, bounded in bytes (LRU)."""

    def __init__(self, generation: Generation | None, max_bytes: int):
        self.generation = generation
        self.max_bytes = max_bytes if generation is not None else 0
        self._answers: OrderedDict[Hashable, Answer] = OrderedDict()
        self._bytes = 0
        self._current: Hashable = None
        self._lock = threading.Lock()
        self.hits = self.misses = self.invalidations = 0

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0

    def get(self, key: Hashable, compute: Callable[[], bytes]) -> Answer:
        """The answer kept under `key` in the store's current generation, else `compute()`'s
        (kept for the next time unless the store changed meanwhile)."""
        if not self.enabled:
            return Answer.of(compute())
        seen = self.generation()  # before computing: an answer never outlives what it saw
        with self._lock:
            if seen != self._current:
                if self._current is not None:
                    self.invalidations += 1
                self._answers.clear()
                self._bytes = 0
                self._current = seen
            answer = self._answers.get(key)
            if answer is not None:
                self._answers.move_to_end(key)
                self.hits += 1
                return answer
            self.misses += 1
        answer = Answer.of(compute())
        with self._lock:
            if seen == self._current and len(answer.body) <= self.max_bytes // 8:
                old = self._answers.pop(key, None)
                self._bytes += len(answer.body) - (len(old.body) if old else 0)
                self._answers[key] = answer
                while self._bytes > self.max_bytes:
                    _, dropped = self._answers.popitem(last=False)
                    self._bytes -= len(dropped.body)
        return answer

    def holds(self, key: Hashable) -> bool:
        """Is an answer kept under `key` for the store as it is now?"""
        if not self.enabled:
            return False
        seen = self.generation()
        with self._lock:
            return seen == self._current and key in self._answers

    def stats(self) -> dict[str, Any]:
        asked = self.hits + self.misses
        return {
            "enabled": self.enabled,
            "hits": self.hits,
            "misses": self.misses,
            "hit_rate": round(self.hits / asked, 3) if asked else None,
            "entries": len(self._answers),
            "bytes": self._bytes,
            "invalidations": self.invalidations,
        }


def canonical(args: Any) -> tuple:
    """A query's parameters by name, each with its values in the order given: the same search
    spelled with its parameters in another order is the same key."""
    return tuple(sorted((name, tuple(args.getlist(name))) for name in args))


def search_key(args: Any) -> tuple:
    return ("search", canonical(args))


# -- the app's answers ------------------------------------------------------------------------


def init_app(app: Flask) -> None:
    settings = app.extensions["katdir.settings"]
    store = app.extensions["katdir.store"]
    app.extensions["katdir.answers"] = AnswerCache(
        generation_of(store) if settings.answer_cache_mb else None,
        settings.answer_cache_mb * 1024 * 1024,
    )
    app.extensions["katdir.text_slots"] = TextSlots(
        settings.var_dir / "text-search-slots", slot_count(settings)
    )
    app.wsgi_app = TextSlotsFirst(app, app.wsgi_app)  # type: ignore[method-assign]


def cache() -> AnswerCache:
    return current_app.extensions["katdir.answers"]


def search(args: MultiDict) -> Answer:
    """The search answer for these query parameters (the API's body; the pages read it)."""
    app = current_app

    store, geocoder = resources.store(), resources.geocoder()

    def text_search() -> dict:
        try:
            return service.search(args, store=store, geocoder=geocoder)
        finally:
            store.release()  # the slot's thread gives its connection back, as a request does

    def compute() -> bytes:
        if any(value.strip() for value in args.getlist("q")):
            found = app.extensions["katdir.text_slots"].run(text_search)
        else:
            found = service.search(args, store=store, geocoder=geocoder)
        return app.json.dumps_bytes(found)

    return cache().get(search_key(args), compute)


class _NoClinic(Exception):
    """No public clinic of that id (never kept: it may be approved a moment later)."""


def clinic(clinic_id: str) -> Answer | None:
    """A public clinic's whole record as the API sends it; None when there is none."""
    app = current_app

    def compute() -> bytes:
        found = resources.store().get(clinic_id)
        if found is None or not found.is_public:
            raise _NoClinic(clinic_id)
        return app.json.dumps_bytes(found.public_view())

    try:
        return cache().get(("clinic", clinic_id), compute)
    except _NoClinic:
        return None


def response(answer: Answer) -> Response:
    sent = current_app.response_class(answer.body, mimetype="application/json")
    sent.set_etag(answer.etag)
    return sent


class TextSlotsFirst:
    """The API's text searches take their slot before Flask sees them (WSGI middleware).

    When every slot is taken, the refusal is sent at once: the status, headers and body Flask
    gave the first such refusal (for that URL scheme), which no request changes. A flood of
    text searches then costs the workers a few microseconds each instead of a whole request
    through Flask and its extensions. Searches by place, other endpoints and text answers
    already kept go to Flask untouched; a text search that gets a slot runs in it
    (text_slots.taken_early), and frees it once its answer is made."""

    PATH = "/api/v1/clinics/search"

    def __init__(self, app: Flask, wsgi_app: Callable):
        self.app, self.wsgi_app = app, wsgi_app
        self._refusals: dict[str, tuple[str, list[tuple[str, str]], bytes]] = {}

    def __call__(self, environ: dict, start_response: Callable) -> Any:
        if (
            environ.get("PATH_INFO") != self.PATH
            or environ.get("REQUEST_METHOD") != "GET"
            or "q=" not in environ.get("QUERY_STRING", "")
        ):
            return self.wsgi_app(environ, start_response)
        args = Request(environ).args  # as Flask reads them
        answers = self.app.extensions["katdir.answers"]
        if not any(value.strip() for value in args.getlist("q")) or answers.holds(search_key(args)):
            return self.wsgi_app(environ, start_response)
        with ExitStack() as slot:
            try:
                slot.enter_context(self.app.extensions["katdir.text_slots"].held())
            except TextSearchBusy as err:
                return self._refuse(environ, start_response, err)
            token = taken_early.set(True)
            try:
                return self.wsgi_app(environ, start_response)
            finally:
                taken_early.reset(token)

    def _refuse(self, environ: dict, start_response: Callable, err: TextSearchBusy) -> Any:
        scheme = environ.get("wsgi.url_scheme", "http")
        refusal = self._refusals.get(scheme)
        if refusal is None:  # the first: Flask refuses it, and its answer is kept
            return self._first_refusal(environ, start_response, scheme)
        log.info("text search refused: %s", err)  # as Flask's error handler says it
        status, headers, body = refusal
        start_response(status, list(headers))
        return [body]

    def _first_refusal(self, environ: dict, start_response: Callable, scheme: str) -> Any:
        sent: dict[str, Any] = {}

        def keep(status: str, headers: list, exc_info: Any = None) -> Any:
            sent.update(status=status, headers=list(headers))
            return start_response(status, headers, exc_info)

        token = taken_early.set(False)
        try:
            response = self.wsgi_app(environ, keep)
            try:
                body = b"".join(response)
            finally:
                getattr(response, "close", lambda: None)()
        finally:
            taken_early.reset(token)
        # Kept only if it is the refusal (a rate limit, say, could have answered first).
        if sent.get("status", "").startswith("503") and b'"text_search_busy"' in body:
            self._refusals[scheme] = (sent["status"], sent["headers"], body)
        return [body]
