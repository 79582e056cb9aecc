"""The indexing run: listings → normalize → merge duplicates → geocode → apply curators'
decisions → only what changed is written to the store.

One run, in order:

1. **Read** listings (JSON Lines from the crawler). A listing that fails validation is retried
   once with its values coerced to the model's forms (indexer.normalize.coerce_listing);
   pages that are no clinic's (articles, other) are skipped. A big file is read and
   normalized in worker processes (`read_facts`), in the file's order.
2. **Match** (indexer.matching): every listing, and every clinic already stored, becomes
   `ClinicKeys`; blocking and pair verdicts group the listings that are one clinic. A stored
   clinic in a group gives the group its id, so ids never change when a directory listing
   with another spelling joins; a new group takes its id from its most trusted source
   (`normalize.clinic_id`: website host + ZIP, else name + ZIP; a collision adds the street
   number). A crawl never fuses two stored clinics.
3. **Merge** (indexer.merge): fields by source trust and recency, every source kept. Branches
   of one practice (one website, several places) stay separate clinics sharing `organization`.
4. **Geocode** (indexer.geocode) through the chain of docs/architecture.md §6: each distinct address is
   asked once per run; the precision is recorded with the point.
5. **Compare** with the stored clinic (indexer.changes): material differences become pending
   `changes` (the clinic enters the curators' queue, see katdir.curator.queue); the curator's
   decision is applied on top (katdir.curator.apply) — overrides always beat crawled values.
6. **Write** only clinics whose stored document would change. `last_seen` alone is refreshed
   at most once per `refresh_after` (a day by default), so re-running a crawl, or running a
   new crawl in which nothing changed, writes nothing; a clinic with one changed price is the
   only one written.

**Gone listings.** A stored clinic no listing of this run matched counts a *miss* only if
this crawl covered one of the sites it was found on; the covered sites are the hosts of this
run's listings plus `crawled_sites` (the crawl's seeds — pass them, so a site that is down or
gone entirely also counts). A partial crawl therefore never marks the rest of the world
gone, and on a partial crawl the facts of a matched clinic's uncovered sources are carried
over. After `gone_after` misses in a row (3 by default) the clinic gets a `listing` change
and enters the queue; it stays published until a curator decides. Seen again, the counter
and the change are cleared. A clinic found without one of its covered sources simply loses
that source.
"""

from __future__ import annotations

import gc
import json
import logging
import multiprocessing
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from tqdm import tqdm

from indexer import GONE_AFTER
from indexer import changes as change_log
from indexer.geocode import Locator, geocode_clinic
from indexer.matching import ClinicKeys, clinic_keys, cluster
from indexer.merge import (
    Facts,
    facts_from_listing,
    facts_kept_from,
    kept_source,
    merge_facts,
    organization_of_branches,
)
from indexer.normalize import Street, clinic_id, coerce_listing, parse_street, remember_street
from katdir.curator.apply import apply_decision, crawled_view, curate, validated
from katdir.model import Address, Clinic, Decision, Listing, utcnow
from katdir.normalize import identity_host, site_host
from katdir.settings import usable_cores
from katdir.store import Store

__all__ = [
    "IndexRun",
    "IndexSummary",
    "geocode_clinic",
    "index_file",
    "index_listings",
    "read_facts",
    "read_listings",
]

log = logging.getLogger(__name__)

REFRESH_AFTER = timedelta(days=1)  # how stale last_seen may get before a write just for it
BATCH = 1000  # clinics per store write
CHUNK = 500  # listings a worker process reads at a time
MAX_WORKERS = 4
# Below this (~3,000 listings) starting worker processes costs more than it saves.
PARALLEL_FROM_BYTES = 4 * 1024 * 1024
FINE_PRECISIONS = ("rooftop", "street")  # points no geocoder improves on
# Fields compared to decide whether a stored document would change (besides timestamps).
_STAMPS = ("last_seen", "version")


