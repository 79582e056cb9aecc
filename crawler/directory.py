"""Directory source profiles: declarative YAML that says how to walk a directory and read its entries.

Adding a directory is adding a file to ``crawler/sources/``::

    name: ketafind
    start_urls: [site:ketafind/clinics/]        # URLs, or site:NAME/path on a served sample web
    pagination: "nav.pagination a[rel=next]::attr(href)"
    detail_links: "ul.results a.clinic-link::attr(href)"
    max_pages: 20                              # index pages at most
    fields:                                    # CSS (or "xpath:..."), read on each detail page
      name: "h1.listing-name::text"
      street: ...; city: ...; state: ...; postal_code: ...   # or one `address:` line
      phone: "a.listing-phone::text"
      website: "a.listing-website::attr(href)"
    follow_websites: true                      # also crawl each clinic's own site

Reading an entry is a pure function of the page's HTML, tested without a network.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import yaml
from parsel import Selector

from crawler.seeds import resolve_site_ref
from katdir.normalize import normalize_phone

SOURCES_DIR = Path(__file__).parent / "sources"
FIELDS = ("name", "street", "city", "state", "postal_code", "address", "phone", "website")
ADDRESS_LINE = re.compile(
    r"^(?P<street>.+?),\s*(?P<city>[^,]+?),\s*(?P<state>[A-Z]{2})\.?\s+(?P<postal_code>\d{5})(?:-\d{4})?\s*$"
)


class ProfileError(ValueError):
    """A source profile that cannot be used, with the file and the reason."""


@dataclass(frozen=True)
class SourceProfile:
    name: str
    start_urls: tuple[str, ...]
    detail_links: str
    fields: Mapping[str, str]
    pagination: str | None = None
    max_pages: int = 50
    follow_websites: bool = False
    path: Path | None = field(default=None, compare=False)

    def resolved_start_urls(self, sites: Mapping[str, str] | None = None) -> list[str]:
        return [resolve_site_ref(url, sites) for url in self.start_urls]


def parse_profile(data: Any, path: Path | None = None) -> SourceProfile:
    where = str(path) if path else "profile"
    if not isinstance(data, Mapping):
        raise ProfileError(f"{where}: expected a mapping")
    unknown = set(data) - {
        "name",
        "start_urls",
        "pagination",
        "detail_links",
        "fields",
        "max_pages",
        "follow_websites",
    }
    if unknown:
        raise ProfileError(f"{where}: unknown keys {sorted(unknown)}")
    for key in ("start_urls", "detail_links", "fields"):
        if not data.get(key):
            raise ProfileError(f"{where}: `{key}` is required")
    fields = dict(data["fields"])
    bad = set(fields) - set(FIELDS)
    if bad:
        raise ProfileError(f"{where}: unknown fields {sorted(bad)} (known: {', '.join(FIELDS)})")
    if "name" not in fields:
        raise ProfileError(f"{where}: fields.name is required")
    start_urls = data["start_urls"]
    if isinstance(start_urls, str):
        start_urls = [start_urls]
    return SourceProfile(
        name=str(data.get("name") or (path.stem if path else "directory")),
        start_urls=tuple(str(u) for u in start_urls),
        detail_links=str(data["detail_links"]),
        fields=fields,
        pagination=data.get("pagination") or None,
        max_pages=int(data.get("max_pages") or 50),
        follow_websites=bool(data.get("follow_websites", False)),
        path=path,
    )


def load_profile(ref: str | Path, sources_dir: Path | None = None) -> SourceProfile:
    """A profile by file path, or by name from the sources folder."""
    path = Path(ref)
    if not path.suffix:
        path = (sources_dir or SOURCES_DIR) / f"{ref}.yaml"
    if not path.is_file():
        raise ProfileError(f"no directory profile {ref!r} (looked for {path})")
    return parse_profile(yaml.safe_load(path.read_text(encoding="utf-8")), path)


def load_profiles(
    refs: list[str] | None = None, sources_dir: Path | None = None
) -> list[SourceProfile]:
    """The named profiles, or every profile in the sources folder."""
    if refs:
        return [load_profile(ref, sources_dir) for ref in refs]
    folder = sources_dir or SOURCES_DIR
    return [load_profile(path) for path in sorted(folder.glob("*.yaml"))]


def select(selector: Selector, query: str) -> list[str]:
    """Texts a CSS (or ``xpath:``-prefixed XPath) query picks, whitespace-normalized."""
    if query.startswith("xpath:"):
        found = selector.xpath(query[len("xpath:") :]).getall()
    else:
        found = selector.css(query).getall()
    texts = [re.sub(r"\s+", " ", text).strip() for text in found]
    return [text for text in texts if text]


def links(html: str | bytes, url: str, query: str) -> list[str]:
    """Absolute URLs of the links a query picks on a page (detail links, next page)."""
    selector = Selector(text=html.decode("utf-8", "replace") if isinstance(html, bytes) else html)
    return [urljoin(url, href) for href in select(selector, query)]


def parse_address_line(line: str | None) -> dict[str, str | None] | None:
    """``"1550 Larimer St, Suite 310, Denver, CO 80202"`` → street, city, state, postal_code."""
    if not line:
        return None
    match = ADDRESS_LINE.match(re.sub(r"\s+", " ", line).strip())
    if not match:
        return {
            "street": line.strip(),
            "city": None,
            "state": None,
            "postal_code": None,
            "country": "US",
        }
    return {**match.groupdict(), "country": "US"}


def read_entry(html: str | bytes, url: str, profile: SourceProfile) -> dict[str, Any]:
    """The facts a profile's selectors read on one detail page, with the text each came from."""
    selector = Selector(text=html.decode("utf-8", "replace") if isinstance(html, bytes) else html)
    raw = {key: " ".join(select(selector, query)) or None for key, query in profile.fields.items()}
    if any(raw.get(key) for key in ("street", "city", "state", "postal_code")):
        address = {key: raw.get(key) for key in ("street", "city", "state", "postal_code")}
        address["country"] = "US"
    else:
        address = parse_address_line(raw.get("address"))
    website = raw.get("website")
    if website:
        website = urljoin(url, website.split()[0])
        if urlsplit(website).scheme not in ("http", "https"):
            website = None
    quotes = {key: value for key, value in raw.items() if value}
    return {
        "name": raw.get("name"),
        "address": address,
        "phone": normalize_phone(raw.get("phone")),
        "website": website,
        "quotes": quotes,
    }
