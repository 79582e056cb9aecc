"""Start points for a crawl: seed files, and ``site:NAME/path`` references to a served sample web.

A seed is a URL, or ``site:NAME[/path]`` (or just ``NAME``) naming a site of a web served
by ``crawler.webserver.serve_web`` (whose ``sites`` maps names to base URLs). The same
references may appear in directory source profiles, so the bundled sample web and its
directory profile work on whatever ports the sample web got. ``sample_web/seeds.txt``
names the sample sites to start from, one a line; the cost-guide site is among them on
purpose: it is crawled and must yield no listing and no price.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

SAMPLE_WEB = Path(__file__).parent / "sample_web"
SAMPLE_SEEDS = SAMPLE_WEB / "seeds.txt"
SITE_PREFIX = "site:"


class UnknownSite(ValueError):
    """A ``site:`` reference names a site the served web does not have."""


def resolve_site_ref(ref: str, sites: Mapping[str, str] | None) -> str:
    """``site:NAME/path`` → ``http://127.0.0.1:PORT/path``; anything else is returned unchanged."""
    ref = ref.strip()
    if sites and ref in sites:  # a bare site name
        return f"{sites[ref].rstrip('/')}/"
    if not ref.startswith(SITE_PREFIX):
        return ref
    name, _, path = ref[len(SITE_PREFIX) :].partition("/")
    if not sites or name not in sites:
        raise UnknownSite(
            f"{ref!r} names site {name!r}, which is not being served "
            f"(known: {', '.join(sorted(sites or {})) or 'none'})"
        )
    return f"{sites[name].rstrip('/')}/{path}"


def parse_seeds(lines: Iterable[str], sites: Mapping[str, str] | None = None) -> list[str]:
    """Seeds from lines of text: blank lines and ``#`` comments skipped, duplicates dropped."""
    seeds: list[str] = []
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        url = resolve_site_ref(line, sites)
        if url not in seeds:
            seeds.append(url)
    return seeds


def load_seeds(path: str | Path, sites: Mapping[str, str] | None = None) -> list[str]:
    """Seeds from a file, one URL (or ``site:`` reference) a line."""
    return parse_seeds(Path(path).read_text(encoding="utf-8").splitlines(), sites)
