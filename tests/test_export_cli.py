"""`katdir export`: the open-data export from the command line, piped into other tools."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from katdir.store import open_store
from katdir.synthetic import synthetic_clinics


def test_export_into_head_ends_quietly_with_the_licence_note_first(sqlite_url, tmp_path):
    with open_store(sqlite_url) as store:
        store.rebuild(synthetic_clinics(3000, seed=3))  # far more than a pipe buffer holds
    env = {**os.environ, "KATDIR_STORE": sqlite_url, "KATDIR_VAR": str(tmp_path)}
    export = subprocess.Popen([sys.executable, "-m", "katdir.cli", "export", "--format", "jsonl"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    head = subprocess.run(["head", "-n", "2"], stdin=export.stdout, capture_output=True,
                          timeout=60)
    export.stdout.close()
    stderr = export.stderr.read().decode()
    assert export.wait(timeout=60) == 0
    assert stderr == "", stderr  # no BrokenPipeError traceback
    note, first = head.stdout.decode().splitlines()
    assert json.loads(note)["katdir_export"]["licence"] == "CC-BY-4.0"
    assert json.loads(first)["id"].startswith("syn-")


def test_export_says_its_licence_and_date(sqlite_url, tmp_path):
    with open_store(sqlite_url) as store:
        store.rebuild(synthetic_clinics(20, seed=3))
    env = {**os.environ, "KATDIR_STORE": sqlite_url, "KATDIR_VAR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "katdir.cli", "export", "--format", "csv"],
                          capture_output=True, env=env, timeout=60, check=True)
    assert "licence CC-BY-4.0" in done.stderr.decode() and " on 20" in done.stderr.decode()
    assert done.stdout.decode().startswith("id,name,")
