"""The Elasticsearch schema of the store: index names, the clinic index template, the decisions
index, and the document each clinic becomes.

Kept apart from the store (Pelias-style) so that the mapping is one unit with its own tests:
core field types only (no module is needed), `dynamic: strict` on the indexed fields, and the
whole clinic kept in a non-indexed object so that documents round-trip exactly.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timezone
from itertools import combinations
from typing import Any

from katdir.card import card_of
from katdir.filters import indexed_filters
from katdir.model import ROUTES, Clinic, Decision
from katdir.pricing import lowest_of
from katdir.store.base import search_fields, text_body

# Field types of Elasticsearch's core (the server jar): what the local test node and any
# production cluster both have. `double` rather than `float` for prices: SQLite keeps REAL
# (IEEE double), so max_price filters, band edges and facet min/max agree to the last bit.
ALLOWED_TYPES = frozenset(
    {
        "geo_point",
        "keyword",
        "float",
        "double",
        "integer",
        "boolean",
        "date",
        "text",
        "completion",
        "object",
    }
)
ALLOWED_ANALYZERS = frozenset({"standard"})

# Deep pages: the API allows page ≤ 1000 × per_page ≤ 100, so from + size ≤ 100,000.
MAX_RESULT_WINDOW = 100_000
# Above the stack's built-in templates (priority 100: logs-*-*, metrics-*-*), so that even an
# odd prefix gets our mapping; see template_priority().
TEMPLATE_PRIORITY = 500

_INDEX_SUFFIX = re.compile(r"^(?:\d{20}|initial)$")
_TOKEN = re.compile(r"[^\W_]+")  # letters and digits: SQLite FTS5's unicode61 token characters
_WORD = re.compile(r"\w+")  # a visitor's words, split exactly as katdir.store.sqlite.fts_query
_RESERVED = re.compile("[\x00\x1e\x1f]")  # the completion field refuses these characters


# -- names ---------------------------------------------------------------------------------


def clinics_alias(prefix: str) -> str:
    """What readers and incremental writers address; a rebuild moves it atomically."""
    return f"{prefix}-clinics"


def clinics_index_pattern(prefix: str) -> str:
    return f"{prefix}-clinics-*"


def new_clinics_index(prefix: str, now: datetime | None = None) -> str:
    """`{prefix}-clinics-<UTC timestamp to the microsecond>`: sortable, one per rebuild."""
    now = now or datetime.now(timezone.utc)
    return f"{prefix}-clinics-{now.strftime('%Y%m%d%H%M%S%f')}"


def initial_clinics_index(prefix: str) -> str:
    """The index made on the first incremental write to an empty directory (a fixed name, so
    that two writers racing to make it make one)."""
    return f"{prefix}-clinics-initial"


def is_clinics_index(prefix: str, name: str) -> bool:
    """Is this one of our clinic indices? Strict, so that prefix `katdir` never claims the
    indices of prefix `katdir-clinics-x` (or any other directory on the same cluster)."""
    head = f"{prefix}-clinics-"
    return name.startswith(head) and bool(_INDEX_SUFFIX.match(name[len(head) :]))


def decisions_index(prefix: str) -> str:
    return f"{prefix}-decisions"


def records_index(prefix: str) -> str:
    """Curators' records (accounts, tokens, requests, sources): like decisions, never rebuilt."""
    return f"{prefix}-records"


def writer_lock_index(prefix: str) -> str:
    """Where a write run's lock lives: one document, `writer`, while a run writes."""
    return f"{prefix}-writer"


def template_name(prefix: str) -> str:
    return f"{prefix}-clinics"


# -- mappings ------------------------------------------------------------------------------

# The mappings' version, kept in each index (`_meta.schema_version`; none: 1, before versions
# were kept). Raise it with any change to the mappings or to what a document means; an index
# of an older version is then refused until `katdir rebuild` copies it into a new one.
SCHEMA_VERSION = 3  # 3: `card`, each clinic's result card (katdir.card)


def missing_filter_fields(mapping: dict[str, Any]) -> list[str]:
    """The search filters (katdir.filters) whose field an index's mapping lacks: filters
    declared after the index was made."""
    mapped = (mapping.get("mappings") or {}).get("properties") or {}
    return [f.name for f in indexed_filters() if f.field not in mapped]


