"""The crawl (docs/architecture.md §7): the full pipeline — download, extraction, items — at ≥ 70 % of the
pages/s that `scrapy bench` reaches on the same machine.

    python -m bench crawl [--sites 140] [--runs 3] [--scrapy-seconds 10]

The web: copies of the bundled sample clinic sites (crawler/sample_web, the demo's seed
sites) in a temporary folder, each copy a site of its own on its own port (its
`{{site:NAME}}` references renamed with it), served by crawler.webserver.serve_web as the
demo does. The crawl is `crawler.run.crawl()` with the clinic_site spider and the settings for
a web on this machine (no politeness delays), in its own process as always; its pages/s is
the CrawlSummary's (pages parsed / the crawl's elapsed time). The reference is
`scrapy bench -s CLOSESPIDER_TIMEOUT=N` in its own process: its steady-state rate is the
median of its per-second "Crawled N pages (at X pages/min)" log lines, without the first
(warm-up) and those after "Closing spider". Runs alternate (scrapy bench, crawl, scrapy
bench, crawl, …) so that both see the same machine; the ratio is the median of the runs'.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tqdm import tqdm

from bench.common import record

TARGET_RATIO = 0.70
LOGSTATS = re.compile(r"Crawled (\d+) pages \(at (\d+) pages/min\)")
PLACEHOLDER = re.compile(rb"\{\{\s*site:([A-Za-z0-9_.-]+)\s*\}\}")
TEMPLATED = {".html", ".htm", ".xml", ".txt"}


def seed_sites() -> list[str]:
    from crawler.seeds import SAMPLE_SEEDS, parse_seeds

    return parse_seeds(SAMPLE_SEEDS.read_text(encoding="utf-8").splitlines())


def make_web(folder: Path, sites: int) -> list[str]:
    """`sites` copies of the sample web's seed sites under `folder`; returns their names in
    crawl order."""
    from crawler.seeds import SAMPLE_WEB

    source = SAMPLE_WEB
    originals = seed_sites()
    names = []
    for copy in range(math.ceil(sites / len(originals))):
        for original in originals:
            if len(names) == sites:
                break
            name = f"{original}-{copy:03d}"
            target = folder / name
            shutil.copytree(source / original, target)
            for path in target.rglob("*"):
                if path.suffix.lower() in TEMPLATED and path.is_file():
                    body = path.read_bytes()
                    renamed = PLACEHOLDER.sub(
                        lambda m, copy=copy: (
                            b"{{site:" + m.group(1) + f"-{copy:03d}".encode() + b"}}"
                            if m.group(1).decode() in originals
                            else m.group(0)
                        ),
                        body,
                    )
                    if renamed != body:
                        path.write_bytes(renamed)
            names.append(name)
    return names


def scrapy_bench(seconds: int) -> dict:
    """Run `scrapy bench` outside any project and read its steady-state pages/min."""
    env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
    with tempfile.TemporaryDirectory(prefix="katdir-scrapy-bench-") as tmp:
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "scrapy", "bench", "-s", f"CLOSESPIDER_TIMEOUT={seconds}"],
            cwd=tmp,
            env=env,
            capture_output=True,
            text=True,
            timeout=seconds + 120,
        )
        wall = time.perf_counter() - started
    log = done.stdout + done.stderr
    if done.returncode != 0:
        raise RuntimeError(f"scrapy bench exited with {done.returncode}:\n{log[-2000:]}")
    steady_log = log.split("Closing spider", 1)[0]
    lines = [(int(pages), int(rate)) for pages, rate in LOGSTATS.findall(steady_log)]
    rates = [rate for pages, rate in lines if pages > 0][1:]  # without the warm-up second
    steady = bool(rates)
    if not steady:  # a run too short for a steady state (the smoke test): every interval
        rates = [int(rate) for pages, rate in LOGSTATS.findall(log) if int(pages) > 0]
    if not rates:
        raise RuntimeError(f"no 'Crawled N pages' lines in scrapy bench's log:\n{log[-2000:]}")
    total = LOGSTATS.findall(log)[-1][0]
    return {
        "pages_per_min": statistics.median(rates),
        "pages_per_s": round(statistics.median(rates) / 60, 2),
        "intervals": len(rates),
        "steady_state": steady,
        "pages": int(total),
        "wall_s": round(wall, 2),
    }


def katdir_crawl(web, names: list[str], out: Path) -> dict:
    from crawler.run import LOCAL_WEB_SETTINGS, crawl

    seeds = [web.sites[name].rstrip("/") + "/" for name in names]
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    own = time.process_time()
    started = time.perf_counter()
    settings = {**LOCAL_WEB_SETTINGS, "KATDIR_SITES": web.sites}
    summary = crawl(seeds, out, settings_overrides=settings, progress=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if not summary.ok:
        raise RuntimeError(f"the crawl of the synthetic web failed:\n{summary.describe()}")
    crawler_cpu = (after.ru_utime - children.ru_utime) + (after.ru_stime - children.ru_stime)
    pages_per_s = summary.pages_per_s or summary.pages / summary.elapsed_s
    return {
        "pages": summary.pages,
        "responses": summary.responses,
        "sites": summary.sites,
        "listings": summary.listings,
        "errors": sum(summary.errors.values()),
        "elapsed_s": summary.elapsed_s,
        "pages_per_s": round(pages_per_s, 2),
        # every response (robots.txt, sitemaps, 404s too), as scrapy bench counts
        "responses_per_s": round(summary.responses / summary.elapsed_s, 2),
        "wall_s_with_process_start": round(wall, 2),
        "crawler_process_cpu_s": round(crawler_cpu, 2),
        "pages_per_crawler_cpu_s": (round(summary.pages / crawler_cpu, 1) if crawler_cpu else None),
        "web_server_cpu_s": round(time.process_time() - own, 2),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench crawl",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--sites",
        type=int,
        default=140,
        help="clinic sites in the synthetic web (copies of the sample sites)",
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--scrapy-seconds",
        type=int,
        default=10,
        help="CLOSESPIDER_TIMEOUT of each scrapy bench run",
    )
    args = parser.parse_args(argv)

    from crawler.webserver import serve_web

    load_before = os.getloadavg()[0]
    bench_runs, crawl_runs = [], []
    with tempfile.TemporaryDirectory(prefix="katdir-bench-crawl-") as tmp:
        folder = Path(tmp) / "web"
        folder.mkdir()
        names = make_web(folder, args.sites)
        with serve_web(folder) as web:
            for number in tqdm(range(args.runs), desc="scrapy bench + katdir crawl", unit="run"):
                bench_runs.append(scrapy_bench(args.scrapy_seconds))
                crawl_runs.append(katdir_crawl(web, names, Path(tmp) / f"listings-{number}.jsonl"))
                print(
                    f"run {number + 1}: scrapy bench {bench_runs[-1]['pages_per_s']} pages/s, "
                    f"katdir crawl {crawl_runs[-1]['pages_per_s']} pages/s "
                    f"({crawl_runs[-1]['pages']} pages, {crawl_runs[-1]['listings']} listings)",
                    file=sys.stderr,
                )
    ratios = [
        c["pages_per_s"] / b["pages_per_s"] for b, c in zip(bench_runs, crawl_runs, strict=True)
    ]
    scrapy_median = statistics.median(b["pages_per_s"] for b in bench_runs)
    crawl_median = statistics.median(c["pages_per_s"] for c in crawl_runs)
    ratio = statistics.median(ratios)
    results = {
        "sites": args.sites,
        "runs": args.runs,
        "scrapy_bench_pages_per_s_median": scrapy_median,
        "katdir_crawl_pages_per_s_median": crawl_median,
        "ratio_median": round(ratio, 3),
        "ratio_of_medians": round(crawl_median / scrapy_median, 3),
        "target_ratio": TARGET_RATIO,
        "meets_target": ratio >= TARGET_RATIO,
        "load_average_1min_before": round(load_before, 2),
        "load_average_1min_after": round(os.getloadavg()[0], 2),
        "scrapy_bench_runs": bench_runs,
        "katdir_crawl_runs": crawl_runs,
    }
    print(
        f"scrapy bench {scrapy_median} pages/s, katdir crawl {crawl_median} pages/s: "
        f"ratio {ratio:.2f} (target ≥ {TARGET_RATIO})",
        file=sys.stderr,
    )
    record("crawl", results, "python -m bench crawl " + " ".join(argv))
    return 0 if results["meets_target"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
