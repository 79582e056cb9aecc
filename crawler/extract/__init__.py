"""Pure extractors: one fetched page (HTML or plain text) in, the clinic facts it states out.

``extract_page`` returns the JSON of ``katdir extract`` (docs/architecture.md §4) with the vocabularies of
docs/architecture.md §3, plus provenance (a quote for every fact) and page-level extras. No network, no
Scrapy objects, no file I/O.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from . import (
    care,
    conditions,
    confidence,
    contact,
    directory,
    identity,
    insurance,
    main_content,
    page_type,
    prices,
    routes,
    structured,
)
from .document import FOOTER, HEADER, MAIN, decode, parse

__all__ = ["extract_page", "design_view", "DESIGN_KEYS", "DESIGN_PRICE_KEYS"]

# docs/architecture.md §4: what `katdir extract` prints
DESIGN_KEYS = (
    "name",
    "routes_offered",
    "prices",
    "conditions",
    "therapy_integrated",
    "insurance",
    "address",
    "phone",
)
DESIGN_PRICE_KEYS = ("amount_min", "amount_max", "route", "kind", "sessions", "quote")
# printed after the docs/architecture.md §4 keys: what kind of page the facts were read from, and each
# price's currency (a non-USD price must never be read as dollars)
# and the routes and prices held back for a curator (crawler.extract.confidence.PUBLISH_AT):
# they are not the provider's published facts, so they are printed apart
PRINTED_EXTRA_KEYS = ("page_type", "held_for_review")
PRINTED_PRICE_EXTRA_KEYS = ("currency",)

NON_CLINIC_TYPES = ("article", "directory")


def extract_page(
    content: str | bytes, url: str, *, content_type: str = "text/html", explain: bool = False
) -> dict:
    """Extract the facts one page states about the clinic that publishes it.

    On article and directory pages no price, route or other clinic fact is reported: a cost
    guide's market prices and a directory's listings belong to no clinic of this site.
    """
    doc = parse(content, url, content_type)
    if doc.is_html:  # menus, teasers and footers the markup does not name are no offers
        main_content.mark_boilerplate(doc, decode(content))
    data = structured.read(doc)

    # contact details
    addresses = contact.find_addresses(doc)
    schema_clinics = data.top_clinics() or data.clinics()
    schema_addresses = [
        a for a in (contact.address_from_schema(e.data.get("address")) for e in data.clinics()) if a
    ]
    phones = contact.find_phones(doc)
    schema_phones = [
        p
        for p in (
            contact.normalize_phone(structured.text_value(e.data.get("telephone")))
            for e in schema_clinics
        )
        if p
    ]
    # several locations with their own numbers: the main number is the one the page's
    # header / footer shows, not the first location's
    schema_phone = schema_phones[0] if len(set(schema_phones)) == 1 else None

    # locations of this practice: schema.org first, then addresses in the text
    locations = _locations(doc, data, addresses, schema_addresses, phones)

    # directory entries and page type
    entries = directory.entries(doc, data)
    other_entries = directory.looks_like_directory_entries(entries, urlsplit(url).netloc)
    route_findings = routes.find(doc, data, n_locations=len(locations))
    own_prices = prices.find(doc, data, route_findings.offered)
    stated_prices = sum(1 for p in own_prices if p.voice != prices.UNCLEAR)
    kind = page_type.classify(
        doc,
        data,
        entries=other_entries,
        own_prices=stated_prices,
        external_hosts=directory.external_hosts(doc),
        phones=sum(1 for p in phones if p.region == MAIN),
    )
    clinic_page = kind not in NON_CLINIC_TYPES

    name = identity.page_name(doc, data, kind)
    address = None
    phone = None
    if kind == "article":
        # an article's body gives the contact details of the clinics it is about; the
        # publisher's own are in its header, footer or sidebar
        addresses = [a for a in addresses if a.region != MAIN]
        phones = [p for p in phones if p.region != MAIN]
    if kind != "directory":
        address = _main_address(schema_addresses, addresses)
        if address is None and clinic_page:
            address = contact.place_in_text(doc)
        main = contact.main_phone(phones, schema_phone)
        phone = main.e164 if main else None

    conds, cond_ev = conditions.find(doc) if clinic_page else ([], [])
    therapy, therapy_ev = care.therapy(doc) if clinic_page else (None, [])
    steps, steps_ev = care.care_steps(doc) if clinic_page else ([], [])
    tele, tele_ev = care.telehealth(doc) if clinic_page else (None, [])
    no_spravato = "spravato" in route_findings.negated
    ins, ins_ev = (
        insurance.find(
            doc,
            spravato_not_offered=no_spravato,
            spravato_page=route_findings.offered == ["spravato"],
        )
        if clinic_page
        else ({f: None for f in insurance.FIELDS}, [])
    )

    hours = None
    for e in schema_clinics:
        hours = contact.hours_from_schema(e)
        if hours:
            break
    hours = hours or contact.hours_from_text(doc)
    emails = contact.find_emails(doc)

    shown_prices = (
        sorted(own_prices, key=lambda p: (p.kind, p.amount_min, p.route or ""))
        if clinic_page
        else []
    )
    result = {
        "name": name,
        "routes_offered": route_findings.offered if clinic_page else [],
        "prices": [
            # a single figure is a range of one amount; "from $X" has no upper bound
            {
                "amount_min": p.amount_min,
                "amount_max": p.amount_max
                if (p.amount_max is not None or p.open_ended)
                else p.amount_min,
                "route": p.route,
                "kind": p.kind,
                "sessions": p.sessions,
                "quote": p.quote,
                "currency": p.currency,
                "source_url": url,
            }
            for p in shown_prices
        ],
        "conditions": conds,
        "therapy_integrated": therapy,
        "insurance": ins,
        "address": address.as_dict() if address else None,
        "phone": phone,
        "url": url,
        "page_type": kind,
        "page_type_confidence": page_type.confidence(doc, kind),
        "care_steps": steps,
        "telehealth": tele,
        "hours": hours if kind != "directory" else None,
        "email": (emails[0] if emails else None) if kind != "directory" else None,
        "website": identity.website(doc, data),
        "locations": locations if kind != "directory" else [],
        "evidence": {
            "routes_offered": route_findings.evidence if clinic_page else [],
            "conditions": cond_ev,
            "therapy_integrated": therapy_ev,
            "insurance": ins_ev,
            "care_steps": steps_ev,
            "telehealth": tele_ev,
            "address": [{"value": address.postal_code, "quote": address.quote}] if address else [],
            "phone": [{"value": phone, "quote": main.raw}] if phone else [],
        },
    }
    if kind == "directory":
        result["directory_entries"] = entries
    if explain:
        result["page_type_features"] = dict(doc.cache["page_type_features"])
    return confidence.assess(result, doc, data, price_voices=[p.voice for p in shown_prices])


def design_view(result: dict) -> dict:
    """What `katdir extract` prints: the JSON of docs/architecture.md §4 with the facts a listing
    would publish, then the page type and the facts held for a curator; prices carry their
    currency."""
    scores = result.get("confidence") or {}
    page_score = scores.get("page_type")
    route_scores = scores.get("routes_offered") or {}
    held = []
    routes_shown = []
    for route in result["routes_offered"]:
        if confidence.held_back(route_scores.get(route), page_score):
            held.append(
                {"field": "routes_offered", "value": route, "confidence": route_scores.get(route)}
            )
        else:
            routes_shown.append(route)
    prices_shown = []
    for price in result["prices"]:
        shown = {k: price[k] for k in (*DESIGN_PRICE_KEYS, *PRINTED_PRICE_EXTRA_KEYS)}
        if confidence.held_back(price.get("confidence"), page_score):
            held.append({"field": "prices", "value": shown, "confidence": price.get("confidence")})
        else:
            prices_shown.append(shown)
    view = {k: result[k] for k in DESIGN_KEYS}
    view["routes_offered"], view["prices"] = routes_shown, prices_shown
    view["page_type"] = result["page_type"]
    view["held_for_review"] = held
    return view


def _main_address(schema_addresses, addresses):
    if schema_addresses:
        return schema_addresses[0]
    for region in (MAIN, FOOTER, HEADER):
        for a in addresses:
            if a.region == region:
                return a
    return addresses[0] if addresses else None


def _locations(doc, data, addresses, schema_addresses, phones) -> list[dict]:
    out: list[dict] = []
    seen: set = set()
    clinics = [e for e in data.clinics()]
    for e in clinics:
        a = contact.address_from_schema(e.data.get("address"))
        if not a or a.key() in seen:
            continue
        seen.add(a.key())
        out.append(
            {
                "name": e.name,
                "address": a.as_dict(),
                "phone": contact.normalize_phone(structured.text_value(e.data.get("telephone"))),
            }
        )
    in_main = [a for a in addresses if a.region == MAIN]
    # a footer address is a location only when the page lists none in its content
    for a in in_main if (in_main or out) else addresses:
        if any(a.postal_code == (loc["address"] or {}).get("postal_code") for loc in out):
            continue
        if a.key() in seen:
            continue
        seen.add(a.key())
        block = doc.blocks[a.block_index] if 0 <= a.block_index < len(doc.blocks) else None
        name = (
            block.headings[-1]
            if block is not None and block.headings and a.region == MAIN
            else None
        )
        phone = None
        if block is not None:
            for p in phones:
                if block.index <= p.block_index <= block.index + 2:
                    phone = p.e164
                    break
        out.append({"name": name, "address": a.as_dict(), "phone": phone})
    return out
