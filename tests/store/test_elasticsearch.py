"""The Elasticsearch store against a real node: the same answers as SQLite, query by query;
rebuilds that swap an alias atomically and lose nothing when they fail; decisions in their own
index; prefixes that keep directories apart; replicas on the 3-node cluster."""

from __future__ import annotations

import random
import socket
import threading
import time
import uuid

import pytest

from bench.synthetic import EDGE_CASES, jitter, synthetic_clinics, us_cities
from katdir.filters import FILTERS
from katdir.geo import KM_PER_MILE, haversine_km
from katdir.model import CONDITIONS, ROUTES, Clinic, Decision, Location, Review
from katdir.store import ConflictError, NearQuery, StoreError, StoreUnavailable, open_store
from katdir.store import es_schema as schema
from katdir.store.elasticsearch import ElasticsearchStore

pytestmark = pytest.mark.elasticsearch


def unique_prefix(name: str) -> str:
    return f"katdir-test-{name}-{uuid.uuid4().hex[:8]}"


CLINICS = 5000
EDGE_BAND = 0.005


# -- the two stores, side by side ------------------------------------------------------------


@pytest.fixture(scope="module")
def twins(es_url, tmp_path_factory):
    """The same 5,000 clinics in SQLite and in Elasticsearch, plus a few with tricky text."""
    clinics = list(synthetic_clinics(CLINICS, seed=23)) + TRICKY_TEXT
    sqlite = open_store(f"sqlite:///{tmp_path_factory.mktemp('twins') / 'twins.db'}")
    es = ElasticsearchStore(es_url.split(","), prefix=unique_prefix("twins"))
    sqlite.rebuild(clinics)
    es.rebuild(clinics)
    yield sqlite, es
    es.drop_everything()
    es.close()
    sqlite.close()


TRICKY_TEXT = [
    Clinic(
        id="text-obrien",
        name="O'Brien Ketamine Café",
        organization="U.S. Mind-Care, Inc.",
        address={"city": "São Paulo", "state": "NY"},
        location={"lat": 40.71, "lon": -74.0},
        routes=["iv"],
        conditions=["chronic_pain"],
        review={"status": "approved"},
        prices=[{"amount_min": 400, "quote": "$400/session (IV_ketamine) — naïve pricing"}],
    ),
    Clinic(
        id="text-plain",
        name="Brien Wellness",
        address={"city": "New York", "state": "NY"},
        location={"lat": 40.72, "lon": -74.01},
        routes=["oral"],
        review={"status": "approved"},
    ),
]

TEXTS = [
    "ketamine",
    "ket",
    "infusion clinic",
    "Mind",
    "o'brien",
    "brien",
    "obrien",
    "cafe",
    "café",
    "CAFÉ",
    "u.s.",
    "us mind",
    "chronic_pain",
    "chronic pain",
    "pain",
    "iv_ket",
    "naive",
    "sao",
    "são paulo",
    "new york",
    "  ",
    "!!!",
    "___",
    "wellness center",
    "spravato",
    "intranasal",
    "ptsd",
    "depression anxiety",
    "ny",
    "10001",
]


def random_query(rng: random.Random) -> NearQuery:
    places, weights = us_cities()
    if rng.random() < 0.15:
        lat, lon = rng.choice(list(EDGE_CASES.values()))
    else:
        _, _, lat, lon = rng.choices(places, weights=weights)[0]
        lat, lon = jitter(rng, lat, lon, 40)
    fields: dict = {
        "radius_km": rng.choice((2, 10, 25, 50, 100, 250)) * rng.choice((1.0, KM_PER_MILE)),
        "per_page": rng.choice((1, 5, 20, 100)),
    }
    filters: dict = {}
    if rng.random() < 0.3:
        filters["route"] = tuple(rng.sample(ROUTES, rng.randint(1, 3)))
    if rng.random() < 0.2:
        filters["condition"] = tuple(rng.sample(CONDITIONS, rng.randint(1, 2)))
    if rng.random() < 0.25:
        filters["max_price"] = rng.choice((250.0, 333.33, 400.0, 575.5, 800.0, 1000.0))
    for f in FILTERS:  # every declared yes/no filter, new ones included
        if f.kind.name == "flag" and rng.random() < 0.15:
            filters[f.name] = rng.choice((True, False))
    if rng.random() < 0.25:
        filters["q"] = rng.choice(TEXTS)
    fields["filters"] = filters
    if rng.random() < 0.15:
        fields["statuses"] = rng.choice((("approved", "pending"), ("pending",)))
    fields["sort"] = rng.choice(("distance", "distance", "price", "relevance"))
    return NearQuery(lat=lat, lon=lon, **fields)


