"""`katdir demo`: the whole path on a laptop — sample web → crawl → index → site and API."""

from __future__ import annotations

import sys
import tempfile
from importlib.resources import files
from pathlib import Path

from katdir.config import Settings


def sample_web_folder() -> Path:
    return Path(str(files("crawler") / "sample_web"))


def sample_seeds(sites: dict[str, str]) -> list[str]:
    """Start URLs of the sample web: the sites its seeds file names, at their running ports."""
    names = (sample_web_folder() / "seeds.txt").read_text().split()
    return [sites[name].rstrip("/") + "/" for name in names if not name.startswith("#")]


def run_demo(host: str = "127.0.0.1", port: int = 8000, serve: bool = True) -> int:
    from crawler.run import crawl
    from indexer.pipeline import index_file
    from katdir.geocoding import build_geocoder
    from katdir.store import open_store
    from katdir.webserver import serve_web

    settings = Settings.from_env()
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    with serve_web(sample_web_folder()) as web:
        print(f"1/3 serving the sample clinic web: {len(web.sites)} sites on 127.0.0.1",
              file=sys.stderr)
        with tempfile.TemporaryDirectory() as tmp:
            listings = Path(tmp) / "listings.jsonl"
            summary = crawl(sample_seeds(web.sites), listings, progress=True,
                            settings_overrides={"KATDIR_ALLOW_PRIVATE_HOSTS": True})
            print(f"2/3 crawled: {summary.describe() if hasattr(summary, 'describe') else summary}",
                  file=sys.stderr)
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
