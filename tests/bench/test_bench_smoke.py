"""The benchmarks' commands work: each main() at tiny sizes, results written with the machine.

The figures at these sizes mean nothing (hence exit status 0 or 1, target met or not); the
real runs are `python -m bench es` and `python -m bench crawl` (bench/results/)."""

from __future__ import annotations

import json

import pytest

import bench.common


@pytest.fixture
def results_dir(tmp_path, monkeypatch):
    """record() writes under tmp_path, not over bench/results/."""
    monkeypatch.setattr(bench.common, "HERE", tmp_path)
    return tmp_path / "results"


def read(results_dir, name: str) -> dict:
    payload = json.loads((results_dir / f"{name}.json").read_text())
    assert payload["benchmark"] == name
    assert payload["machine"]["cores"] >= 1
    assert payload["command"].startswith(f"python -m bench {name}")
    return payload["results"]


@pytest.mark.elasticsearch
def test_bench_es_runs_and_records(es_url, results_dir, monkeypatch):
    from bench import bench_es
    from katdir.store import open_store

    prefixes = []

    def opening(url, *, es_prefix):
        prefixes.append(es_prefix)
        return open_store(url, es_prefix=es_prefix)

    monkeypatch.setattr(bench_es, "open_store", opening)
    assert bench_es.main(["--url", es_url, "--sizes", "300", "--queries", "10"]) in (0, 1)
    results = read(results_dir, "es")
    row = results["sizes"]["300"]
    assert row["bulk"]["clinics"] == row["index"]["docs"] == 300
    assert row["bulk"]["clinics_per_s"] > 0
    for way in bench_es.WAYS:  # today's query and the new ones, side by side
        assert row["store_only"][way]["wall"]["n"] == 20  # 10 of the mix, 10 in dense metros
        assert row["store_only"][way]["took"]["n"] == 20
        assert row["in_process_api"][way]["all"]["n"] == 20
        assert row["in_process_api"][way]["dense_metros"]["n"] == 10
        assert row["in_process_api"][way]["all"]["p50_ms"] > 0
    # The run dropped what it made: no index or template of its prefixes is left on the node.
    assert prefixes
    with open_store(es_url) as store:
        for prefix in prefixes:
            assert (
                not store.es.options(ignore_status=404)
                .indices.get(index=f"{prefix}*", expand_wildcards="all")
                .body
            )
            assert (
                not store.es.options(ignore_status=404)
                .indices.get_index_template(name=f"{prefix}*")
                .body.get("index_templates")
            )


@pytest.mark.xdist_group("crawl")
def test_bench_crawl_runs_and_records(results_dir):
    from bench import bench_crawl

    status = bench_crawl.main(["--sites", "7", "--runs", "1", "--scrapy-seconds", "2"])
    assert status in (0, 1)
    results = read(results_dir, "crawl")
    (scrapy_run,) = results["scrapy_bench_runs"]
    (crawl_run,) = results["katdir_crawl_runs"]
    assert scrapy_run["pages_per_s"] > 0
    assert crawl_run["sites"] == 7 and crawl_run["pages"] > 7 and crawl_run["listings"] > 0
    assert results["ratio_median"] == pytest.approx(
        crawl_run["pages_per_s"] / scrapy_run["pages_per_s"], abs=1e-3
    )


def test_the_copies_of_the_sample_web_point_at_themselves(tmp_path):
    from bench.bench_crawl import make_web, seed_sites

    names = make_web(tmp_path, 10)
    assert len(names) == 10 and len(set(names)) == 10
    assert names[: len(seed_sites())] == [f"{n}-000" for n in seed_sites()]
    sitemap = (tmp_path / "flatirons-kat-001" / "sitemap.xml").read_text()
    assert "{{site:flatirons-kat-001}}" in sitemap and "{{site:flatirons-kat}}" not in sitemap


