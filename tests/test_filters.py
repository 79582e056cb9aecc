"""The filter registry: each kind reads what people type and refuses the rest, saying what it
takes; each declaration reads its value from a clinic."""

from __future__ import annotations

import pytest

from katdir.filters import (
    BY_NAME,
    FILTERS,
    PARAMETERS,
    AnyOf,
    Choice,
    Flag,
    InvalidValue,
    Number,
    Text,
    WholeNumber,
    indexed_filters,
    indexed_values,
)
from katdir.model import Clinic


@pytest.mark.parametrize(
    ("kind", "raw", "value"),
    [
        (Flag(), ["yes"], True),
        (Flag(), [" False "], False),
        (Flag(), [""], None),
        (Flag(), [], None),
        (AnyOf(vocabulary=("iv", "im")), ["iv,IM", "iv"], ("iv", "im")),
        (AnyOf(vocabulary=("iv", "im")), [], ()),
        (Number(minimum=0, maximum=10), ["2.5"], 2.5),
        (Number(minimum=0, maximum=10), [".5"], 0.5),
        (Number(minimum=-90, maximum=90), ["-39.7"], -39.7),
        (WholeNumber(minimum=1, maximum=9, default=1), ["7"], 7),
        (WholeNumber(minimum=1, maximum=9, default=1), [], 1),
        (Choice(options={"mi": "miles", "km": "kilometres"}), ["KM"], "km"),
        (Choice(options={"mi": "miles", "km": "kilometres"}), [], "mi"),
        (Text(max_length=5), ["  hello "], "hello"),
    ],
)
def test_each_kind_reads_what_people_type(kind, raw, value):
    assert kind.parse(raw) == value


@pytest.mark.parametrize(
    ("kind", "raw", "accepted"),
    [
        (Flag(), "maybe", "true or false"),
        (AnyOf(vocabulary=("iv", "im")), "iv,magic", "one or more of iv, im"),
        (Number(minimum=0, maximum=10), "11", "to 10"),
        (Number(minimum=0, maximum=10), "nan", "digits 0-9"),
        (Number(minimum=0, maximum=10), "inf", "digits 0-9"),
        (Number(minimum=0, maximum=10), "1e1", "digits 0-9"),
        (Number(minimum=0, maximum=10), "\uff11", "digits 0-9"),  # full-width 1
        (Number(minimum=0, maximum=10), "1_0", "digits 0-9"),
        (Number(minimum=0, maximum=10), "\u0661", "digits 0-9"),  # Arabic-Indic 1
        (Number(minimum=0, above_minimum=True), "0", "greater than 0"),
        (WholeNumber(minimum=1, maximum=9), "\uff11", "whole number from 1 to 9"),
        (WholeNumber(minimum=1, maximum=99), "1_0", "whole number from 1 to 99"),
        (WholeNumber(minimum=1, maximum=9), "2.0", "whole number"),
        (Choice(options={"mi": "miles"}), "parsec", "one of mi"),
        (Text(max_length=5), "toolong", "at most 5 characters"),
    ],
)
def test_each_kind_refuses_what_it_does_not_take_and_says_what_it_does(kind, raw, accepted):
    with pytest.raises(InvalidValue) as caught:
        kind.parse([raw])
    assert accepted in caught.value.accepted


def test_declarations_have_unique_names_help_and_a_schema():
    names = [p.name for p in PARAMETERS]
    assert len(names) == len(set(names)) == len(BY_NAME)
    for parameter in PARAMETERS:
        assert parameter.help and parameter.label
        assert parameter.kind.schema()
    assert all(f.field for f in FILTERS)


def test_each_indexed_filter_reads_its_value_from_the_clinic():
    clinic = Clinic(
        id="c",
        name="C",
        routes=["iv"],
        conditions=["ptsd"],
        therapy_integrated=True,
        insurance={"spravato_insurance": True, "va_community_care": False},
        prices=[{"kind": "series", "sessions": 6, "amount_min": 2400}],
        telehealth=True,
    )
    values = indexed_values(clinic)
    assert values["routes"] == ["iv"] and values["conditions"] == ["ptsd"]
    assert "session_price" not in values  # the stores keep prices for the price sort anyway
    assert values["insurance"] is True and values["va"] is False and values["therapy"] is True
    assert values["telehealth"] is True
    assert "text" not in values  # the text search indexes name and body, not a field
    assert values["spravato_insurance"] is True
    assert {f.name for f in indexed_filters("flag")} == {
        "insurance",
        "spravato_insurance",
        "va",
        "therapy",
        "telehealth",
    }


def test_insurance_is_unknown_unless_the_clinic_says():
    takes = BY_NAME["insurance"].value_of
    assert takes(Clinic(id="a", name="A")) is None
    assert takes(Clinic(id="a", name="A", insurance={"accepts_insurance": False})) is False
    assert (
        takes(
            Clinic(
                id="a", name="A", insurance={"accepts_insurance": False, "spravato_insurance": True}
            )
        )
        is True
    )