def pages(store, q: NearQuery, limit: int = 15) -> tuple[object, list[list], bool]:
    """The first result, the pages (id, distance) up to `limit`, and whether that was all."""
    first, out = None, []
    for page in range(1, limit + 1):
        result = store.search(NearQuery(**{**q.__dict__, "page": page}))
        first = first or result
        out.append([(h.clinic.id, h.distance_km) for h in result.hits])
        if len(result.hits) < q.per_page:
            return first, out, True
    return first, out, False


def without_edge(hits: list[tuple[str, float]], radius_km: float) -> list[str]:
    return [cid for cid, d in hits if abs(d - radius_km) > radius_km * EDGE_BAND]


@pytest.mark.xdist_group("es-twins")
def test_both_stores_return_the_same_ids_in_the_same_order_page_by_page(twins):
    sqlite, es = twins
    rng = random.Random(2024)
    identical = nonempty = 0
    for _ in range(400):
        q = random_query(rng)
        first_s, pages_s, whole_s = pages(sqlite, q)
        first_e, pages_e, whole_e = pages(es, q)
        flat_s = [h for p in pages_s for h in p]
        flat_e = [h for p in pages_e for h in p]
        nonempty += bool(flat_s)
        if first_s.total == first_e.total and pages_s == pages_e:
            # Nothing at the radius edge differs: the same pages, so the same facets too.
            assert first_s.facets == first_e.facets, q
            identical += 1
            continue
        # Otherwise only clinics in the 0.5 % edge band may differ — or the order, when
        # it is relevance: scores are each engine's own (FTS5's bm25, Lucene's scoring).
        ids_s, ids_e = without_edge(flat_s, q.radius_km), without_edge(flat_e, q.radius_km)
        if not (whole_s and whole_e):  # the comparison stopped at `limit` pages
            n = min(len(ids_s), len(ids_e))
            ids_s, ids_e = ids_s[:n], ids_e[:n]
        if q.sort == "relevance" and q.text:
            if whole_s and whole_e:
                assert sorted(ids_s) == sorted(ids_e), q
        else:
            assert ids_s == ids_e, q
    assert identical > 300 and nonempty > 200


@pytest.mark.xdist_group("es-twins")
@pytest.mark.parametrize("text", TEXTS)
def test_text_query_finds_what_sqlite_fts_finds(twins, text):
    sqlite, es = twins
    q = NearQuery(
        lat=40.71,
        lon=-74.0,
        radius_km=60,
        filters={"q": text},
        per_page=100,
        statuses=("approved", "pending"),
    )
    got_s, got_e = sqlite.search(q), es.search(q)
    assert [h.clinic.id for h in got_e.hits] == [h.clinic.id for h in got_s.hits]
    assert got_e.total == got_s.total


@pytest.mark.xdist_group("es-twins")
def test_relevance_puts_name_matches_first_then_nearest(twins):
    _, es = twins
    result = es.search(
        NearQuery(lat=40.71, lon=-74.0, radius_km=60, filters={"q": "brien"}, sort="relevance")
    )
    assert [h.clinic.id for h in result.hits][:2] == ["text-obrien", "text-plain"]


