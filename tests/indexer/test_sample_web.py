"""The bundled sample clinic web, crawled over real HTTP (its sites and its directory) and
indexed offline: every clinic geocoded with its precision, duplicates merged, branches kept."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from crawler.run import crawl
from crawler.seeds import SAMPLE_SEEDS, SAMPLE_WEB, load_seeds
from crawler.webserver import serve_web
from indexer.pipeline import index_file
from katdir.geocoding import build_geocoder
from katdir.model import PRECISIONS
from katdir.store import open_store

LOCAL = {
    "KATDIR_ALLOW_PRIVATE_HOSTS": True,
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
}
# The clinics the sample web describes (crawler/sample_web), by name and ZIP.
SAMPLE_CLINICS = {
    ("Mile High Ketamine Wellness", "80202"),
    ("Flatirons Ketamine & Integration", "80302"),
    ("Aurora Mind & Body Ketamine", "80012"),
    ("Harbor Spravato Center", "92101"),
    ("Capitol Ketamine Clinic", "78701"),
    ("Rose City Ketamine", "97205"),
    ("Front Range Ketamine Centers – Lakewood", "80226"),
    ("Front Range Ketamine Centers – Colorado Springs", "80903"),
}


@pytest.fixture(scope="module")
def sample_crawl(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("sample-crawl")
    with serve_web(SAMPLE_WEB) as web:
        settings = {**LOCAL, "KATDIR_SITES": web.sites}
        sites = folder / "sites.jsonl"
        crawled = crawl(
            load_seeds(SAMPLE_SEEDS, web.sites), sites, settings_overrides=settings, progress=False
        )
        assert crawled.ok, crawled.describe()
        listed = folder / "directory.jsonl"
        crawled = crawl([], listed, spider="directory", settings_overrides=settings, progress=False)
        assert crawled.ok, crawled.describe()
    return [sites, listed]


@pytest.fixture
def indexed(sample_crawl, tmp_path):
    both = tmp_path / "listings.jsonl"
    both.write_text("".join(p.read_text() for p in sample_crawl))
    with open_store(f"sqlite:///{tmp_path / 'katdir.db'}") as store:
        geocoder = build_geocoder(None, cache_path=tmp_path / "geocode.sqlite")
        summary = index_file(both, store, geocoder, approve=True)
        yield store, geocoder, both, summary


def test_every_sample_clinic_is_geocoded_offline_with_its_precision(indexed):
    store, _, _, summary = indexed
    clinics = list(store.iter_clinics())
    assert SAMPLE_CLINICS <= {(c.name, c.address.postal_code[:5]) for c in clinics}
    assert summary.not_geocoded == 0
    for clinic in clinics:
        assert clinic.location is not None, clinic.id
        assert clinic.location.precision in PRECISIONS, clinic.id


def test_the_clinic_sites_and_the_directory_merge_into_one_clinic_each(indexed):
    store, _, _, summary = indexed
    clinics = list(store.iter_clinics())
    assert (
        len(clinics) == summary.clinics == len({(c.name, c.address.postal_code) for c in clinics})
    )
    assert summary.merged > 0
    mile_high = next(c for c in clinics if c.name == "Mile High Ketamine Wellness")
    hosts = {s.url.split("/")[2] for s in mile_high.sources}
    assert len(hosts) == 2  # its own site and the directory
    aurora = next(c for c in clinics if c.name == "Aurora Mind & Body Ketamine")
    assert aurora.address.street == "1421 S Potomac St, Suite 220"  # only the directory has it
    front_range = [c for c in clinics if c.name.startswith("Front Range")]
    assert {c.organization for c in front_range} == {"Front Range Ketamine Centers"}
    assert not any("cost" in c.name.lower() for c in clinics)


def test_indexing_the_sample_crawl_again_writes_nothing(indexed):
    store, geocoder, path, _ = indexed
    before = {c.id: c.model_dump_json() for c in store.iter_clinics()}
    again = index_file(path, store, geocoder)
    assert again.written == 0 and again.new == 0 and again.changed == 0
    assert {c.id: c.model_dump_json() for c in store.iter_clinics()} == before


def test_a_new_crawl_of_the_sample_web_on_other_ports_queues_nothing(indexed, tmp_path):
    store, geocoder, path, _ = indexed
    text = path.read_text()
    # The sample web served again, on other ports.
    ports = {port: str(int(port) + 1) for port in set(re.findall(r"127\.0\.0\.1:(\d+)", text))}
    moved = re.sub(r"127\.0\.0\.1:(\d+)", lambda m: f"127.0.0.1:{ports[m.group(1)]}", text)
    again = tmp_path / "again.jsonl"
    again.write_text(moved)
    ids = {c.id for c in store.iter_clinics()}
    summary = index_file(again, store, geocoder)
    assert (summary.new, summary.changed, summary.queued) == (0, 0, 0)
    assert {c.id for c in store.iter_clinics()} == ids
    assert all(c.changes == [] for c in store.iter_clinics())
