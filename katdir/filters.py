"""The near-me search's parameters, declared once: the filter registry.

Each `Parameter` says what a query parameter is called, what kind of value it takes, what it
reads from a clinic (for the ones that filter) and how to explain it to a person. Everything
else follows from this table: the API's parsing and checking (search_api/params.py), both
stores' queries and indexed fields (each *kind* compiles once per store), the OpenAPI
document and the visitors' search form. Adding a filter of a kind that exists is one entry in
FILTERS plus its tests — see docs/architecture.md, "Adding a search filter".
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from katdir.geo import UNITS
from katdir.model import CONDITION_LABELS, CONDITIONS, ROUTE_LABELS, ROUTES, Clinic

# Numbers as people type them in a URL: ASCII digits only, so that "１" (full-width) or "1_0"
# (a Python literal) are refused rather than read by int()/float() as 1 and 10.
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)", re.ASCII)
_WHOLE = re.compile(r"[+-]?[0-9]+", re.ASCII)
_WORD = re.compile(r"\w+")  # a word of a text search, as both stores split it
TRUE_WORDS = ("true", "1", "yes", "on")
FALSE_WORDS = ("false", "0", "no", "off")


def _figure(number: float) -> str:
    return f"{number:.10g}"


class InvalidValue(ValueError):
    """A value a parameter does not take; `accepted` says, in words, what it does take."""

    def __init__(self, value: Any, accepted: str):
        super().__init__(f"{value!r}: expected {accepted}")
        self.value, self.accepted = value, accepted


# -- kinds: how a value is read and described ---------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """How one kind of parameter is read from the query string and described in JSON Schema.

    `name` is what the stores dispatch on (each store compiles a kind once) and what the search
    form picks its control by.
    """

    name: ClassVar[str]
    repeatable: ClassVar[bool] = False  # may the parameter be given more than once?
    default: Any = None

    def parse(self, raw: list[str]) -> Any:
        """The value of the parameter's occurrences in the query string (raw, unstripped)."""
        text = raw[0].strip() if raw else ""
        return self.default if text == "" else self.read(text)

    def read(self, text: str) -> Any:
        raise NotImplementedError

    @property
    def accepted(self) -> str:
        raise NotImplementedError

    def schema(self) -> dict[str, Any]:
        raise NotImplementedError

    def choices(self) -> tuple[tuple[str, str], ...]:
        """(value, label) pairs for a form's options; empty for free input."""
        return ()


@dataclass(frozen=True)
class Flag(Kind):
    """A yes/no fact about a clinic; given, it keeps the clinics where the fact is that value
    (unknown never matches)."""

    name: ClassVar[str] = "flag"

    def read(self, text: str) -> bool:
        word = text.lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise InvalidValue(text, self.accepted)

    @property
    def accepted(self) -> str:
        return "true or false"

    def schema(self) -> dict[str, Any]:
        return {"type": "boolean"}

    def choices(self) -> tuple[tuple[str, str], ...]:
        return (("true", "yes"), ("false", "no"))


@dataclass(frozen=True)
class AnyOf(Kind):
    """Words of a vocabulary, repeated or comma-separated (route=iv&route=im, route=iv,im);
    keeps the clinics with any of them."""

    name: ClassVar[str] = "any_of"
    repeatable: ClassVar[bool] = True
    vocabulary: tuple[str, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)
    default: tuple[str, ...] = ()

    def parse(self, raw: list[str]) -> tuple[str, ...]:
        words = [w.strip().lower() for value in raw for w in value.split(",") if w.strip()]
        for word in words:
            if word not in self.vocabulary:
                raise InvalidValue(word, self.accepted)
        return tuple(dict.fromkeys(words))

    @property
    def accepted(self) -> str:
        return "one or more of " + ", ".join(self.vocabulary)

    def schema(self) -> dict[str, Any]:
        return {"type": "array", "items": {"enum": list(self.vocabulary)}, "uniqueItems": True}

    def choices(self) -> tuple[tuple[str, str], ...]:
        return tuple((v, self.labels.get(v, v.replace("_", " "))) for v in self.vocabulary)