@pytest.mark.xdist_group("es-twins")
def test_deep_pages_and_pages_past_the_end(twins):
    sqlite, es = twins
    q = NearQuery(lat=40.71, lon=-74.0, radius_km=400, per_page=3, page=60)
    assert [h.clinic.id for h in es.search(q).hits] == [h.clinic.id for h in sqlite.search(q).hits]
    beyond = NearQuery(lat=40.71, lon=-74.0, radius_km=5, per_page=100, page=50)
    result = es.search(beyond)
    assert result.hits == [] and result.total == sqlite.search(beyond).total > 0
    past_window = NearQuery(lat=40.71, lon=-74.0, radius_km=400, per_page=100, page=1001)
    result = es.search(past_window)  # past index.max_result_window: counts, no page
    assert result.hits == [] and result.total == sqlite.search(past_window).total
    assert result.facets == sqlite.search(past_window).facets


@pytest.mark.xdist_group("es-twins")
@pytest.mark.parametrize(
    "median_terms, price_terms, page_apart",
    [
        (5000, True, True),  # as served: prices counted from terms, the page apart
        (3, True, True),  # too many prices for the terms: Elasticsearch's own aggregations
        (5000, False, False),  # the requests before (stats, min, max…; the page with them)
        (3, False, False),
    ],
)
def test_facets_and_price_context_equal_sqlites_whichever_way_they_are_counted(
    twins, monkeypatch, median_terms, price_terms, page_apart
):
    import katdir.store.elasticsearch as es_module

    monkeypatch.setattr(es_module, "MEDIAN_TERMS", median_terms)
    monkeypatch.setattr(es_module, "PRICE_TERMS", price_terms)
    monkeypatch.setattr(es_module, "PAGE_APART", page_apart)
    sqlite, es = twins
    rng = random.Random(6)
    places, weights = us_cities()
    for _ in range(25):
        _, _, lat, lon = rng.choices(places, weights=weights)[0]
        route = rng.choice([None, *ROUTES])
        query = NearQuery(
            lat=lat,
            lon=lon,
            radius_km=rng.choice([20, 60, 200]),
            filters={"route": (route,)} if route else {},
        )
        context = sqlite.price_context(query)
        assert es.price_context(query) == context, query
        found = answer(sqlite.search(query))
        assert answer(es.search(query)) == found, query
        both = es.search_with_context(query)
        assert (answer(both[0]), both[1]) == (found, context), query


def answer(result) -> tuple:
    return result.total, result.facets, [(h.clinic.id, h.distance_km) for h in result.hits]


def test_distances_are_exact_haversine_from_the_stored_point(twins):
    _, es = twins
    q = NearQuery(lat=61.2181, lon=-149.9003, radius_km=300, per_page=50)
    for hit in es.search(q).hits:
        loc = hit.clinic.location
        assert hit.distance_km == haversine_km(q.lat, q.lon, loc.lat, loc.lon)


@pytest.mark.xdist_group("es-twins")
def test_iter_clinics_walks_every_clinic_in_id_order(twins):
    sqlite, es = twins
    ids = [c.id for c in es.iter_clinics()]
    assert ids == [c.id for c in sqlite.iter_clinics()]
    assert es.count() == len(ids) == CLINICS + len(TRICKY_TEXT)


# -- rebuilds ----------------------------------------------------------------------------------


def clinics_near(prefix: str, n: int, lat: float = 39.74, lon: float = -104.99) -> list[Clinic]:
    rng = random.Random(n)
    out = []
    for i in range(n):
        plat, plon = jitter(rng, lat, lon, 20)
        out.append(
            Clinic(
                id=f"{prefix}-{i:05d}",
                name=f"{prefix} clinic {i}",
                location={"lat": plat, "lon": plon},
                review={"status": "approved"},
            )
        )
    return out


def test_rebuild_swaps_the_alias_atomically_while_readers_read(es_store):
    es_store.rebuild(clinics_near("old", 1000))
    before = es_store.aliased_indices()
    seen: list[int] = []
    errors: list[Exception] = []
    stop = threading.Event()

    def read() -> None:
        q = NearQuery(lat=39.74, lon=-104.99, radius_km=100, per_page=1)
        while not stop.is_set():
            try:
                seen.append(es_store.search(q).total)
            except Exception as err:  # noqa: BLE001 - any failure is the finding
                errors.append(err)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        time.sleep(0.2)
        es_store.rebuild(clinics_near("new", 1500))
        time.sleep(0.2)
    finally:
        stop.set()
        reader.join()
    assert not errors
    assert set(seen) == {1000, 1500}, "readers saw a half-built index"
    assert seen.index(1500) == len(seen) - seen[::-1].index(1000)  # old, then only new
    after = es_store.aliased_indices()
    assert len(after) == 1 and after != before
    assert schema.is_clinics_index(es_store.prefix, after[0])
    assert not es_store.es.indices.exists(index=before[0]), "the old index is deleted"


