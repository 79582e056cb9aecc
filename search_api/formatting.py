"""How the pages write money, phone numbers, dates and the vocabularies for people.

Template filters, registered on the app by `init_app`: "$2,700", "(303) 555-0142",
"4 December 2026", "IV infusions".
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import phonenumbers
from flask import Flask

from katdir.model import CONDITION_LABELS, ROUTE_LABELS

ROUTE_PLURALS = {
    "iv": "IV infusions",
    "im": "IM injections",
    "oral": "Oral ketamine",
    "spravato": "Spravato (esketamine)",
    "intranasal_ketamine": "Intranasal ketamine",
}
CARE_STEP_LABELS = {
    "assessment": "Medical and psychiatric assessment before treatment",
    "education": "Education about what ketamine does and does not do",
    "preparation": "Preparation sessions before the first treatment",
    "medical_monitoring": "Medical monitoring during sessions",
    "integration": "Integration therapy after sessions",
    "follow_up": "Follow-up after the series",
    "outcome_tracking": "Tracking of symptoms and outcomes",
}
PRECISION_WORDS = {
    "rooftop": "at its address",
    "street": "on its street",
    "postal_code": "approximate: the centre of its ZIP code",
    "city": "approximate: the centre of its town",
}


def money(amount: float | None) -> str:
    """US dollars with thousands separators; cents only when there are some."""
    if amount is None:
        return "—"
    if float(amount).is_integer():
        return f"${amount:,.0f}"
    return f"${amount:,.2f}"


def phone(number: str | None) -> str:
    """A stored E.164 number as people write it: (303) 555-0142 in the US, else international."""
    if not number:
        return ""
    try:
        parsed = phonenumbers.parse(number, "US")
    except phonenumbers.NumberParseException:
        return number
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if parsed.country_code == 1
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(parsed, style)


def day(value: Any) -> str:
    """A date in words: 4 December 2026."""
    if value is None:
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime | date):
        return f"{value.day} {value:%B %Y}"
    return str(value)


def distance(miles: float) -> str:
    return f"{miles:,.1f} mi" if miles < 10 else f"{miles:,.0f} mi"


def init_app(app: Flask) -> None:
    app.add_template_filter(money)
    app.add_template_filter(phone)
    app.add_template_filter(day)
    app.add_template_filter(distance)
    app.jinja_env.globals.update(
        route_labels=ROUTE_LABELS,
        route_plurals=ROUTE_PLURALS,
        condition_labels=CONDITION_LABELS,
        care_step_labels=CARE_STEP_LABELS,
        precision_words=PRECISION_WORDS,
    )