@dataclass(frozen=True)
class Number(Kind):
    """A decimal number in [minimum, maximum] (above minimum when `above_minimum`)."""

    name: ClassVar[str] = "number"
    minimum: float = 0.0
    maximum: float = math.inf
    above_minimum: bool = False
    wording: str = ""  # what the number is, in words: "a latitude in degrees"

    def read(self, text: str) -> float:
        value = float(text) if _DECIMAL.fullmatch(text) else math.nan
        low_ok = value > self.minimum if self.above_minimum else value >= self.minimum
        if not (math.isfinite(value) and low_ok and value <= self.maximum):
            raise InvalidValue(text, self.accepted)
        return value

    @property
    def accepted(self) -> str:
        low = (
            f"greater than {_figure(self.minimum)}"
            if self.above_minimum
            else f"from {_figure(self.minimum)}"
        )
        high = "" if math.isinf(self.maximum) else f" to {_figure(self.maximum)}"
        if self.above_minimum and high:
            high = f" and at most {_figure(self.maximum)}"
        return f"{self.wording or 'a number'} {low}{high} (digits 0-9 and an optional point)"

    def schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "number"}
        schema["exclusiveMinimum" if self.above_minimum else "minimum"] = self.minimum
        if not math.isinf(self.maximum):
            schema["maximum"] = self.maximum
        if self.default is not None:
            schema["default"] = self.default
        return schema


@dataclass(frozen=True)
class AtMost(Number):
    """An upper bound on a clinic's number (a price): keeps the clinics whose number is known
    and at most the value."""

    name: ClassVar[str] = "at_most"


@dataclass(frozen=True)
class SessionPriceAtMost(AtMost):
    """An upper bound on the price of one session for the routes asked for (any route when
    none is), as katdir.pricing reckons it; unknown prices never pass. The stores keep those
    prices for the price sort anyway, so the filter reads nothing of its own."""

    name: ClassVar[str] = "session_price_at_most"


@dataclass(frozen=True)
class WholeNumber(Kind):
    name: ClassVar[str] = "whole_number"
    minimum: int = 0
    maximum: int = 0
    default: int = 0

    def read(self, text: str) -> int:
        if not _WHOLE.fullmatch(text) or not self.minimum <= int(text) <= self.maximum:
            raise InvalidValue(text, self.accepted)
        return int(text)

    @property
    def accepted(self) -> str:
        return f"a whole number from {self.minimum} to {self.maximum} (digits 0-9)"

    def schema(self) -> dict[str, Any]:
        return {
            "type": "integer",
            "minimum": self.minimum,
            "maximum": self.maximum,
            "default": self.default,
        }


@dataclass(frozen=True)
class Choice(Kind):
    """One word of a short list; the first is the default."""

    name: ClassVar[str] = "choice"
    options: Mapping[str, str] = field(default_factory=dict)  # value → label

    def parse(self, raw: list[str]) -> str:
        text = raw[0].strip().lower() if raw else ""
        if text == "":
            return self.default if self.default is not None else next(iter(self.options))
        if text not in self.options:
            raise InvalidValue(raw[0], self.accepted)
        return text

    @property
    def accepted(self) -> str:
        return "one of " + ", ".join(self.options)

    def schema(self) -> dict[str, Any]:
        options = list(self.options)
        return {"enum": options, "default": self.default or options[0]}

    def choices(self) -> tuple[tuple[str, str], ...]:
        return tuple(self.options.items())


