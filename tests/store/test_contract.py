"""The store contract: every store returns the great-circle truth, in the same order.

One suite, parametrized over the stores. Ground truth is a brute-force scan with geopy's
great_circle; clinics within 0.5 % of the radius edge may go either way (Elasticsearch
quantizes stored points, and the two Earth radii differ in the sixth digit).
"""

from __future__ import annotations

import math
import random
import uuid
from dataclasses import dataclass

import orjson
import pytest
from geopy.distance import great_circle

from bench.synthetic import EDGE_CASES, synthetic_clinics
from katdir.card import card_of, shown
from katdir.filters import BY_NAME, FILTERS, Parameter, indexed_values
from katdir.geo import KM_PER_MILE
from katdir.model import ROUTES, Clinic
from katdir.pricing import median, route_session_prices, session_price
from katdir.store import NearQuery, open_store
from katdir.store.sqlite import CELLS

CLINICS = 5000
QUERIES = 2000
EDGE_BAND = 0.005

# "sqlite": as served, searches without text answered from the search columns in memory
# (katdir/store/columns.py); "sqlite-sql": without them, as while they load; "sqlite-cells":
# without them, and every circle counted by the per-cell aggregates
# (katdir/store/cell_counts.py), which it otherwise keeps for circles with many clinics around.
STORES = [
    "sqlite",
    "sqlite-sql",
    "sqlite-cells",
    pytest.param("elasticsearch", marks=pytest.mark.elasticsearch),
]


@pytest.fixture(scope="module")
def clinics() -> list[Clinic]:
    return list(synthetic_clinics(CLINICS, seed=11))


@pytest.fixture(scope="module")
def rows(clinics) -> list[Row]:
    return rows_of(clinics)


@pytest.fixture(scope="module", params=STORES)
def store(request, clinics, tmp_path_factory):
    patch = pytest.MonkeyPatch()
    if request.param.startswith("sqlite"):
        store = open_store(f"sqlite:///{tmp_path_factory.mktemp('contract') / 'c.db'}")
        store.columns_in_memory = request.param == "sqlite"
        if request.param == "sqlite-cells":
            patch.setattr(CELLS, "min_clinics", 0)
    else:
        es_url = request.getfixturevalue("es_url")
        store = open_store(es_url, es_prefix=f"katdir-test-{uuid.uuid4().hex[:8]}")
    store.rebuild(clinics)
    if request.param == "sqlite":
        store.load_columns()
        assert store._columns is not None and store._columns.size == CLINICS
    yield store
    patch.undo()
    if request.param == "elasticsearch":
        store.drop_everything()
    store.close()


@dataclass(frozen=True)
class Row:
    """What the brute-force truth needs of a clinic, read once (pydantic access is slow)."""

    id: str
    lat: float
    lon: float
    status: str
    price: float | None  # lowest per-session price, any route
    route_prices: dict  # route -> lowest per-session price for it
    values: dict  # each indexed search filter's field -> the clinic's value (katdir.filters)

    def price_for(self, routes: tuple[str, ...]) -> float | None:
        if not routes:
            return self.price
        found = [self.route_prices[r] for r in routes if self.route_prices[r] is not None]
        return min(found) if found else None


def rows_of(clinics: list[Clinic]) -> list[Row]:
    return [
        Row(
            c.id,
            c.location.lat,
            c.location.lon,
            c.review.status,
            c.min_session_price,
            route_session_prices(c),
            indexed_values(c),
        )
        for c in clinics
        if c.location
    ]


def passes(f: Parameter, value, row: Row, q: NearQuery) -> bool:
    """What each kind of filter means (katdir.filters), by brute force: both stores are held
    to it for every declared filter."""
    kind = f.kind.name
    if kind == "flag":
        return row.values[f.field] is value
    if kind == "any_of":
        return bool(set(row.values[f.field]) & set(value))
    if kind == "at_most":
        return row.values[f.field] is not None and row.values[f.field] <= value
    if kind == "session_price_at_most":
        price = row.price_for(q.routes)
        return price is not None and price <= value
    raise AssertionError(f"no brute-force meaning for filters of kind {kind!r}")


