"""The `katdir` command as an operator uses it: help, import, export, geocode, store selection."""

from __future__ import annotations

import json
import socket
import subprocess
import sys

import pytest

from bench.synthetic import synthetic_clinics
from katdir.cli import build_parser, main
from katdir.store import NearQuery, open_store

COMMANDS = [
    "demo",
    "crawl",
    "extract",
    "index",
    "import",
    "serve",
    "geocode",
    "export",
    "evaluate",
    "queue",
    "dedupe-eval",
    "config",
    "rebuild",
]


@pytest.fixture
def env(monkeypatch, tmp_path, sqlite_url):
    monkeypatch.setenv("KATDIR_STORE", sqlite_url)
    monkeypatch.setenv("KATDIR_VAR", str(tmp_path / "var"))
    return sqlite_url


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command):
    result = subprocess.run(
        [sys.executable, "-m", "katdir.cli", command, "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: katdir " + command)


def test_parser_knows_every_documented_command():
    subparsers = build_parser()._subparsers._group_actions[0].choices
    assert set(COMMANDS) <= set(subparsers)


def test_import_approve_keeps_ids_and_makes_clinics_searchable(env, tmp_path, capsys):
    clinics = list(synthetic_clinics(300, seed=3, status="pending"))
    path = tmp_path / "clinics.jsonl"
    path.write_text("".join(c.model_dump_json() + "\n" for c in clinics))
    assert main(["import", str(path), "--approve"]) == 0
    assert "loaded 300" in capsys.readouterr().err
    with open_store(env) as store:
        assert {c.id for c in store.iter_clinics()} == {c.id for c in clinics}
        first = clinics[0]
        found = store.search(NearQuery(lat=first.location.lat, lon=first.location.lon, radius_km=1))
        assert first.id in [h.clinic.id for h in found.hits]
        assert store.get(first.id).review.status == "approved"


def test_import_geocodes_records_without_location(env, tmp_path):
    record = {
        "id": "no-location",
        "name": "Boulder Mind",
        "address": {"city": "Boulder", "state": "CO", "postal_code": "80302"},
    }
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps(record) + "\n")
    assert main(["import", str(path), "--approve"]) == 0
    with open_store(env) as store:
        assert store.get("no-location").location.precision == "postal_code"


def test_import_with_a_bad_record_loads_nothing_and_says_which_line(env, tmp_path, capsys):
    good = next(synthetic_clinics(1, seed=1))
    path = tmp_path / "bad.jsonl"
    path.write_text(
        good.model_dump_json()
        + "\n"
        + json.dumps({"id": "x", "name": "X", "routes": ["magic"]})
        + "\n"
        + "{not json\n"
    )
    assert main(["import", str(path)]) == 1
    err = capsys.readouterr().err
    assert "line 2: routes.0" in err and "line 3" in err and "nothing was loaded" in err
    with open_store(env) as store:
        assert store.count() == 0
    assert main(["import", str(path), "--skip-invalid"]) == 1
    with open_store(env) as store:
        assert store.count() == 1


def test_export_formats(env, tmp_path):
    clinics = list(synthetic_clinics(20, seed=4))
    with open_store(env) as store:
        store.upsert(clinics)
    public = [c for c in clinics if c.is_public]
    for fmt in ("jsonl", "csv", "geojson"):
        out = tmp_path / f"out.{fmt}"
        assert main(["export", "--format", fmt, "-o", str(out)]) == 0
        text = out.read_text()
        if fmt == "jsonl":  # the licence note, then a line per clinic
            assert len(text.splitlines()) == len(public) + 1
        elif fmt == "csv":
            assert len(text.splitlines()) == len(public) + 1
        else:
            assert len(json.loads(text)["features"]) == len(public)


