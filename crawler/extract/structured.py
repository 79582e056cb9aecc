"""Schema.org data embedded in a page (JSON-LD and microdata, read with extruct), flattened
into the entities the extractors care about: the clinic (or clinics), its address, phone,
opening hours and offers; articles; lists of other businesses."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import extruct
from extruct.jsonld import JsonLdExtractor

from .document import Document

log = logging.getLogger(__name__)

CLINIC_TYPES = {
    "medicalclinic",
    "medicalbusiness",
    "localbusiness",
    "medicalorganization",
    "physician",
    "psychiatric",
    "hospital",
    "healthandbeautybusiness",
    "professionalservice",
    "dentist",
    "medicalspecialty",
    "healthclub",
    "dayspa",
    "healthcareorganization",
    "medicalcenter",
}
ORG_TYPES = {"organization", "corporation", "ngo", "newsmediaorganization"}
ARTICLE_TYPES = {
    "article",
    "blogposting",
    "newsarticle",
    "report",
    "scholarlyarticle",
    "medicalscholarlyarticle",
    "techarticle",
    "analysisnewsarticle",
    "opinionnewsarticle",
    "reportagenewsarticle",
    "socialmediaposting",
    "liveblogposting",
}
LIST_TYPES = {"itemlist", "collectionpage", "searchresultspage"}
SUB_KEYS = ("department", "subOrganization", "location", "branch", "hasPart", "containsPlace")


@dataclass
class Entity:
    types: set[str]
    data: dict[str, Any]
    listed: bool = False  # an item of an ItemList (a directory's entry)
    sub: bool = False  # a department / location of another entity

    @property
    def name(self) -> str | None:
        value = self.data.get("name") or self.data.get("legalName")
        if isinstance(value, list):
            value = value[0] if value else None
        return value.strip() if isinstance(value, str) and value.strip() else None

    def is_clinic(self) -> bool:
        return bool(self.types & CLINIC_TYPES)


@dataclass
class Structured:
    entities: list[Entity] = field(default_factory=list)

    def clinics(self, *, include_listed: bool = False) -> list[Entity]:
        return [e for e in self.entities if e.is_clinic() and (include_listed or not e.listed)]

    def top_clinics(self) -> list[Entity]:
        return [e for e in self.clinics() if not e.sub]

    def orgs(self) -> list[Entity]:
        return [e for e in self.entities if e.types & ORG_TYPES and not e.listed]

    def articles(self) -> list[Entity]:
        return [e for e in self.entities if e.types & ARTICLE_TYPES]

    def listed(self) -> list[Entity]:
        return [e for e in self.entities if e.listed]

    def has_type(self, types: set[str]) -> bool:
        return any(e.types & types for e in self.entities)

    def website_name(self) -> str | None:
        for e in self.entities:
            if "website" in e.types and e.name:
                return e.name
        return None


def _types(item: dict) -> set[str]:
    raw = item.get("@type") or item.get("type") or []
    if isinstance(raw, str):
        raw = [raw]
    out = set()
    for t in raw:
        if isinstance(t, str):
            out.add(t.rsplit("/", 1)[-1].rsplit("#", 1)[-1].lower())
    return out


def _collect(item: Any, out: list[Entity], *, listed: bool = False, sub: bool = False) -> None:
    if isinstance(item, list):
        for x in item:
            _collect(x, out, listed=listed, sub=sub)
        return
    if not isinstance(item, dict):
        return
    if "@graph" in item:
        _collect(item["@graph"], out, listed=listed, sub=sub)
    types = _types(item)
    if types:
        out.append(Entity(types=types, data=item, listed=listed, sub=sub))
    if types & LIST_TYPES:
        for key in ("itemListElement", "mainEntity", "hasPart"):
            for el in _as_list(item.get(key)):
                if isinstance(el, dict) and "item" in el:
                    _collect(el["item"], out, listed=True)
                else:
                    _collect(el, out, listed=True)
    for key in SUB_KEYS:
        if key in item:
            _collect(item[key], out, listed=listed, sub=True)


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def read(doc: Document) -> Structured:
    result = Structured()
    if doc.tree is None:
        return result
    # one script at a time, so that one broken JSON-LD block does not hide the others
    jsonld = JsonLdExtractor()
    for node in doc.tree.iter("script"):
        if (node.get("type") or "").strip().lower() != "application/ld+json":
            continue
        try:
            items = jsonld.extract_items(node)
        except Exception:  # noqa: BLE001 - broken markup must never break extraction
            log.debug("unreadable JSON-LD on %s", doc.url, exc_info=True)
            continue
        for item in items:
            _collect(item, result.entities)
    if doc.tree.find(".//*[@itemscope]") is not None:
        try:
            data = extruct.extract(
                doc.tree, base_url=doc.url, syntaxes=["microdata"], uniform=True, errors="ignore"
            )
        except Exception:  # noqa: BLE001
            log.debug("unreadable microdata on %s", doc.url, exc_info=True)
            data = {}
        for item in data.get("microdata") or []:
            _collect(item, result.entities)
    return result


def text_value(value: Any) -> str | None:
    """A plain string from a schema.org value that may be a list, a dict or a URL."""
    if isinstance(value, list):
        for v in value:
            s = text_value(v)
            if s:
                return s
        return None
    if isinstance(value, dict):
        return text_value(value.get("name") or value.get("@value") or value.get("text"))
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def offers(entity: Entity) -> list[tuple[str, float | None, float | None]]:
    """(label, low, high) for each priced offer an entity makes."""
    out = []
    data = entity.data
    candidates = _as_list(data.get("makesOffer")) + _as_list(data.get("offers"))
    catalog = data.get("hasOfferCatalog")
    for cat in _as_list(catalog):
        if isinstance(cat, dict):
            candidates += _as_list(cat.get("itemListElement"))
    for offer in candidates:
        if not isinstance(offer, dict):
            continue
        item = offer.get("itemOffered")
        label = text_value(item) if item else None
        label = label or text_value(offer.get("name")) or text_value(offer.get("description")) or ""
        spec = offer.get("priceSpecification")
        spec = spec[0] if isinstance(spec, list) and spec else spec
        low = _num(offer.get("price") if offer.get("price") is not None else offer.get("lowPrice"))
        high = _num(offer.get("highPrice"))
        if low is None and isinstance(spec, dict):
            low = _num(spec.get("price") if spec.get("price") is not None else spec.get("minPrice"))
            high = _num(spec.get("maxPrice"))
        currency = offer.get("priceCurrency") or (
            spec.get("priceCurrency") if isinstance(spec, dict) else None
        )
        if currency and str(currency).upper() not in ("USD", "$"):
            continue
        out.append((label, low, high))
    return out


def service_names(entity: Entity) -> list[str]:
    names = []
    for key in (
        "availableService",
        "medicalSpecialty",
        "hasOfferCatalog",
        "makesOffer",
        "knowsAbout",
    ):
        for v in _as_list(entity.data.get(key)):
            if isinstance(v, dict):
                if "itemOffered" in v:
                    v = v["itemOffered"]
                name = text_value(v.get("name")) if isinstance(v, dict) else None
                if name:
                    names.append(name)
                if isinstance(v, dict):
                    for el in _as_list(v.get("itemListElement")):
                        n = text_value(
                            el.get("itemOffered")
                            if isinstance(el, dict) and "itemOffered" in el
                            else el
                        )
                        if n:
                            names.append(n)
            elif isinstance(v, str):
                names.append(v)
    return names


def _num(value: Any) -> float | None:
    if value is None:
        return None
    try:
        return float(str(value).replace(",", "").replace("$", "").strip())
    except ValueError:
        return None
