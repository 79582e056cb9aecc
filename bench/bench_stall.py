"""One page cannot stall a crawl (issue 11, item 2): a clinic site's crawl time, alone and
beside a site that serves a page slower to read than the extraction budget.

    python -m bench stall [--runs 3] [--budget 15]

Both sites are served on 127.0.0.1 by crawler.webserver; each crawl is `crawler.run.crawl()`
with the settings for a local web. The figure per run is when the calm site's last page was
served, counted from its first: the calm site's crawl time. With the stalling site beside it,
it should stay at its normal level (the catastrophic page is extracted in a worker process
and given up after `--budget` seconds), and the calm site's listing must be there.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from pathlib import Path

from bench.common import record

CALM_PAGES = {
    "index.html": (
        "<html><head><title>Calm Ketamine Clinic</title></head><body><main>"
        "<h1>Calm Ketamine Clinic</h1><p>We offer IV ketamine infusions for depression.</p>"
        "<p>Call (541) 555-0111. 12 Cedar Lane, Bend, OR 97701.</p>"
        '<a href="/fees.html">Fees</a> <a href="/services.html">Services</a></main></body></html>'
    ),
    "fees.html": (
        "<html><head><title>Fees</title></head><body><main><h1>Fees</h1>"
        "<p>IV ketamine infusion: $410</p></main></body></html>"
    ),
    "services.html": (
        "<html><head><title>Services</title></head><body><main><h1>Services</h1>"
        "<p>We offer IV ketamine infusions and Spravato.</p></main></body></html>"
    ),
}
# Slow to read: a megabyte of ordinary sentences (issue 11's "1," * 100000 no longer stalls a
# pattern; a page this long still takes several seconds, over the budget).
STALLING = (
    "<html><head><title>Stalling Ketamine</title></head><body><main><h1>Stalling Ketamine</h1>"
    + "<p>Our clinic offers IV ketamine infusions for depression and anxiety; call to ask "
    "about a first visit, $450 per infusion, a series of six.</p>\n"
    * 7_000
    + "</main></body></html>"
)


def make_web(root: Path) -> None:
    (root / "calm").mkdir(parents=True)
    for name, text in CALM_PAGES.items():
        (root / "calm" / name).write_text(text)
    (root / "stalling").mkdir()
    (root / "stalling" / "index.html").write_text(STALLING)


def one_crawl(web, seeds: list[str], out: Path, budget: float) -> dict:
    from crawler.run import LOCAL_WEB_SETTINGS, crawl

    before = len(web.hits)
    summary = crawl(
        seeds,
        out,
        progress=False,
        settings_overrides={
            **LOCAL_WEB_SETTINGS,
            "KATDIR_EXTRACT_TIMEOUT": budget,
            "KATDIR_MONITOR_MIN_LISTINGS": 0,
        },
    )
    hits = [h for h in web.hits[before:] if h.site == "calm"]
    listings = [json.loads(line) for line in out.read_text().splitlines() if line.strip()]
    return {
        "calm_site_s": round(max(h.at for h in hits) - min(h.at for h in hits), 3),
        "crawl_s": round(summary.elapsed_s, 2),
        "calm_listing": any(item.get("name") == "Calm Ketamine Clinic" for item in listings),
        "extract_timeouts": summary.errors.get("extract_timeout", 0),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench stall",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--budget", type=float, default=15.0, help="KATDIR_EXTRACT_TIMEOUT (s)")
    args = parser.parse_args(argv)
    from crawler.webserver import serve_web

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "web"
        make_web(root)
        alone, beside = [], []
        with serve_web(root) as web:
            for run in range(args.runs):
                alone.append(
                    one_crawl(web, [web.url("calm")], Path(tmp) / f"alone-{run}.jsonl", args.budget)
                )
                beside.append(
                    one_crawl(
                        web,
                        [web.url("stalling"), web.url("calm")],
                        Path(tmp) / f"beside-{run}.jsonl",
                        args.budget,
                    )
                )
                print(
                    f"run {run + 1}: calm site alone {alone[-1]['calm_site_s']} s; beside the stalling "
                    f"site {beside[-1]['calm_site_s']} s (whole crawl {beside[-1]['crawl_s']} s)",
                    flush=True,
                )
    results = {
        "budget_s": args.budget,
        "calm_site_alone_s_median": statistics.median(r["calm_site_s"] for r in alone),
        "calm_site_beside_stalling_s_median": statistics.median(r["calm_site_s"] for r in beside),
        "calm_listing_every_run": all(r["calm_listing"] for r in alone + beside),
        "stalling_page_given_up_every_run": all(r["extract_timeouts"] == 1 for r in beside),
        "alone": alone,
        "beside": beside,
    }
    record("stall", results, f"python -m bench stall --runs {args.runs} --budget {args.budget:g}")
    return (
        0
        if results["calm_listing_every_run"] and results["stalling_page_given_up_every_run"]
        else 1
    )