def schema_version(mapping: dict[str, Any]) -> int:
    """The schema version an index's mapping (as `indices.get_mapping` gives it) was made at."""
    return int(((mapping.get("mappings") or {}).get("_meta") or {}).get("schema_version", 1))


# Every set of routes a search may ask for, as a field name: "iv", "im-spravato", ... A search
# on several routes filters, sorts and counts by the lowest of their prices; without scripts
# (painless is a module) Elasticsearch can only do that on a field that holds it already, and
# 31 small numbers per clinic cost less than a nested document per price.
ROUTE_SETS: tuple[tuple[str, ...], ...] = tuple(
    combo for size in range(1, len(ROUTES) + 1) for combo in combinations(ROUTES, size)
)


def route_set_key(routes: tuple[str, ...] | list[str]) -> str:
    return "-".join(r for r in ROUTES if r in routes)


def price_field(routes: tuple[str, ...]) -> str:
    """The field holding the per-session price a search on `routes` uses (katdir.pricing)."""
    return f"price_for.{route_set_key(routes)}" if routes else "min_price"


# A search filter's field type, by the filter's kind (katdir.filters).
FIELD_TYPES = {"flag": "boolean", "any_of": "keyword", "at_most": "double"}

CLINIC_MAPPINGS: dict[str, Any] = {
    "_meta": {"schema_version": SCHEMA_VERSION},
    "dynamic": "strict",
    "_source": {"enabled": True},
    "properties": {
        "id": {"type": "keyword"},  # `_id` cannot be sorted on: this is the tie-break
        "status": {"type": "keyword"},
        "location": {"type": "geo_point"},
        "min_price": {"type": "double"},
        "price_for": {
            "dynamic": "strict",
            "properties": {  # an object (ES shows no type)
                route_set_key(combo): {"type": "double"} for combo in ROUTE_SETS
            },
        },
        # One field per search filter that reads a clinic (katdir.filters), typed by its kind.
        **{f.field: {"type": FIELD_TYPES[f.kind.name]} for f in indexed_filters()},
        # The words of the name and of text_body(), already split and folded the way
        # FTS5's unicode61 tokenizer does it; the standard analyzer then only lowercases.
        "name": {"type": "text", "analyzer": "standard"},
        "body": {"type": "text", "analyzer": "standard"},
        "name_suggest": {"type": "completion", "analyzer": "standard"},
        "last_seen": {"type": "date"},
        # The whole clinic, returned as is and never indexed: get(id) == the clinic written.
        "doc": {"type": "object", "enabled": False},
        # Its result card (katdir.card), made when it was written: returned, never indexed.
        "card": {"type": "keyword", "index": False, "doc_values": False},
    },
}

DECISION_MAPPINGS: dict[str, Any] = {
    "_meta": {"schema_version": SCHEMA_VERSION},
    "dynamic": "strict",
    "properties": {
        "clinic_id": {"type": "keyword"},
        "version": {"type": "integer"},
        "doc": {"type": "object", "enabled": False},
    },
}


RECORD_MAPPINGS: dict[str, Any] = {
    "dynamic": "strict",
    "properties": {
        "kind": {"type": "keyword"},
        "key": {"type": "keyword"},
        "version": {"type": "integer"},
        "doc": {"type": "object", "enabled": False},
    },
}


def index_settings(*, shards: int = 1, replicas: int = 0) -> dict[str, Any]:
    return {
        "number_of_shards": shards,
        "number_of_replicas": replicas,
        "max_result_window": MAX_RESULT_WINDOW,
    }


def template_priority(prefix: str) -> int:
    """Longer prefixes win. Patterns of two prefixes can only overlap when one prefix's index
    names start with the other's (`katdir` and `katdir-clinics-x`); Elasticsearch refuses
    overlapping templates of equal priority and applies only the highest one, so the more
    specific prefix gets the higher priority and each index gets its own directory's template.
    Two prefixes of the same length never overlap."""
    return TEMPLATE_PRIORITY + len(prefix)


