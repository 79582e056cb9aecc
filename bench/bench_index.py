"""Index throughput into the embedded store (docs/architecture.md §7: ≥ 5,000 listings/s with offline
geocoding and a warm cache).

    python -m bench index [--listings 20000] [--runs 5] [--seed 11] [--workers N]
                          [--baseline-rev REV] [--name NAME]

Synthetic listings are made the way a crawl delivers them: clinics placed like the US
population (bench.synthetic's cities) at real ZIP codes, each from its own site, about a
quarter also from a directory that spells the name, the suite, the phone and the website
differently (the duplicates the indexer must merge), and some practices with several
locations. The gazetteer is loaded and the geocode cache filled once, as an earlier online
run would have left it (a rooftop answer per address); then each run indexes the whole file
offline (reading and validating JSON Lines included) into a fresh SQLite store, with the
normalization caches emptied, so every run pays for every address. The figure is the median
of the runs, in wall-clock time and per second of CPU time (this process's and its worker
processes': `katdir index` reads and normalizes a big file in one process per core,
`--workers 1` measures it in one process). A second figure re-indexes the same crawl into the
filled store (the nightly case: nothing changed, nothing written).

`--baseline-rev REV` also measures the code of a git revision (`git archive`) on the same
crawl and geocode cache, each run in a fresh process, alternating with this tree's code run the
same way, so that both meet the same load on a shared machine. `--name` picks the results
file (`bench/results/NAME.json`, default `index`).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from functools import cache
from pathlib import Path

from tqdm import tqdm

from bench.common import machine, record
from bench.synthetic import us_cities
from katdir.model import CARE_STEPS, CONDITIONS, ROUTES

ROOT = Path(__file__).resolve().parent.parent  # the code measured as "this tree"
TARGET = 5000.0  # listings/s, docs/architecture.md §7

STREETS = (
    "Main",
    "Oak",
    "Maple",
    "Cedar",
    "Park",
    "Washington",
    "Lake",
    "Hill",
    "Pine",
    "Elm",
    "Lincoln",
    "Jefferson",
    "Madison",
    "Franklin",
    "Highland",
    "Sunset",
    "Broadway",
    "Colfax",
    "Larimer",
    "Market",
    "Church",
    "Spring",
    "Ridge",
    "Meadow",
    "Willow",
    "Forest",
    "River",
    "Canyon",
    "Mesa",
    "College",
    "University",
    "Medical",
)
TYPES = (
    ("St", "Street"),
    ("Ave", "Avenue"),
    ("Blvd", "Boulevard"),
    ("Rd", "Road"),
    ("Dr", "Drive"),
    ("Pkwy", "Parkway"),
    ("Way", "Way"),
    ("Ln", "Lane"),
)
DIRECTIONS = (("", ""), ("", ""), ("N", "North"), ("S", "South"), ("E", "East"), ("W", "West"))
BRANDS = (
    "Ketamine Wellness",
    "Ketamine Clinic",
    "Infusion Center",
    "Mind & Body Ketamine",
    "Ketamine Institute",
    "Spravato Center",
    "Ketamine Therapy",
    "Psychiatry & Ketamine",
)
WORDS = (
    "Summit",
    "Harbor",
    "Evergreen",
    "Blue Ridge",
    "Cascade",
    "Sonoran",
    "Prairie",
    "Magnolia",
    "Keystone",
    "Redwood",
    "Aspen",
    "Lakeshore",
    "Riverbend",
    "Northstar",
    "Cedar Hill",
    "Golden Gate",
    "Silver State",
    "Bluegrass",
    "Lone Star",
    "Sunrise",
    "Tidewater",
    "Granite",
    "Heartland",
    "Pioneer",
    "Coastal",
    "Highland",
    "Clear Path",
    "New Leaf",
    "Bright Mind",
    "True North",
    "Open Door",
    "Still Water",
    "Beacon",
)


@cache
def zips_by_city() -> dict[tuple[str, str], list[tuple[str, list[str]]]]:
    import zipcodes

    found: dict[tuple[str, str], list[tuple[str, list[str]]]] = {}
    for z in zipcodes.list_all():
        if z["zip_code_type"] == "STANDARD" and z["active"] and z["lat"]:
            found.setdefault((z["city"].lower(), z["state"]), []).append(
                (z["zip_code"], z.get("area_codes") or [])
            )
    return found


def _phone(rng: random.Random, area_codes: list[str]) -> str:
    area = rng.choice(area_codes) if area_codes else str(rng.randint(201, 989))
    return f"{area}{rng.randint(200, 999)}{rng.randint(0, 9999):04d}"


def _styled_phone(rng: random.Random, digits: str) -> str:
    a, b, c = digits[:3], digits[3:6], digits[6:]
    return rng.choice(
        (f"({a}) {b}-{c}", f"{a}-{b}-{c}", f"{a}.{b}.{c}", f"+1 {a} {b} {c}", f"1-{a}-{b}-{c}")
    )


def _slug(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def _location(rng: random.Random, places, weights, zips, state: str | None = None):
    while True:
        city, st, _, _ = rng.choices(places, weights=weights)[0]
        if state and st != state:
            city, st = rng.choice([(c, s) for c, s in zips if s == state])
            city = city.title()
        options = zips.get((city.lower(), st))
        if options:
            return city, st, rng.choice(options)


def _prices(rng: random.Random, routes: list[str], url: str) -> list[dict]:
    prices = []
    if rng.random() < 0.85:
        amount = float(rng.randrange(300, 900, 25))
        prices.append(
            {
                "route": routes[0],
                "kind": "per_session",
                "amount_min": amount,
                "currency": "USD",
                "source_url": url,
                "quote": f"${amount:,.0f} per infusion",
            }
        )
    if rng.random() < 0.35:
        sessions = rng.choice((4, 6))
        amount = float(sessions * rng.randrange(300, 800, 25))
        prices.append(
            {
                "route": routes[0],
                "kind": "series",
                "amount_min": amount,
                "sessions": sessions,
                "currency": "USD",
                "source_url": url,
                "quote": f"Series of {sessions} infusions: ${amount:,.0f}",
            }
        )
    if rng.random() < 0.3:
        prices.append(
            {
                "route": None,
                "kind": "consultation",
                "amount_min": 250.0,
                "amount_max": 400.0,
                "currency": "USD",
                "source_url": url,
                "quote": "Consultation $250–$400",
            }
        )
    return prices


def synthetic_listings(count: int, seed: int = 11) -> list[dict]:
    """`count` crawler-shaped listings: clinic sites, directory duplicates, multi-location
    practices."""
    rng = random.Random(seed)
    places, weights = us_cities()
    zips = zips_by_city()
    fetched = "2026-11-20T10:00:00Z"
    listings: list[dict] = []
    n = 0
    while len(listings) < count:
        n += 1
        practice = f"{rng.choice(WORDS)} {rng.choice(BRANDS)}"
        host = f"{_slug(practice)}{n}.example"
        branches = rng.choice((2, 3)) if rng.random() < 0.04 else 1
        state = None
        for branch in range(branches):
            city, st, (zip_code, area_codes) = _location(rng, places, weights, zips, state)
            state = st
            number = rng.randint(100, 9999)
            street = rng.choice(STREETS)
            (short_type, long_type) = rng.choice(TYPES)
            (short_dir, long_dir) = rng.choice(DIRECTIONS)
            suite = rng.randint(100, 1500) if rng.random() < 0.7 else None
            line = " ".join(p for p in (str(number), short_dir, street, short_type) if p)
            if suite:  # the shapes clinic sites write their suites in, the plain one most
                line += rng.choices(
                    (
                        f", Suite {suite}",
                        f" Ste {suite}",
                        f" #{suite}",
                        f", Bldg {suite % 7 + 1}, Suite {suite}",
                        f", {suite % 9 + 2}th Floor",
                    ),
                    weights=(70, 10, 8, 6, 6),
                )[0]
            phone = _phone(rng, area_codes)
            name = f"{practice} – {city}" if branches > 1 else practice
            url = f"https://www.{host}/"
            if branches > 1:
                url += f"locations/{_slug(city)}"
            routes = rng.sample(ROUTES, rng.randint(1, 3))
            listings.append(
                {
                    "url": url,
                    "spider": "clinic_site",
                    "fetched_at": fetched,
                    "content_hash": f"sha256:{rng.getrandbits(64):016x}",
                    "page_type": "clinic",
                    "name": name,
                    "organization": practice if branches > 1 else None,
                    "website": f"https://www.{host}/",
                    "phone": _styled_phone(rng, phone),
                    "email": f"care@{host}",
                    "address": {
                        "street": line,
                        "city": city,
                        "state": st,
                        "postal_code": zip_code,
                        "country": "US",
                    },
                    "routes": routes,
                    "prices": _prices(rng, routes, f"https://www.{host}/pricing"),
                    "conditions": rng.sample(CONDITIONS, rng.randint(1, 4)),
                    "therapy_integrated": rng.choice((True, False, None)),
                    "care_steps": rng.sample(CARE_STEPS, rng.randint(0, 4)),
                    "insurance": {
                        "accepts_insurance": rng.choice((True, False, None)),
                        "va_community_care": rng.choice((True, None)),
                    },
                    "telehealth": rng.choice((True, None)),
                    "hours": "Mon–Fri 8–5",
                    "evidence": {
                        "routes": [{"url": url, "quote": "We offer IV ketamine infusions"}]
                    },
                    "source_urls": [
                        url,
                        f"https://www.{host}/pricing",
                        f"https://www.{host}/contact",
                    ],
                }
            )
            for copy in range(rng.choices((0, 1, 2), weights=(74, 22, 4))[0]):
                directory = rng.choice(("ketafind", "kapfinder", "psychedelicdirectory"))
                long_line = " ".join(p for p in (str(number), long_dir, street, long_type) if p)
                if suite:
                    long_line += rng.choice((f" Ste {suite}", f" #{suite}", f", Suite {suite}", ""))
                alias = rng.choice(
                    (
                        name,
                        name.replace("Center", "Ctr").replace("&", "and"),
                        f"{name}, LLC",
                        name.upper(),
                    )
                )
                listings.append(
                    {
                        "url": f"https://{directory}.example/clinics/{n}-{branch}-{copy}",
                        "spider": "directory",
                        "fetched_at": fetched,
                        "content_hash": f"sha256:{rng.getrandbits(64):016x}",
                        "page_type": "directory",
                        "name": alias,
                        "website": f"http://{host}/?utm_source={directory}&utm_medium=listing",
                        "phone": _styled_phone(rng, phone),
                        "address": {
                            "street": long_line,
                            "city": city,
                            "state": st,
                            "postal_code": zip_code,
                        },
                        "evidence": {
                            "name": [{"url": f"https://{directory}.example/", "quote": alias}]
                        },
                        "source_urls": [],
                    }
                )
    return listings[:count]


def _clear_normalization_caches() -> None:
    """Empty every memo of the normalizers and the model's checks, so that a run pays for
    every value as the first run does."""
    import sys

    from indexer import matching, normalize  # noqa: F401 (imported to be found below)

    prefixes = ("indexer.normalize", "indexer.matching", "katdir.model", "katdir.normalize")
    for name, module in list(sys.modules.items()):
        if not name.startswith(prefixes):
            continue
        for value in vars(module).values():
            if hasattr(value, "cache_clear") and getattr(value, "__module__", "") == name:
                value.cache_clear()


def _warm(geocoder, listings: list[dict], seed: int) -> None:
    """Load the gazetteer, and fill the geocode cache as an earlier online run would have:
    a rooftop answer for every clinic address, near its ZIP's centroid. The timed runs are
    offline; the chain answers each address from the gazetteer and this cache."""
    from geopy.location import Location

    from bench.synthetic import jitter
    from indexer.geocode import Locator
    from indexer.normalize import normalize_address

    rng = random.Random(seed)
    locator = Locator(geocoder)
    for listing in tqdm(listings, desc="warming the geocode cache", unit="listing", leave=False):
        address = normalize_address(listing.get("address"))
        point = locator.coarse_point(address)
        if address is None or point is None:
            continue
        lat, lon = jitter(rng, point[0], point[1], 1.0)
        query = address.one_line()
        geocoder.cache.put(
            "nominatim",
            query,
            Location(
                query,
                (lat, lon),
                {
                    "precision": "rooftop",
                    "postal_code": (address.postal_code or "")[:5] or None,
                    "city": address.city,
                    "state": address.state,
                    "street": address.street,
                    "source": "nominatim",
                },
            ),
        )


def _cpu_seconds() -> float:
    """CPU time of this process and of its children that have ended (the worker processes)."""
    own, children = (
        resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


# One timed indexing run in a fresh process, whose code is whatever `indexer` and `katdir` the
# working directory holds (this tree's or a git archive's): argv is the listings file, the
# geocode cache, the store's file and the reading processes (0: index_file's default).
ONE_RUN = """
import json, resource, sys, time
from pathlib import Path
from indexer.pipeline import index_file
from katdir.geocoding import build_geocoder
from katdir.store import open_store