def test_failed_rebuild_keeps_the_old_index_serving_and_names_the_refused_clinics(es_store):
    good = clinics_near("good", 300)
    es_store.rebuild(good)
    serving = es_store.aliased_indices()
    # A clinic the mapping refuses (a latitude no geo_point takes), among thousands of good ones.
    bad = Clinic.model_construct(
        **{
            **clinics_near("bad", 1)[0].__dict__,
            "location": Location.model_construct(lat=123.0, lon=0.0, precision="street"),
        }
    )
    fresh = clinics_near("fresh", 2500)
    with pytest.raises(StoreError) as failure:
        es_store.rebuild(fresh[:1200] + [bad] + fresh[1200:])
    assert "bad-00000" in str(failure.value)
    assert [cid for cid, _ in failure.value.failures] == ["bad-00000"]
    assert es_store.aliased_indices() == serving
    assert es_store.count() == 300
    assert es_store.get("good-00042") == good[42] and es_store.get("fresh-00001") is None
    left = es_store.es.indices.get(index=schema.clinics_index_pattern(es_store.prefix))
    assert sorted(left) == serving, "the abandoned index is deleted"


def test_first_write_to_an_empty_directory_creates_index_and_alias(es_store):
    q = NearQuery(lat=39.74, lon=-104.99, radius_km=50)
    assert es_store.search(q).total == 0 and es_store.count() == 0
    assert es_store.get("x") is None and not es_store.delete("x")
    assert list(es_store.iter_clinics()) == [] and list(es_store.iter_decisions()) == []
    assert es_store.upsert(clinics_near("first", 3)) == 3
    assert es_store.aliased_indices() == [schema.initial_clinics_index(es_store.prefix)]
    assert es_store.search(q).total == 3
    es_store.rebuild(clinics_near("second", 2))
    assert [c.id for c in es_store.iter_clinics()] == ["second-00000", "second-00001"]


def test_upsert_writes_the_accepted_clinics_and_names_the_refused_ones(es_store):
    es_store.upsert(clinics_near("a", 2))
    bad = Clinic.model_construct(
        **{
            **clinics_near("b", 1)[0].__dict__,
            "location": Location.model_construct(lat=0.0, lon=999.0, precision="street"),
        }
    )
    with pytest.raises(StoreError, match="b-00000"):
        es_store.upsert([clinics_near("c", 1)[0], bad])
    assert es_store.get("c-00000") is not None and es_store.get("b-00000") is None
    assert es_store.count() == 3


def test_the_installed_template_is_the_schema(es_store):
    es_store.rebuild(clinics_near("t", 1))
    found = es_store.es.indices.get_index_template(name=schema.template_name(es_store.prefix))
    template = found["index_templates"][0]["index_template"]
    assert template["index_patterns"] == [schema.clinics_index_pattern(es_store.prefix)]
    index = es_store.aliased_indices()[0]
    mapping = es_store.es.indices.get_mapping(index=index)[index]["mappings"]
    assert mapping["dynamic"] == "strict"
    installed = mapping["properties"]
    assert installed.keys() == schema.CLINIC_MAPPINGS["properties"].keys()
    for field, declared in schema.CLINIC_MAPPINGS["properties"].items():
        assert declared.items() <= installed[field].items(), field  # plus the engine's defaults
    settings = es_store.es.indices.get_settings(index=index)[index]["settings"]["index"]
    assert settings["number_of_replicas"] == "0" and settings["number_of_shards"] == "1"
    assert settings.get("refresh_interval") is None  # back to the default after the load


# -- decisions ---------------------------------------------------------------------------------


