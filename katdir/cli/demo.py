"""Serve the sample clinic web, crawl it, index it, and serve the site (the whole path).

The sample clinics (crawler/sample_web/) are in Colorado — Denver, Aurora, Boulder, Lakewood,
Colorado Springs — with one each in Austin, TX, San Diego, CA and Portland, OR: search near 80202."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from katdir.cli.base import require_free_port
from katdir.settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--no-serve", action="store_true", help="stop after indexing")


def run(args: argparse.Namespace, settings: Settings) -> int:
    return run_demo(settings, host=args.host, port=args.port, serve=not args.no_serve)


def crawl_sample_web(sites: dict[str, str], out_dir: Path, progress: bool = True) -> Path:
    """Crawl the running sample web: the clinics' own sites, then the directory's profile.
    Returns one listings file holding both, so that one indexing run sees every source."""
    from crawler.run import LOCAL_WEB_SETTINGS, crawl
    from crawler.seeds import SAMPLE_SEEDS, load_seeds

    overrides = {**LOCAL_WEB_SETTINGS, "KATDIR_SITES": sites}
    outputs = []
    for spider, seeds in (("clinic_site", load_seeds(SAMPLE_SEEDS, sites)), ("directory", [])):
        output = out_dir / f"{spider}.jsonl"
        summary = crawl(seeds, output, spider=spider, settings_overrides=overrides,
                        progress=progress)
        print(f"    {summary.describe()}", file=sys.stderr)
        if not summary.ok:
            raise RuntimeError(f"the {spider} crawl of the sample web failed its checks")
        outputs.append(output)
    listings = out_dir / "listings.jsonl"
    listings.write_text("".join(p.read_text(encoding="utf-8") for p in outputs), encoding="utf-8")
    return listings


def run_demo(settings: Settings, host: str = "127.0.0.1", port: int = 8000,
             serve: bool = True) -> int:
    from crawler.seeds import SAMPLE_WEB
    from crawler.webserver import serve_web
    from indexer.pipeline import index_file
    from katdir.geocoding import build_geocoder
    from katdir.store import open_store

    if serve:
        require_free_port(host, port)
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    offline = settings.with_overrides({"geocoder": ""})  # the sample web needs no network
    with serve_web(SAMPLE_WEB) as web, tempfile.TemporaryDirectory() as tmp:
        print(f"1/3 serving the sample clinic web ({SAMPLE_WEB}): {len(web.sites)} sites "
              f"on 127.0.0.1", file=sys.stderr)
        print("2/3 crawling it", file=sys.stderr)
        listings = crawl_sample_web(web.sites, Path(tmp))
        with open_store(settings) as store:
            indexed = index_file(listings, store, build_geocoder(offline), approve=True,
                                 progress=True)
        print(f"3/3 {indexed.describe()}", file=sys.stderr)
        if not serve:
            return 0
        from search_api import create_app

        app = create_app(settings)
        url = f"http://{host}:{port}/"
        print(f"\nkatdir demo is running: {url}\n"
              f"  the sample clinics are around Denver, CO (one each in Austin, San Diego and Portland):\n"
              f"  try {url}?near=80202&radius=50\n"
              f"   or {url}api/v1/clinics/search?near=80202&radius=50\n"
              f"  (Ctrl-C to stop)", flush=True)
        app.run(host=host, port=port, threaded=True, use_reloader=False)
    return 0
