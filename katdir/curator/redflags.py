"""Red flags: what deserves a curator's second look before a clinic is vouched for.

Pure functions of clinics. The texts looked at are what the crawl kept of a clinic's pages —
the quotes behind each fact and each price — so a flag always points at a quote a curator
can check.
"""

from __future__ import annotations

import re
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from katdir.model import Clinic

# Claims no honest clinic makes of a treatment with a response rate well short of 100 %.
_CURE = re.compile(
    r"\b(?:cures?d?|curing|permanent(?:ly)? (?:cure|fix|relief)|guarantee[sd]?|guaranteed"
    r"|100\s?% (?:success|effective|results?)|miracle|instant(?:ly)? (?:cure|relief))\b",
    re.IGNORECASE,
)
_SUPERVISION = ("assessment", "medical_monitoring")
PRICE_LOW, PRICE_HIGH = 0.4, 2.5  # × the median session price of the route in the state
PEERS = 3  # clinics of the same route and state needed for a median worth comparing with
NOT_SEEN = 2  # crawls in a row without the listing

FLAGS = {
    "cure_claim": "claims a cure or guaranteed results",
    "no_supervision": "no medical screening or monitoring mentioned",
    "price_outlier": "price far outside what clinics of the same route charge in the state",
    "not_seen": "not seen in its source for several crawls",
}


@dataclass(frozen=True)
class Flag:
    code: str
    message: str
    quote: str | None = None
    url: str | None = None

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "quote": self.quote, "url": self.url}


PriceTable = dict[tuple[str, str], float]


def price_medians(clinics: Iterable[Clinic]) -> PriceTable:
    """The median per-session price of each (route, state), where enough clinics say one."""
    seen: dict[tuple[str, str], list[float]] = defaultdict(list)
    for clinic in clinics:
        if not clinic.address.state:
            continue
        for price in clinic.prices:
            if price.route and price.per_session:
                seen[(price.route, clinic.address.state)].append(price.per_session)
    return {key: statistics.median(values) for key, values in seen.items() if len(values) >= PEERS}


def _quotes(clinic: Clinic) -> Iterable[tuple[str, str | None]]:
    for evidence in clinic.evidence.values():
        for item in evidence:
            yield item.quote, item.url
    for price in clinic.prices:
        if price.quote:
            yield price.quote, price.source_url


def red_flags(clinic: Clinic, medians: PriceTable | None = None) -> list[Flag]:
    flags = []
    for quote, url in _quotes(clinic):
        if _CURE.search(quote):
            flags.append(Flag("cure_claim", FLAGS["cure_claim"], quote, url))
            break
    if not any(step in clinic.care_steps for step in _SUPERVISION):
        flags.append(Flag("no_supervision", FLAGS["no_supervision"]))
    for price in clinic.prices:
        median = (medians or {}).get((price.route or "", clinic.address.state or ""))
        if (
            median
            and price.per_session
            and not PRICE_LOW * median <= price.per_session <= PRICE_HIGH * median
        ):
            flags.append(
                Flag(
                    "price_outlier",
                    f"${price.per_session:,.0f} a session of "
                    f"{price.route}; the median in {clinic.address.state} is "
                    f"${median:,.0f}",
                    price.quote,
                    price.source_url,
                )
            )
            break
    if clinic.missing_crawls >= NOT_SEEN:
        flags.append(
            Flag("not_seen", f"not seen in its source for {clinic.missing_crawls} crawls in a row")
        )
    return flags
