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
    parser.add_argument(
        "--dev",
        action="store_true",
        help="serve with Flask's development server instead of gunicorn",
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    return run_demo(settings, host=args.host, port=args.port, serve=not args.no_serve, dev=args.dev)


def crawl_sample_web(sites: dict[str, str], out_dir: Path, progress: bool = True) -> Path:
    """Crawl the running sample web: the clinics' own sites, then the directory's profile.
    Returns one listings file holding both, so that one indexing run sees every source."""
    from crawler.run import LOCAL_WEB_SETTINGS, crawl
    from crawler.seeds import SAMPLE_SEEDS, load_seeds

    overrides = {**LOCAL_WEB_SETTINGS, "KATDIR_SITES": sites}
    outputs = []
    for spider, seeds in (("clinic_site", load_seeds(SAMPLE_SEEDS, sites)), ("directory", [])):
        output = out_dir / f"{spider}.jsonl"
        summary = crawl(
            seeds, output, spider=spider, settings_overrides=overrides, progress=progress
        )
        print(f"    {summary.describe()}", file=sys.stderr)
        if not summary.ok:
            raise RuntimeError(f"the {spider} crawl of the sample web failed its checks")
        outputs.append(output)
    listings = out_dir / "listings.jsonl"
    listings.write_text("".join(p.read_text(encoding="utf-8") for p in outputs), encoding="utf-8")
    return listings


LOOPBACK = ("127.0.0.1", "localhost", "::1")
DEMO_CURATOR = "demo-curator@katdir.example"


def demo_curator(store) -> tuple[str, str]:
    """The demo's curator account, with a new random password each run (printed once)."""
    import secrets

    from katdir.curator.accounts import add_account, get_account, set_password

    password = secrets.token_urlsafe(12)
    if get_account(store, DEMO_CURATOR) is None:
        add_account(store, DEMO_CURATOR, "curator", password)
    else:
        set_password(store, DEMO_CURATOR, password)
    return DEMO_CURATOR, password


def run_demo(
    settings: Settings,
    host: str = "127.0.0.1",
    port: int = 8000,
    serve: bool = True,
    dev: bool = False,
) -> int:
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
        print(
            f"1/3 serving the sample clinic web ({SAMPLE_WEB}): {len(web.sites)} sites "
            f"on 127.0.0.1",
            file=sys.stderr,
        )
        print("2/3 crawling it", file=sys.stderr)
        listings = crawl_sample_web(web.sites, Path(tmp))
        with open_store(settings) as store:
            indexed = index_file(
                listings, store, build_geocoder(offline), approve=True, progress=True
            )
            email, password = demo_curator(store)
        print(f"3/3 {indexed.describe()}", file=sys.stderr)
        if not serve:
            print(f"demo curator: {email} / {password}", flush=True)
            return 0
        from search_api import create_app
        from search_api.serving import serve as serve_app

        if host in LOOPBACK:
            # Plain http on this machine only: a Secure cookie would not come back over it.
            settings = settings.with_overrides({"cookie_secure": False})
        url = f"http://{host}:{port}/"
        print(
            f"\nkatdir demo is running: {url}\n"
            f"  the sample clinics are around Denver, CO (one each in Austin, San Diego and Portland):\n"
            f"  try {url}?near=80202&radius=50\n"
            f"   or {url}api/v1/clinics/search?near=80202&radius=50\n"
            f"  curators: {url}curator/ — log in as {email} with password {password}\n"
            f"  (Ctrl-C to stop)",
            flush=True,
        )
        serve_app(lambda: create_app(settings), host, port, dev=dev)
    return 0