def clinic_template(prefix: str, *, shards: int = 1, replicas: int = 0) -> dict[str, Any]:
    """The composable index template every clinic index of this prefix is made from."""
    return {
        "index_patterns": [clinics_index_pattern(prefix)],
        "priority": template_priority(prefix),
        "template": {
            "settings": index_settings(shards=shards, replicas=replicas),
            "mappings": CLINIC_MAPPINGS,
        },
        "_meta": {"managed_by": "katdir", "prefix": prefix},
    }


def decisions_index_body(*, replicas: int = 0) -> dict[str, Any]:
    return {"settings": index_settings(shards=1, replicas=replicas), "mappings": DECISION_MAPPINGS}


def records_index_body(*, replicas: int = 0) -> dict[str, Any]:
    return {"settings": index_settings(shards=1, replicas=replicas), "mappings": RECORD_MAPPINGS}


# The writer lock: who holds it, since when, until when (epoch seconds, renewed while the run
# lives), and what a dead holder may have left: the generation it was writing, the live index
# it had blocked.
WRITER_LOCK_MAPPINGS: dict[str, Any] = {
    "dynamic": "strict",
    "properties": {
        "run": {"type": "keyword"},
        "owner": {"type": "keyword"},
        "started": {"type": "date"},
        "expires": {"type": "double"},
        "generation": {"type": "keyword"},
        "live": {"type": "keyword"},
    },
}


def writer_lock_index_body(*, replicas: int = 0) -> dict[str, Any]:
    return {
        "settings": index_settings(shards=1, replicas=replicas),
        "mappings": WRITER_LOCK_MAPPINGS,
    }


def record_id(kind: str, key: str) -> str:
    return f"{kind}/{key}"


# -- documents -----------------------------------------------------------------------------


def search_words(text: str) -> str:
    """Text as the words SQLite's FTS5 (unicode61, remove_diacritics) indexes: diacritics
    folded, lowercased, split on anything but letters and digits. Both stores then see the
    same words whatever the punctuation ("O'Brien", "U.S.", "chronic_pain", "Café")."""
    decomposed = unicodedata.normalize("NFKD", text)
    folded = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_TOKEN.findall(folded.lower()))


def query_words(text: str) -> list[list[str]]:
    """A visitor's text as FTS5 sees sqlite's query: one phrase (a list of tokens, the last a
    prefix) per `\\w+` word. An empty phrase (a word of underscores) matches nothing."""
    return [search_words(word).split() for word in _WORD.findall(text.lower())]


def clinic_document(clinic: Clinic) -> dict[str, Any]:
    derived = search_fields(clinic)
    loc = clinic.location
    doc: dict[str, Any] = {
        "id": clinic.id,
        "status": derived["status"],
        "name": search_words(clinic.name),
        "body": search_words(text_body(clinic)),
        "doc": clinic.model_dump(mode="json"),
    }
    doc["card"] = card_of(doc["doc"]).decode()
    if loc is not None:
        doc["location"] = {"lat": loc.lat, "lon": loc.lon}
    route_prices = derived["route_prices"]
    price_for = {route_set_key(combo): lowest_of(route_prices, combo) for combo in ROUTE_SETS}
    price_for = {key: value for key, value in price_for.items() if value is not None}
    if price_for:
        doc["price_for"] = price_for
    for name in ("min_price", *(f.field for f in indexed_filters())):
        if derived[name] is not None:
            doc[name] = derived[name]
    suggestion = _RESERVED.sub(" ", clinic.name).strip()
    if suggestion:
        doc["name_suggest"] = {"input": [suggestion]}
    if clinic.last_seen is not None:
        doc["last_seen"] = clinic.last_seen.isoformat()
    return doc


def clinic_from_source(source: dict[str, Any]) -> Clinic:
    return Clinic.model_validate(source["doc"])


def decision_document(decision: Decision) -> dict[str, Any]:
    return {
        "clinic_id": decision.clinic_id,
        "version": decision.version,
        "doc": decision.model_dump(mode="json"),
    }


def decision_from_source(source: dict[str, Any]) -> Decision:
    return Decision.model_validate(source["doc"])
