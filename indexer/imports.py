"""`katdir import`: clinic records already in the model's shape, checked whole before loading.

Nothing is written unless every record is valid (or the operator asks to skip invalid
ones), so a bad file never half-replaces what the store holds. Records are normalized like
crawled listings (E.164 phones, canonical websites, standard street lines, prices in order);
a record without a `location` is geocoded from its address; an `id` given is kept. A record
for a clinic the store already has keeps that clinic's first-seen date and moves its
version on. Curators' decisions stay in charge: `--approve` marks records vetted only where
no curator has decided otherwise, and a decision's overrides are applied on top.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from pydantic import ValidationError

from indexer.geocode import Locator
from indexer.normalize import normalize_address, normalize_price
from katdir.curator.apply import apply_decision, validated
from katdir.export import is_header
from katdir.model import Clinic, utcnow
from katdir.normalize import normalize_phone, normalize_url
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
        lines = [
            f"read {self.read} records: loaded {self.loaded} "
            f"({self.geocoded} geocoded from their address, "
            f"{self.not_geocoded} without a location)"
        ]
        if self.errors:
            lines.append(
                f"{len(self.errors)} invalid records"
                + ("" if self.written else " — nothing was loaded; fix them or pass --skip-invalid")
                + ":"
            )
            lines += [f"  {e}" for e in self.errors[:20]]
            if len(self.errors) > 20:
                lines.append(f"  … and {len(self.errors) - 20} more")
        return "\n".join(lines)


def _problem(number: int, err: ValidationError) -> str:
    first = err.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "record"
    return f"line {number}: {where}: {first['msg']}"


def normalized(clinic: Clinic) -> Clinic:
    """The record with its values in the forms the indexer gives crawled clinics."""
    doc = clinic.model_dump()
    doc["phone"] = normalize_phone(clinic.phone) or clinic.phone
    doc["website"] = normalize_url(clinic.website) or clinic.website
    address = normalize_address(clinic.address)
    if address is not None:
        doc["address"] = address.model_dump()
    doc["prices"] = [p for p in (normalize_price(p) for p in doc["prices"]) if p is not None]
    return Clinic.model_validate(doc)


def import_records(
    lines: Iterable[tuple[int, str]],
    store: Store,
    geocoder,
    *,
    approve: bool = False,
    skip_invalid: bool = False,
    replace: bool = False,
) -> ImportSummary:
    """Check every record, then load them all in one write run (all or nothing, one writer
    at a time). An id twice in the file, or one the store has without `replace`, is invalid."""
    with store.writing("katdir import"):
        return _import(
            lines, store, geocoder, approve=approve, skip_invalid=skip_invalid, replace=replace
        )


def _import(
    lines: Iterable[tuple[int, str]],
    store: Store,
    geocoder,
    *,
    approve: bool,
    skip_invalid: bool,
    replace: bool,
) -> ImportSummary:
    summary = ImportSummary()
    clinics: list[Clinic] = []
    first_line: dict[str, int] = {}
    now = utcnow()
    locator = Locator(geocoder)
    for number, line in lines:
        if number == 1 and is_header(line):
            continue  # an export's licence note (katdir.export), not a clinic
        summary.read += 1
        try:
            clinic = normalized(Clinic.model_validate_json(line))
        except ValidationError as err:
            summary.errors.append(_problem(number, err))
            continue
        if clinic.id in first_line:
            summary.errors.append(
                f"line {number}: id {clinic.id!r} is also on line "
                f"{first_line[clinic.id]}: each clinic once per file"
            )
            continue
        first_line[clinic.id] = number
        if not replace and store.get(clinic.id) is not None:
            summary.errors.append(
                f"line {number}: id {clinic.id!r} is already in the store: "
                "pass --replace to overwrite it"
            )
            continue
        if clinic.location is None:
            location = locator.locate(clinic.address)
            if location is not None:
                clinic.location = location
                summary.geocoded += 1
            else:
                summary.not_geocoded += 1
        clinics.append(clinic)
    if summary.errors and not skip_invalid:
        summary.written = False
        return summary
    for start in range(0, len(clinics), BATCH):
        batch = [
            _settled(c, store, approve=approve, now=now) for c in clinics[start : start + BATCH]
        ]
        summary.loaded += store.upsert(batch)
    return summary


def _settled(clinic: Clinic, store: Store, *, approve: bool, now) -> Clinic:
    """The record as it will be stored: dates and version carried on, decisions applied."""
    stored = store.get(clinic.id)
    decision = store.get_decision(clinic.id)
    if approve:
        clinic.review = {"status": "approved", "by": "katdir import --approve", "at": now}
    if stored is not None:
        clinic.first_seen = stored.first_seen or clinic.first_seen
        clinic.version = stored.version + 1
    clinic.first_seen = clinic.first_seen or now
    if decision is None and not clinic.overrides:
        return clinic
    return validated(apply_decision(clinic.model_dump(mode="json"), decision))
