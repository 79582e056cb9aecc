"""The Elasticsearch schema as a unit: core field types only, strict where it indexes, names
that keep prefixes apart, documents that fit the mapping, words split as SQLite's FTS5 does.
No node needed."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest

from bench.synthetic import synthetic_clinics
from katdir.model import Clinic
from katdir.store import es_schema as schema
from katdir.store.sqlite import fts_query

# What the server jar alone provides: module-only types and analyzers must never appear.
FORBIDDEN_TYPES = {
    "scaled_float",
    "search_as_you_type",
    "rank_feature",
    "rank_features",
    "token_count",
    "match_only_text",
    "wildcard",
    "constant_keyword",
    "flattened",
    "dense_vector",
    "sparse_vector",
    "semantic_text",
    "histogram",
}


def walk(properties: dict[str, Any], path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    for name, field in properties.items():
        yield f"{path}{name}", field
        yield from walk(field.get("properties", {}), f"{path}{name}.")
        for sub, multi in field.get("fields", {}).items():
            yield f"{path}{name}.{sub}", multi


@pytest.mark.parametrize(
    "mappings", [schema.CLINIC_MAPPINGS, schema.DECISION_MAPPINGS], ids=["clinics", "decisions"]
)
def test_mapping_uses_only_core_field_types_and_the_standard_analyzer(mappings):
    assert mappings["dynamic"] == "strict"
    for path, field in walk(mappings["properties"]):
        kind = field.get("type", "object")
        assert kind in schema.ALLOWED_TYPES and kind not in FORBIDDEN_TYPES, path
        for key in ("analyzer", "search_analyzer", "search_quote_analyzer"):
            if key in field:
                assert field[key] in schema.ALLOWED_ANALYZERS, path
        assert "normalizer" not in field and "script" not in field, path
        if kind == "object" and field.get("enabled", True):
            assert field.get("dynamic", "strict") == "strict", path


def test_the_clinic_is_kept_whole_and_never_indexed():
    doc = schema.CLINIC_MAPPINGS["properties"]["doc"]
    assert doc == {"type": "object", "enabled": False}
    assert schema.DECISION_MAPPINGS["properties"]["doc"] == {"type": "object", "enabled": False}


def test_template_settings_default_to_one_shard_and_no_replica():
    template = schema.clinic_template("katdir")
    settings = template["template"]["settings"]
    assert (settings["number_of_shards"], settings["number_of_replicas"]) == (1, 0)
    assert settings["max_result_window"] >= 1000 * 100  # the API's deepest page
    assert template["index_patterns"] == ["katdir-clinics-*"]
    assert (
        schema.clinic_template("katdir", replicas=2)["template"]["settings"]["number_of_replicas"]
        == 2
    )


def test_index_names_belong_to_exactly_one_prefix():
    new = schema.new_clinics_index("katdir")
    assert schema.is_clinics_index("katdir", new)
    assert schema.is_clinics_index("katdir", schema.initial_clinics_index("katdir"))
    assert not schema.is_clinics_index("katdir", "katdir-clinics")  # the alias
    assert not schema.is_clinics_index("katdir", "katdir-decisions")
    nested = schema.new_clinics_index("katdir-clinics-x")
    assert not schema.is_clinics_index("katdir", nested)
    assert schema.is_clinics_index("katdir-clinics-x", nested)
    # The more specific prefix's template wins where patterns overlap; equal lengths never do.
    assert schema.template_priority("katdir-clinics-x") > schema.template_priority("katdir")


def test_new_index_names_sort_by_time():
    from datetime import datetime, timedelta, timezone

    t = datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=timezone.utc)
    names = [schema.new_clinics_index("k", t + timedelta(microseconds=i)) for i in range(3)]
    assert names == sorted(names) and len(set(names)) == 3
    assert names[0] == "k-clinics-20260102030405000006"


def fits(mapping: dict[str, Any], doc: dict[str, Any], path: str = "") -> None:
    for key, value in doc.items():
        assert key in mapping, f"{path}{key} is not mapped (dynamic: strict refuses it)"
        field = mapping[key]
        if field.get("type", "object") == "object" and field.get("enabled", True):
            fits(field["properties"], value, f"{path}{key}.")


def test_documents_fit_the_mapping_and_round_trip():
    clinics = list(synthetic_clinics(300, seed=4))
    clinics.append(Clinic(id="bare", name="Bare\x1fName"))  # no location, no price, odd name
    for clinic in clinics:
        doc = schema.clinic_document(clinic)
        fits(schema.CLINIC_MAPPINGS["properties"], doc)
        assert schema.clinic_from_source({"doc": doc["doc"]}) == clinic
        assert doc["id"] == clinic.id
    bare = schema.clinic_document(clinics[-1])
    assert "location" not in bare and "min_price" not in bare
    assert bare["name_suggest"] == {"input": ["Bare Name"]}  # reserved characters dropped


def fts_tokens(text: str) -> list[str]:
    """What SQLite's FTS5 (the embedded store's tokenizer) makes of a text."""
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize = 'unicode61')")
    conn.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance')")
    conn.execute("INSERT INTO t VALUES (?)", (text,))
    return [term for (term,) in conn.execute("SELECT term FROM v ORDER BY offset")]


@pytest.mark.parametrize(
    "text",
    [
        "O'Brien Ketamine Café",
        "U.S. Mind-Care, Inc.",
        "chronic_pain IV_ketamine",
        "São Paulo — naïve façade",
        "$400/session (6 sessions)",
        "ÅNGSTRÖM Ørsted",
        "Dr. Ng's 24/7",
        "tab\tnew\nline",
        "e\u0301t\u00e9",
        "ketamine-assisted psychotherapy (KAP)",
    ],
)
def test_search_words_are_the_words_fts5_indexes(text):
    assert schema.search_words(text).split() == fts_tokens(text)


@pytest.mark.parametrize("text", ["o'brien clinic", "chronic_pain", "café", "  ", "___", "U.S."])
def test_query_words_are_the_phrases_of_sqlites_fts_query(text):
    phrases = schema.query_words(text)
    query = fts_query(text)
    if query is None:
        assert phrases == []
    else:
        quoted = [part.strip()[1:-2] for part in query.split(" AND ")]  # '"word"*' → word
        assert phrases == [fts_tokens(word) for word in quoted]