def cpu():
    own, kids = (resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime

listings, cache, db, workers = sys.argv[1:5]
geocoder = build_geocoder(None, cache_path=cache)
geocoder.gazetteer.load_data()
options = {"workers": int(workers)} if int(workers) else {}
with open_store(f"sqlite:///{db}") as store:
    started, used = time.perf_counter(), cpu()
    summary = index_file(Path(listings), store, geocoder, **options)
    wall, used = time.perf_counter() - started, cpu() - used
geocoder.close()
print(json.dumps({"wall_s": wall, "cpu_s": used, "clinics": summary.clinics}))
"""


def _one_run(code: Path, listings: Path, cache: Path, db: Path, workers: int | None) -> dict:
    """ONE_RUN with the code under `code`, and the machine's load average as it began."""
    load = os.getloadavg()[0]
    done = subprocess.run(
        [sys.executable, "-c", ONE_RUN, str(listings), str(cache), str(db), str(workers or 0)],
        cwd=code,
        env={**os.environ, "PYTHONPATH": str(code)},
        check=True,
        capture_output=True,
        text=True,
    )
    return {**json.loads(done.stdout.strip().splitlines()[-1]), "load_average_1min": load}


def compare(count: int, runs: int, seed: int, revision: str, workers: int | None = None) -> dict:
    """This tree's code and `revision`'s, each run in a fresh process, alternating."""
    root = ROOT
    with tempfile.TemporaryDirectory(prefix="katdir-bench-index-ab-") as tmp:
        folder = Path(tmp)
        baseline = folder / "baseline"
        baseline.mkdir()
        archive = subprocess.run(
            ["git", "archive", revision, "katdir", "indexer"],
            cwd=root,
            check=True,
            capture_output=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(baseline)], input=archive, check=True)
        listings = synthetic_listings(count, seed)
        path = folder / "listings.jsonl"
        path.write_text("".join(json.dumps(item) + "\n" for item in listings), encoding="utf-8")
        cache = folder / "geocode-cache.sqlite"
        from katdir.geocoding import build_geocoder

        geocoder = build_geocoder(None, cache_path=cache)
        _warm(geocoder, listings, seed)
        geocoder.close()
        sides: dict[str, list[dict]] = {"this tree": [], revision: []}
        for number in tqdm(range(runs), desc="indexing, alternating", unit="pair"):
            for side, code in (("this tree", root), (revision, baseline)):
                db = folder / f"{number}-{'base' if code == baseline else 'tree'}.db"
                sides[side].append(_one_run(code, path, cache, db, workers))
    summary = {}
    for side, samples in sides.items():
        summary[side] = {
            "listings_per_s": [round(count / s["wall_s"]) for s in samples],
            "listings_per_cpu_s": [round(count / s["cpu_s"]) for s in samples],
            "clinics": sorted({s["clinics"] for s in samples}),
            "load_average_1min": [round(s["load_average_1min"], 2) for s in samples],
            "listings_per_s_median": round(statistics.median(count / s["wall_s"] for s in samples)),
            "listings_per_cpu_s_median": round(
                statistics.median(count / s["cpu_s"] for s in samples)
            ),
        }
    return {"revision": revision, "runs": runs, "workers": workers or "default", **summary}