@pytest.mark.xdist_group("gunicorn")
def test_bench_load_runs_and_records(results_dir):
    from bench import bench_load

    assert (
        bench_load.main(
            [
                "--clinics",
                "300",
                "--concurrency",
                "1,4",
                "--duration",
                "1",
                "--max-requests",
                "40",
                "--paths",
                "20",
            ]
        )
        == 0
    )
    results = read(results_dir, "load")
    assert results["gunicorn"]["workers"] >= 2
    for endpoint in ("search", "search_304", "healthz"):
        runs = results["runs"][endpoint]
        assert [r["connections"] for r in runs] == [1, 4]
        failed = [r.get("server_errors") for r in runs if r["error_count"]]
        assert all(r["requests"] > 0 for r in runs) and not failed, failed
        assert all(r["worker_rss_mb"] for r in runs)
    assert set(results["search_share_of_ceiling"]) == {"1", "4"}
    # Each search run's server reported its kept answers; the conditional run got only 304s.
    assert all(
        r["answer_cache"]["workers_reporting"] == results["gunicorn"]["workers"]
        and r["answer_cache"]["hits"] + r["answer_cache"]["misses"] > 0
        for r in results["runs"]["search"]
    )
    assert all(set(r["statuses"]) == {"304"} for r in results["runs"]["search_304"])
    assert results["search_304_answer_cache"]["hit_rate"] > 0.5


@pytest.mark.xdist_group("gunicorn")
def test_bench_abuse_runs_and_records(results_dir):
    from bench import bench_abuse

    assert bench_abuse.main(["--clinics", "300", "--duration", "6"]) in (0, 1)
    results = read(results_dir, "abuse")
    assert results["ordinary"]["requests"] > 0 and results["worst"]["requests"] > 0
    assert set(results["worst"]["statuses"]) <= {"200", "503"}  # answered, or asked to retry
    assert results["targets_met"]["no_worker_killed"]


def test_bench_startup_runs_and_records(results_dir):
    from bench import bench_startup

    assert bench_startup.main(["--runs", "1"]) == 0
    results = read(results_dir, "startup")
    assert results["geocode"]["index_file_bytes"] > 1_000_000
    assert results["geocode"]["median_s"] > 0 and results["geocode"]["cpu_median_s"] > 0
    assert results["worker"]["gunicorn_first_healthz_median_s"] > 0


def test_bench_index_compares_with_a_revision_and_records(results_dir):
    """`--baseline-rev`: a revision's indexer (here HEAD's) and this tree's, in fresh processes
    on one crawl, each storing every clinic; `--name` picks the results file."""
    from bench import bench_index

    argv = ["--listings", "200", "--runs", "1", "--workers", "1"]
    status = bench_index.main([*argv, "--baseline-rev", "HEAD", "--name", "index-smoke"])
    assert status == 1  # 200 listings in one process are far from 5,000/s with start-up
    payload = json.loads((results_dir / "index-smoke.json").read_text())
    assert payload["command"].startswith("python -m bench index ")
    results = payload["results"]
    same_load = results["same_load_comparison"]
    assert same_load["revision"] == "HEAD"
    for side in ("this tree", "HEAD"):
        assert same_load[side]["clinics"] == [results["clinics"]]
        assert same_load[side]["listings_per_cpu_s_median"] > 0


def test_bench_cells_runs_and_records(results_dir):
    from bench import bench_cells

    assert bench_cells.main(["--sizes", "300", "--queries", "10"]) == 0
    results = read(results_dir, "cells")
    row = results["sizes"]["300"]
    assert row["answers_differing"] == 0
    assert row["cells"]["all"]["n"] == row["exact"]["all"]["n"] == 20
    assert row["cells"]["dense"]["n"] == 10 and row["cells"]["cpu_ms_per_search"] > 0
    assert results["answered_by_cells"] == 20  # no route twice, no other filter


@pytest.mark.xdist_group("crawl")
def test_bench_stall_runs_and_records(results_dir):
    from bench import bench_stall

    assert bench_stall.main(["--runs", "1", "--budget", "3"]) == 0
    results = read(results_dir, "stall")
    assert results["calm_listing_every_run"] and results["stalling_page_given_up_every_run"]
    assert results["calm_site_beside_stalling_s_median"] < 3  # never waited for the stalling page


def test_bench_offloop_runs_and_records(results_dir):
    from bench import bench_offloop

    assert bench_offloop.main(["--repeat", "200", "--timeout", "5"]) == 0
    runs = {r["mode"]: r for r in read(results_dir, "offloop")["runs"]}
    assert set(runs) == {"inline", "thread", "process"} and runs["process"]["outcome"] == "done"


def test_bench_apicpu_runs_and_records(results_dir):
    from bench import bench_apicpu

    assert bench_apicpu.main(["--clinics", "300", "--requests", "30", "--rounds", "1"]) == 0
    (row,) = read(results_dir, "apicpu")["rounds"]["this"]
    assert row["search_statuses"] == ["200"] and row["text_refusal_statuses"] == ["503"]
    assert 0 < row["healthz_cpu_ms"] and 0 < row["text_refusal_cpu_ms"] < row["search_cpu_ms"]
