"""`katdir demo`: the whole path on a laptop — sample web → crawl → index → site and API."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from crawler.seeds import SAMPLE_SEEDS, SAMPLE_WEB, load_seeds
from katdir.config import Settings


def crawl_sample_web(sites: dict[str, str], out_dir: Path, progress: bool = True) -> Path:
    """Crawl the running sample web: the clinics' own sites, then the directory's profile.
    Returns one listings file holding both, so that one indexing run sees every source."""
    from crawler.run import LOCAL_WEB_SETTINGS, crawl

    settings = {**LOCAL_WEB_SETTINGS, "KATDIR_SITES": sites}
    outputs = []
    for spider, seeds in (("clinic_site", load_seeds(SAMPLE_SEEDS, sites)), ("directory", [])):
        output = out_dir / f"{spider}.jsonl"
        summary = crawl(seeds, output, spider=spider, settings_overrides=settings,
                        progress=progress)
        print(f"    {summary.describe()}", file=sys.stderr)
        if not summary.ok:
            raise RuntimeError(f"the {spider} crawl of the sample web failed its checks")
        outputs.append(output)
    listings = out_dir / "listings.jsonl"
    listings.write_text("".join(p.read_text(encoding="utf-8") for p in outputs), encoding="utf-8")
    return listings


def run_demo(host: str = "127.0.0.1", port: int = 8000, serve: bool = True) -> int:
    from indexer.pipeline import index_file
    from katdir.geocoding import build_geocoder
    from katdir.store import open_store
    from katdir.webserver import serve_web

    settings = Settings.from_env()
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    with serve_web(SAMPLE_WEB) as web, tempfile.TemporaryDirectory() as tmp:
        print(f"1/3 serving the sample clinic web: {len(web.sites)} sites on 127.0.0.1",
              file=sys.stderr)
        print("2/3 crawling it", file=sys.stderr)
        listings = crawl_sample_web(web.sites, Path(tmp))
        geocoder = build_geocoder(None, cache_path=settings.geocode_cache_path,
                                  user_agent=settings.user_agent)
        with open_store(settings.store_url, es_prefix=settings.es_prefix) as store:
            indexed = index_file(listings, store, geocoder, approve=True, progress=True)
        print(f"3/3 {indexed.describe()}", file=sys.stderr)
        if not serve:
            return 0
        from search_api import create_app

        app = create_app({"KATDIR_STORE": settings.store_url})
        url = f"http://{host}:{port}/"
        print(f"\nkatdir demo is running: {url}\n"
              f"  try {url}api/v1/clinics/search?near=80202&radius=50\n"
              f"  (Ctrl-C to stop)", flush=True)
        app.run(host=host, port=port, threaded=True, use_reloader=False)
    return 0
