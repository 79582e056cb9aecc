"""JSON Lines of objects, read one way everywhere: blank lines are skipped, every other line
is one JSON object, and a bad line is named by its number. Each reader then checks the
shape its own objects need."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any


class JSONLinesError(ValueError):
    """A line that is not one JSON object; the message starts with its line number."""


def json_objects(lines: Iterable[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for each non-blank line."""
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as err:
            raise JSONLinesError(f"line {number}: not JSON ({err.msg})") from None
        except RecursionError:  # json's decoder recurses once per level of nesting
            raise JSONLinesError(f"line {number}: nested too deeply") from None
        if not isinstance(item, dict):
            raise JSONLinesError(f"line {number}: not a JSON object")
        yield number, item