def test_geocode_prints_the_point_and_its_precision(env, capsys):
    assert main(["geocode", "80202"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["precision"] == "postal_code" and body["lat"] == pytest.approx(39.75, abs=0.05)
    assert main(["geocode", "Atlantis, ZZ"]) == 2


def test_a_bad_store_url_is_a_clear_error(monkeypatch, capsys):
    monkeypatch.setenv("KATDIR_STORE", "postgres://nope")
    assert main(["export"]) == 2
    assert "KATDIR_STORE='postgres://nope' is not a store URL" in capsys.readouterr().err


def test_queue_lists_new_clinics_with_why(env, tmp_path, capsys):
    clinics = list(synthetic_clinics(5, seed=2, status="pending"))
    with open_store(env) as store:
        store.upsert(clinics)
    assert main(["queue"]) == 0
    out = capsys.readouterr()
    assert "5 clinics wait for review" in out.err
    assert all(f"{c.id}\tpending" in out.out for c in clinics)
    assert "new, not reviewed yet" in out.out


def test_dedupe_eval_prints_precision_and_recall(capsys):
    main(["dedupe-eval"])
    out = capsys.readouterr().out
    assert "precision" in out and "recall" in out


def test_dedupe_eval_scores_any_pairs_file_through_the_indexer(tmp_path, capsys):
    pairs = tmp_path / "pairs.jsonl"
    site = {
        "name": "Lakeshore Ketamine",
        "phone": "(773) 555-0150",
        "address": {
            "street": "2901 N Lake Shore Dr, Suite 4",
            "city": "Chicago",
            "state": "IL",
            "postal_code": "60657",
        },
    }
    typo = {**site, "address": {**site["address"], "street": "2910 N Lake Shore Drive"}}
    other = {
        "name": "Wrigleyville Wellness",
        "phone": "(773) 555-0199",
        "address": {**site["address"], "street": "3400 N Clark St"},
    }
    pairs.write_text(
        json.dumps({"id": "p1", "same": True, "a": site, "b": typo})
        + "\n"
        + json.dumps({"id": "n1", "same": False, "a": site, "b": other})
        + "\n",
        encoding="utf-8",
    )
    assert main(["dedupe-eval", "--pairs", str(pairs), "--through-index", "--verbose-pairs"]) == 0
    out = capsys.readouterr().out
    assert "pairs: 2 (1 duplicates, 1 distinct clinics)" in out
    assert "precision 1.000   recall 1.000" in out


def test_crawl_writes_listings_and_says_what_it_did(env, monkeypatch, tmp_path, capsys):
    from crawler.seeds import SAMPLE_WEB
    from crawler.webserver import serve_web

    monkeypatch.setenv("KATDIR_ALLOW_PRIVATE_HOSTS", "1")  # the sample web is on 127.0.0.1
    out = tmp_path / "listings.jsonl"
    with serve_web(SAMPLE_WEB) as web:
        assert main(["crawl", "-q", web.url("mile-high-ketamine"), "-o", str(out)]) == 0
    [listing] = [json.loads(line) for line in out.read_text().splitlines()]
    assert listing["name"] == "Mile High Ketamine Wellness"
    assert "1 listings" in capsys.readouterr().err  # the crawl's summary line


def test_crawl_without_seeds_is_a_clear_error(env, tmp_path, capsys):
    assert main(["crawl", "-o", str(tmp_path / "x.jsonl")]) == 2
    assert "nothing to crawl" in capsys.readouterr().err


def test_config_prints_each_setting_with_its_source(env, monkeypatch, capsys):
    monkeypatch.setenv("KATDIR_RETRY_AFTER", "11")
    assert main(["config", "--json"]) == 0
    rows = {row["variable"]: row for row in json.loads(capsys.readouterr().out)}
    assert rows["KATDIR_RETRY_AFTER"]["value"] == "11"
    assert rows["KATDIR_RETRY_AFTER"]["source"] == "environment"
    assert rows["KATDIR_ES_PREFIX"]["source"] == "default"
    assert all(row["help"] for row in rows.values())


def test_a_bad_setting_is_a_clear_error(env, monkeypatch, capsys):
    monkeypatch.setenv("KATDIR_ES_REPLICAS", "lots")
    assert main(["export"]) == 2
    assert "KATDIR_ES_REPLICAS='lots' is not a whole number" in capsys.readouterr().err


def test_export_into_a_closed_pipe_ends_quietly(env):
    with open_store(env) as store:
        store.upsert(list(synthetic_clinics(3000, seed=5)))
    # `katdir export | head -1`: the reader leaves after one line.
    export = subprocess.Popen(
        [sys.executable, "-m", "katdir.cli", "export"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    export.stdout.readline()
    export.stdout.close()
    _, err = export.communicate(timeout=60)
    assert b"Traceback" not in err and b"Broken pipe" not in err, err.decode()
    assert export.returncode == 141


def test_serve_on_a_busy_port_says_so_before_printing_a_url(env, capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 2
    out = capsys.readouterr()
    assert "http://" not in out.out
    assert f"cannot listen on 127.0.0.1:{port}" in out.err and "--port" in out.err


def test_geocode_starts_without_importing_what_it_does_not_use():
    """Start-up time: `katdir geocode` needs geopy and the gazetteer, not the store's model,
    the web framework or the crawler (python -m bench startup measures the time itself)."""
    code = (
        "import sys; from katdir.cli import main; main(['geocode', '10001']); "
        "print(' '.join(sorted(sys.modules)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300
    )
    imported = set(done.stdout.split())
    assert "geopy" in imported and "katdir.geocoding.gazetteer" in imported
    assert not {"pydantic", "katdir.store", "katdir.model", "flask", "scrapy"} & imported
