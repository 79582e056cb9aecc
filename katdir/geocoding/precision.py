"""How exact a geocoded point is, in the project's vocabulary (docs/architecture.md §3), finest first.

The UI calls a `postal_code` or `city` point "approximate"; the chain uses the order to keep the
finer of two answers.
"""

from __future__ import annotations

PRECISIONS = ("rooftop", "street", "postal_code", "city")

_RANK = {precision: rank for rank, precision in enumerate(PRECISIONS)}


def is_finer(precision: str, than: str) -> bool:
    """True when `precision` pins a place down more tightly than `than`."""
    return _RANK[precision] < _RANK[than]