def truth(rows: list[Row], q: NearQuery) -> list[tuple[float, str]]:
    """(distance km, id) of every matching clinic, nearest first, ties by id: by brute force."""
    found = []
    given = [(f, q.filters[f.name]) for f in FILTERS if q.filters.get(f.name) not in (None, ())]
    # Cheap first cuts in degrees, wide enough never to drop a match.
    max_dlat = q.radius_km * (1 + EDGE_BAND) / 110.0 + 0.01
    widest = math.cos(math.radians(min(90.0, abs(q.lat) + max_dlat)))
    max_dlon = 360.0 if widest < 0.01 else max_dlat / widest
    for r in rows:
        if abs(r.lat - q.lat) > max_dlat or abs((r.lon - q.lon + 180) % 360 - 180) > max_dlon:
            continue
        if r.status not in q.statuses:
            continue
        if not all(passes(f, value, r, q) for f, value in given):
            continue
        d = great_circle((q.lat, q.lon), (r.lat, r.lon)).km
        if d <= q.radius_km * (1 + EDGE_BAND):
            found.append((d, r.id))
    return sorted(found)


def all_ids(store, q: NearQuery) -> tuple[int, list[tuple[float, str]]]:
    """Every hit of a query, page by page."""
    hits, page = [], 1
    while True:
        result = store.search(NearQuery(**{**q.__dict__, "page": page, "per_page": 100}))
        hits += [(h.distance_km, h.clinic.id) for h in result.hits]
        if len(result.hits) < 100:
            return result.total, hits
        page += 1


def assert_agrees_with_truth(
    expected: list[tuple[float, str]], got: list[tuple[float, str]], radius_km: float
) -> None:
    edge = radius_km * (1 - EDGE_BAND)
    sure = [cid for d, cid in expected if d < edge]
    sure_set, got_ids = set(sure), [cid for _, cid in got]
    got_set, allowed = set(got_ids), {cid for _, cid in expected}
    assert got_set <= allowed, f"clinics beyond the radius: {got_set - allowed}"
    assert sure_set <= got_set, f"clinics missed: {sure_set - got_set}"
    assert [c for c in got_ids if c in sure_set] == sure, "order differs from great-circle order"
    true_distance = {cid: d for d, cid in expected}
    for d_got, cid in got:
        assert d_got == pytest.approx(true_distance[cid], rel=1e-3, abs=0.01)


DRAWN = [f for f in FILTERS if f.kind.name != "text"]


def random_value(rng: random.Random, f: Parameter):
    """A value of a filter that some synthetic clinics pass and others do not."""
    kind = f.kind
    if kind.name == "flag":
        return rng.choice((True, False))
    if kind.name == "any_of":
        return tuple(rng.sample(kind.vocabulary, rng.randint(1, 2)))
    if kind.name in ("at_most", "session_price_at_most"):
        return float(rng.randrange(300, 900, 50))  # the synthetic prices run from 250 to 1,000
    raise AssertionError(f"no random value for filters of kind {kind.name!r}")


def random_queries(n: int, seed: int) -> list[NearQuery]:
    rng = random.Random(seed)
    from bench.synthetic import jitter, us_cities

    places, weights = us_cities()
    queries = []
    edge_points = list(EDGE_CASES.values())
    for i in range(n):
        if i % 10 == 0:
            lat, lon = rng.choice(edge_points)
        else:
            _, _, lat, lon = rng.choices(places, weights=weights)[0]
            lat, lon = jitter(rng, lat, lon, 50)
        radius_km = rng.choice((5, 25, 50, 100, 250)) * rng.choice((1.0, KM_PER_MILE))
        filters = {}
        if rng.random() < 0.45:  # one declared filter (text apart), drawn by kind
            f = rng.choice(DRAWN)
            filters[f.name] = random_value(rng, f)
            if f.name == "route" and rng.random() < 0.5:  # the price of the routes asked
                filters["max_price"] = random_value(rng, BY_NAME["max_price"])
        queries.append(
            NearQuery(lat=lat, lon=lon, radius_km=radius_km, per_page=100, filters=filters)
        )
    return queries


def test_near_me_search_agrees_with_brute_force_great_circle(store, rows):
    checked_nonempty = 0
    for q in random_queries(QUERIES, seed=5):
        expected = truth(rows, q)
        result = store.search(q)
        got = [(h.distance_km, h.clinic.id) for h in result.hits]
        if result.total > len(got):
            _, got = all_ids(store, q)
        assert_agrees_with_truth(expected, got, q.radius_km)
        checked_nonempty += bool(got)
    assert checked_nonempty > QUERIES // 2  # the queries are not mostly empty


@pytest.mark.parametrize("place", sorted(EDGE_CASES))
def test_edge_places_search_within_large_radius(store, rows, place):
    lat, lon = EDGE_CASES[place]
    q = NearQuery(lat=lat, lon=lon, radius_km=800, per_page=100)
    total, got = all_ids(store, q)
    expected = truth(rows, q)
    assert total == len(got)
    assert_agrees_with_truth(expected, got, q.radius_km)
    assert got, f"nothing found around {place}"


