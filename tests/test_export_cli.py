"""`katdir export`: the open-data export says its licence and date (the closed-pipe case is in
tests/test_cli.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from bench.synthetic import synthetic_clinics
from katdir.store import open_store


def export(fmt: str, sqlite_url: str, tmp_path) -> subprocess.CompletedProcess:
    env = {**os.environ, "KATDIR_STORE": sqlite_url, "KATDIR_VAR": str(tmp_path)}
    return subprocess.run(
        [sys.executable, "-m", "katdir.cli", "export", "--format", fmt],
        capture_output=True,
        env=env,
        timeout=60,
        check=True,
    )


def test_export_says_its_licence_and_date(sqlite_url, tmp_path):
    with open_store(sqlite_url) as store:
        store.rebuild(synthetic_clinics(20, seed=3))
    done = export("csv", sqlite_url, tmp_path)
    assert "licence CC-BY-4.0" in done.stderr.decode() and " on 20" in done.stderr.decode()
    assert done.stdout.decode().startswith("id,name,")
    lines = export("jsonl", sqlite_url, tmp_path).stdout.decode().splitlines()
    note = json.loads(lines[0])["katdir_export"]
    assert note["licence"] == "CC-BY-4.0" and note["exported_at"].startswith("20")
    assert all(json.loads(line)["id"].startswith("syn-") for line in lines[1:])
    geojson = json.loads(export("geojson", sqlite_url, tmp_path).stdout)
    assert geojson["licence"] == "CC-BY-4.0"
    assert all(isinstance(f["properties"]["conditions"], list) for f in geojson["features"])
