"""The clinic model refuses what could harm a page or a response (issue 11, findings 3 and 5):
URLs other than http(s), and any field without a bound on its size."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from katdir.model import (
    _PLAIN_WEB_URL,
    FREE_FORM_BYTES,
    Change,
    Clinic,
    Decision,
    Evidence,
    Listing,
    Price,
    Source,
    _is_web_url,
)

HOSTILE_URLS = [
    "javascript:alert(document.domain)//",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "//evil.example/",
    "https:///no-host",
    "file:///etc/passwd",
    "https://clinic.example/\x00",
    "https://clinic.example/" + "a" * 3000,
]


@pytest.mark.parametrize("url", HOSTILE_URLS)
@pytest.mark.parametrize(
    "build",
    [
        lambda u: Clinic(id="c", name="n", website=u),
        lambda u: Price(amount_min=1, source_url=u),
        lambda u: Evidence(url=u, quote="q"),
        lambda u: Source(url=u),
        lambda u: Change(field="f", at="2026-01-01T00:00:00Z", source_url=u),
        lambda u: Listing(url=u),
        lambda u: Listing(url="https://ok.example/", source_urls=[u]),
    ],
    ids=[
        "website",
        "price.source_url",
        "evidence.url",
        "source.url",
        "change.source_url",
        "listing.url",
        "listing.source_urls",
    ],
)
def test_only_http_and_https_urls_can_be_stored(build, url):
    with pytest.raises(ValidationError, match="http:// or https:// URL|at most"):
        build(url)


def test_ordinary_urls_are_kept_as_given():
    clinic = Clinic(
        id="c",
        name="n",
        website="https://clinic.example/ketamine?x=1",
        prices=[{"amount_min": 1, "source_url": "http://clinic.example/prices"}],
    )
    assert clinic.website == "https://clinic.example/ketamine?x=1"
    assert clinic.prices[0].source_url == "http://clinic.example/prices"


_URL_PIECES = st.sampled_from(
    [
        "http",
        "https",
        "HTTP",
        "javascript",
        ":",
        "//",
        "/",
        "?",
        "#",
        "@",
        "[",
        "]",
        ".",
        "-",
        "clinic",
        "example",
        "80",
        ":",
        " ",
        "\t",
        "\n",
        "\x00",
        "\x7f",
        "\u00a0",
        "\u2028",
        "é",
        "%20",
        "a",
        "Z",
        "9",
        "_",
        "~",
        "&",
        "=",
    ]
)


@settings(derandomize=True, max_examples=3000)
@given(st.lists(_URL_PIECES, max_size=12).map("".join) | st.text(max_size=30))
def test_the_fast_url_check_accepts_only_what_urlsplit_accepts(value):
    """The model's shortcut for the usual URL (`_PLAIN_WEB_URL`) never lets through what the
    full check (urlsplit: http(s), a host, no white space or control character) refuses."""
    if _PLAIN_WEB_URL.match(value):
        assert _is_web_url(value)


@pytest.mark.parametrize(
    "url",
    ["https://clinic.example", "http://a.example:8080/x?y=1#z", "https://x-y.example/%20é"],
)
def test_usual_urls_take_the_fast_check(url):
    assert _PLAIN_WEB_URL.match(url) and _is_web_url(url)


def _unbounded(schema: dict, defs: dict, path: str, seen: set) -> list[str]:
    """Every string, list and map in a JSON schema without a maximum size."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return []
        return _unbounded(defs[name], defs, path, seen | {name})
    found = []
    for key in ("anyOf", "allOf", "oneOf"):
        for option in schema.get(key, []):
            found += _unbounded(option, defs, path, seen)
    kind = schema.get("type")
    if (
        kind == "string"
        and "enum" not in schema
        and "const" not in schema
        and schema.get("format") not in ("date-time",)
        and "maxLength" not in schema
    ):
        found.append(path)
    if kind == "array":
        if "maxItems" not in schema:
            found.append(path + "[]")
        found += _unbounded(schema.get("items", {}), defs, path + "[]", seen)
    if kind == "object":
        for name, sub in schema.get("properties", {}).items():
            found += _unbounded(sub, defs, f"{path}.{name}", seen)
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            if "maxProperties" not in schema:
                found.append(path + "{}")
            found += _unbounded(extra, defs, path + "{}", seen)
    return found


# The audit trail grows with a clinic's life (each entry is bounded); capping it would mean
# refusing a curator's next decision.
GROWS_BY_DESIGN = ["Decision.history[]"]


@pytest.mark.parametrize("model", [Clinic, Listing, Decision])
def test_every_field_of_the_model_has_a_size_limit(model: type[BaseModel]):
    schema = model.model_json_schema()
    unbounded = _unbounded(schema, schema.get("$defs", {}), model.__name__, set())
    assert [path for path in unbounded if path not in GROWS_BY_DESIGN] == []


@pytest.mark.parametrize(
    "field, value",
    [
        ("name", "K" * 50_000_000),
        ("hours", "9-5 " * 1000),
        ("prices", [{"amount_min": 1, "quote": "q" * 5000}]),
        ("prices", [{"amount_min": i} for i in range(1000)]),
        ("routes", ["iv"] * 1000),
        ("overrides", {"name": "x" * (FREE_FORM_BYTES + 1)}),
        ("crawled_values", {"hours": ["x" * 1000] * 100}),
    ],
)
def test_a_huge_field_is_refused_naming_it(field, value):
    with pytest.raises(ValidationError) as err:
        Clinic.model_validate({"id": "c", "name": "n", field: value})
    assert err.value.errors()[0]["loc"][0] == field