def test_search_across_the_antimeridian(store, rows):
    q = NearQuery(lat=51.88, lon=179.9, radius_km=400, per_page=100)
    _, got = all_ids(store, q)
    assert_agrees_with_truth(truth(rows, q), got, q.radius_km)
    assert any(cid for _, cid in got), "Adak (at -176.65) is within 400 km of 179.9°E"


def test_empty_result_has_zero_total_and_empty_facets(store):
    result = store.search(NearQuery(lat=0.0, lon=-30.0, radius_km=50))  # mid-Atlantic
    assert result.total == 0 and result.hits == []
    assert set(result.facets["routes"].values()) == {0}


def test_distance_ties_are_broken_by_id(store, clinics):
    by_point: dict[tuple[float, float], list[str]] = {}
    for c in clinics:
        if c.review.status == "approved":
            by_point.setdefault((c.location.lat, c.location.lon), []).append(c.id)
    lat, lon = next(p for p, ids in by_point.items() if len(ids) >= 3)
    result = store.search(NearQuery(lat=lat, lon=lon, radius_km=0.01, per_page=100))
    ids = [h.clinic.id for h in result.hits]
    assert ids == sorted(by_point[(lat, lon)])


def test_pages_partition_the_results(store):
    q = NearQuery(lat=40.7128, lon=-74.0060, radius_km=80, per_page=7)
    first = store.search(q)
    assert first.total > 30
    seen: list[str] = []
    for page in range(1, first.total // 7 + 2):
        seen += [h.clinic.id for h in store.search(NearQuery(**{**q.__dict__, "page": page})).hits]
    assert len(seen) == len(set(seen)) == first.total


def test_price_sort_puts_cheapest_first_and_unknown_last(store):
    q = NearQuery(lat=34.05, lon=-118.24, radius_km=80, sort="price", per_page=100)
    _, got = all_ids(store, q)
    prices = [store.get(cid).min_session_price for _, cid in got]
    known = [p for p in prices if p is not None]
    assert known == sorted(known)
    assert prices[: len(known)] == known  # every unknown price comes after the known ones


@pytest.mark.parametrize("routes", [("iv",), ("spravato",), ("im", "oral")])
def test_price_sort_and_max_price_use_the_price_of_the_routes_asked(store, routes):
    q = NearQuery(
        lat=34.05, lon=-118.24, radius_km=120, sort="price", per_page=100, filters={"route": routes}
    )
    _, got = all_ids(store, q)
    prices = [session_price(store.get(cid), routes) for _, cid in got]
    amounts = [p.amount for p in prices if p is not None]
    assert amounts and amounts == sorted(amounts)
    assert prices[: len(amounts)] == [p for p in prices if p is not None]
    assert all(p.route in routes for p in prices if p is not None)
    cap = median(amounts)
    _, capped = all_ids(
        store, NearQuery(**{**q.__dict__, "filters": {**q.filters, "max_price": cap}})
    )
    assert capped and all(session_price(store.get(cid), routes).amount <= cap for _, cid in capped)
    assert len(capped) == sum(a <= cap for a in amounts)


def test_price_context_is_lowest_median_highest_per_route(store, rows):
    for q in [
        NearQuery(lat=41.88, lon=-87.63, radius_km=100),
        NearQuery(lat=34.05, lon=-118.24, radius_km=150, filters={"route": ("iv", "spravato")}),
        NearQuery(
            lat=40.71, lon=-74.0, radius_km=60, filters={"max_price": 600.0, "therapy": True}
        ),
        NearQuery(lat=0.0, lon=-30.0, radius_km=50),
    ]:
        # The matches themselves are the search's (checked against the truth above).
        _, got_ids = all_ids(store, q)
        assert_agrees_with_truth(truth(rows, q), got_ids, q.radius_km)
        inside = {cid for _, cid in got_ids}
        by_id = {r.id: r for r in rows}
        context = store.price_context(q)
        assert list(context) == list(q.routes or ROUTES)
        for route, got in context.items():
            values = sorted(
                by_id[cid].route_prices[route]
                for cid in inside
                if by_id[cid].route_prices[route] is not None
            )
            assert got.count == len(values)
            if values:
                assert (got.lowest, got.highest) == (values[0], values[-1])
                assert got.median == pytest.approx(median(values), abs=1e-9)
            else:
                assert (got.lowest, got.median, got.highest) == (None, None, None)


def test_a_search_with_its_price_context_is_both_answers_at_once(store):
    for q in [
        NearQuery(lat=41.88, lon=-87.63, radius_km=100),
        NearQuery(lat=40.71, lon=-74.0, radius_km=60, filters={"route": ("iv",)}),
        NearQuery(lat=34.05, lon=-118.24, radius_km=150, filters={"therapy": True}, page=2),
        NearQuery(lat=0.0, lon=-30.0, radius_km=50),  # nothing: every route at 0
    ]:
        result, context = store.search_with_context(q)
        alone = store.search(q)
        assert (result.total, result.facets) == (alone.total, alone.facets)
        assert [(h.clinic.id, h.distance_km) for h in result.hits] == [
            (h.clinic.id, h.distance_km) for h in alone.hits
        ]
        assert context == store.price_context(q)
        assert list(context) == list(q.routes or ROUTES)


def test_facets_count_the_matches(store, rows):
    q = NearQuery(lat=41.88, lon=-87.63, radius_km=100)
    result = store.search(q)
    matched = [store.get(cid) for _, cid in truth(rows, q) if _ < q.radius_km * (1 - EDGE_BAND)]
    iv = sum("iv" in c.routes for c in matched)
    assert abs(result.facets["routes"]["iv"] - iv) <= 2  # only edge clinics may differ
    assert result.facets["price"]["min"] == pytest.approx(
        min(c.min_session_price for c in matched if c.min_session_price is not None)
    )


def test_text_query_matches_names(store):
    result = store.search(
        NearQuery(lat=39.74, lon=-104.99, radius_km=100, filters={"q": "infusion"})
    )
    assert result.total > 0
    assert all("infusion" in h.clinic.name.lower() for h in result.hits)


def test_only_approved_clinics_unless_asked(store, clinics):
    q = NearQuery(lat=29.76, lon=-95.37, radius_km=100, per_page=100)
    public = store.search(q)
    everyone = store.search(NearQuery(**{**q.__dict__, "statuses": ("approved", "pending")}))
    assert all(h.clinic.review.status == "approved" for h in public.hits)
    assert everyone.total > public.total


def test_get_upsert_delete_round_trip(store):
    clinic = Clinic(
        id="contract-round-trip",
        name="Round Trip Ketamine",
        location={"lat": 30.27, "lon": -97.74},
        review={"status": "approved"},
    )
    store.upsert([clinic])
    assert store.get("contract-round-trip") == clinic
    found = store.search(NearQuery(lat=30.27, lon=-97.74, radius_km=1))
    assert "contract-round-trip" in [h.clinic.id for h in found.hits]
    assert store.delete("contract-round-trip")
    assert store.get("contract-round-trip") is None
    assert not store.delete("contract-round-trip")


def test_decisions_survive_a_rebuild_and_refuse_stale_writes(store, clinics):
    from katdir.model import Decision, Review
    from katdir.store import ConflictError

    decision = store.put_decision(
        Decision(clinic_id="syn-0000001", review=Review(status="rejected", by="ana"))
    )
    assert decision.version == 1
    store.rebuild(clinics)
    assert store.get_decision("syn-0000001") == decision
    newer = store.put_decision(decision.model_copy(update={"overrides": {"phone": "+13035550100"}}))
    assert newer.version == 2
    with pytest.raises(ConflictError):
        store.put_decision(decision)  # a second curator still holding version 1
    with pytest.raises(ConflictError):
        store.put_decision(Decision(clinic_id="syn-0000001"))  # "new" over an existing one
    assert store.get_decision("syn-0000001").overrides == {"phone": "+13035550100"}
    assert "syn-0000001" in [d.clinic_id for d in store.iter_decisions()]


@pytest.mark.parametrize("sort", ["distance", "price"])
def test_hits_carry_each_clinic_as_stored(store, sort):
    """A hit hands over the clinic's stored document (the model's own JSON dump of the stored
    clinic) and its result card, made when it was written from that document (katdir.card)."""
    q = NearQuery(lat=40.7128, lon=-74.0060, radius_km=300, sort=sort, per_page=50)
    hits = store.search(q).hits
    assert len(hits) == 50
    for hit in hits:
        stored = store.get(hit.document["id"])
        assert hit.document == stored.model_dump(mode="json")
        assert hit.clinic == stored
        assert hit.card == card_of(orjson.loads(stored.model_dump_json()))


def test_a_clinic_written_again_has_its_new_card(store):
    clinic = next(c for c in store.iter_clinics() if c.location and c.is_public)
    q = NearQuery(lat=clinic.location.lat, lon=clinic.location.lon, radius_km=1, per_page=100)
    renamed = clinic.model_copy(update={"name": clinic.name + " Renamed"})
    store.upsert([renamed])
    (hit,) = [h for h in store.search(q).hits if h.document["id"] == clinic.id]
    assert shown(hit.card)["name"] == renamed.name
    store.upsert([clinic])