@dataclass(frozen=True)
class Text(Kind):
    """Words to look for in what a clinic says (its name, then everything else it offers)."""

    name: ClassVar[str] = "text"
    max_length: int = 200
    max_words: int | None = None  # a bound on the search's work (katdir/store)

    def read(self, text: str) -> str:
        if len(text) > self.max_length:
            raise InvalidValue(text[:40] + "…", self.accepted)
        if self.max_words is not None and len(_WORD.findall(text)) > self.max_words:
            raise InvalidValue(
                text[:40] + ("…" if len(text) > 40 else ""), f"at most {self.max_words} words"
            )
        return text

    @property
    def accepted(self) -> str:
        return f"at most {self.max_length} characters"

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "maxLength": self.max_length}


@dataclass(frozen=True)
class Place(Text):
    """Where to search from, in words (geocoded by the API); filters no clinic field itself."""

    name: ClassVar[str] = "place"


# -- declarations -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Parameter:
    """One query parameter of the near-me search.

    `field` is the store's indexed field a filter compiles against (None: the parameter says
    where, how many or in which order, and filters nothing itself); `reads` is the clinic's
    value for that field — a dotted attribute path of the model or a function of the clinic.
    """

    name: str
    kind: Kind
    label: str  # a short label for the search form
    help: str  # a sentence for the OpenAPI document and the form's hint
    field: str | None = None
    reads: str | Callable[[Clinic], Any] | None = None
    # The SQLite store's per-cell aggregates (katdir/store/cell_counts.py) count clinics by
    # this filter too, so a search using only such filters is counted without visiting every
    # match; any other filter sends the search down the exact path.
    aggregated: bool = False

    def parse(self, raw: list[str]) -> Any:
        return self.kind.parse(raw)

    def value_of(self, clinic: Clinic) -> Any:
        """The clinic's value of this filter's store field."""
        if callable(self.reads):
            return self.reads(clinic)
        value: Any = clinic
        for attribute in (self.reads or "").split("."):
            value = getattr(value, attribute)
        return value


def takes_insurance(clinic: Clinic) -> bool | None:
    """Insurance for ketamine or for Spravato: yes if either is; no only if ketamine is
    refused and Spravato not known to be covered; else unknown."""
    accepts = clinic.insurance.accepts_insurance
    spravato = clinic.insurance.spravato_insurance
    if accepts or spravato:
        return True
    if accepts is False and spravato is not True:
        return False
    return None


MAX_TEXT = 200
MAX_TEXT_WORDS = 8  # each word is a prefix match: more would make one search too costly
MAX_RADIUS_MI = 500.0
DEFAULT_RADIUS = 25.0
MAX_PER_PAGE = 100
MAX_PAGE = 1000
SORT_LABELS = {
    "distance": "nearest first",
    "price": "cheapest session first",
    "relevance": "best text match first",
}
SORTS: tuple[str, ...] = tuple(SORT_LABELS)

# Where: a place in words, or coordinates; and how far.
WHERE: tuple[Parameter, ...] = (
    Parameter(
        "near",
        Place(max_length=MAX_TEXT),
        "Near",
        "Where to search from: a US ZIP code, 'City, ST' or a street address. A bare "
        "name that several places share ('Portland') is answered with a 400 "
        "`ambiguous_place` whose details list the candidates.",
    ),
    Parameter(
        "lat",
        Number(minimum=-90, maximum=90, wording="a latitude in degrees"),
        "Latitude",
        "Latitude of the search centre in degrees; with lon, instead of near.",
    ),
    Parameter(
        "lon",
        Number(minimum=-180, maximum=180, wording="a longitude in degrees"),
        "Longitude",
        "Longitude of the search centre in degrees; with lat, instead of near.",
    ),
    # Its upper bound depends on `unit`: search_api/params.py checks it with the unit.
    Parameter(
        "radius",
        Number(minimum=0, above_minimum=True, default=DEFAULT_RADIUS, wording="a distance"),
        "Within",
        f"How far to search, in `unit`; at most {MAX_RADIUS_MI:g} mi "
        f"({MAX_RADIUS_MI * UNITS['mi']:g} km).",
    ),
    Parameter(
        "unit",
        Choice(options={"mi": "miles", "km": "kilometres"}),
        "Unit",
        "The unit of radius and of nothing else (results carry both).",
    ),
)