def test_decisions_survive_rebuilds_in_their_own_index(es_store):
    es_store.rebuild(clinics_near("d", 10))
    kept = es_store.put_decision(
        Decision(clinic_id="d-00003", review=Review(status="rejected", by="ana"))
    )
    for n in (5, 0, 7):
        es_store.rebuild(clinics_near("d", n))
        assert es_store.get_decision("d-00003") == kept
    assert es_store.decisions not in es_store.aliased_indices()
    assert [d.clinic_id for d in es_store.iter_decisions()] == ["d-00003"]


def test_concurrent_curators_one_wins_the_other_gets_a_conflict(es_store):
    base = es_store.put_decision(Decision(clinic_id="race"))
    outcomes: list[str] = []
    barrier = threading.Barrier(8)

    def curator(i: int) -> None:
        barrier.wait()
        try:
            phone = f"+1303555{i:04d}"
            es_store.put_decision(base.model_copy(update={"overrides": {"phone": phone}}))
            outcomes.append("won")
        except ConflictError:
            outcomes.append("conflict")

    threads = [threading.Thread(target=curator, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict"] * 7 + ["won"]
    assert es_store.get_decision("race").version == 2


# -- prefixes ----------------------------------------------------------------------------------


def test_prefixes_keep_two_directories_apart_on_one_cluster(es_url):
    name = unique_prefix("iso")
    # The second prefix starts with the first one's index names: no pattern may claim both.
    one = ElasticsearchStore([es_url], prefix=name)
    two = ElasticsearchStore([es_url], prefix=f"{name}-clinics-x")
    try:
        one.rebuild(clinics_near("one", 4))
        two.rebuild(clinics_near("two", 6))
        one.put_decision(Decision(clinic_id="one-00000"))
        q = NearQuery(lat=39.74, lon=-104.99, radius_km=100)
        assert one.search(q).total == 4 and two.search(q).total == 6
        one.rebuild(clinics_near("one", 2))  # deletes one's old index only
        assert two.count() == 6 and two.get_decision("one-00000") is None
        one.drop_everything()
        assert two.count() == 6 and [c.id for c in two.iter_clinics()][0] == "two-00000"
        assert one.count() == 0
    finally:
        one.drop_everything()
        two.drop_everything()


def test_es_prefix_from_the_environment_names_the_indices(es_url, monkeypatch):
    from katdir.settings import load_settings

    prefix = unique_prefix("env")
    monkeypatch.setenv("KATDIR_STORE", es_url)
    monkeypatch.setenv("KATDIR_ES_PREFIX", prefix)
    store = open_store(load_settings())
    try:
        store.upsert(clinics_near("p", 1))
        assert store.es.indices.exists_alias(name=f"{prefix}-clinics")
    finally:
        store.drop_everything()


def test_replicas_of_new_indices_come_from_the_environment(es_url, monkeypatch):
    from katdir.settings import SettingsError, load_settings

    monkeypatch.setenv("KATDIR_STORE", es_url)
    monkeypatch.setenv("KATDIR_ES_PREFIX", unique_prefix("rep"))
    monkeypatch.setenv("KATDIR_ES_REPLICAS", "2")
    store = open_store(load_settings())
    assert store.replicas == 2
    template = schema.clinic_template(store.prefix, replicas=store.replicas)
    assert template["template"]["settings"]["number_of_replicas"] == 2
    monkeypatch.setenv("KATDIR_ES_REPLICAS", "two")
    with pytest.raises(SettingsError, match="KATDIR_ES_REPLICAS"):
        load_settings()


# -- failures ----------------------------------------------------------------------------------


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_no_node_answering_is_store_unavailable_not_a_crash():
    store = ElasticsearchStore([f"http://127.0.0.1:{closed_port()}"], prefix="katdir")
    assert store.ping() is False
    started = time.monotonic()
    for call in (
        lambda: store.search(NearQuery(lat=0, lon=0, radius_km=1)),
        lambda: store.get("x"),
        lambda: store.upsert(clinics_near("u", 1)),
        lambda: store.put_decision(Decision(clinic_id="x")),
        store.count,
    ):
        with pytest.raises(StoreUnavailable):
            call()
    assert time.monotonic() - started < 5, "a refused connection fails fast"


def test_api_key_and_ca_bundle_come_from_the_environment(monkeypatch):
    import certifi

    from katdir.settings import load_settings

    monkeypatch.setenv("KATDIR_STORE", "https://es1.invalid:9200,https://es2.invalid:9200")
    monkeypatch.setenv("KATDIR_ES_API_KEY", "a2V5OnNlY3JldA==")
    monkeypatch.setenv("KATDIR_ES_CA_CERTS", certifi.where())
    store = open_store(load_settings())
    assert store.es._headers["authorization"] == "ApiKey a2V5OnNlY3JldA=="
    nodes = store.es.transport.node_pool.all()
    assert {n.config.ca_certs for n in nodes} == {certifi.where()}
    # Basic credentials ride in the URL; plain-http nodes take no TLS options.
    monkeypatch.setenv("KATDIR_STORE", "http://katdir:s3cret@127.0.0.1:9200")
    plain = open_store(load_settings())
    headers = plain.es.transport.node_pool.all()[0].config.headers
    assert headers["authorization"].startswith("Basic ")


def test_bad_prefixes_are_refused():
    for prefix in ("", "Katdir", "a b", "x*", "a/b", "-x", "_x", ".x", "x" * 101):
        with pytest.raises(StoreError):
            ElasticsearchStore(["http://127.0.0.1:9200"], prefix=prefix)


# -- replicas on the 3-node cluster --------------------------------------------------------------


@pytest.fixture
def cluster_store(es_cluster_url):
    store = ElasticsearchStore(
        es_cluster_url.split(","), prefix=unique_prefix("cluster"), replicas=1
    )
    yield store
    store.drop_everything()
    store.close()


@pytest.mark.xdist_group("es-cluster")
def test_an_index_with_one_replica_goes_green_and_every_node_serves_search(
    cluster_store, es_cluster_url
):
    clinics = clinics_near("rep", 400)
    cluster_store.rebuild(clinics)
    cluster_store.put_decision(Decision(clinic_id="rep-00001"))
    health = cluster_store.es.cluster.health(
        index=[cluster_store.alias, cluster_store.decisions], wait_for_status="green", timeout="60s"
    )
    assert health["status"] == "green" and health["number_of_nodes"] == 3
    index = cluster_store.aliased_indices()[0]
    shards = cluster_store.es.cat.shards(index=index, format="json")
    assert sorted(s["prirep"] for s in shards) == ["p", "r"]
    assert len({s["node"] for s in shards}) == 2, "primary and replica on different nodes"
    q = NearQuery(lat=39.74, lon=-104.99, radius_km=100, per_page=10)
    expected = [h.clinic.id for h in cluster_store.search(q).hits]
    assert len(expected) == 10
    holders = 0
    for node in es_cluster_url.split(","):
        alone = ElasticsearchStore([node], prefix=cluster_store.prefix)
        assert [h.clinic.id for h in alone.search(q).hits] == expected
        # Each copy on its own: the node holding the primary and the one holding the replica
        # both answer the whole index from their local shard.
        local = alone.es.options(ignore_status=503).search(
            index=alone.alias, preference="_only_local", size=0, track_total_hits=True
        )
        if local.meta.status == 200:  # 503: no copy on this node
            assert local["hits"]["total"]["value"] == 400
            holders += 1
        alone.close()
    assert holders == 2


@pytest.mark.xdist_group("es-cluster")
def test_cluster_rebuild_keeps_replicas_and_decisions(cluster_store):
    cluster_store.rebuild(clinics_near("a", 50))
    kept = cluster_store.put_decision(Decision(clinic_id="a-00001"))
    cluster_store.rebuild(clinics_near("b", 60))
    index = cluster_store.aliased_indices()[0]
    settings = cluster_store.es.indices.get_settings(index=index)[index]["settings"]["index"]
    assert settings["number_of_replicas"] == "1"
    health = cluster_store.es.cluster.health(index=index, wait_for_status="green", timeout="60s")
    assert health["status"] == "green"
    assert cluster_store.count() == 60 and cluster_store.get_decision("a-00001") == kept
