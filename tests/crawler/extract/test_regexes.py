"""Every regular expression of the extractors runs in time linear in its input: none may
backtrack catastrophically on a run of digits, commas, spaces or markup that a hostile page
can serve (issue 11, item 2).

Each pattern is matched in a worker process with a time limit, on strings hypothesis builds
from short adversarial units repeated tens of thousands of times. A linear pattern scans
such a string in milliseconds; a quadratic one needs seconds to minutes. The limit leaves a
wide margin for a loaded machine.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import time
from concurrent.futures import TimeoutError as FutureTimeout

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pebble import ProcessPool

import crawler.extract

LIMIT_S = 2.0  # per pattern and string; linear patterns take a few milliseconds here
# Units a page can repeat without limit: digit runs, lists of numbers, prices, whitespace,
# dots and leaders, nested markup, words.
UNITS = [
    "1",
    "1,",
    "9 ",
    "$1",
    "$1,",
    "1-",
    "1.",
    " ",
    "\n",
    "\t",
    ".",
    "…",
    "-",
    "|",
    "<div>",
    "</p>",
    "a",
    "A ",
    "ketamine ",
    "IV ",
    "$",
    ",",
    "(",
    ")",
    "555-",
    "&nbsp;",
    "<",
    "'",
    "Q: ",
    "?",
]


# the strings of issue 11: '1,' * 100000 stalled a crawl for over a minute
ISSUE_COMMAS = "1," * 100_000
DIGITS = "1" * 100_000
WHITESPACE = " \n" * 50_000
NESTED = "<div><p>" * 20_000


def _patterns() -> list[tuple[str, str]]:
    found = []
    for info in pkgutil.iter_modules(crawler.extract.__path__):
        if info.name in {"__main__", "cli", "evaluate"}:
            continue
        module = importlib.import_module(f"crawler.extract.{info.name}")
        for name, value in vars(module).items():
            if isinstance(value, re.Pattern) and isinstance(value.pattern, str):
                found.append((module.__name__, name))
    return sorted(found)


PATTERNS = _patterns()
# Found quadratic by this test, not fixed on this branch: each is in a module whose rules
# the `accuracy` work owns (crawler/extract/page_type.py:28 is fixed there). Until fixed,
# the crawl bounds them with its per-page time budget (tests/crawler/test_crawler_extraction.py).


def _scan(module: str, name: str, text: str) -> float:
    pattern = getattr(importlib.import_module(module), name) if module else re.compile(name, re.I)
    start = time.perf_counter()
    for _ in pattern.finditer(text):
        pass
    return time.perf_counter() - start


@pytest.fixture(scope="module")
def pool():
    with ProcessPool(max_workers=2) as workers:
        yield workers


def adversarial() -> st.SearchStrategy[str]:
    unit = st.lists(st.sampled_from(UNITS), min_size=1, max_size=3).map("".join)
    body = st.tuples(unit, st.integers(min_value=4_000, max_value=12_000)).map(
        lambda u: u[0] * u[1]
    )
    edge = st.sampled_from(["", "$", "a", " ", "<p>", "ketamine "])
    return st.tuples(edge, body, edge).map("".join)


def assert_linear(pool, module: str, name: str, text: str) -> None:
    future = pool.schedule(_scan, args=(module, name, text), timeout=LIMIT_S)
    try:
        future.result()
    except FutureTimeout:
        pytest.fail(
            f"{module}.{name} took over {LIMIT_S} s on {len(text)} characters "
            f"starting {text[:40]!r}: catastrophic backtracking"
        )


@pytest.mark.parametrize(("module", "name"), PATTERNS, ids=lambda v: v.rsplit(".", 1)[-1])
@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
@given(text=adversarial())
@example(text=ISSUE_COMMAS)
@example(text=DIGITS)
@example(text=WHITESPACE)
@example(text="\n" * 60_000)
@example(text=NESTED)
def test_no_pattern_backtracks_catastrophically(pool, module, name, text):
    assert_linear(pool, module, name, text)


# crawler/extract/page_type.py:28 as issue 11 found it (its alternative `\\d[\\d,]* (?:…)`
# retries the digit run from every digit)
ISSUE_11_PATTERN = (
    r"\b(directory|listings?|sort by|showing \d+|"
    r"\d[\d,]* (?:providers|clinics|listings|results)|browse)\b"
)


def test_the_fuzzing_catches_the_pattern_of_issue_11(pool):
    with pytest.raises(pytest.fail.Exception, match="catastrophic backtracking"):
        assert_linear(pool, "", ISSUE_11_PATTERN, ISSUE_COMMAS)
    assert len(PATTERNS) > 100  # every module's patterns are found
