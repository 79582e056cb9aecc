"""The clinic's own ketamine prices, read from prose, lists, tables, pricing cards and
schema.org offers.

Each amount is read in its context, from the nearest words outwards: its phrase (the words
since the previous amount), its segment (commas, brackets, table cells), its clause, its
sentence, its block, the pricing card it sits in, and its section heading. The first level
that says something decides:

- kind: ``series`` when a number of sessions is tied to the amount ("six infusions for
  $2,400", "5-treatment bundle"; ``sessions`` = N, the amount is the total), ``maintenance``
  (booster, top-up), ``consultation`` (consultation, intake, evaluation, screening, other
  clinician visits), ``other`` (preparation / integration / therapy sessions, monthly
  fees), else ``per_session``.
- route: the route named at that level; for per-session, series and maintenance prices the
  section heading and then the page's only offered route are used when the text names none.
- ranges ("$400–$500 per infusion") give amount_min and amount_max; "starting at $399" gives
  amount_min only.

Not the clinic's prices, and never reported: market and average prices ("nationally,
infusions cost $400–$800", "most clinics charge"), another provider's (named, or an outside
prescriber's), what a patient paid, per-session equivalents of a series ("($400 per
infusion)"), savings, deposits and booking fees, cancellation fees, co-pays and manufacturer
programmes, financing instalments, and non-ketamine services (vitamin drips, NAD+,
hydration, Botox...). Questions are skipped. A free consultation is a consultation price of 0.

Whose price it is needs positive evidence (see "whose price it is" below): each price
carries a ``voice`` — the provider speaks, a price line, a plain fee statement — and a price
read in no such voice, or in market-like wording, is ``unclear``: crawler.extract.confidence
holds it for a curator, and `katdir extract` prints it apart, never as the provider's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from price_parser import Price

from . import language as L
from .document import MAIN, Block, Document
from .reading import sentences
from .routes import KETAMINE_RE, NON_KETAMINE_RE, routes_in
from .structured import Structured, offers

MIN_AMOUNT, MAX_AMOUNT = 20.0, 25000.0
# a price list's "drips" are wellness drips unless ketamine is named
NON_KETAMINE_PRICE_RE = re.compile(NON_KETAMINE_RE.pattern + r"|\bdrips?\b", re.I)

# table cells run together ("$400-$6004-6$1,600"): an amount of three digits directly followed by
# a session count and the next amount ends after its third digit
_NUM = (
    r"\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d{3}(?=\d{1,2}(?:[-–]\d{1,2})?(?:US\$|\$|£|€))|"
    r"\d+(?:\.\d{1,2})?"
)
# a currency before the amount: "$", "US$", "CAD $", "A$", "£", "€"
_CUR = (
    r"US\$|USD\s?\$?|C\$|CA\$|CAD\s?\$?|A\$|AU\$|AUD\s?\$?|NZ\$|NZD\s?\$?|GBP\s?£?|£|EUR\s?€?|€|\$"
)
# an amount with its currency after it is tried only where a run of digits starts: linear on
# long runs of digits
MONEY_RE = re.compile(
    rf"(?P<cur>{_CUR})\s?(?P<num>{_NUM})(?P<k>\s?[kK]\b)?|"
    rf"(?<![\d,.])(?P<num2>{_NUM})\s?(?P<cur2>dollars|USD|CAD|AUD|NZD|GBP|pounds|euros?|EUR)\b"
)
_RANGE_TAIL_RE = re.compile(
    rf"^\s*(?:–|—|-|to|and|through|or)\s*(?:{_CUR})?\s?(?P<num>{_NUM})"
    r"(?!\s*(?:%|percent|minutes?|hours?|months?|weeks?|days?|mg))"
)
CURRENCY_CODES = {
    "$": None,
    "dollars": None,
    "us$": "USD",
    "usd": "USD",
    "c$": "CAD",
    "ca$": "CAD",
    "cad": "CAD",
    "a$": "AUD",
    "au$": "AUD",
    "aud": "AUD",
    "nz$": "NZD",
    "nzd": "NZD",
    "£": "GBP",
    "gbp": "GBP",
    "pounds": "GBP",
    "€": "EUR",
    "eur": "EUR",
    "euro": "EUR",
    "euros": "EUR",
}
# a bare "$" or "dollars" on a site of these countries
_DOLLAR_BY_TLD = {"au": "AUD", "ca": "CAD", "nz": "NZD"}

_UNITS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen"
)
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety"
_WORD_VALUES = {w: i for i, w in enumerate(_UNITS.split())}  # noqa: SIM905 - a sentence reads better
_WORD_VALUES.update({w: 10 * i for i, w in enumerate(_TENS.split(), 2)})  # noqa: SIM905
_NUMBER_WORD = (
    r"(?:" + "|".join(sorted(_WORD_VALUES, key=len, reverse=True)) + r"|hundred|thousand)"
)
# "four hundred and fifty dollars": number words, each followed by a space or a hyphen
_WORD_MONEY_RE = re.compile(
    rf"\b(?P<words>(?:a\s+)?{_NUMBER_WORD}(?:(?:\s+and\s+|[\s-]+){_NUMBER_WORD}){{0,7}})\s+"
    r"(?P<cur>dollars|pounds|euros)\b",
    re.I,
)


def words_to_number(words: str) -> int | None:
    """The value of English number words up to the thousands ("four hundred and fifty" -> 450)."""
    total, current = 0, 0
    for token in re.findall(r"[a-z]+", words.lower()):
        if token == "and":
            continue
        if token == "a":
            current = current or 1
        elif token == "hundred":
            current = (current or 1) * 100
        elif token == "thousand":
            total += (current or 1) * 1000
            current = 0
        elif token in _WORD_VALUES:
            current += _WORD_VALUES[token]
        else:
            return None
    value = total + current
    return value or None


def page_currency(url: str) -> str:
    """What a bare "$" means on this site."""
    host = (urlsplit(url).hostname or "").lower()
    return _DOLLAR_BY_TLD.get(host.rsplit(".", 1)[-1], "USD")


_EXCLUDE_RE = re.compile(
    r"\b(deposits?|(?:booking|reservation|holding|scheduling) fees?|cancel\w*|no[- ]shows?|late fees?|fee applies|penalt\w+|save|saves|saving|savings|"
    r"discount\w*|off\b|rebate|co-?pays?|co-?payments?|coinsurance|deductibles?|out[- ]of[- ]pocket max\w*|"
    r"savings program|copay program|carepath|gift cards?|refer a friend|referral bonus|raised|revenue|"
    r"billion|million|salary|grant|donat\w+|reimburse\w*|credit of|tip)\b|\$\d+\s*off\b",
    re.I,
)
_FINANCING_RE = re.compile(
    r"\b(financ\w+|carecredit|care credit|cherry|affirm|sunbit|advance care|"
    r"payment plans?|installments?|as low as|apr)\b",
    re.I,
)
_MONTHLY_RE = re.compile(r"(?:/\s?mo\b|/\s?month\b|\bper month\b|\ba month\b|\bmonthly\b)", re.I)
_EQUIV_RE = re.compile(
    r"\b(works out to|that'?s (?:just|only|about)|equivalent|effectively|comes to|"
    r"breaks down to|i\.e\.|or just|or only|just|only|averag\w+ out)\b",
    re.I,
)
_PER_MARKER_RE = re.compile(
    r"^\s*(?:/\s?(?:session|visit|treatment|infusion|injection|dose|appt)|per\b|each\b|apiece\b|"
    r"a (?:session|visit|treatment|infusion|dose|shot)\b|an (?:infusion|injection|appointment)\b)",
    re.I,
)
_OPEN_TAIL_RE = re.compile(r"^\s*(?:\+|or more\b|and up\b|and above\b|or higher\b|plus\b)", re.I)
_STARTING_RE = re.compile(
    r"\b(start(?:s|ing)? (?:at|from)|from|as low as|beginning at|begins? at|"
    r"low as|minimum)\s*$",
    re.I,
)

_UNIT_WORDS = r"(?:min(?:ute)?s?|hours?|hrs?|days?|weeks?|months?|years?|mg|ml|percent|%)"
_SESSION_NOUN = r"(?:infusions?|sessions?|treatments?|injections?|visits?|doses?|appointments?|shots?|journeys?)"
_SERIES_N_RES = [
    re.compile(
        rf"\b(?:series|package|bundle|pack|course|block|set|round|program(?:me)?|protocol)\s+of\s+(?P<n>{L.NUMBER_RE})\b",
        re.I,
    ),
    re.compile(
        rf"\b(?P<n>{L.NUMBER_RE})[\s-]+(?!{_UNIT_WORDS}\b)(?:[\w+-]+[\s-]+){{0,2}}?{_SESSION_NOUN}\b",
        re.I,
    ),
    re.compile(rf"\b(?P<n>{L.NUMBER_RE})[\s-]*(?:pack|bundle|package|series)\b", re.I),
    re.compile(
        rf"\b(?:for|of|buy|prepay(?: for)?|book)\s+(?P<n>{L.NUMBER_RE})\b(?!\s*(?:{_UNIT_WORDS}|\$|,\d))(?![\w-])",
        re.I,
    ),
]
_MAINT_RE = re.compile(
    r"\b(boosters?|maintenance|top[- ]?ups?|tune[- ]?ups?|refresher|"
    r"follow[- ]?up (?:infusion|injection|treatment|session|dose)s?)\b",
    re.I,
)
_CONSULT_RE = re.compile(
    r"\b(consult\w*|intake|evaluations?|eval|assessments?|screenings?|new[- ]patient (?:visit|appointment|exam)|"
    r"initial (?:visit|appointment)|psychiatric (?:visit|appointment)|medication management|"
    r"follow[- ]?up (?:\w+ )?(?:visit|appointment)s?|video visits?|telehealth visits?|office visits?|check-?ups?)\b",
    re.I,
)
_OTHER_RE = re.compile(
    r"\b(integration|preparation|preparatory|prep|psychotherapy sessions?|therapy sessions?|therapy rate|"
    r"counsel(?:l)?ing|coaching|membership|prescription management|program fee|per month|a month|monthly)\b|/\s?mo\b",
    re.I,
)
_SERIES_WORD_RE = re.compile(
    r"\b(series|package|bundle|[a-z]+-pack|course of|block of|loading|induction)\b", re.I
)
_SESSION_RE = re.compile(rf"\b(single|one|each|per|individual)\b|\b{_SESSION_NOUN}\b", re.I)
_RELEVANT_RE = re.compile(
    r"\b(ketamine|esketamine|spravato|infusions?|injections?|sessions?|treatments?|doses?|visits?|"
    r"consult\w*|intake|evaluation|assessment|screening|boosters?|maintenance|series|package|bundle|"
    r"integration|therapy|program|lozenges?|troches?|prices?|pricing|costs?|fees?|rates?|investment|"
    r"pay|charge|self-pay|kap|iv|im|protocol|top-up|appointments?)\b",
    re.I,
)


@dataclass
class Money:
    start: int
    end: int
    low: float
    high: float | None
    currency: str | None = None  # None: a bare "$" or "dollars", whose meaning depends on the site


@dataclass
class PriceQuote:
    amount_min: float
    amount_max: float | None
    route: str | None
    kind: str
    sessions: int | None
    quote: str
    currency: str = "USD"
    open_ended: bool = False  # "from $399", "$500 or more": no upper bound
    voice: str = "own"  # OWN, PARAGRAPH, DEFINITE or UNCLEAR: how plainly the provider states it

    def key(self):
        return (
            self.amount_min,
            self.amount_max,
            self.route,
            self.kind,
            self.sessions,
            self.currency,
        )


def _amount(text: str) -> float | None:
    value = Price.fromstring(text, currency_hint="USD").amount_float
    return value


def _currency(symbol: str | None) -> str | None:
    key = re.sub(r"\s+", "", (symbol or "$").lower())
    return CURRENCY_CODES.get(key, CURRENCY_CODES.get(key.rstrip("$£€")))


def money_in(text: str) -> list[Money]:
    out: list[Money] = []
    for m in MONEY_RE.finditer(text):
        num = m.group("num") or m.group("num2")
        low = _amount(num)
        if low is None:
            continue
        if m.group("k"):
            low *= 1000
        end = m.end()
        high = None
        tail = _RANGE_TAIL_RE.match(text[end:])
        if tail:
            candidate = _amount(tail.group("num"))
            # "$0 - $50" is one span (under any fee), not a $50 fee
            if candidate is not None and candidate > low and (low == 0 or candidate <= low * 10):
                high = candidate
                end += tail.end()
        if out and out[-1].end > m.start():
            continue
        out.append(Money(m.start(), end, low, high, _currency(m.group("cur") or m.group("cur2"))))
    if re.search(r"dollars|pounds|euros", text, re.I):
        for m in _WORD_MONEY_RE.finditer(text):
            value = words_to_number(m.group("words"))
            if value and not any(o.start < m.end() and m.start() < o.end for o in out):
                out.append(Money(m.start(), m.end(), float(value), None, _currency(m.group("cur"))))
        out.sort(key=lambda x: x.start)
    return out


def series_count(text: str) -> int | None:
    for pattern in _SERIES_N_RES:
        for m in pattern.finditer(text):
            raw = m.group("n").lower()
            n = L.NUMBER_WORDS.get(raw) if not raw.isdigit() else int(raw)
            if n and 2 <= n <= 30:
                return n
    return None


# "Ketamine infusion (includes consultation)": what a fee includes is not its kind
_INCLUDES_RE = re.compile(
    r"\b(?:includ\w*|with|plus)\s+(?:an?\s+|the\s+|your\s+|one\s+|1\s+)?(?:[\w-]+\s+){0,2}?"
    r"(?:consult\w*|evaluations?|assessments?|screenings?|integration(?:\s+sessions?)?|preparation(?:\s+sessions?)?)\b",
    re.I,
)


_KETAMINE_THERAPY_RE = re.compile(r"\bketamine[- ](?:assisted[- ])?(?:psycho)?therapy\b", re.I)


def kind_of(text: str) -> tuple[str | None, int | None]:
    """The kind of price a piece of context speaks of, and a number of sessions."""
    stripped = _INCLUDES_RE.sub(" ", text)
    if stripped != text and (_SESSION_RE.search(stripped) or series_count(stripped)):
        text = stripped
    # "a ketamine-assisted psychotherapy session" is a dosing session, not a therapy fee
    text = _KETAMINE_THERAPY_RE.sub("ketamine treatment", text)
    n = series_count(text)
    if _MAINT_RE.search(text):
        return "maintenance", n
    if n:
        return "series", n
    if _CONSULT_RE.search(text):
        return "consultation", None
    if _OTHER_RE.search(text):
        return "other", None
    if _SERIES_WORD_RE.search(text):
        return "series", None
    if _SESSION_RE.search(text):
        return "per_session", None
    return None, None


_FILLER_RE = re.compile(
    rf"\b(?:\d+|{_UNIT_WORDS}|hr|per|each|a|an|the|only|just|usd|from)\b|[^\w\s]", re.I
)


def _bare(text: str) -> bool:
    """A price shown without words of its own ("$450", "1 hr 30 min $350", "$525/treatment"):
    its meaning is in the card around it."""
    rest = _FILLER_RE.sub(" ", MONEY_RE.sub(" ", text))
    return len(rest.split()) <= 1


# a label that names a ketamine fee without naming ketamine ("Booster", "Initial consultation")
_KETAMINE_FEE_LABEL_RE = re.compile(
    r"\b(?:boosters?|maintenance|series|package|bundle|consult\w*|intake|screening|"
    r"dosing|integration|preparation)\b",
    re.I,
)


def _names_ketamine_fee(label: str) -> bool:
    return bool(
        KETAMINE_RE.search(label) or routes_in(label) or _KETAMINE_FEE_LABEL_RE.search(label)
    )


def _card(doc: Document, block: Block) -> list[Block]:
    """The blocks of the small container (a pricing card, a table cell group) around a
    short price block: its title first, then its neighbours nearest first."""
    blocks = doc.blocks
    i = block.index
    if not block.anc and not doc.is_html:
        # plain text: a price list's amount on its own line under its label ("Single Infusion" / "$450")
        prev = blocks[i - 1] if i > 0 else None
        if (
            prev is not None
            and prev.region == block.region
            and not money_in(prev.text)
            and len(L.words(prev.text)) <= 8
            and _names_ketamine_fee(prev.text)
        ):
            return [prev]
        return []
    for depth in range(len(block.anc) - 1, max(len(block.anc) - 6, 0), -1):
        anc_id = block.anc[depth]
        lo = i
        while (
            lo - 1 >= 0 and len(blocks[lo - 1].anc) > depth and blocks[lo - 1].anc[depth] == anc_id
        ):
            lo -= 1
        hi = i
        while (
            hi + 1 < len(blocks)
            and len(blocks[hi + 1].anc) > depth
            and blocks[hi + 1].anc[depth] == anc_id
        ):
            hi += 1
        members = [b for b in blocks[lo : hi + 1] if b is not block]
        if not members:
            continue
        if hi - lo + 1 > 14 or sum(len(b.text) for b in blocks[lo : hi + 1]) > 700:
            return []
        others = [
            b
            for b in members
            if not money_in(b.text) or len(L.words(MONEY_RE.sub("", b.text))) >= 3
        ]
        if not others:
            continue
        before = sorted((b for b in others if b.index < i), key=lambda b: -b.index)
        after = sorted((b for b in others if b.index > i), key=lambda b: b.index)
        if not before:
            return []  # a card is read from its title down
        titles = [b for b in before if b.is_heading][:1] or [before[0]]
        rest = [b for b in before if b is not titles[0]] + after
        return titles + rest
    return []


_PHRASE_BOUNDARY_RE = re.compile(
    r"[,;()\[\]]|\b(?=(?:but|however|whereas|while|although|though|yet|instead|rather than|unlike|"
    r"except|as opposed to|compared (?:to|with)|because|so that)\b)",
    re.I,
)


def _levels(
    sentence: str, money: Money, prev_end: int, block: Block, card: list[Block]
) -> list[tuple[str, str]]:
    segs = L.segments(sentence)
    seg = L.span_at(segs, money.start)
    clause = L.span_at(L.clauses(sentence), money.start)
    label_start = L.span_at(L._split(sentence, _PHRASE_BOUNDARY_RE), money.start).start
    phrase_start = max(prev_end, label_start)
    tail = sentence[money.end :]
    tail_m = re.match(r"[^,;.(|\n$]{0,40}", tail)
    # the words after an amount end where another item starts ("$425 and a series of six")
    tail_text = (
        re.split(r"\b(?:and|or|but|while|plus|whereas)\b", tail_m.group(0), maxsplit=1)[0]
        if tail_m
        else ""
    )
    tail_words = " ".join(tail_text.split()[:4])
    phrase = (
        sentence[phrase_start : money.start]
        + " "
        + sentence[money.start : money.end]
        + " "
        + tail_words
    )
    levels = [
        ("phrase", phrase),
        ("segment", seg.text),
        ("clause", clause.text),
        ("sentence", sentence),
    ]
    if block.text != sentence:
        levels.append(("block", block.text))
    for b in card:
        levels.append(("card", b.text))
    return levels


def find(doc: Document, data: Structured, offered_routes: list[str]) -> list[PriceQuote]:
    found: dict[tuple, PriceQuote] = {}
    page_route = offered_routes[0] if len(offered_routes) == 1 else None
    units: list[tuple[str, Block]] = []
    for s in sentences(doc):
        if s.question:
            continue
        units.append((s.text, s.block))
    for entity in data.top_clinics() or data.clinics():
        for label, low, high in offers(entity):
            if low is None:
                continue
            text = f"{label}: ${low:g}" + (f"–${high:g}" if high else "")
            units.append((text, Block(text=text, tag="li", region=MAIN, index=-1)))
    card_cache: dict[int, list[Block]] = {}
    host = _host_label(doc.url)
    guide = _cost_guide_title(doc)
    default_currency = _page_dollar(doc, units)
    for sentence, block in units:
        moneys = money_in(sentence)
        if not moneys:
            continue
        if not doc.is_html and not block.headings and block.index > 0:
            block = _under_plain_label(doc.blocks, block)
        for money in moneys:
            money.currency = money.currency or default_currency
        moneys = _cash_and_standard(sentence, moneys)
        if block.index >= 0 and _bare(block.text):
            if block.index not in card_cache:
                card_cache[block.index] = _card(doc, block)
            card = card_cache[block.index]
        else:
            card = []
        prev_end = 0
        earlier: list[PriceQuote | None] = []
        for money in moneys:
            quote = _read(
                sentence,
                money,
                prev_end,
                block,
                card,
                earlier,
                page_route,
                doc.blocks,
                host,
                guide,
                "iv" in offered_routes,
            )
            earlier.append(quote)
            prev_end = money.end
            if quote is None:
                continue
            for q in quote if isinstance(quote, list) else [quote]:
                found.setdefault(q.key(), q)
    for quote in _free_consultations(doc, default_currency):
        if not any(q.kind == "consultation" and q.amount_min == 0 for q in found.values()):
            found.setdefault(quote.key(), quote)
    quotes = list(found.values())
    # the same fee read once with its route and once without: keep the one with the route
    routed = {(q.amount_min, q.amount_max, q.kind, q.sessions) for q in quotes if q.route}
    return [
        q
        for q in quotes
        if q.route or (q.amount_min, q.amount_max, q.kind, q.sessions) not in routed
    ]


def _under_plain_label(blocks: list[Block], block: Block) -> Block:
    """Plain text has no headings: a short line without an amount or a full stop right above a
    price line ("Spravato" / "Self-pay: $850 per session") is its heading."""
    prev = blocks[block.index - 1]
    if (
        prev.region == block.region
        and len(L.words(prev.text)) <= 6
        and not money_in(prev.text)
        and not re.search(r"[.!?:]\s*$", prev.text)
        and _names_ketamine_fee(prev.text)
    ):
        return replace(block, headings=(prev.text,))
    return block


_CASH_RE = re.compile(
    r"^\s*(?:\(\s*)?(?:cash|self[- ]pay|if paid (?:in cash|at the time of service))\b", re.I
)
_CASH_BEFORE_RE = re.compile(r"(?:cash|self[- ]pay)(?: price)?\s*[:\-–]?\s*$", re.I)


def _cash_and_standard(sentence: str, moneys: list[Money]) -> list[Money]:
    """ "$365 $335 cash", "$300 (self-pay $280)": one fee with a standard and a cash price makes
    one price, min the cash price, max the standard one (the realweb convention)."""
    out: list[Money] = []
    i = 0
    while i < len(moneys):
        a = moneys[i]
        b = moneys[i + 1] if i + 1 < len(moneys) else None
        if b is not None and a.high is None and b.high is None and a.currency == b.currency:
            between = sentence[a.end : b.start]
            if (
                re.fullmatch(r"[\s/|,(]*", between)
                and (_CASH_RE.match(sentence[b.end :]) or _CASH_BEFORE_RE.search(between))
                or re.fullmatch(
                    r"\s*\(?\s*(?:cash|self[- ]pay)(?: price)?\s*[:\-–]?\s*", between, re.I
                )
            ):
                out.append(Money(a.start, b.end, min(a.low, b.low), max(a.low, b.low), a.currency))
                i += 2
                continue
        out.append(a)
        i += 1
    return out


def _page_dollar(doc: Document, units: list[tuple[str, Block]]) -> str:
    """What a bare "$" means on this page: the site's country, or the one other currency the
    page names explicitly ("CAD $375", "AUD")."""
    explicit = {m.currency for text, _ in units for m in money_in(text) if m.currency}
    explicit |= {c for c in ("CAD", "AUD", "NZD") if re.search(rf"\b{c}\b", doc.full_text())}
    dollars = explicit - {"GBP", "EUR"}
    if len(dollars) == 1:
        return dollars.pop()
    return page_currency(doc.url)


# "a free 15-minute phone consultation", "Free screening", "complimentary consult"
_FREE_CONSULT_RE = re.compile(
    r"\b(?:free|complimentary|no[- ]cost|no[- ]charge)\s+(?:(?:\d{1,2}|fifteen|twenty|thirty)[- ]?(?:minutes?|mins?)\s+)?"
    r"(?:(?:initial|intake|phone|telephone|video|virtual|discovery|preliminary|first|introductory|"
    r"new[- ]patient|eligibility|consultation)\s+){0,2}"
    r"(?:consultations?|consults?|screenings?|evaluations?|assessments?|intake(?:\s+(?:phone\s+)?calls?)?|"
    r"(?:phone |discovery |intro |introductory |consultation |)calls?|(?:discovery|intro(?:ductory)?|consultation) "
    r"(?:sessions?|meetings?|visits?))\b|"
    r"\b(?:consultations?|consults?|screenings?)\s+(?:is|are)\s+(?:always\s+)?(?:free|complimentary)\b|"
    # "Initial consultation: free", "$0 consultation", "no charge for the first consultation"
    r"\b(?:consultations?|consults?|screenings?)\s*[:|–—-]\s*(?:free|complimentary|no charge|\$0(?:\.00)?)(?![\w.,]*\d)|"
    r"\$0(?:\.00)?\s+(?:\w+\s+)?(?:consultations?|consults?|screenings?)\b|"
    r"\b(?:no (?:charge|fee|cost)|free of charge) for (?:the|your|an?) (?:\w+\s+)?(?:consultations?|consults?|screenings?)\b",
    re.I,
)
_ABOUT_RE = re.compile(
    r"\b(?:about|regarding|to discuss|to see (?:if|whether)|to learn)\b.*$", re.I
)


# "ask whether the clinic offers a free consultation": advice to a reader, not an offer
_ADVICE_RE = re.compile(
    r"\b(?:ask(?:ing)?|look for|check (?:if|whether)|whether|if (?:the|a|your) (?:clinic|provider|practice)|"
    r"(?:many|most|some|several|other) (?:clinics|providers|practices|centers|programs))\b",
    re.I,
)


def _free_consultations(doc: Document, currency: str) -> list[PriceQuote]:
    """A consultation the provider offers free of charge is a consultation price of 0. Its route
    comes from its own words, or from a short subtitle right under it ("Free screening" /
    "Preliminary screening for Spravato"); what it is "about" is not its route."""
    out = []
    host = _host_label(doc.url)
    for s in sentences(doc):
        if s.question:
            continue
        m = _FREE_CONSULT_RE.search(s.text)
        if not m:
            continue
        if L.MARKET_RE.search(s.text) or (
            L.GENERAL_RE.search(s.text) and not L.OWN_RE.search(s.text)
        ):
            continue
        if (
            _ADVICE_RE.search(s.text)
            or L.THIRD_PARTY_RE.search(s.text)
            or _named_provider(s.text, host) is False
        ):
            continue  # advice to readers, or other providers' free consultations
        words = _ABOUT_RE.sub(" ", _LEADS_TO_RE.sub(" ", s.text))
        rs = routes_in(words)
        nxt = doc.blocks[s.block.index + 1] if 0 <= s.block.index < len(doc.blocks) - 1 else None
        if (
            not rs
            and len(L.words(s.block.text)) <= 4
            and nxt is not None
            and len(L.words(nxt.text)) <= 8
        ):
            rs = routes_in(nxt.text)
        route = rs[0] if len(rs) == 1 else None
        out.append(PriceQuote(0.0, None, route, "consultation", None, L.quote(s.text), currency))
        break
    return out


# fees of a practice's other care: general psychiatry, medication management, ordinary therapy
_NOT_KETAMINE_CARE_RE = re.compile(
    r"\b(?:medication management|med management|med checks?|psychiatric (?:follow[- ]?ups?|med\w*)|"
    r"ordinary therapy|talk therapy|tms|ect|nitrous|psychological testing)\b",
    re.I,
)
# "4-6" alone between two amounts of a price table: the sessions of a series
_COUNT_CELL_RE = re.compile(r"^\s*(?:\|\s*)?\d{1,2}\s*[-–]\s*\d{1,2}\s*(?:\|\s*)?$")


# a fee charged for a missed or late-cancelled appointment: not a price of treatment
_PENALTY_CLAUSE_RE = re.compile(
    r"\b(?:no[- ]shows?|(?:do|does|did) not (?:show|arrive|attend)|fail(?:s|ure)? to (?:show|appear|attend)|"
    r"(?:hours?|days?)['’]? (?:advance )?notice|late (?:change|arrival|cancel\w*)|cancel\w*|reschedul\w*|"
    r"missed (?:appointments?|sessions?)|returned (?:checks?|cheques?)|insufficient funds)\b",
    re.I,
)
# "The cost is $40 per session" in a paragraph about a therapy group: the group's fee
_NON_DOSING_TOPIC_RE = re.compile(
    r"\b(?:groups?|integration|psychotherapy|therapy sessions?|counsel(?:l)?ing|coaching)\b", re.I
)
_DOSING_RE = re.compile(
    r"\b(?:ketamine|esketamine|spravato|infusions?|injections?|doses?|dosing|lozenges?|troches?|"
    r"treatments?|iv|im)\b",
    re.I,
)


def _read(
    sentence: str,
    money: Money,
    prev_end: int,
    block: Block,
    card: list[Block],
    earlier: list,
    page_route: str | None,
    doc_blocks: list[Block] = (),
    host: str = "",
    guide: bool = False,
    iv_page: bool = False,
) -> list[PriceQuote] | None:
    if money.low < MIN_AMOUNT or money.low > MAX_AMOUNT:
        return None
    levels = _levels(sentence, money, prev_end, block, card)
    phrase, segment, clause = levels[0][1], levels[1][1], levels[2][1]
    if _EXCLUDE_RE.search(phrase) or _PENALTY_CLAUSE_RE.search(clause):
        return None
    if _MONTHLY_RE.search(phrase) and _FINANCING_RE.search(segment):
        return None
    if re.search(r"\bas low as\b", phrase, re.I) and _FINANCING_RE.search(sentence):
        return None
    # non-ketamine services
    own_words = phrase + (" " + card[0].text if card else "")
    if NON_KETAMINE_PRICE_RE.search(own_words) and not KETAMINE_RE.search(phrase):
        return None
    if _NOT_KETAMINE_CARE_RE.search(phrase) and not KETAMINE_RE.search(phrase):
        return None
    if (
        block.headings
        and NON_KETAMINE_PRICE_RE.search(block.headings[-1])
        and not (KETAMINE_RE.search(block.text) or routes_in(block.text))
    ):
        return None
    # market, average and third-party prices
    if L.MARKET_RE.search(phrase) or L.MARKET_RE.search(segment):
        return None
    if L.GENERAL_RE.search(segment) and not L.OWN_RE.search(segment):
        return None
    if L.MARKET_RE.search(clause) and not L.OWN_RE.search(segment):
        return None
    if L.GENERAL_RE.search(clause) and not L.OWN_RE.search(sentence):
        return None
    if _PATIENT_RE.search(clause):
        return None  # what a patient paid, in a patient's words
    if _DRUG_COST_RE.search(clause) and not _OWN_VOICE_RE.search(phrase):
        return None  # "the medication alone costs $600": a drug-cost aside (the realweb README)
    voice = _voice(sentence, money, levels, block, card, host, _line_title(block, doc_blocks))
    if (
        guide
        and voice in (DEFINITE, OWN)
        and not _OWN_VOICE_RE.search(sentence)
        and block.index >= 0
        and _named_provider(sentence, host) is not True
    ):
        voice = UNCLEAR  # a cost guide's table or plain figures: the market's, unless "we" speaks
    if voice is None:
        return None  # another provider's price
    if (
        voice == UNCLEAR
        and not _MARKET_LIKE_RE.search(phrase)
        and not _SPAN_RE.search(phrase)
        and not (money.high and money.high >= WIDE_RANGE * money.low)
    ):
        # "IM sessions are $350 each, IV $550": the next item of a fee list the sentence began
        stated = [q.voice for qs in earlier if qs for q in qs if q.voice != UNCLEAR]
        voice = stated[-1] if stated else voice
    # relevance: something around it must say this is a fee for treatment
    context = " ".join(t for _, t in levels) + " " + " ".join(block.headings[-2:])
    if not _RELEVANT_RE.search(context):
        return None
    kind, sessions = _kind(levels, card, block)
    if prev_end and _COUNT_CELL_RE.match(sentence[prev_end : money.start]):
        kind, sessions = "series", None
    if kind is None:
        # nothing around the amount names what it pays for, but a route ("IV ketamine —
        # $395") is a dosing session; a fee of no recognised kind at all is read as a
        # session's, but a curator confirms it before it is published
        named_route = any(routes_in(t, iv_page=iv_page) for _, t in levels[:4]) or any(
            routes_in(t, iv_page=iv_page)
            for t in [*(b.text for b in card[:1]), *block.headings[-1:]]
        )
        kind = "per_session"
        voice = voice if named_route else UNCLEAR
    if (
        kind == "per_session"
        and not _DOSING_RE.search(sentence)
        and _NON_DOSING_TOPIC_RE.search(block.text)
    ):
        kind = "other"
    if kind == "series" and _PER_MARKER_RE.match(sentence[money.end :]):
        kind, sessions = "per_session", None
    if kind == "series" and sessions is None:
        sessions = _series_count_nearby(sentence[prev_end : money.start], block, doc_blocks)
    # a per-session equivalent of a series price given just before it
    prior = [q for qs in earlier if qs for q in qs]
    if kind == "per_session" and any(q.kind == "series" for q in prior):
        inside_brackets = sentence[: money.start].count("(") > sentence[: money.start].count(")")
        if inside_brackets or _EQUIV_RE.search(phrase):
            return None
    routes = _routes(levels, card, block, kind, page_route, iv_page)
    text = (
        sentence
        if not card or len(L.words(MONEY_RE.sub("", sentence))) >= 3
        else f"{card[0].text} — {sentence}"
    )
    open_ended = money.high is None and bool(
        _STARTING_RE.search(sentence[max(prev_end, money.start - 40) : money.start])
        or _OPEN_TAIL_RE.match(sentence[money.end :])
    )
    return [
        PriceQuote(
            money.low,
            money.high,
            r,
            kind,
            sessions,
            L.quote(text),
            money.currency or "USD",
            open_ended,
            voice,
        )
        for r in routes
    ]


# --- whose price it is ----------------------------------------------------------------------
# A price is the provider's own only where the provider states it as its own (the realweb
# README). Own prices are rare on the real web and market figures common, so a price needs
# positive evidence of the provider's voice, and market evidence always wins:
# - OWN: the provider speaks in its clause or sentence ("our infusions are $450", "we
#   charge", "at <this provider's name>"), or the price is a line of a price list, a pricing
#   card or the page's structured offers ("Cost – $550 per infusion", "IV infusion | $450").
# - PARAGRAPH: a plain statement in a paragraph where the provider speaks ("We meet on
#   Tuesdays. The cost is $40 per session."): published, less sure.
# - DEFINITE: a plain statement of a fee, no provider named, no hedge ("Booster infusions are
#   $425."): on a provider's page that is its fee; published, less sure.
# - UNCLEAR: none of these, or market-like wording that is not conclusive ("prices range from",
#   "insurance may", "about $900", a wide range, a cost guide's plain figures): held back for
#   a curator, never published as the provider's (crawler.extract.confidence.VOICE_CAP).
# A price named as another provider's ("At the Lakeside Ketamine Clinic, infusions cost
# $500" on a site that is not Lakeside's), or an outside prescriber's, is not read at all.
OWN, PARAGRAPH, DEFINITE, UNCLEAR = "own", "paragraph", "definite", "unclear"

_OWN_VOICE_RE = re.compile(
    r"\b(?:we|we'?re|we'?ve|we'?ll|our|ours|(?-i:us|Us)|here at|at our|in our|this clinic|this practice|this office)\b|"
    r"\bwe[’']|\bI\s+(?:charge|offer|provide|bill|ask|accept|work)\b|\bmy\s+(?:\w+\s+)?(?:fees?|rates?|prices?|practice|office|"
    r"sessions?|clients?)\b",
    re.I,
)
# a patient telling what they paid: not a provider's price
_PATIENT_RE = re.compile(
    r"\bI\s+(?:paid|spent|was (?:charged|billed|quoted))\b|\bmy\s+(?:insurance|co-?pay|plan|bill|"
    r"out[- ]of[- ]pocket|deductible|first (?:infusion|treatment|session))\b",
    re.I,
)
# wording that makes a price look like a market span, short of language.MARKET_RE: what
# patients in general pay, what to expect, yearly totals, a cost guide's voice. It outweighs
# the provider's voice ("in our experience, most patients spend $2,000").
_MARKET_LIKE_RE = re.compile(
    r"\b(?:insurance|insurers?|your plan|medicare|medicaid)\s+(?:may|might|can|could|will|would|often|usually)\b|"
    r"\b(?:some|many|most|other)\s+patients\b|\bpatients\s+(?:typically|usually|often|generally|can|may|might)\b|"
    r"\byou(?:'ll| will| can| may| might| could)?\s+(?:likely\s+|probably\s+)?(?:expect|budget|plan for)\b|"
    r"\b(?:per|a|each)\s+year\b|\bannual(?:ly)?\b|\bcost guide\b|\bprices?\s+(?:vary|varies|differ)\b|"
    r"\bprice tag\b|\b(?:would|could|might)\s+(?:cost|be|run|pay|charge|total)\b|"
    r"\bcosts? of (?:ketamine|a ketamine|an? (?:iv|im|infusion|spravato))\b",
    re.I,
)
_APPROX_RE = re.compile(
    r"\b(?:about|around|approximately|roughly|nearly|close to|upwards? of|up to)\s*(?:US\$|\$|£|€)?\s*$",
    re.I,
)
# a span, which the provider may state for its own fee ("our infusions range from $450 to
# $500") but a market figure usually is
_SPAN_RE = re.compile(
    r"\b(?:ranges?|ranging|anywhere|somewhere)\s+(?:from|between)\b|"
    r"\bbetween\s+(?:about\s+|roughly\s+)?(?:US\$|\$|£|€)",
    re.I,
)
# a fee another provider charges, quoted on this provider's page (a therapist quoting the
# prescriber's evaluation): market, by the realweb README
_OUTSIDE_PROVIDER_RE = re.compile(
    r"\b(?:partner|outside|external|referring|independent|collaborating|affiliated)\s+(?:physicians?|prescribers?|"
    r"doctors?|psychiatrists?|providers?|clinics?|practices?|medical (?:team|group|provider)s?)\b|"
    r"\bbilled (?:separately )?by (?:the|their|a|an)\b|\btheir (?:practice|office|clinic|fees?)\b",
    re.I,
)
# what the drug itself costs, not a fee for treatment
_DRUG_COST_RE = re.compile(
    r"\b(?:medication|drug|medicine|spray|device)s?\s+(?:itself|alone|costs?)\b|\b(?:drug|medication|wholesale|"
    r"acquisition) (?:costs?|prices?)\b|\bper (?:vial|device|bottle|milligram|mg)\b|\bthe (?:drug|medication)'s (?:cost|price)\b",
    re.I,
)
# a range this wide, with no provider speaking, is a span of what clinics charge
WIDE_RANGE = 1.8
# a label and an amount, no verb: a line of a price list ("Cost – $550 per infusion")
_STATEMENT_RE = re.compile(
    r"\bcost\b(?!\s*[:–—|-])|\b(?:is|are|was|were|be|been|costs|costing|run|runs|range|ranges|charge|charges|charged|(?<!-)pay|pays|"
    r"can|may|might|could|would|should|will|average|averages|expect|spend|spent|said|says)\b|['’]s\b",
    re.I,
)
# a provider's name: capitalised words ending in a word for a practice
_PRACTICE_NAME_RE = re.compile(
    r"\b((?:[A-Z][\w&'’-]*\s+){1,4}(?:Clinics?|Centers?|Centres?|Institute|Wellness|Health|Healthcare|Psychiatry|"
    r"Infusions?|Therapeutics|Medical|Medicine|Group|Associates|Practice|Hospital|Ketamine|Spa|Care))\b"
)
_GENERIC_NAME_WORDS = frozenset(
    "the a an our your at ketamine esketamine spravato iv im infusion infusions therapy therapies treatment "
    "treatments clinic clinics center centers centre centres institute wellness health healthcare psychiatry "
    "therapeutics medical medicine group associates practice hospital spa care mental depression pain "
    "intravenous assisted psychotherapy kap new".split()
)


def _host_label(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    host = host[4:] if host.startswith("www.") else host
    return re.sub(r"[^a-z0-9]", "", host.rsplit(".", 1)[0])


def _named_provider(text: str, host: str) -> bool | None:
    """True when the text names this site's provider, False when it names another one
    (a name none of whose own words is in the site's address), None when it names none."""
    verdict = None
    for m in _PRACTICE_NAME_RE.finditer(text):
        own_words = [
            w
            for w in re.findall(r"[a-z0-9]+", m.group(1).lower())
            if w not in _GENERIC_NAME_WORDS and len(w) >= 3
        ]
        if not own_words:
            continue
        if host and any(w in host for w in own_words):
            return True
        verdict = False
    return verdict


_LIST_TAGS = frozenset({"li", "tr", "td", "th", "dt", "dd"})
# "is $425", "are just $350", "costs $695", "runs $450": a fee stated plainly, right before its amount
_DEFINITE_RE = re.compile(
    r"\b(?:is|are|costs?|runs?|totals?|comes to)\s+(?:just\s+|only\s+|a flat\s+)?$", re.I
)
_MODAL_RE = re.compile(r"\b(?:can|may|might|could|would|should|will)\b|['’]ll\b", re.I)


def _price_line(sentence: str, block: Block) -> bool:
    rest = MONEY_RE.sub(" ", sentence)
    limit = 18 if (block.tag in _LIST_TAGS or "|" in sentence) else 10
    return (
        len(L.words(rest)) <= limit
        and not _STATEMENT_RE.search(rest)
        and not L.GENERAL_RE.search(rest)
        and not _MARKET_LIKE_RE.search(rest)
        and not _SPAN_RE.search(rest)
    )


def _definite(clause: str, sentence: str, money: Money) -> bool:
    lead = sentence[max(0, money.start - 30) : money.start]
    return (
        bool(_DEFINITE_RE.search(lead))
        and not _MODAL_RE.search(clause)
        and not L.GENERAL_RE.search(clause)
    )


# "How Much Does Ketamine Cost?", "Ketamine Therapy Cost Guide", "The Average Cost of …": a
# page titled as a cost guide, not as a provider's fee list
_GUIDE_TITLE_RE = re.compile(
    r"\bhow much (?:does|do|is|are|will)\b|\bcost guide\b|\bprice guide\b|\baverage (?:cost|price)s?\b|"
    r"\bwhat (?:does|do|will) (?:\w+\s+){0,4}cost\b|\bcost of (?:ketamine|spravato|esketamine|an? )|"
    r"\b(?:is|are) (?:\w+\s+){0,3}(?:covered|worth)\b|\bketamine (?:therapy |treatment |infusion )?costs?\b",
    re.I,
)


_GUIDE_PATH_RE = re.compile(
    r"how-much|average-(?:cost|price)|cost-of-|costs?-guide|price-guide|what-does-[\w-]*cost|"
    r"insurance-cover|is-[\w-]*covered|costs?-(?:and|factors|explained|breakdown)",
    re.I,
)


def _cost_guide_title(doc: Document) -> bool:
    """Whether the page is titled as a cost guide: its address, its title, its first heading,
    or (plain text) its first lines, with no provider speaking in it."""
    if _GUIDE_PATH_RE.search(urlsplit(doc.url).path):
        return True
    first = [b.text for b in doc.blocks if b.region == MAIN][
        :3
    ]  # plain text: a menu line may come first
    heads = [doc.title or ""] + [b.text for b in doc.blocks if b.is_heading][:1] + first
    host = _host_label(doc.url)
    return any(
        len(L.words(h)) <= 16
        and _GUIDE_TITLE_RE.search(h)
        and not _OWN_VOICE_RE.search(h)
        and _named_provider(h, host) is not True
        and not (host and _host_named(h, host))
        for h in heads
    )


def _host_named(text: str, host: str, *, capitalised: bool = False) -> bool:
    """ "… Cost at Willowbrook?" on willowbrookketamine.example: the site's own name
    (``capitalised``: only words written as a name count)."""
    words = re.findall(
        r"[A-Z][a-z0-9]+" if capitalised else r"[a-z0-9]+", text if capitalised else text.lower()
    )
    return bool(host) and any(
        len(w) >= 5 and w.lower() not in _GENERIC_NAME_WORDS and w.lower() in host for w in words
    )


def _voice(
    sentence: str,
    money: Money,
    levels: list[tuple[str, str]],
    block: Block,
    card: list[Block],
    host: str,
    title: str = "",
) -> str | None:
    clause, phrase = levels[2][1], levels[0][1]
    if _OUTSIDE_PROVIDER_RE.search(clause) and not _OWN_VOICE_RE.search(phrase):
        return None  # "the partner physician's evaluation, billed by their practice, is $250"
    lead = L.segments(sentence[: money.start])[-1].text if sentence[: money.start].strip() else ""
    if _named_provider(lead, host) is False and not _OWN_VOICE_RE.search(lead):
        return None  # "Lakeside Ketamine Clinic charged $700 when we opened"
    if _MARKET_LIKE_RE.search(phrase):
        return UNCLEAR
    if _OWN_VOICE_RE.search(phrase):
        return OWN  # "most patients begin with six, which we offer for $2,400"
    if _MARKET_LIKE_RE.search(clause):
        return UNCLEAR  # "in our experience, most patients spend $2,000"
    if _OWN_VOICE_RE.search(clause):
        return OWN
    if _APPROX_RE.search(sentence[max(0, money.start - 30) : money.start]):
        return UNCLEAR  # "Spravato costs about $900": an estimate, not a fee
    named = _named_provider(clause, host)
    if named is False:
        return None
    if _SPAN_RE.search(clause) or (money.high is not None and money.high >= WIDE_RANGE * money.low):
        return UNCLEAR
    if named or _OWN_VOICE_RE.search(sentence) or _host_named(clause, host, capitalised=True):
        return OWN  # "At Cedar Hollow, each infusion is $475" on cedarhollow….example
    if block.index < 0:
        return OWN  # the page's structured offers
    if card or _price_line(sentence, block):
        # a line of a price list, unless its heading, card or paragraph speaks of the market
        # ("Average costs" over "IV infusion — $450"): a cost guide's table is not a fee list
        around = " ".join([title, *block.headings[-2:], *(b.text for b in card), block.text])
        if (
            L.MARKET_RE.search(around)
            or _MARKET_LIKE_RE.search(around)
            or L.GENERAL_RE.search(around)
        ):
            return UNCLEAR
        if money.high is not None and money.high > money.low:
            return UNCLEAR  # a span on a line nobody speaks in: a survey's table more than a fee
        return OWN
    if _continues_own_fees(sentence, block):
        return OWN  # "We keep our fees simple. A single session is $450."
    if _OWN_VOICE_RE.search(block.text) or any(
        _OWN_VOICE_RE.search(h) for h in block.headings[-1:]
    ):
        return PARAGRAPH
    if _definite(clause, sentence, money):
        return DEFINITE
    return UNCLEAR


_FEE_WORD_RE = re.compile(r"\b(?:fees?|prices?|pricing|costs?|rates?|charges?|payment)\b", re.I)


def _continues_own_fees(sentence: str, block: Block) -> bool:
    """The sentence right before this one, in its paragraph, is the provider speaking of its
    own fees: the price goes on with that statement."""
    sents = L.split_sentences(block.text)
    at = next((i for i, s in enumerate(sents) if sentence.strip() in s or s in sentence), None)
    if not at:
        return False
    before = sents[at - 1]
    return bool(
        _OWN_VOICE_RE.search(before)
        and _FEE_WORD_RE.search(before)
        and not (
            L.MARKET_RE.search(before)
            or L.GENERAL_RE.search(before)
            or _MARKET_LIKE_RE.search(before)
        )
    )


def _line_title(block: Block, blocks: list[Block]) -> str:
    """The short line right above a plain-text line: its heading when the text has no markup."""
    if block.headings or block.index <= 0 or block.index > len(blocks):
        return ""
    above = blocks[block.index - 1]
    return above.text if len(L.words(above.text)) <= 8 and not money_in(above.text) else ""


def _series_count_nearby(lead: str, block: Block, blocks: list[Block]) -> int | None:
    """The session count of a series price whose own words give none: stated earlier in the
    same sentence, before no other amount ("a series of six, which we offer for $2,400"), or,
    for a price in a heading ("IV series — $3,000"), in the paragraph right under it ("Six
    infusions over three weeks") when that paragraph has no amount of its own."""
    n = series_count(lead)
    if n or not block.is_heading or block.index < 0:
        return n
    nxt = blocks[block.index + 1] if block.index + 1 < len(blocks) else None
    if nxt is None or nxt.is_heading or nxt.region != block.region or money_in(nxt.text):
        return None
    first = L.split_sentences(nxt.text)
    return series_count(first[0]) if first else None  # later sentences may count other things


def _kind(
    levels: list[tuple[str, str]], card: list[Block], block: Block
) -> tuple[str | None, int | None]:
    """The kind the price's words, card or heading name (None: they name none)."""
    for name, text in levels:
        if name == "card":
            break
        kind, sessions = kind_of(text)
        if kind:
            return kind, sessions
    if card:
        n = series_count(" ".join(b.text for b in card))
        if n:
            title_kind, _ = kind_of(card[0].text)
            return ("maintenance" if title_kind == "maintenance" else "series"), n
        for b in card:
            kind, sessions = kind_of(b.text)
            if kind:
                return kind, sessions
    if block.headings:
        kind, sessions = kind_of(block.headings[-1])
        if kind in ("per_session", "series", "maintenance"):
            return kind, sessions
    return None, None


# "(applied toward your first infusion)", "required before treatment": the treatment a
# consultation leads to, which does not make the consultation itself an IV consultation
_LEADS_TO_RE = re.compile(
    r"\b(?:before|prior to|ahead of|toward|towards|applied to|credited to|deducted from|"
    r"in preparation for|to prepare for)\s+(?:(?:your|the|a|any|each|first|initial|next|"
    r"starting|beginning)\s+){0,3}[\w-]+(?:\s+[\w-]+)?",
    re.I,
)


def _routes(levels, card, block, kind, page_route, iv_page: bool = False) -> list[str | None]:
    """Route(s) of a price; consultations and other fees only from their own words."""
    own_only = kind in ("consultation", "other")
    for name, text in levels:
        if name == "card" and own_only and card and text != card[0].text:
            continue
        if own_only:
            text = _LEADS_TO_RE.sub(" ", text)
        rs = routes_in(text, iv_page=iv_page)
        if not rs:
            continue
        if name in ("phrase", "segment") or len(rs) == 1:
            return rs
        return [None]  # several routes named around it: do not guess
    if not own_only:
        for heading in reversed(block.headings[-2:]):
            rs = routes_in(heading, iv_page=iv_page)
            if rs:
                return rs if len(rs) == 1 else [None]
        if page_route:
            return [page_route]
    return [None]
