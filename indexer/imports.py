"""`katdir import`: clinic records already in the model's shape, checked whole before loading.

Nothing is written unless every record is valid (or the operator asks to skip invalid
ones), so a bad file never half-replaces what the store holds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from pydantic import ValidationError

from indexer.pipeline import geocode_clinic
from katdir.model import Clinic, Review, utcnow
from katdir.store import Store

BATCH = 2000


@dataclass
class ImportSummary:
    read: int = 0
    loaded: int = 0
    geocoded: int = 0
    not_geocoded: int = 0
    errors: list[str] = field(default_factory=list)
    written: bool = True

    def describe(self) -> str:
        lines = [f"read {self.read} records: loaded {self.loaded} "
                 f"({self.geocoded} geocoded from their address, "
                 f"{self.not_geocoded} without a location)"]
        if self.errors:
            lines.append(f"{len(self.errors)} invalid records"
                         + ("" if self.written else " — nothing was loaded; fix them or "
                            "pass --skip-invalid") + ":")
            lines += [f"  {e}" for e in self.errors[:20]]
            if len(self.errors) > 20:
                lines.append(f"  … and {len(self.errors) - 20} more")
        return "\n".join(lines)


def _problem(number: int, err: ValidationError) -> str:
    first = err.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "record"
    return f"line {number}: {where}: {first['msg']}"


def import_records(lines: Iterable[tuple[int, str]], store: Store, geocoder, *,
                   approve: bool = False, skip_invalid: bool = False) -> ImportSummary:
    summary = ImportSummary()
    clinics: list[Clinic] = []
    now = utcnow()
    for number, line in lines:
        summary.read += 1
        try:
            clinic = Clinic.model_validate_json(line)
        except ValidationError as err:
            summary.errors.append(_problem(number, err))
            continue
        if clinic.location is None:
            if geocode_clinic(clinic, geocoder):
                summary.geocoded += 1
            else:
                summary.not_geocoded += 1
        if approve:
            clinic.review = Review(status="approved", by="katdir import --approve", at=now)
        clinic.first_seen = clinic.first_seen or now
        clinics.append(clinic)
    if summary.errors and not skip_invalid:
        summary.written = False
        return summary
    for start in range(0, len(clinics), BATCH):
        summary.loaded += store.upsert(clinics[start:start + BATCH])
    return summary