# What: each narrows the clinics found; `field` is the stores' indexed field.
FILTERS: tuple[Parameter, ...] = (
    Parameter(
        "route",
        AnyOf(vocabulary=ROUTES, labels=ROUTE_LABELS),
        "How ketamine is given",
        "How ketamine is given; repeat or comma-separate for any of several.",
        field="routes",
        reads="routes",
        aggregated=True,
    ),
    Parameter(
        "max_price",
        SessionPriceAtMost(minimum=0, maximum=1_000_000, wording="a price in USD"),
        "Most per session ($)",
        "Highest price of one session in USD, for the route(s) asked for (any route "
        "when none is; katdir.pricing); clinics without a known price for them are "
        "left out. The price sort uses the same price.",
        field="session_price",
    ),
    Parameter(
        "insurance",
        Flag(),
        "Takes insurance",
        "Takes health insurance (for ketamine treatment or for Spravato).",
        field="insurance",
        reads=takes_insurance,
    ),
    Parameter(
        "spravato_insurance",
        Flag(),
        "Spravato covered",
        "Bills Spravato to health insurance (as the clinic says; often covered after "
        "other depression treatments).",
        field="spravato_insurance",
        reads="insurance.spravato_insurance",
    ),
    Parameter(
        "va",
        Flag(),
        "VA Community Care",
        "Takes VA Community Care.",
        field="va",
        reads="insurance.va_community_care",
    ),
    Parameter(
        "therapy",
        Flag(),
        "Therapy integrated",
        "Psychotherapy integrated with the treatment.",
        field="therapy",
        reads="therapy_integrated",
    ),
    Parameter(
        "telehealth",
        Flag(),
        "Telehealth visits",
        "Offers visits by video or phone (for example the assessment or follow-up).",
        field="telehealth",
        reads="telehealth",
    ),
    Parameter(
        "condition",
        AnyOf(vocabulary=CONDITIONS, labels=CONDITION_LABELS),
        "Condition treated",
        "Condition the clinic treats; repeat or comma-separate for any of several.",
        field="conditions",
        reads="conditions",
    ),
    Parameter(
        "q",
        Text(max_length=MAX_TEXT, max_words=MAX_TEXT_WORDS),
        "Words",
        "Words to look for in the clinic's name and in what it says it offers "
        f"(every word must match, as a word start; at most {MAX_TEXT_WORDS} words).",
        field="text",
    ),
)

# How many, in which order.
PAGING: tuple[Parameter, ...] = (
    Parameter(
        "sort",
        Choice(options=SORT_LABELS),
        "Sort",
        "Nearest first; cheapest session first; or best text match first (with q).",
    ),
    Parameter(
        "page",
        WholeNumber(minimum=1, maximum=MAX_PAGE, default=1),
        "Page",
        "Page of results, from 1.",
    ),
    Parameter(
        "per_page",
        WholeNumber(minimum=1, maximum=MAX_PER_PAGE, default=20),
        "Per page",
        "Results per page.",
    ),
)

PARAMETERS: tuple[Parameter, ...] = WHERE + FILTERS + PAGING
BY_NAME: Mapping[str, Parameter] = {p.name: p for p in PARAMETERS}

# Parameters that exclude each other, for the checks and the OpenAPI document.
EXCLUSIVE: tuple[tuple[str, ...], ...] = (("near",), ("lat", "lon"))


@functools.cache  # the registry is fixed at import; a rebuild asks once a clinic
def indexed_filters(kind: str | None = None) -> tuple[Parameter, ...]:
    """The filters whose value the stores index from each clinic (all but text), by kind."""
    return tuple(
        f for f in FILTERS if f.reads is not None and (kind is None or f.kind.name == kind)
    )


def indexed_values(clinic: Clinic) -> dict[str, Any]:
    """Each indexed filter's field → the clinic's value, computed the same way for both stores."""
    return {f.field: f.value_of(clinic) for f in indexed_filters()}
