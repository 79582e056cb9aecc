"""One normalizer per idea, shared by every stage: phones, URLs and site roots, states and
ZIP codes, money, and the model's vocabularies. Pure functions of their arguments."""

from katdir.normalize.money import CURRENCY_SYMBOLS, parse_amounts, sessions_in
from katdir.normalize.phones import normalize_phone
from katdir.normalize.states import STATE_CODES, normalize_postal_code, normalize_state
from katdir.normalize.urls import (
    SHARED_HOSTS,
    canonical_site,
    identity_host,
    normalize_url,
    site_host,
    site_key,
    site_root,
)

# The vocabularies come from the model (pydantic): imported when first asked for, so that a
# command that only needs a state or a phone (`katdir geocode`) starts without them.
_VOCABULARIES = frozenset({"normalize_care_step", "normalize_condition", "normalize_route"})


def __getattr__(name: str):
    if name in _VOCABULARIES:
        from katdir.normalize import vocabularies

        return getattr(vocabularies, name)
    raise AttributeError(f"module 'katdir.normalize' has no attribute {name!r}")


__all__ = [
    "CURRENCY_SYMBOLS",
    "SHARED_HOSTS",
    "STATE_CODES",
    "canonical_site",
    "identity_host",
    "normalize_care_step",
    "normalize_condition",
    "normalize_phone",
    "normalize_postal_code",
    "normalize_route",
    "normalize_state",
    "normalize_url",
    "parse_amounts",
    "sessions_in",
    "site_host",
    "site_key",
    "site_root",
]