def run(count: int, runs: int, seed: int, workers: int | None = None) -> dict:
    from indexer.pipeline import index_file
    from katdir.geocoding import build_geocoder
    from katdir.store import open_store

    with tempfile.TemporaryDirectory(prefix="katdir-bench-index-") as tmp:
        folder = Path(tmp)
        listings = synthetic_listings(count, seed)
        path = folder / "listings.jsonl"
        path.write_text("".join(json.dumps(item) + "\n" for item in listings), encoding="utf-8")
        geocoder = build_geocoder(None, cache_path=folder / "geocode-cache.sqlite")
        _warm(geocoder, listings, seed)

        rates, cpu_rates, reindex_rates, summary = [], [], [], None
        options = {} if workers is None else {"workers": workers}
        for number in tqdm(range(runs), desc=f"indexing {count:,} listings", unit="run"):
            _clear_normalization_caches()
            url = f"sqlite:///{folder / f'run-{number}.db'}"
            with open_store(url) as store:
                started, cpu = time.perf_counter(), _cpu_seconds()
                summary = index_file(path, store, geocoder, **options)
                rates.append(count / (time.perf_counter() - started))
                cpu_rates.append(count / (_cpu_seconds() - cpu))
                started = time.perf_counter()
                again = index_file(path, store, geocoder, **options)
                reindex_rates.append(count / (time.perf_counter() - started))
                assert again.written == 0, again.describe()
                precisions = Counter(
                    c.location.precision if c.location else "none" for c in store.iter_clinics()
                )
        geocoder.close()
    return {
        "listings": count,
        "runs": runs,
        "workers": workers
        or "index_file's default (this branch: one per core for a file of "
        "indexer.pipeline.PARALLEL_FROM_BYTES or more, up to MAX_WORKERS)",
        "clinics": summary.clinics,
        "merged": summary.merged,
        "not_geocoded": summary.not_geocoded,
        "precisions": dict(sorted(precisions.items())),
        "listings_per_s_median": round(statistics.median(rates)),
        "listings_per_s_min": round(min(rates)),
        "listings_per_s_max": round(max(rates)),
        # Listings per second of CPU time (this process's and its workers'): what one idle core
        # would give, less sensitive than wall time to other work on a shared machine.
        "listings_per_cpu_s_median": round(statistics.median(cpu_rates)),
        "reindex_unchanged_listings_per_s_median": round(statistics.median(reindex_rates)),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "target_listings_per_s": TARGET,
        "meets_target": statistics.median(rates) >= TARGET,
    }


