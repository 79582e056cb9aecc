"""Entries of a directory page (several clinics, each with a name and maybe a link, an
address and a phone), and the test that tells a directory from a multi-location practice."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from .contact import address_from_schema, addresses_in_text, normalize_phone, phone_matches
from .document import MAIN, Document
from .structured import Structured, text_value


def entries(doc: Document, data: Structured) -> list[dict]:
    listed = [e for e in data.listed() if e.name]
    if len(listed) >= 2:
        out = []
        for e in listed:
            address = address_from_schema(e.data.get("address"))
            out.append(
                {
                    "name": e.name,
                    "url": text_value(e.data.get("url")),
                    "address": address.as_dict() if address else None,
                    "phone": normalize_phone(text_value(e.data.get("telephone"))),
                }
            )
        return out
    out: list[dict] = []
    current: dict | None = None
    for block in doc.blocks:
        if block.region != MAIN:
            continue
        is_title = (
            (block.is_heading or block.link_only)
            and len(block.text.split()) <= 10
            and not re.search(r"\d{5}", block.text)
        )
        if block.tag == "tr" and block.links and " | " in block.text:
            cells = block.text.split(" | ")
            out.append({"name": cells[0], "url": block.links[0], "address": None, "phone": None})
            current = None
            continue
        if is_title:
            if current and (current["address"] or current["phone"]):
                out.append(current)
            current = {
                "name": block.text,
                "url": block.links[0] if block.links else None,
                "address": None,
                "phone": None,
            }
            continue
        if current is None:
            continue
        if current["address"] is None:
            found = addresses_in_text(block.text)
            if found:
                current["address"] = found[0].as_dict()
        if current["phone"] is None:
            phones = phone_matches(block.text)
            if phones:
                current["phone"] = phones[0][0]
    if current and (current["address"] or current["phone"]):
        out.append(current)
    return out


def looks_like_directory_entries(items: list[dict], site_host: str) -> int:
    """How many entries look like other businesses (not this practice's own locations)."""
    if len(items) < 2:
        return 0
    names = [i["name"] or "" for i in items]
    first_words = {n.split()[0].lower() for n in names if n.split()}
    if len(first_words) == 1 and len(names) > 1:
        return 0  # "Keystone — Pittsburgh", "Keystone — Harrisburg"
    count = 0
    for item in items:
        city = ((item.get("address") or {}).get("city") or "").lower()
        name = (item.get("name") or "").lower()
        if city and city.split()[0] in name:
            continue  # "Tampa (South Tampa)": a location of one practice
        host = urlsplit(item.get("url") or "").netloc
        if host and host == site_host and not item.get("address") and not item.get("phone"):
            continue
        count += 1
    return count


def external_hosts(doc: Document) -> int:
    own = urlsplit(doc.url).netloc
    hosts = {urlsplit(href).netloc for href, _, region in doc.links if region == MAIN}
    return len({h for h in hosts if h and h != own})