@dataclass
class IndexSummary:
    listings: int = 0
    invalid: int = 0
    coerced: int = 0
    skipped: int = 0
    clinics: int = 0
    new: int = 0
    changed: int = 0
    refreshed: int = 0
    unchanged: int = 0
    merged: int = 0
    not_geocoded: int = 0
    missing: int = 0
    gone: int = 0
    queued: int = 0
    written: int = 0
    problems: list[str] = field(default_factory=list)

    def describe(self) -> str:
        parts = [
            f"indexed {self.listings} listings into {self.clinics} clinics: "
            f"{self.new} new, {self.changed} changed, {self.refreshed} refreshed, "
            f"{self.unchanged} unchanged",
            f"{self.merged} listings merged into others",
            f"{self.not_geocoded} failed to geocode",
            f"{self.queued} queued for review",
        ]
        if self.missing or self.gone:
            parts.append(
                f"{self.missing} not found on their crawled sites ({self.gone} now queued as gone)"
            )
        if self.invalid or self.skipped or self.coerced:
            parts.append(
                f"{self.invalid} invalid, {self.skipped} not clinic pages, {self.coerced} repaired"
            )
        parts.append(f"{self.written} written")
        return "; ".join(parts)


def read_listings(lines: Iterable[str], summary: IndexSummary) -> Iterator[Listing]:
    """Listings from JSON Lines; invalid ones are counted (as listings read, and invalid),
    described, and left out. Valid ones are counted by the run that reads them."""
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        listing, problem = _parse(line)
        if listing is not None:
            summary.coerced += problem is not None
            yield listing
        else:
            summary.listings += 1
            summary.invalid += 1
            summary.problems.append(f"line {number}: {problem}")


def _facts_of_lines(
    chunk: list[tuple[int, str]],
) -> list[tuple[int, Facts | None, str | None, Street | None]]:
    """For each numbered line: (number, its facts or None, a problem or None, its street
    parsed) — facts with a problem were repaired (coerced); no facts and a problem: invalid;
    neither: not a clinic's page. Pure, so it runs the same in a worker process."""
    read = []
    for number, line in chunk:
        listing, problem = _parse(line)
        facts = facts_from_listing(listing) if listing is not None else None
        street = None
        if facts is not None:
            facts.keys = _keys(facts)
            if facts.address is not None and facts.address.street:
                street = parse_street(facts.address.street)  # in the memo: just normalized
        read.append((number, facts, problem, street))
    return read


