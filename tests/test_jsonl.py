"""One reader of JSON Lines of objects (katdir/jsonl.py) for the labelled sets and backups."""

from __future__ import annotations

import pytest

from katdir.jsonl import JSONLinesError, json_objects


def test_objects_come_with_their_line_numbers_and_blank_lines_are_skipped():
    lines = ['{"a": 1}\n', "\n", "   \n", '{"b": [2]}\n']
    assert list(json_objects(lines)) == [(1, {"a": 1}), (4, {"b": [2]})]


@pytest.mark.parametrize(
    "line, said",
    [
        ("{not json", "line 2: not JSON (Expecting property name enclosed in double quotes)"),
        ("[1, 2]", "line 2: not a JSON object"),
        ('"text"', "line 2: not a JSON object"),
        ("[" * 100_000 + "]" * 100_000, "line 2: nested too deeply"),
    ],
)
def test_a_bad_line_is_named_by_its_number(line, said):
    with pytest.raises(JSONLinesError) as error:
        list(json_objects(['{"ok": true}', line, '{"never": "read"}']))
    assert str(error.value) == said