def table(results: dict) -> str:
    box = machine()
    rows = [
        ("machine", f"{box['cpu']}, {box['cores']} cores, Python {box['python']}"),
        (
            "listings (clinics after merging)",
            f"{results['listings']:,} ({results['clinics']:,}; "
            f"{results['merged']:,} listings merged)",
        ),
        ("runs", str(results["runs"])),
        ("processes reading listings", str(results["workers"])),
        (
            "index into a fresh store, median",
            f"{results['listings_per_s_median']:,} listings/s "
            f"(min {results['listings_per_s_min']:,}, max "
            f"{results['listings_per_s_max']:,})",
        ),
        (
            "per second of CPU time, median",
            f"{results['listings_per_cpu_s_median']:,} listings (this process's and its workers')",
        ),
        (
            "target (docs/architecture.md §7)",
            f"{results['target_listings_per_s']:,.0f} listings/s — "
            + ("met" if results["meets_target"] else "NOT met"),
        ),
        (
            "machine load while measuring",
            f"{results['load_average_1min']} (1-min load average, {box['cores']} cores)",
        ),
        (
            "re-index the same crawl, median",
            f"{results['reindex_unchanged_listings_per_s_median']:,} listings/s (nothing written)",
        ),
    ]
    same_load = results.get("same_load_comparison")
    for side in ("this tree", same_load["revision"]) if same_load else ():
        row = same_load[side]
        rows.append(
            (
                f"alternating, fresh processes: {side}",
                f"{row['listings_per_s_median']:,} listings/s, "
                f"{row['listings_per_cpu_s_median']:,} per CPU-second (medians of "
                f"{row['listings_per_s']} and {row['listings_per_cpu_s']}; "
                f"load {row['load_average_1min']})",
            )
        )
    width = max(len(r[0]) for r in rows)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench index", description=__doc__)
    parser.add_argument("--listings", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="processes reading the listings (default: katdir index's choice)",
    )
    parser.add_argument("--baseline-rev", help="also measure this git revision, alternating")
    parser.add_argument("--name", default="index", help="results file: bench/results/NAME.json")
    args = parser.parse_args(argv)
    results = run(args.listings, args.runs, args.seed, args.workers)
    if args.baseline_rev:
        results["same_load_comparison"] = compare(
            args.listings, args.runs, args.seed, args.baseline_rev, args.workers
        )
    print(table(results))
    record(args.name, results, "python -m bench index " + " ".join(argv))
    return 0 if results["meets_target"] else 1