def read_facts(
    lines: Iterable[str], summary: IndexSummary, *, workers: int = 1
) -> Iterator[Facts | None]:
    """Each listing's facts (None for a page that is no clinic's), in the file's order; invalid
    lines are counted and described as `read_listings` does. With `workers` > 1 the lines are
    read in that many processes (with two, this one is one of them), a bounded number of
    chunks ahead."""
    chunks = _chunks(((n, line) for n, line in enumerate(lines, 1) if line.strip()), CHUNK)
    if workers > 1:
        context = multiprocessing.get_context(
            "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        )
        # With two, this process is one of them: it reads every other chunk itself instead
        # of waiting, so one process fewer pickles facts and this one unpickles half as many
        # (bench index, 2 cores: ~20 % less CPU for reading). With more, unpickling theirs
        # leaves it less time to read a share (estimated, not measured: this machine has two).
        shares = workers == 2
        pool = context.Pool(workers - shares)
        read = _in_order(pool, _facts_of_lines, chunks, ahead=2 * workers, every=2 if shares else 0)
    else:
        pool, read = None, map(_facts_of_lines, chunks)
    try:
        for results in read:
            for number, facts, problem, street in results:
                if street is not None:  # merging the facts parses it again: not in this process
                    remember_street(facts.address.street, street)
                if facts is None and problem is not None:
                    summary.listings += 1
                    summary.invalid += 1
                    summary.problems.append(f"line {number}: {problem}")
                    continue
                summary.coerced += problem is not None
                yield facts
    except BaseException:
        if pool is not None:
            pool.terminate()  # a failed or interrupted run leaves no worker behind
        raise
    finally:
        if pool is not None:
            pool.close()
            pool.join()


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _in_order(pool, func, chunks: Iterable[Any], ahead: int, every: int = 0) -> Iterator[Any]:
    """func(chunk) for each chunk, in order, computed by the pool at most `ahead` chunks ahead;
    with `every`, each every-th chunk is computed here instead, when its turn comes."""
    pending: deque = deque()
    for number, chunk in enumerate(chunks):
        here = every and number % every == 0
        pending.append((None, chunk) if here else (pool.apply_async(func, (chunk,)), None))
        if len(pending) >= ahead:
            yield _result(func, *pending.popleft())
    while pending:
        yield _result(func, *pending.popleft())


def _result(func, sent, chunk) -> Any:
    return func(chunk) if sent is None else sent.get()


def _parse(line: str) -> tuple[Listing | None, str | None]:
    try:
        return Listing.model_validate_json(line), None
    except ValidationError as err:
        first = err.errors()[0]
        problem = f"{'.'.join(str(p) for p in first['loc']) or 'listing'}: {first['msg']}"
    try:
        raw = json.loads(line)
    except (ValueError, RecursionError):  # RecursionError: nested deeper than json can read
        return None, problem
    if not isinstance(raw, dict):
        return None, problem
    try:
        return Listing.model_validate(coerce_listing(raw)), problem
    except ValidationError:
        return None, problem


@dataclass
class _Group:
    facts: list[Facts]
    stored: Clinic | None
    merged: dict[str, Any] = field(default_factory=dict)
    base_id: str = ""  # for a new clinic: the id its most trusted source suggests


class IndexRun:
    """One indexing run over one crawl (see the module docstring)."""

    def __init__(
        self,
        store: Store,
        geocoder: Any,
        *,
        approve: bool = False,
        progress: bool = False,
        summary: IndexSummary | None = None,
        crawled_sites: Iterable[str] = (),
        gone_after: int = GONE_AFTER,
        refresh_after: timedelta = REFRESH_AFTER,
        now: datetime | None = None,
    ):
        self.store = store
        self.locator = Locator(geocoder)
        self.approve = approve
        self.progress = progress
        self.summary = summary or IndexSummary()
        self.covered = {
            h for h in (site_host(s if "://" in s else f"https://{s}") for s in crawled_sites) if h
        }
        self.gone_after = gone_after
        self.refresh_after = refresh_after
        self.now = now or utcnow()
        self.to_write: list[Clinic] = []

    # -- the run --------------------------------------------------------------------------

    def index(
        self, listings: Iterable[Listing] = (), *, facts: Iterable[Facts | None] | None = None
    ) -> IndexSummary:
        """Index listings, or their facts already read (`read_facts`)."""
        if facts is None:
            facts = (facts_from_listing(listing) for listing in listings)
        facts = self._facts(facts)
        stored = {c.id: c for c in self.store.iter_clinics()}
        decisions = {d.clinic_id: d for d in self.store.iter_decisions()}
        groups = self._groups(facts, stored, decisions)
        organization_of_branches([g.merged for g in groups if g.facts], identity_host)

        taken = set(stored)
        seen: set[str] = set()
        new_groups = [g for g in groups if g.stored is None]
        for group in new_groups:
            group.base_id = _base_id(group.facts)
        # Ids are handed out in an order of their own, not the listings': two new clinics
        # that want one id get the same ids whatever order the crawl wrote them in.
        new_groups.sort(key=lambda g: (g.base_id, *_tiebreak(g.facts)))
        # Every new clinic is located: ask for all their addresses in one batch.
        self.locator.prefetch(g.merged.get("address") for g in new_groups if g.merged.get("name"))
        bar = tqdm(
            total=len(groups),
            desc="indexing clinics",
            unit="clinic",
            disable=not self.progress,
            leave=False,
        )
        for group in [g for g in groups if g.stored is not None] + new_groups:
            bar.update()
            if group.stored is not None:
                if group.facts:
                    seen.add(group.stored.id)
                    self._update(group, decisions.get(group.stored.id))
            else:
                cid = _new_id(group.base_id, group.facts, taken)
                taken.add(cid)
                self._create(cid, group, decisions.get(cid))
        bar.close()
        for cid, clinic in stored.items():
            if cid not in seen:
                self._unseen(clinic, decisions.get(cid))
        self._catch_up(decisions)
        if not stored and self.to_write:
            # A first load: the store's bulk path, which also lays rows out for search.
            self.summary.written += self.store.rebuild(self.to_write)
        else:
            for start in range(0, len(self.to_write), BATCH):
                self.summary.written += self.store.upsert(self.to_write[start : start + BATCH])
        return self.summary

    def _catch_up(self, read: dict[str, Decision]) -> None:
        """Decisions curators saved while this run was working win over the ones it read:
        without this, a run could write back a clinic a curator just removed."""
        latest = {
            d.clinic_id: d
            for d in self.store.iter_decisions()
            if d.version != getattr(read.get(d.clinic_id), "version", 0)
        }
        if latest:
            self.to_write = [
                curate(c, latest[c.id]) if c.id in latest else c for c in self.to_write
            ]

    def _facts(self, read: Iterable[Facts | None]) -> list[Facts]:
        found = []
        bar = tqdm(
            read, desc="reading listings", unit="listing", disable=not self.progress, leave=False
        )
        for facts in bar:
            self.summary.listings += 1
            if facts is None:
                self.summary.skipped += 1
                continue
            found.append(facts)
            covered = site_host(facts.url)
            if covered:
                self.covered.add(covered)
            end = facts.url.find("/", facts.url.find("//") + 2)
            root = facts.url[: end + 1] if end > 0 else facts.url + "/"
            for source in facts.sources:  # pages of the same site need no second look
                if not source["url"].startswith(root):
                    host = site_host(source["url"])
                    if host:
                        self.covered.add(host)
        return found

    def _groups(
        self, facts: list[Facts], stored: dict[str, Clinic], decisions: dict[str, Decision]
    ) -> list[_Group]:
        keys: list[ClinicKeys] = []
        for f in facts:
            found = f.keys if f.keys is not None else _keys(f)
            found.point = self.locator.coarse_point(f.address)
            keys.append(found)
        anchors = list(stored.values())
        for clinic in anchors:
            # A stored clinic is recognised by what was crawled, not by curators' corrections.
            if clinic.crawled_values:
                view = crawled_view(clinic.model_dump(mode="json"))
                name, phone, website = view["name"], view["phone"], view["website"]
                address = Address.model_validate(view["address"] or {})
            else:
                name, phone, website = clinic.name, clinic.phone, clinic.website
                address = clinic.address
            keys.append(
                clinic_keys(
                    name,
                    phone=phone,
                    website=website,
                    address=address,
                    point=self.locator.coarse_point(address),
                    stored_id=clinic.id,
                )
            )
        found = []
        for members in cluster(keys):
            listed = [facts[i] for i in members if i < len(facts)]
            anchor = next((anchors[i - len(facts)] for i in members if i >= len(facts)), None)
            found.append((listed, anchor))
        groups = []
        for listed, anchor in _keep_apart(found, decisions):
            group = _Group(listed, anchor)
            if listed:
                self.summary.merged += len(listed) - 1
                if anchor is not None and any(
                    kept_source(s.url, self.covered) for s in anchor.sources
                ):
                    kept = facts_kept_from(
                        anchor, crawled_view(anchor.model_dump(mode="json")), self.covered
                    )
                    if kept is not None:
                        listed = [*listed, kept]
                group.merged = merge_facts(listed)
            groups.append(group)
        return groups

    # -- one clinic -----------------------------------------------------------------------

    def _crawled_doc(
        self, cid: str, merged: dict[str, Any], known: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """The clinic as crawled (JSON-ready), located; `known` is a location already found
        for this very address (a stored clinic's), reused when the chain cannot do better."""
        address = merged["address"]
        location = known or self.locator.locate(address)
        if location is None:
            self.summary.not_geocoded += 1
            log.warning(
                "no location for clinic %s (address %r): it is stored but cannot be "
                "found by near-me search",
                cid,
                address.one_line() if address else None,
            )
        return {
            "id": cid,
            **{
                k: merged[k]
                for k in (
                    "name",
                    "organization",
                    "website",
                    "phone",
                    "email",
                    "routes",
                    "prices",
                    "conditions",
                    "therapy_integrated",
                    "care_steps",
                    "insurance",
                    "telehealth",
                    "hours",
                    "evidence",
                    "sources",
                    "last_seen",
                    "held_facts",
                )
            },
            "address": address.model_dump() if address else {},
            "location": location,
        }

    def _create(self, cid: str, group: _Group, decision: Decision | None) -> None:
        if not group.merged.get("name"):
            self.summary.skipped += len(group.facts)
            return
        self.summary.clinics += 1
        doc = self._crawled_doc(cid, group.merged)
        doc.update(
            first_seen=group.merged["first_fetched"] or self.now,
            last_changed=self.now,
            version=1,
            changes=change_log.held_changes([], doc["held_facts"], self.now),
            missing_crawls=0,
            review={"status": "approved", "by": "katdir index --approve", "at": self.now}
            if self.approve
            else {"status": "pending"},
            overrides={},
        )
        clinic = validated(self._relocate(apply_decision(doc, decision)))
        self.summary.new += 1
        self.summary.queued += clinic.review.status == "pending"
        self.to_write.append(clinic)

    def _update(self, group: _Group, decision: Decision | None) -> None:
        stored = group.stored
        assert stored is not None
        self.summary.clinics += 1
        before = stored.model_dump(mode="json")
        old = crawled_view(before)
        doc = self._crawled_doc(stored.id, group.merged, self._known_location(stored, group))
        # An override set on the clinic itself (no decision, e.g. imported) hides what was
        # crawled before: such fields are compared from this run on, not now.
        unknown = {p.split(".")[0] for p in stored.overrides if p not in stored.crawled_values}
        fields = change_log.diff(old, doc, skip=unknown)
        pending = change_log.seen_again(before.get("changes") or [])
        if fields and stored.review.status != "rejected":
            pending = change_log.record(pending, fields, old, doc, self.now)
        if stored.review.status != "rejected":
            new_held = change_log.held_changes(
                before.get("held_facts") or [], doc["held_facts"], self.now
            )
            pending = pending + [c for c in new_held if c not in pending]
            fields = fields or [c["field"] for c in new_held]
        if stored.last_seen and (doc["last_seen"] is None or doc["last_seen"] < stored.last_seen):
            doc["last_seen"] = stored.last_seen  # an older crawl indexed late moves nothing back
        doc.update(
            first_seen=before["first_seen"] or doc["last_seen"],
            last_changed=self.now if fields else before["last_changed"],
            version=stored.version,
            changes=pending,
            missing_crawls=0,
            review=before["review"],
            overrides=before["overrides"],
            listed=before["listed"],
            merged_into=before["merged_into"],
        )
        self._write_if_changed(
            stored,
            before,
            self._relocate(apply_decision(doc, decision)),
            material=bool(fields) and stored.review.status != "rejected",
        )

    def _known_location(self, stored: Clinic, group: _Group) -> dict[str, Any] | None:
        """The stored clinic's point, when its crawled address is unchanged and the point is
        as fine as points get (rooftop or street): no need to ask the chain again."""
        if stored.location is None or stored.location.precision not in FINE_PRECISIONS:
            return None
        if any(p.split(".")[0] == "address" for p in stored.overrides):
            return None  # the stored point is the corrected address's
        address = group.merged["address"]
        crawled = stored.crawled_values.get("address", stored.address)
        if address is None or change_log.material(
            "address", address.model_dump()
        ) != change_log.material("address", _as_dict(crawled)):
            return None
        return stored.location.model_dump()

    def _relocate(self, doc: dict[str, Any]) -> dict[str, Any]:
        """After a curator corrected the address, the point follows (unless they set it too)."""
        overridden = doc.get("crawled_values") or {}
        if "location" not in overridden and any(p.split(".")[0] == "address" for p in overridden):
            address = Address.model_validate(doc["address"])
            doc["location"] = self.locator.locate(address) or doc.get("location")
        return doc

    def _unseen(self, stored: Clinic, decision: Decision | None) -> None:
        sites = sorted({h for h in (site_host(s.url) for s in stored.sources) if h} & self.covered)
        if not sites and decision is None:
            return  # not crawled this time, and no curator's word to apply: nothing to do
        before = stored.model_dump(mode="json")
        doc = crawled_view(before)
        doc["overrides"] = before["overrides"]
        became_gone = False
        if sites:
            self.summary.missing += 1
            misses = stored.missing_crawls + 1
            doc["missing_crawls"] = misses
            if misses == self.gone_after and stored.review.status != "rejected":
                source = next(s.url for s in stored.sources if site_host(s.url) in self.covered)
                doc["changes"] = change_log.gone(
                    doc["changes"], crawls=misses, sites=sites, at=self.now, source_url=source
                )
                became_gone = True
        self._write_if_changed(
            stored,
            before,
            self._relocate(apply_decision(doc, decision)),
            material=False,
            counted=False,
        )
        if became_gone:
            self.summary.gone += 1
            self.summary.queued += 1

    def _write_if_changed(
        self,
        stored: Clinic,
        before: dict[str, Any],
        doc: dict[str, Any],
        *,
        material: bool,
        counted: bool = True,
    ) -> None:
        clinic = validated(doc)
        after = clinic.model_dump(mode="json")
        same = _comparable(after) == _comparable(before)
        due = _refresh_due(before.get("last_seen"), after.get("last_seen"), self.refresh_after)
        if same and not due:
            if counted:
                self.summary.unchanged += 1
            return
        clinic.version = stored.version + 1
        if counted:
            if material:
                self.summary.changed += 1
                self.summary.queued += 1
            else:
                self.summary.refreshed += 1
        self.to_write.append(clinic)


# -- helpers -----------------------------------------------------------------------------


def _keep_apart(
    found: list[tuple[list[Facts], Clinic | None]], decisions: dict[str, Decision]
) -> list[tuple[list[Facts], Clinic | None]]:
    """A curator's split of a wrong merge: the listings whose URL a clinic's decision keeps
    apart leave its group — for the stored clinic that already holds them as a source (the
    one an earlier split made), else together into one new clinic."""
    groups = [(list(listed), anchor) for listed, anchor in found]
    owners = {s.url: i for i, (_, anchor) in enumerate(groups) if anchor for s in anchor.sources}
    moved: list[tuple[Facts, int]] = []  # a listing, and the group it came from
    for i, (listed, anchor) in enumerate(groups):
        decision = decisions.get(anchor.id) if anchor else None
        if decision and decision.kept_apart:
            apart = set(decision.kept_apart)
            out = [f for f in listed if f.url in apart or any(s["url"] in apart for s in f.sources)]
            moved += [(f, i) for f in out]
            listed[:] = [f for f in listed if f not in out]
    split_off = []
    for f, came_from in moved:
        owner = next(
            (
                owners[u]
                for u in (f.url, *(s["url"] for s in f.sources))
                if u in owners and owners[u] != came_from
            ),
            None,
        )
        if owner is not None and owner != came_from:
            groups[owner][0].append(f)
        else:
            split_off.append(f)
    if split_off:
        groups.append((split_off, None))
    return groups


def _keys(facts: Facts) -> ClinicKeys:
    """A listing's matching keys, but for its coarse point (the run's geocoder finds it)."""
    return clinic_keys(
        facts.name or "", phone=facts.phone, website=facts.website, address=facts.address
    )


def _as_dict(value: Any) -> dict[str, Any]:
    return value.model_dump() if hasattr(value, "model_dump") else dict(value or {})


def _comparable(doc: dict[str, Any]) -> dict[str, Any]:
    """A document without what changes on every crawl (fetch times, content hashes)."""
    view = {k: v for k, v in doc.items() if k not in _STAMPS}
    view["sources"] = [
        {"url": s["url"], "spider": s.get("spider")} for s in doc.get("sources") or []
    ]
    return view


def _refresh_due(before: str | None, after: str | None, every: timedelta) -> bool:
    if after is None or after == before:
        return False
    if before is None:
        return True
    parse = datetime.fromisoformat
    return parse(after.replace("Z", "+00:00")) - parse(before.replace("Z", "+00:00")) >= every


def _best(facts: list[Facts]) -> Facts:
    return min(facts, key=lambda f: f.order)


def _base_id(facts: list[Facts]) -> str:
    best = _best(facts)
    return clinic_id(best.name or "", best.website, best.address) or "clinic"


def _tiebreak(facts: list[Facts]) -> tuple[str, str, str]:
    best = _best(facts)
    return (
        best.address.street if best.address and best.address.street else "",
        best.name or "",
        best.url,
    )


def _new_id(base: str, facts: list[Facts], taken: set[str]) -> str:
    """The id a new clinic gets from its most trusted source; unique among `taken`."""
    best = _best(facts)
    if base not in taken:
        return base
    number = (
        parse_street(best.address.street).number if best.address and best.address.street else None
    )
    if number and f"{base}-{number}" not in taken:
        return f"{base}-{number}"
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def index_listings(
    listings: Iterable[Listing],
    store: Store,
    geocoder,
    *,
    approve: bool = False,
    progress: bool = False,
    summary: IndexSummary | None = None,
    crawled_sites: Iterable[str] = (),
    gone_after: int = GONE_AFTER,
    refresh_after: timedelta = REFRESH_AFTER,
    now: datetime | None = None,
    facts: Iterable[Facts | None] | None = None,
) -> IndexSummary:
    """Index crawled listings (or their facts, `read_facts`) into the store (see the module
    docstring); returns the summary."""
    run = IndexRun(
        store,
        geocoder,
        approve=approve,
        progress=progress,
        summary=summary,
        crawled_sites=crawled_sites,
        gone_after=gone_after,
        refresh_after=refresh_after,
        now=now,
    )
    # A run holds every listing and clinic in memory at once: the cyclic garbage collector
    # would scan them all again and again (it costs more than half the run), while reference
    # counting alone frees what a run drops (it makes no cycles).
    collecting = gc.isenabled()
    gc.disable()
    try:
        # All of the run or none of it, and one writer at a time (a second run, or an import,
        # stops with WriterBusy instead of both writing version n+1 of the same clinics).
        with store.writing("katdir index"):
            return run.index(listings, facts=facts)
    finally:
        if collecting:
            gc.enable()


def index_file(
    path: Path,
    store: Store,
    geocoder,
    *,
    approve: bool = False,
    progress: bool = False,
    crawled_sites: Iterable[str] = (),
    gone_after: int = GONE_AFTER,
    refresh_after: timedelta = REFRESH_AFTER,
    now: datetime | None = None,
    workers: int | None = None,
) -> IndexSummary:
    """`katdir index listings.jsonl`: index a crawl's output file. `crawled_sites` are the
    crawl's seeds (URLs or hosts), so that a site that yielded nothing still counts as crawled.

    The listings are read and normalized in `workers` processes (default: one per core, up
    to MAX_WORKERS, for a file of PARALLEL_FROM_BYTES or more; else in this process)."""
    if workers is None:
        big = Path(path).stat().st_size >= PARALLEL_FROM_BYTES
        workers = min(MAX_WORKERS, usable_cores()) if big else 1
    summary = IndexSummary()
    with open(path, encoding="utf-8") as lines:
        index_listings(
            (),
            store,
            geocoder,
            approve=approve,
            progress=progress,
            summary=summary,
            crawled_sites=crawled_sites,
            gone_after=gone_after,
            refresh_after=refresh_after,
            now=now,
            facts=read_facts(lines, summary, workers=workers),
        )
    for problem in summary.problems[:20]:
        log.warning("%s: skipped listing: %s", path, problem)
    return summary
