"""The `katdir` command: crawl, extract, index, import, export, geocode, serve — and the demo.

Each subcommand is a thin adapter: it reads arguments and files, calls the stage that does
the work, and prints what an operator needs to know.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from katdir.config import Settings
from katdir.model import utcnow

log = logging.getLogger("katdir")


class CommandError(Exception):
    """A failure the operator can fix; printed without a traceback."""


def _settings() -> Settings:
    return Settings.from_env()


def _store(settings: Settings):
    from katdir.store import open_store

    return open_store(settings.store_url, es_prefix=settings.es_prefix)


def _geocoder(settings: Settings):
    from katdir.geocoding import build_geocoder

    return build_geocoder(settings.geocoder, cache_path=settings.geocode_cache_path,
                          user_agent=settings.user_agent,
                          online_options=settings.geocoder_options)


def _read_lines(path: str) -> Iterator[tuple[int, str]]:
    stream: TextIO = sys.stdin if path == "-" else open(path, encoding="utf-8")  # noqa: SIM115
    try:
        for number, line in enumerate(stream, 1):
            if line.strip():
                yield number, line
    finally:
        if stream is not sys.stdin:
            stream.close()


# -- subcommands ---------------------------------------------------------------------------


def cmd_crawl(args: argparse.Namespace) -> int:
    from crawler.run import CrawlError, crawl

    seeds = _seed_lines(args.seeds) or list(args.url)
    if not seeds and args.spider != "directory":
        raise CommandError("nothing to crawl: give --seeds FILE (one URL a line) or URLs")
    try:
        summary = crawl(seeds, Path(args.output), spider=args.spider, progress=not args.quiet)
    except CrawlError as err:
        raise CommandError(str(err)) from err
    print(summary.describe(), file=sys.stderr)
    return 0 if summary.ok else 1


def cmd_extract(args: argparse.Namespace) -> int:
    from crawler.extract.cli import main as extract_main

    return extract_main([args.target, *(["--url", args.url] if args.url else []),
                         *(["--full"] if args.full else [])])


def _seed_lines(path: str | None) -> list[str]:
    from crawler.seeds import load_seeds

    return load_seeds(path) if path else []


def cmd_index(args: argparse.Namespace) -> int:
    from indexer.pipeline import index_file

    settings = _settings()
    with _store(settings) as store:
        summary = index_file(Path(args.listings), store, _geocoder(settings),
                             approve=args.approve, progress=not args.quiet,
                             crawled_sites=_seed_lines(args.seeds), gone_after=args.gone_after)
    print(summary.describe(), file=sys.stderr)
    return 0


def cmd_queue(args: argparse.Namespace) -> int:
    from indexer.queue import review_queue

    with _store(_settings()) as store:
        entries = review_queue(store)
    for entry in entries:
        since = entry.since.date().isoformat() if entry.since else "-"
        print(f"{entry.clinic_id}\t{entry.status}\t{since}\t{entry.name}\t"
              + "; ".join(entry.reasons))
    print(f"{len(entries)} clinics wait for review", file=sys.stderr)
    return 0


def cmd_dedupe_eval(args: argparse.Namespace) -> int:
    from indexer.dedupe_eval import main as dedupe_main

    return dedupe_main(["-v"] if args.verbose_pairs else [])


def cmd_import(args: argparse.Namespace) -> int:
    from indexer.imports import import_records

    settings = _settings()
    with _store(settings) as store:
        summary = import_records(_read_lines(args.file), store, _geocoder(settings),
                                 approve=args.approve, skip_invalid=args.skip_invalid)
    print(summary.describe(), file=sys.stderr)
    return 0 if not summary.errors else 1


def cmd_export(args: argparse.Namespace) -> int:
    from katdir.export import LICENCE, LICENCE_URL, export

    settings = _settings()
    out = sys.stdout if args.output == "-" else open(args.output, "w", encoding="utf-8")  # noqa: SIM115
    exported_at = utcnow()
    try:
        with _store(settings) as store:
            count = export(store.iter_clinics(), args.format, out,
                           approved_only=not args.all, exported_at=exported_at)
        out.flush()
    except BrokenPipeError:
        # `katdir export | head`: the reader has what it wanted; end quietly, as cat does.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    finally:
        if out is not sys.stdout:
            out.close()
    print(f"exported {count} clinics as {args.format} on {exported_at.isoformat()}; "
          f"licence {LICENCE} ({LICENCE_URL})", file=sys.stderr)
    return 0


def cmd_geocode(args: argparse.Namespace) -> int:
    location = _geocoder(_settings()).geocode(args.query)
    if location is None:
        raise CommandError(f"no place found for {args.query!r}")
    print(json.dumps({"query": args.query, "lat": location.latitude, "lon": location.longitude,
                      "label": location.address, "precision": location.raw.get("precision"),
                      "source": location.raw.get("source")}, indent=2))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from search_api import create_app

    app = create_app()
    print(f"katdir is serving on http://{args.host}:{args.port}/", flush=True)
    app.run(host=args.host, port=args.port, threaded=True, use_reloader=False)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from katdir.demo import run_demo

    return run_demo(host=args.host, port=args.port, serve=not args.no_serve)


def cmd_evaluate(args: argparse.Namespace) -> int:
    from crawler.extract.evaluate import main as evaluate_main

    evaluate_main(["--part", args.part])
    return 0


# -- wiring --------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="katdir",
        description="A directory and near-me search for ketamine-assisted therapy clinics. "
                    "The store is chosen by KATDIR_STORE (sqlite:///path.db or http://host:9200).")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("demo", help="serve the sample clinic web, crawl it, index it, serve the site")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--no-serve", action="store_true", help="stop after indexing")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("crawl", help="crawl clinic sites and directories into JSON Lines")
    p.add_argument("url", nargs="*", help="start URLs (or use --seeds)")
    p.add_argument("--spider", default="clinic_site", choices=("clinic_site", "directory", "sitemap"),
                   help="clinic_site (default): clinics' own sites; directory: the YAML "
                        "profiles in crawler/sources; sitemap: only what sitemaps list")
    p.add_argument("--seeds", help="a file of start URLs, one a line")
    p.add_argument("-o", "--output", required=True, help="listings.jsonl to write")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_crawl)

    p = sub.add_parser("extract", help="extract the facts of one page and print them as JSON")
    p.add_argument("target", metavar="PATH_OR_URL", help="an HTML or plain-text file, or a URL")
    p.add_argument("--url", help="the page's URL, when PATH is a saved copy")
    p.add_argument("--full", action="store_true",
                   help="also print page type, evidence, locations and other extras")
    p.set_defaults(func=cmd_extract)

    p = sub.add_parser("index", help="normalize, merge, geocode and load crawled listings")
    p.add_argument("listings", help="listings.jsonl from `katdir crawl`")
    p.add_argument("--approve", action="store_true", help="mark new clinics approved (demo only)")
    p.add_argument("--seeds", help="the crawl's seeds file: its sites count as crawled even "
                                   "when they yielded nothing")
    p.add_argument("--gone-after", type=int, default=3, metavar="N",
                   help="queue a clinic whose listing is missing from N crawls in a row (3)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("queue", help="list the clinics waiting for a curator's review, and why")
    p.set_defaults(func=cmd_queue)

    p = sub.add_parser("dedupe-eval",
                       help="precision and recall of duplicate detection on the labelled pairs")
    p.add_argument("--verbose-pairs", action="store_true", help="list the misjudged pairs")
    p.set_defaults(func=cmd_dedupe_eval)

    p = sub.add_parser("import", help="load clinic records already in the model's shape")
    p.add_argument("file", help="clinics.jsonl (one clinic a line; - for stdin)")
    p.add_argument("--approve", action="store_true", help="mark the imported clinics vetted")
    p.add_argument("--skip-invalid", action="store_true",
                   help="load the valid records even if some are invalid")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("export", help="write every clinic as jsonl, csv or geojson")
    p.add_argument("--format", choices=("jsonl", "csv", "geojson"), default="jsonl")
    p.add_argument("-o", "--output", default="-", help="file to write (default: stdout)")
    p.add_argument("--all", action="store_true", help="include clinics not approved")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("geocode", help="look a place up (offline gazetteer, then online if set)")
    p.add_argument("query", help="a ZIP code, 'City, ST' or an address")
    p.set_defaults(func=cmd_geocode)

    p = sub.add_parser("serve", help="serve the web site and the API")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("evaluate", help="precision and recall of the extractor on the fixture web")
    p.add_argument("--part", choices=("dev", "heldout", "all"), default="all")
    p.set_defaults(func=cmd_evaluate)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from katdir.store import StoreError

    try:
        return args.func(args)
    except (CommandError, StoreError, OSError) as err:
        print(f"katdir {args.command}: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
