"""`katdir export`: clinics as JSON Lines, CSV or GeoJSON."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from typing import TextIO

from katdir.model import Clinic

CSV_COLUMNS = ("id", "name", "organization", "website", "phone", "street", "city", "state",
               "postal_code", "lat", "lon", "precision", "routes", "min_session_price",
               "therapy_integrated", "accepts_insurance", "va_community_care", "review_status")


def _row(clinic: Clinic) -> dict:
    loc = clinic.location
    return {
        "id": clinic.id, "name": clinic.name, "organization": clinic.organization,
        "website": clinic.website, "phone": clinic.phone, **clinic.address.model_dump(
            include={"street", "city", "state", "postal_code"}),
        "lat": loc.lat if loc else None, "lon": loc.lon if loc else None,
        "precision": loc.precision if loc else None, "routes": " ".join(clinic.routes),
        "min_session_price": clinic.min_session_price,
        "therapy_integrated": clinic.therapy_integrated,
        "accepts_insurance": clinic.insurance.accepts_insurance,
        "va_community_care": clinic.insurance.va_community_care,
        "review_status": clinic.review.status,
    }


def export(clinics: Iterable[Clinic], fmt: str, out: TextIO, *, approved_only: bool = True) -> int:
    chosen = (c for c in clinics if c.is_public or not approved_only)
    count = 0
    if fmt == "jsonl":
        for clinic in chosen:
            out.write(json.dumps(clinic.public_view(), ensure_ascii=False) + "\n")  # no curator notes
            count += 1
    elif fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        for clinic in chosen:
            writer.writerow(_row(clinic))
            count += 1
    elif fmt == "geojson":
        out.write('{"type": "FeatureCollection", "features": [\n')
        for clinic in chosen:
            if clinic.location is None:
                continue
            feature = {"type": "Feature", "id": clinic.id,
                       "geometry": {"type": "Point",
                                    "coordinates": [clinic.location.lon, clinic.location.lat]},
                       "properties": _row(clinic)}
            out.write(("," if count else "") + json.dumps(feature) + "\n")
            count += 1
        out.write("]}\n")
    else:
        raise ValueError(f"unknown export format {fmt!r}: use jsonl, csv or geojson")
    return count
