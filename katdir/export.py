"""The directory as open data: clinics as JSON Lines, CSV or GeoJSON, with a licence and a date.

Used by `katdir export` and by the API's `/api/v1/export.{jsonl,csv,geojson}`. Written as a
stream of text pieces, so that a large directory is never held in memory. Only what the public
may see goes out: no curator overrides, crawled values or queue entries.

Where the licence and the export date go:
- GeoJSON: top-level members `licence`, `attribution`, `exported_at` beside `features`.
- JSON Lines: a first line `{"katdir_export": {...}}`; every other line is one clinic in the
  model's shape (`katdir import` skips that first line, so an export imports back).
- CSV: no room in the format itself: the API says it in headers (Link rel="license",
  the file name's date) and `katdir export` on standard error.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import TextIO

from katdir.model import Clinic, utcnow

FORMATS = {"jsonl": "application/x-ndjson", "csv": "text/csv", "geojson": "application/geo+json"}
LICENCE = "CC-BY-4.0"
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"
ATTRIBUTION = "katdir contributors; facts read from clinics' own websites, each with its source URL"
HEADER_KEY = "katdir_export"

CSV_COLUMNS = (
    "id",
    "name",
    "organization",
    "website",
    "phone",
    "street",
    "city",
    "state",
    "postal_code",
    "lat",
    "lon",
    "precision",
    "routes",
    "min_session_price",
    "therapy_integrated",
    "accepts_insurance",
    "va_community_care",
    "review_status",
)


def about(exported_at: datetime) -> dict[str, str]:
    """The licence note of an export."""
    return {
        "licence": LICENCE,
        "licence_url": LICENCE_URL,
        "attribution": ATTRIBUTION,
        "exported_at": exported_at.isoformat(),
    }


def _row(clinic: Clinic) -> dict:
    loc = clinic.location
    return {
        "id": clinic.id,
        "name": clinic.name,
        "organization": clinic.organization,
        "website": clinic.website,
        "phone": clinic.phone,
        **clinic.address.model_dump(include={"street", "city", "state", "postal_code"}),
        "lat": loc.lat if loc else None,
        "lon": loc.lon if loc else None,
        "precision": loc.precision if loc else None,
        "routes": " ".join(clinic.routes),
        "min_session_price": clinic.min_session_price,
        "therapy_integrated": clinic.therapy_integrated,
        "accepts_insurance": clinic.insurance.accepts_insurance,
        "va_community_care": clinic.insurance.va_community_care,
        "review_status": clinic.review.status,
    }


def export_chunks(
    clinics: Iterable[Clinic],
    fmt: str,
    *,
    approved_only: bool = True,
    exported_at: datetime | None = None,
) -> Iterator[str]:
    """The export as pieces of text; `count_of` tells how many clinics went out."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}: use jsonl, csv or geojson")
    note = about(exported_at or utcnow())
    chosen = (c for c in clinics if c.is_public or not approved_only)
    if fmt == "jsonl":
        yield json.dumps({HEADER_KEY: note}) + "\n"
        for clinic in chosen:
            yield json.dumps(clinic.public_view(), ensure_ascii=False) + "\n"
    elif fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        for clinic in chosen:
            writer.writerow(_row(clinic))
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
        yield buffer.getvalue()
    else:
        head = json.dumps({"type": "FeatureCollection", **note})[:-1]
        yield head + ', "features": [\n'
        first = True
        for clinic in chosen:
            if clinic.location is None:
                continue
            # Every field as the model has it: lists (routes, prices, conditions) stay lists.
            properties = clinic.public_view()
            feature = {
                "type": "Feature",
                "id": clinic.id,
                "geometry": {
                    "type": "Point",
                    "coordinates": [clinic.location.lon, clinic.location.lat],
                },
                "properties": properties,
            }
            yield ("" if first else ",") + json.dumps(feature, ensure_ascii=False) + "\n"
            first = False
        yield "]}\n"


def is_header(line: str) -> bool:
    """Is this JSON Lines line an export's licence note rather than a clinic?"""
    return line.lstrip().startswith('{"' + HEADER_KEY + '"')


def export(
    clinics: Iterable[Clinic],
    fmt: str,
    out: TextIO,
    *,
    approved_only: bool = True,
    exported_at: datetime | None = None,
) -> int:
    """Write the export to `out`; returns how many clinics it holds."""
    count = 0

    def counted() -> Iterator[Clinic]:
        nonlocal count
        for clinic in clinics:
            if (clinic.is_public or not approved_only) and (
                fmt != "geojson" or clinic.location is not None
            ):
                count += 1
            yield clinic

    for chunk in export_chunks(
        counted(), fmt, approved_only=approved_only, exported_at=exported_at
    ):
        out.write(chunk)
    return count
