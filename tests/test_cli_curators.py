"""The curators' commands as an operator uses them: users, tokens, backup and restore, and
`katdir refresh` crawling a due source of the sample web."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from katdir.cli import main
from katdir.curator.accounts import principal_for_token
from katdir.curator.sources import add_source, list_sources
from katdir.store import open_store

PASSWORD = "a long enough password"


@pytest.fixture
def env(monkeypatch, tmp_path, sqlite_url):
    monkeypatch.setenv("KATDIR_STORE", sqlite_url)
    monkeypatch.setenv("KATDIR_VAR", str(tmp_path / "var"))
    return sqlite_url


def katdir(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "katdir.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
        env=os.environ.copy(),
    )


def test_users_and_tokens(env, capsys):
    added = katdir("users", "add", "Ana@Example.org", "--role", "admin", stdin=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr
    assert PASSWORD not in added.stdout + added.stderr
    again = katdir("users", "add", "ana@example.org", "--role", "curator", stdin=PASSWORD + "\n")
    assert again.returncode == 2 and "exists already" in again.stderr
    short = katdir("users", "add", "bo@example.org", "--role", "curator", stdin="short\n")
    assert short.returncode == 2 and "password" in short.stderr
    assert katdir("users", "add", "x@example.org", "--role", "owner").returncode == 2
    created = katdir("tokens", "create", "ana@example.org")
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip().splitlines()[-1]
    with open_store(env) as store:
        assert principal_for_token(store, token).role == "admin"
    assert main(["users", "disable", "ana@example.org"]) == 0
    assert main(["users", "list"]) == 0
    assert "ana@example.org\tadmin\tdisabled" in capsys.readouterr().out
    with open_store(env) as store:
        assert principal_for_token(store, token) is None
    assert main(["tokens", "create", "ana@example.org"]) == 2
    assert main(["users", "disable", "nobody@example.org"]) == 2


def test_backup_and_restore(env, tmp_path, capsys):
    katdir("users", "add", "ana@example.org", "--role", "curator", stdin=PASSWORD + "\n")
    backup = tmp_path / "curation.jsonl"
    assert main(["backup", str(backup)]) == 0
    lines = [json.loads(line) for line in backup.read_text().splitlines()]
    assert lines[0]["type"] == "katdir-curation-backup" and lines[1]["type"] == "account"
    assert PASSWORD not in backup.read_text()
    assert oct(backup.stat().st_mode & 0o777) == "0o600"
    other = f"sqlite:///{tmp_path / 'other.db'}"
    os.environ["KATDIR_STORE"] = other
    assert main(["restore", str(backup)]) == 0
    with open_store(other) as store:
        assert [r.key for r in store.iter_records("account")] == ["ana@example.org"]
    damaged = tmp_path / "damaged.jsonl"
    damaged.write_text(backup.read_text() + "{not json\n")
    assert main(["restore", str(damaged)]) == 2
    assert "nothing was restored" in capsys.readouterr().err


def test_refresh_crawls_the_due_sources_and_records_each_result(env, monkeypatch, capsys):
    from crawler.seeds import SAMPLE_WEB
    from crawler.webserver import serve_web

    monkeypatch.setenv("KATDIR_ALLOW_PRIVATE_HOSTS", "1")
    with serve_web(SAMPLE_WEB) as web:
        with open_store(env) as store:
            add_source(
                store, url=web.sites["mile-high-ketamine"], by="ana@example.org", allow_private=True
            )
            add_source(
                store,
                url="https://no-profile.example/listing/1",
                kind="directory",
                by="ana@example.org",
            )
        assert main(["refresh", "--list"]) == 0
        assert capsys.readouterr().out.count("\n") == 2
        assert main(["refresh", "-q"]) == 2  # the directory without a profile failed
        out = capsys.readouterr().out
        assert "ok\t" + web.sites["mile-high-ketamine"] in out
        assert "FAILED\thttps://no-profile.example/listing/1\tno directory profile" in out
        with open_store(env) as store:
            sources = {s.url: s for s in list_sources(store)}
            crawled = sources[web.sites["mile-high-ketamine"]]
            assert crawled.last_ok is True and crawled.last_crawl_at is not None
            names = [c.name for c in store.iter_clinics()]
            assert any("Mile High" in n for n in names), names
        assert main(["refresh"]) == 0  # nothing is due any more
        assert "no source is due" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["users", "tokens", "refresh", "backup", "restore"])
def test_curators_commands_have_help(command):
    result = katdir(command, "--help")
    assert result.returncode == 0 and result.stdout.startswith("usage: katdir " + command)
