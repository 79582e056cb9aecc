"""Every CLI command turns bad input into one clear line and a non-zero exit, never a
traceback (issue 11, finding 6): each file a command reads is fed invalid UTF-8, a
directory, a missing file, an empty file and a binary file; the store setting is fed a
directory and a file that is no database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from katdir.cli import main

BAD_FILES = {
    "invalid-utf8": b'{"id": "a", "name": "Caf\xe9 \xff\xfe"}\n',
    "empty": b"",
    "binary": bytes(range(256)) * 16,
}


def bad_input(tmp_path: Path, kind: str) -> str:
    path = tmp_path / f"input-{kind}"
    if kind == "directory":
        path.mkdir()
    elif kind != "missing":
        path.write_bytes(BAD_FILES[kind])
    return str(path)


# Each command with a file it reads, as `katdir ARGS` with {} where the file goes.
FILE_COMMANDS = {
    "import": ["import", "{}"],
    "index": ["index", "{}"],
    "index --seeds": ["index", "{listings}", "--seeds", "{}"],
    "crawl --seeds": ["crawl", "--seeds", "{}", "-o", "{out}"],
    "extract": ["extract", "{}"],
}
KINDS = ["invalid-utf8", "directory", "missing", "empty", "binary"]


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("KATDIR_VAR", str(tmp_path / "var"))
    monkeypatch.setenv("KATDIR_STORE", f"sqlite:///{tmp_path / 'var' / 'katdir.db'}")
    monkeypatch.delenv("KATDIR_GEOCODER", raising=False)
    return tmp_path


def one_clear_line(capsys, command: str) -> str:
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert "Traceback" not in err
    assert len(lines) == 1, err
    assert lines[0].startswith(f"katdir {command}: "), lines[0]
    return lines[0]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", list(FILE_COMMANDS))
def test_each_command_says_what_is_wrong_with_a_bad_file(env, capsys, name, kind):
    path = bad_input(env, kind)
    listings = env / "listings.jsonl"
    listings.write_text('{"url": "https://clinic.example/", "name": "A Clinic"}\n')
    args = [a.format(path, listings=listings, out=env / "out.jsonl") for a in FILE_COMMANDS[name]]
    status = main(args)
    if (name, kind) == ("extract", "invalid-utf8"):
        # A saved page may be in another charset (its meta tag says which): it is a page, and
        # its facts come out as JSON.
        assert status == 0 and "name" in json.loads(capsys.readouterr().out)
        return
    assert status != 0
    line = one_clear_line(capsys, args[0])
    assert path in line


@pytest.mark.parametrize("kind", ["directory", "binary"])
@pytest.mark.parametrize(
    "args",
    [["import", "{clinics}"], ["export"], ["queue"], ["index", "{listings}"]],
    ids=lambda a: a[0],
)
def test_a_store_setting_that_is_no_database_is_one_line(env, capsys, monkeypatch, args, kind):
    store = bad_input(env, kind)
    monkeypatch.setenv("KATDIR_STORE", f"sqlite:///{store}")
    clinics = env / "clinics.jsonl"
    clinics.write_text('{"id": "a", "name": "A", "location": {"lat": 39.7, "lon": -105}}\n')
    listings = env / "listings.jsonl"
    listings.write_text('{"url": "https://clinic.example/", "name": "A Clinic"}\n')
    status = main([a.format(clinics=clinics, listings=listings) for a in args])
    assert status != 0
    assert store in one_clear_line(capsys, args[0])
