"""`katdir extract PATH_OR_URL [--url URL]`: extract one page and print its facts as JSON.

Reading the file or fetching the URL happens here, outside the pure extractors.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.request
from pathlib import Path

from crawler.fetch import Networks, opener, private_allowance

from . import design_view, extract_page

TEXT_SUFFIXES = (".txt", ".text", ".md")

MAX_BYTES = 5 * 1024 * 1024
USER_AGENT = "katdir-extract/0.1 (+https://github.com/katdir)"


def load(
    source: str, timeout: float = 20.0, *, private_ok: Networks | None = ()
) -> tuple[bytes, str, str]:
    """(content, content type, URL) of a local file or an http(s) URL — fetched under the
    crawler's SSRF rules, redirects included (`private_ok`: see crawler.fetch.opener)."""
    if source.startswith(("http://", "https://")):
        request = urllib.request.Request(source, headers={"User-Agent": USER_AGENT})
        with opener(private_ok).open(request, timeout=timeout) as response:
            content = response.read(MAX_BYTES)
            return content, response.headers.get("Content-Type", "text/html"), response.geturl()
    path = Path(source)
    content = path.read_bytes()
    content_type = "text/plain" if path.suffix.lower() in TEXT_SUFFIXES else "text/html"
    return content, content_type, path.resolve().as_uri()


def facts(content: bytes, content_type: str, url: str, *, full: bool = False) -> dict:
    """What `katdir extract` prints for one loaded page (also what `katdir evaluate --set` scores)."""
    result = extract_page(content, url, content_type=content_type)
    return result if full else design_view(result)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="katdir extract", description="Extract one clinic page and print its facts as JSON."
    )
    parser.add_argument("source", metavar="PATH_OR_URL")
    parser.add_argument("--url", help="the URL the page was fetched from (for a local file)")
    parser.add_argument(
        "--full",
        action="store_true",
        help="also print page type, evidence, locations and other extras",
    )
    args = parser.parse_args(argv)
    from katdir.settings import load_settings

    private_ok = private_allowance(load_settings().allow_private_hosts)
    try:
        content, content_type, url = load(args.source, private_ok=private_ok)
    except (OSError, ValueError) as exc:
        print(f"katdir extract: cannot read {args.source}: {exc}", file=sys.stderr)
        return 2
    result = facts(content, content_type, args.url or url, full=args.full)
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
