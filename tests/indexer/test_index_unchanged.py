"""Indexing stores exactly the clinics it stored before it was made faster (issue 13).

The digests below are of every stored clinic's JSON, computed by `main` at 9947c89 (before the
indexing speed work) with this module's own code: `python tests/indexer/test_index_unchanged.py`
in a checkout of that commit prints them. Two inputs: the benchmark's synthetic crawl
(directory duplicates, suite spellings, branches; the geocode cache filled as the benchmark
fills it) and the bundled sample web's crawl, kept in tests/fixtures/indexer/ (`python
tests/indexer/test_index_unchanged.py --crawl` writes it again): crawled over real HTTP, with
each site under its name instead of a fresh port, one fetch time and one page digest, since
the crawl itself differs run to run in its ports, times and the order it meets pages in.

A change that is meant to change what is stored changes these digests too: compute them again
at the new commit and say why in its message.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from datetime import datetime, timezone
from pathlib import Path

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=timezone.utc)
SYNTHETIC = {"listings": 1500, "seed": 5}
SYNTHETIC_DIGEST = "ccfd0037e8acc0a62f0730a25dac5a884ff4e5d9e5dc2e90ec0beb1e0c79f577"
SAMPLE_WEB_DIGEST = "6e570e0d04030b3c19a95cc4c11737cc0c13ce9de35f45081fd223e879f31df2"
PAIRS_DIGEST = "5d512d0b7763d5bc88f73281ae6fcafe82d3f9cabe76cf32340e90beb6d58bc3"


def stored_digest(store) -> tuple[int, str]:
    docs = sorted(clinic.model_dump_json() for clinic in store.iter_clinics())
    return len(docs), hashlib.sha256("\n".join(docs).encode()).hexdigest()


def index_digest(
    listings_path: Path, folder: Path, warm_with: list[dict] | None = None, seed: int = 0, **options
) -> tuple[int, str]:
    from indexer.pipeline import index_file
    from katdir.geocoding import build_geocoder
    from katdir.store import open_store

    geocoder = build_geocoder(None, cache_path=folder / "geocode.sqlite")
    try:
        if warm_with is not None:
            from bench.bench_index import _warm

            _warm(geocoder, warm_with, seed)
        with open_store(f"sqlite:///{folder / 'katdir.db'}") as store:
            index_file(listings_path, store, geocoder, now=NOW, **options)
            return stored_digest(store)
    finally:
        geocoder.close()


def synthetic_digest(folder: Path, **options) -> tuple[int, str]:
    from bench.bench_index import synthetic_listings

    listings = synthetic_listings(SYNTHETIC["listings"], SYNTHETIC["seed"])
    path = folder / "synthetic.jsonl"
    path.write_text("".join(json.dumps(item) + "\n" for item in listings), encoding="utf-8")
    return index_digest(path, folder, warm_with=listings, seed=SYNTHETIC["seed"], **options)


SAMPLE_WEB_LISTINGS = (
    Path(__file__).resolve().parents[1] / "fixtures" / "indexer" / "sample-web-listings.jsonl"
)
PAIRS = Path(__file__).resolve().parents[1] / "fixtures" / "dedupe" / "pairs.jsonl"
_FETCHED = re.compile(r'"fetched_at": ?"[^"]*"')
_HASH = re.compile(r'"content_hash": ?"[^"]*"')


def pairs_digest(folder: Path) -> tuple[int, str]:
    """Both sides of every pair of tests/fixtures/dedupe/pairs.jsonl, as directory listings:
    the hard cases of street spelling and matching."""
    lines = []
    for line in PAIRS.read_text(encoding="utf-8").splitlines():
        pair = json.loads(line)
        for side in ("a", "b"):
            lines.append(
                json.dumps(
                    {
                        **pair[side],
                        "page_type": "directory",
                        "spider": "directory",
                        "url": f"https://{side}.pairs.example/{pair['id']}",
                        "fetched_at": "2026-11-20T10:00:00Z",
                    }
                )
            )
    path = folder / "pairs.jsonl"
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return index_digest(path, folder)


def crawl_sample_web(folder: Path) -> None:
    """Write SAMPLE_WEB_LISTINGS from a crawl of the bundled sample web (see the docstring)."""
    from crawler.run import crawl
    from crawler.seeds import SAMPLE_SEEDS, SAMPLE_WEB, load_seeds
    from crawler.webserver import serve_web

    settings = {
        "KATDIR_ALLOW_PRIVATE_HOSTS": True,
        "AUTOTHROTTLE_ENABLED": False,
        "DOWNLOAD_DELAY": 0,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    }
    lines: list[str] = []
    with serve_web(SAMPLE_WEB) as web:
        settings["KATDIR_SITES"] = web.sites
        for spider, seeds in (
            ("clinic_site", load_seeds(SAMPLE_SEEDS, web.sites)),
            ("directory", []),
        ):
            out = folder / f"{spider}.jsonl"
            crawled = crawl(seeds, out, spider=spider, settings_overrides=settings, progress=False)
            assert crawled.ok, crawled.describe()
            lines += out.read_text(encoding="utf-8").splitlines()
        sites = dict(web.sites)
    fixed = []
    for line in lines:
        for name, url in sorted(sites.items(), key=lambda item: -len(item[1])):
            line = line.replace(url, f"http://{name}.sample.test")
        line = _FETCHED.sub('"fetched_at": "2026-11-20T10:00:00Z"', line)
        fixed.append(_HASH.sub('"content_hash": "sha256:0"', line))
    SAMPLE_WEB_LISTINGS.parent.mkdir(parents=True, exist_ok=True)
    SAMPLE_WEB_LISTINGS.write_text("".join(line + "\n" for line in sorted(fixed)), encoding="utf-8")


def test_the_synthetic_crawl_is_stored_as_before(tmp_path):
    count, digest = synthetic_digest(tmp_path)
    assert count > 1000
    assert digest == SYNTHETIC_DIGEST


def test_the_synthetic_crawl_read_by_worker_processes_is_stored_as_before(tmp_path):
    count, digest = synthetic_digest(tmp_path, workers=2)
    assert count > 1000
    assert digest == SYNTHETIC_DIGEST


def test_worker_processes_count_bad_lines_and_skipped_pages_as_one_process_does(tmp_path):
    from bench.bench_index import synthetic_listings
    from indexer.pipeline import index_file
    from katdir.geocoding import build_geocoder
    from katdir.store import open_store

    lines = [json.dumps(item) for item in synthetic_listings(1100, seed=4)]
    lines[3] = "{not json"
    lines[600] = json.dumps({"url": "javascript:alert(1)", "name": "Bad"})
    lines[700] = json.dumps({**json.loads(lines[700]), "page_type": "article"})
    lines[1050] = json.dumps({**json.loads(lines[1050]), "routes": ["IV infusions"]})  # repaired
    path = tmp_path / "listings.jsonl"
    path.write_text("\n".join(lines[:800] + [""] + lines[800:]) + "\n", encoding="utf-8")
    found = []
    for workers in (1, 3):
        folder = tmp_path / str(workers)
        folder.mkdir()
        geocoder = build_geocoder(None, cache_path=folder / "geocode.sqlite")
        with open_store(f"sqlite:///{folder / 'katdir.db'}") as store:
            summary = index_file(path, store, geocoder, now=NOW, workers=workers)
            found.append((summary, stored_digest(store)))
        geocoder.close()
    (one, one_digest), (three, three_digest) = found
    assert (one.listings, one.invalid, one.skipped, one.coerced) == (1100, 2, 1, 1)
    assert one.problems[0].startswith("line 4: ") and one.problems[1].startswith("line 601: ")
    assert three == one and three_digest == one_digest


def test_the_sample_web_is_stored_as_before(tmp_path):
    count, digest = index_digest(SAMPLE_WEB_LISTINGS, tmp_path)
    assert count >= 8
    assert digest == SAMPLE_WEB_DIGEST


def test_the_dedupe_pairs_are_stored_as_before(tmp_path):
    count, digest = pairs_digest(tmp_path)
    assert count > 50
    assert digest == PAIRS_DIGEST


if __name__ == "__main__":  # print the digests of the code checked out here
    import tempfile

    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    with (
        tempfile.TemporaryDirectory() as one,
        tempfile.TemporaryDirectory() as two,
        tempfile.TemporaryDirectory() as three,
    ):
        if "--crawl" in sys.argv:
            crawl_sample_web(Path(one))
        print("synthetic", *synthetic_digest(Path(one)))
        print("sample web", *index_digest(SAMPLE_WEB_LISTINGS, Path(two)))
        print("pairs", *pairs_digest(Path(three)))
