"""The whitespace agent's offline engine: the products × units matrix from CRM facts and retrieved text.

Products are the active Product2 records; units are the parent's child Accounts. A cell's
status follows one precedence: owned (a live Asset) > pipeline (an open unit Opportunity
with a line item of the product) > competitor > not_applicable > whitespace. Owned and
pipeline come from CRM records alone; competitor and not_applicable also come from
sentences in retrieved notes and calls that name the unit and the product together with a
competitor or a stated reason. Text that addresses the drafting system is skipped. Every
proposed cell cites the CRM lines or the sentences it rests on.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from agents.context import AccountEvidence, contact_name, parse_day
from agents.crm import (
    competitor_name,
    competitors_by_opportunity,
    is_lost,
    is_open,
    line_value,
    live_asset,
    number,
    unit_records,
)
from agents.reading import (
    Sentence,
    is_hedged,
    is_narrative,
    looks_like_instruction,
    quote,
    speakers_of,
    split_sentences,
    untrusted_blocks,
    visible_text,
)
from agents.stakeholders import TITLE_WORDS
from plans.diff import proposed_change
from plans.models import AccountPlan, Change, Citation, WhitespaceCell
from plans.names import display_name, normalize_name
from plans.vocabulary import CellStatus, ChangeKind
from retrieval.evidence import CrmRecord, Hit, Source, SourceType

CRM_CONFIDENCE = 0.9
SINGLE_MENTION_CONFIDENCE = 0.6
CORROBORATED_CONFIDENCE = 0.8

# ---------------------------------------------------------------------------
# The matrix: products, units and how text names them
# ---------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W_][\w&'’\-]*", text)


def _phrase_pattern(phrase: str, *, plural: bool = False) -> str:
    """A regex for a phrase whose words may be joined by spaces or hyphens ("On-Call", "on call")."""
    parts = [re.escape(w) for w in re.split(r"[\s\-]+", phrase.strip()) if w]
    body = r"[\s\-]+".join(parts)
    if plural and body.endswith("s"):
        body = body[:-1] + "s?"
    elif plural:
        body += "s?"
    return rf"(?<![\w\-]){body}(?![\w\-])"


@dataclass(frozen=True)
class Product:
    """An active Product2 and the names text may use for it."""

    id: str
    name: str
    family: str | None
    patterns: tuple[re.Pattern[str], ...]

    def spans(self, text: str) -> list[tuple[int, int]]:
        return sorted({(m.start(), m.end()) for p in self.patterns for m in p.finditer(text)})


@dataclass(frozen=True)
class Unit:
    """A child Account of the parent and the names text may use for it (matched case-sensitively)."""

    id: str
    name: str
    aliases: tuple[str, ...]
    pattern: re.Pattern[str]
    short: str  # the name without the words every sibling shares ("Corporate Services" of "Acme Corporate Services")

    def spans(self, text: str) -> list[tuple[int, int]]:
        return [(m.start(), m.end()) for m in self.pattern.finditer(text)]


def _brand(names: Sequence[str]) -> str | None:
    """The vendor's brand: a first word that at least two product names share ("Kestrel APM", "Kestrel Logs")."""
    firsts = Counter(_words(n)[0] for n in names if len(_words(n)) >= 2)
    brand, count = firsts.most_common(1)[0] if firsts else (None, 0)
    return brand if count >= 2 else None


# What people call a kind of software when they do not name the product: "the store dashboards" is
# analytics, "keeps its secrets in" is a vault. Keyed by a word of our product's name; a category
# names a product only when exactly one product carries its key word.
PRODUCT_CATEGORIES: dict[str, tuple[str, ...]] = {
    "analytics": ("dashboards", "dashboard", "reporting", "reports", "bi", "business intelligence", "insights"),
    "insight": ("dashboards", "dashboard", "reporting", "reports", "bi", "business intelligence"),
    "vault": ("secrets", "secret management", "key management", "keys", "credentials", "kms"),
    "gateway": ("edge box", "edge boxes", "iot", "edge devices", "gateways"),
    "edge": ("edge box", "edge boxes", "iot", "edge devices"),
    "mobile": ("mobile app", "mobile apps", "driver app", "driver apps", "field app", "field apps", "handhelds"),
    "apm": ("application monitoring", "performance monitoring", "tracing"),
    "monitoring": ("monitoring", "alerting", "observability"),
    "observability": ("monitoring", "observability", "tracing"),
    "logs": ("logs", "logging", "log management", "log search"),
    "siem": ("siem", "security events", "security monitoring"),
    "on-call": ("paging", "on-call", "incident response", "alert routing"),
    "backup": ("backup", "backups", "recovery"),
    "crm": ("crm", "customer records"),
    "erp": ("erp", "finance system"),
    "hr": ("hris", "payroll", "hr system"),
}
_GENERIC_NAME_WORDS = frozenset(
    {"suite", "platform", "cloud", "pro", "plus", "enterprise", "core", "one", "hub", "service"}
)


def _category_words(names: Sequence[str]) -> dict[str, set[str]]:
    """Product name → the head noun and category words that name it alone among the account's products."""
    keys = {name: {w.lower() for w in _words(name)} - _GENERIC_NAME_WORDS for name in names}
    owners: dict[str, set[str]] = defaultdict(set)
    for name, words in keys.items():
        for word in words:
            owners[word].add(name)
            for phrase in PRODUCT_CATEGORIES.get(word, ()):
                owners[phrase].add(name)
    out: dict[str, set[str]] = defaultdict(set)
    for phrase, named in owners.items():
        if len(named) == 1 and len(phrase) >= 2:
            out[next(iter(named))].add(phrase)
    return out


def active_products(evidence: AccountEvidence) -> list[Product]:
    """The active Product2 records, in CRM order, each with its name, short name, (if unique) family, and the
    head noun and category words only it carries ("Analytics", "dashboards")."""
    records = [r for r in evidence.of_type("Product2") if r.get("IsActive") is not False and r.get("Name")]
    names = [str(r.get("Name")) for r in records]
    brand = _brand(names)
    families = Counter(str(r.get("Family")) for r in records if r.get("Family"))
    categories = _category_words(names)
    products = []
    for record, name in zip(records, names, strict=True):
        keywords = {name}
        words = _words(name)
        if brand and words[0] == brand and len(words) >= 2:
            keywords.add(name.split(None, 1)[1].strip())
        patterns = [re.compile(_phrase_pattern(k, plural=True), re.IGNORECASE) for k in sorted(keywords, key=len)]
        for phrase in sorted(categories.get(name, set()) - {w.lower() for w in keywords}, key=len):
            if brand is None or phrase != brand.lower():
                patterns.append(re.compile(_phrase_pattern(phrase), re.IGNORECASE))
        code = record.get("ProductCode")
        if isinstance(code, str) and code.strip():
            patterns.append(re.compile(_phrase_pattern(code.strip())))
        family = record.get("Family")
        if isinstance(family, str) and family.strip() and families[family] == 1:
            # A family shared by no other product also names this one, when written as a proper noun.
            patterns.append(re.compile(_phrase_pattern(family.strip())))
        family_name = family if isinstance(family, str) else None
        products.append(Product(id=record.id, name=name, family=family_name, patterns=tuple(patterns)))
    return products


_GENERIC_UNIT_WORDS = frozenset(
    {"ops", "operations", "services", "group", "division", "unit", "inc", "llc", "ltd", "corp", "company", "holdings",
     "international", "us", "uk", "eu", "emea", "apac", "hq", "it", "hr", "banking", "systems", "solutions"}
)


def _city(record: CrmRecord) -> str | None:
    """Where the CRM places an Account: its billing city, else its shipping city."""
    for field_name in ("BillingCity", "ShippingCity"):
        value = record.get(field_name)
        if isinstance(value, str) and value.strip() and value.strip()[:1].isupper():
            return " ".join(value.split())
    return None


_SMALL_WORDS = frozenset({"of", "and", "&", "the", "for", "de", "der", "und"})


def _abbreviation_pattern(name: str) -> str | None:
    """A regex for a two- or three-word name written with each word clipped or contracted, as notes do
    ("Corp Svcs" for Corporate Services, "Reg. Ops" for Regional Operations): every word keeps its first letter
    and then any of its letters in order, at least three in all."""
    words = [w for w in _words(name) if w.lower() not in _SMALL_WORDS]
    if not 2 <= len(words) <= 3 or any(len(w) < 4 or not w[:1].isupper() for w in words):
        return None
    parts = [
        rf"(?=[{w[0]}]\w{{2}})[{w[0]}]" + "".join(f"(?:{re.escape(ch)})?" for ch in w[1:].lower()) + r"\.?"
        for w in words
    ]
    small = "|".join(sorted(_SMALL_WORDS))
    return r"(?<![\w\-])" + rf"[\s\-]+(?:(?:{small})[\s\-]+)?".join(parts) + r"(?![\w\-])"


def account_units(evidence: AccountEvidence) -> list[Unit]:
    """The parent's child Accounts, each with its full name and the shorter names its siblings leave unambiguous."""
    records = unit_records(evidence)
    names = [" ".join(str(r.get("Name")).split()) for r in records]
    parent_words = set(_words(evidence.account_name))
    word_lists = [_words(n) for n in names]
    shared = 0
    if len(word_lists) >= 2:
        while all(len(ws) > shared + 1 for ws in word_lists) and len({ws[shared] for ws in word_lists}) == 1:
            shared += 1
    elif word_lists and word_lists[0] and word_lists[0][0] in parent_words and len(word_lists[0]) > 1:
        shared = 1
    rests = [" ".join(ws[shared:]) for ws in word_lists]
    firsts = Counter(ws[shared] for ws in word_lists if len(ws) > shared)
    lasts = Counter(ws[-1] for ws in word_lists if ws)
    cities = [_city(r) for r in records]
    city_count = Counter(c for c in cities if c)
    parent_city = _city(evidence.account)
    units = []
    for record, name, rest, words, city in zip(records, names, rests, word_lists, cities, strict=True):
        aliases = [name]
        if rest and rest != name:
            aliases.append(rest)
        first = words[shared] if len(words) > shared else ""
        if (
            len(words) - shared >= 2
            and len(first) >= 4
            and firsts[first] == 1
            and first not in parent_words
            and first[:1].isupper()
        ):
            aliases.append(first)
        # A one-word alias must be capitalized ("Retail", not "retail"); a longer one may be written in
        # any case ("the community hospitals").
        last = words[-1] if len(words) - shared >= 2 else ""
        if (
            last
            and lasts[last] == 1
            and len(last) >= 3
            and last.lower() not in _GENERIC_UNIT_WORDS
            and last not in parent_words
            and last[:1].isupper()
        ):
            aliases.append(last)  # "Süd" for "Northline Regional Süd" beside "Northline Regional Nord"
        if city and city_count[city] == 1 and city != parent_city and city not in parent_words:
            aliases.append(city)  # "the Daventry team" is the one unit the CRM places in Daventry
        body = "|".join(
            _phrase_pattern(a) if len(a.split()) == 1 else f"(?i:{_phrase_pattern(a)})"
            for a in sorted(set(aliases), key=len, reverse=True)
        )
        if clipped := _abbreviation_pattern(rest or name):
            body += f"|{clipped}"  # "Corp Svcs"
        unit = Unit(record.id, name, tuple(dict.fromkeys(aliases)), re.compile(body), short=rest or name)
        units.append(unit)
    return units


# ---------------------------------------------------------------------------
# Reading sentences
# ---------------------------------------------------------------------------

_MARKUP = re.compile(r"\*\*|__|(?<!\w)[*_](?=\w)|(?<=\w)[*_](?!\w)|`")


def plain(text: str) -> tuple[str, list[int]]:
    """`text` without markdown emphasis, and for each kept character its offset in `text`."""
    kept: list[str] = []
    offsets: list[int] = []
    position = 0
    for match in _MARKUP.finditer(text):
        for i in range(position, match.start()):
            kept.append(text[i])
            offsets.append(i)
        position = match.end()
    for i in range(position, len(text)):
        kept.append(text[i])
        offsets.append(i)
    return "".join(kept), offsets


_CLAUSE_BREAK = re.compile(r";|\s[–—]\s|\s-\s|\b(?:while|whereas|but|although|though|however)\b", re.IGNORECASE)

_NAME_RUN = r"(?P<name>[A-Z][\w.&'’\-]*(?:\s+[A-Z][\w.&'’\-]*){0,3})"
_COMPETITOR_BEFORE = re.compile(
    r"\b(?:runs?|running|uses?|using|is|are|(?:is|are|['’]re|stays?|stayed|still|been|standardi[sz]ed)\s+on"
    r"|went\s+with|goes\s+with|going\s+with|chose|picked|selected|bought|moved\s+to|switched\s+to|migrated\s+to"
    r"|lost\s+(?:[\w\-]+\s+){0,6}?to|replaced\s+(?:us|it|[\w\-]+)\s+with"
    # "runs all its store reporting on Tableau", "keeps its secrets in HashiCorp Vault"
    r"|(?:runs?|running|keeps?|keeping|stores?|manages?|hosts?|does|do)\s+(?:[\w\-']+\s+){1,5}?(?:on|in|with|through)"
    # "signed with Samsara", "signed a 2-yr deal w/ Looker", "renewed their Qlik licences"
    r"|signed\s+(?:(?:a|an|the|their)\s+)?(?:[\w\-]+\s+){0,3}?(?:with|w/)|(?:deal|contract|agreement)\s+(?:with|w/)"
    r"|(?:has|have|had)\s+(?:a|an)|renewed\s+(?:their|its|the)?)\s*" + _NAME_RUN
)
# A competitor let go: "Finance dropped Power BI after the licence change" — newer than the holding, the
# cell is open again.
_RELEASED = re.compile(
    r"\b(?:dropped|ditched|cancell?ed|got\s+rid\s+of|moved\s+(?:off|away\s+from)|retired|switched\s+off|turned\s+off"
    r"|decommissioned|(?:is|are)\s+leaving|churned\s+(?:from|off))\s+" + _NAME_RUN
)
_COMPETITOR_AFTER = re.compile(
    _NAME_RUN + r"(?:\s+(?:now|still|already|today))?\s+(?:runs|holds|keeps|owns|covers|handles|won"
    r"|does(?!\s+not|n['’]t)|"
    r"(?:is|was)\s+(?:installed|deployed|in\s+place))\b"
)
# fmt: off
_COMMON_CAPITALS = frozenset(
    {
        "i", "we", "our", "the", "a", "an", "it", "they", "their", "this", "that", "he", "she", "you", "us",
        "and", "but", "or", "so", "then", "also", "there", "here", "what", "which", "who", "when", "if",
        "q1", "q2", "q3", "q4", "fy", "ok", "okay", "yes", "no", "not", "none", "nothing", "all", "both",
        "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
        "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "ai", "sso", "po",
        "whoever", "whatever", "whichever", "everyone", "everybody", "someone", "somebody", "anyone", "anybody",
        "nobody", "each", "every", "some", "most", "many", "one", "another", "other", "others", "either", "neither",
    }
)
# fmt: on

_NOT_APPLICABLE = re.compile(
    r"\b(?:does\s+not|doesn['’]t|do\s+not|don['’]t|would\s+not|wouldn['’]t)\s+(?:really\s+)?(?:apply|fit|need|make\s+sense)\b"
    r"|\bnot\s+applicable\b|\bn/a\s+(?:for|to)\b|\b(?:is|are|=)\s+n/a\b|\bnot\s+(?:a|an)\s+(?:good\s+)?fit\b|\bno\s+fit\b"
    r"|\bnot\s+relevant\b|\bno\s+relevance\b|\bno\s+(?:need|use|use\s+case)\s+for\b|\bnever\s+need\b"
    r"|\bno\s+(?:[A-Za-z]+\s+){1,2}(?:need|use\s+case)\s+(?:at|in|for)\b"  # "No WMS need at LM"
    # "no pressure in a gravity sewer for the loggers to hear", as "nothing for Restock to replenish" — but a
    # lack of money or time is no reason the product cannot apply
    r"|\bno\s+(?!(?:budget|money|time|appetite|plan|capacity|resources?|headcount|funding|bandwidth|reason|one|way)\b)"
    r"[a-z-]+(?:\s+[\w-]+){0,4}?\s+for\s+(?:the\s+|our\s+|its\s+)?[\w-]+(?:\s+[\w-]+)?\s+to\s+[a-z]+\b"
    # "nothing for Restock to replenish", "nothing there to connect it to", "nothing we could monitor"
    r"|\bnothing(?:\s+[\w'’-]+){0,4}?\s+to\s+(?!(?:report|say|add|share|discuss|worry|lose|hide|do\s+with)\b)[a-z]+\b"
    r"|\bnothing\b[^.;:]{0,40}?\b(?:which|that)?\s*(?:we|you|it)\s+(?:could|can|would)\s+(?!not\b)[a-z]+\b"
    r"|\bnon-?starter\b|\bdead\s+end\b|\bha(?:s|ve)\s+nothing\s+to\s+do\s+(?:there|here)\b"
    r"|\bout\s+of\s+scope\b|\boff\s+the\s+(?:whitespace\s+)?(?:list|table)\b"
    r"|\b(?:isn['’]t|is\s+not|aren['’]t|are\s+not|won['’]t\s+be|will\s+not\s+be)\s+(?:really\s+)?(?:applicable|relevant"
    r"|suitable|needed|an?\s+(?:good\s+)?(?:fit|option|use\s+case))\b"
    r"|\b(?:can['’]t|cannot|can\s+not|won['’]t)\s+(?:go\s+(?:in|into|on)|be\s+(?:used|deployed|installed|rolled\s+out"
    r"|applied|implemented|retrofitted|fitted|connected|integrated|supported)"
    r"|work|run|apply|use|adopt|have)\b|\boff\s+the\s+table\b|\bnot\s+allowed\s+(?:to\s+)?(?:use|have|run)\b"
    r"|\bno\s+(?:business\s+)?case\s+for\b|\bmakes?\s+no\s+sense\b|\birrelevant\b|\bnot\s+(?:in|within)\s+scope\b"
    r"|\b(?:prohibited|not\s+permitted|ruled\s+out)\b"
    # "Revenue Cycle and IT don't run beds at all": nothing of the kind the product works on
    r"|\b(?:don['’]t|doesn['’]t|do\s+not|does\s+not)\s+(?:run|have|use|own|operate|keep|hold)\s+(?:any\s+)?[\w-]+"
    r"(?:\s+[\w-]+)?\s+at\s+all\b"
    # "Trialcrest EDC has no home in CMC", "no place for it in Finance"
    r"|\b(?:ha(?:s|ve)\s+)?no\s+(?:home|place)\s+(?:(?:for\s+it|for\s+them)\s+)?(?:in|at)\b",
    re.IGNORECASE,
)


_IN_HOUSE = re.compile(
    r"\bhome-?grown\b|\bin-?house\b|\bbuilt\s+(?:it\s+|them\s+)?(?:ourselves|themselves|in-?house)\b"
    r"|\bown\s+(?:IT\s+|dev(?:elopment)?\s+|engineering\s+)?(?:team|teams|developers|engineers)\s+(?:built|wrote|developed)\b"
    r"|\bhand-?rolled\b|\bself-?built\b",
    re.IGNORECASE,
)
_NA_HEDGE = re.compile(
    r"\b(?:might|may|could|maybe|perhaps|possibly|probably|if|whether|unless|used\s+to|previously|initially)\b",
    re.IGNORECASE,
)


# "Not in scope now - revisit after phase 1": out for the time being, which is no reason it cannot apply
_FOR_NOW = re.compile(
    r"^\W*now\b|\b(?:for\s+now|yet|at\s+the\s+moment|this\s+(?:year|quarter|round|phase)|revisit\w*"
    r"|(?:until|after)\s+(?:phase|the\s+(?:pilot|rollout|migration|go-?live))|next\s+year|later\s+on)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Finding:
    """One thing the evidence says about one cell, with the citation that says it."""

    product: str
    unit: str
    status: CellStatus
    citations: tuple[Citation, ...]
    day: date | None
    source_id: str
    crm: bool = False
    competitor: str | None = None
    note: str | None = None


@dataclass
class Reading:
    findings: list[Finding] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _overlaps(span: tuple[int, int], spans: Iterable[tuple[int, int]]) -> bool:
    return any(span[0] < end and start < span[1] for start, end in spans)


@dataclass(frozen=True)
class Vocabulary:
    """Everything a sentence may name: products, units, known competitors, and names that are not competitors."""

    products: list[Product]
    units: list[Unit]
    competitors: list[str]
    not_competitor: frozenset[str]  # lower-cased words of people, units, our brand and products
    # The one product a competitor is on record against (its CRM deals sell only that product), so that
    # "Southampton runs Portwise" says which cell it holds though the sentence names no product of ours.
    competes_with: dict[str, str] = field(default_factory=dict)

    def products_in(self, text: str) -> dict[str, list[tuple[int, int]]]:
        return {p.name: spans for p in self.products if (spans := p.spans(text))}

    def units_in(self, text: str) -> dict[str, list[tuple[int, int]]]:
        return {u.name: spans for u in self.units if (spans := u.spans(text))}

    def competitor_name(self, run: str) -> str | None:
        """A competitor's name from a run of capitalized words: a known competitor, else the foreign words."""
        words = run.split()
        for known in self.competitors:
            known_words = known.split()
            if words[: len(known_words)] == known_words or (words and words[0] == known_words[0]):
                return known
            if len(known_words) > 1 and words and words[0] in known_words[1:]:
                return known
        kept: list[str] = []
        while words and words[0].strip(".,").lower() in _COMMON_CAPITALS:
            words = words[1:]  # "And Vidora gave a fixed price": a sentence's first word is no part of the name
        for word in words:
            bare = re.sub(r"['’]s$", "", word.strip(".,'’")).lower()  # "Gemma's team" is Gemma's
            if (
                bare in _COMMON_CAPITALS or bare in self.not_competitor or bare in TITLE_WORDS
                or bare.upper() in _FUNCTION_ACRONYMS
            ):
                break  # "Corp Svcs is HR and legal only" names no competitor "HR", "she is Director of ..." none
            kept.append(word.strip(".,"))
        if not kept or len(kept) > 2 or len(kept[0]) < 2:  # "are N/A" names no competitor "N"
            return None
        return " ".join(kept)


# Initialisms that already mean something else in account notes, so never stand for a product or a unit.
_COMMON_ACRONYMS = frozenset(
    {"IT", "HR", "PO", "QBR", "CEO", "CFO", "CIO", "CTO", "COO", "CMO", "CPO", "CRO", "CISO", "SSO", "API", "SLA",
     "ROI", "KPI", "RFP", "RFI", "RFQ", "EOM", "EOD", "EOW", "FY", "UK", "US", "EU", "NA", "AM", "PM", "OK", "HQ",
     "VP", "SVP", "EVP", "GM", "MD", "PA", "EA", "CS", "CX", "UX", "UI", "AI", "ML", "BI", "OT", "ERP", "CRM",
     "WMS", "TMS", "MES", "SAP", "AWS", "GCP", "ID", "PR", "QA", "QC", "SW", "HW", "TBD", "TBC", "FYI", "ASAP",
     "NB", "PS", "CC", "RE", "FW", "OOO", "POC", "MVP", "SOW", "MSA", "NDA"}
)


# The acronyms that name a function or a document, never a vendor (SAP or AWS may well be a competitor).
_FUNCTION_ACRONYMS = _COMMON_ACRONYMS - {"SAP", "AWS", "GCP"}


def _initialism(words: Sequence[str]) -> str | None:
    letters = [w[0] for w in words if w[:1].isalpha()]
    return "".join(letters).upper() if len(letters) >= 2 else None


def with_initialisms(evidence: AccountEvidence, products: list[Product], units: list[Unit]) -> tuple[
    list[Product], list[Unit]
]:
    """Products and units also named by their initials, written in capitals ("CH" for Comms Hub, "CS" aside):
    only an initialism that names exactly one of them, is no common acronym and no Contact's initials."""
    brand = _brand([p.name for p in products])
    product_words = [
        _words(p.name)[1:] if brand and _words(p.name)[0] == brand else _words(p.name) for p in products
    ]
    unit_words = [_words(u.short) for u in units]
    people = {_initialism(_words(contact_name(c))) for c in evidence.contacts}
    found = Counter(i for ws in [*product_words, *unit_words] if (i := _initialism(ws)))

    def usable(words: Sequence[str]) -> str | None:
        initials = _initialism(words)
        if initials and found[initials] == 1 and initials not in _COMMON_ACRONYMS and initials not in people:
            return initials
        return None

    products = [
        replace(p, patterns=(*p.patterns, re.compile(_phrase_pattern(initials))))
        if (initials := usable(words)) else p
        for p, words in zip(products, product_words, strict=True)
    ]
    units = [
        replace(
            u, aliases=(*u.aliases, initials), pattern=re.compile(f"{u.pattern.pattern}|{_phrase_pattern(initials)}")
        )
        if (initials := usable(words)) else u
        for u, words in zip(units, unit_words, strict=True)
    ]
    return products, units


def vocabulary(evidence: AccountEvidence, products: list[Product], units: list[Unit]) -> Vocabulary:
    products, units = with_initialisms(evidence, products, units)
    competitors = sorted(
        {
            " ".join(str(c.get("CompetitorName") or c.get("Name")).split())
            for c in evidence.of_type("OpportunityCompetitor")
            if c.get("CompetitorName") or c.get("Name")
        },
        key=lambda n: (-len(n), n),
    )
    ours: set[str] = set()
    for name in [evidence.account_name, *(p.name for p in products), *(u.name for u in units)]:
        ours.update(w.lower() for w in _words(name))
    for product in products:
        if product.family:
            ours.update(w.lower() for w in _words(product.family))
    for contact in evidence.contacts:
        ours.update(w.lower() for w in _words(contact_name(contact)))
    for source in evidence.narrative_sources():
        for speaker in source.metadata.get("speakers", []) or []:
            ours.update(w.lower() for w in _words(str(speaker)))
    competitor_words = {w.lower() for c in competitors for w in _words(c)}
    return Vocabulary(
        products, units, competitors, frozenset(ours - competitor_words), _competes_with(evidence, products)
    )


def _competes_with(evidence: AccountEvidence, products: list[Product]) -> dict[str, str]:
    """Each CRM competitor whose deals (OpportunityCompetitor → Opportunity → line items) sell one product only."""
    names = {p.id: p.name for p in products}
    sold: dict[str, set[str]] = defaultdict(set)
    for item in evidence.of_type("OpportunityLineItem"):
        if (product := names.get(item.get("Product2Id"))) and item.get("OpportunityId"):
            sold[str(item.get("OpportunityId"))].add(product)
    against: dict[str, set[str]] = defaultdict(set)
    for opportunity, rivals in competitors_by_opportunity(evidence).items():
        for record in rivals:  # a deal with no line items could be for anything
            against[competitor_name(record) or ""] |= sold.get(opportunity) or {"?"}
    return {
        name: next(iter(sold_against))
        for name, sold_against in against.items()
        if len(sold_against) == 1 and "?" not in sold_against
    }


_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(?P<title>.+?)\s*#*\s*$", re.MULTILINE)


def _headings(text: str) -> list[tuple[int, str]]:
    """(offset, title) of each markdown heading of a note, in order."""
    return [(m.start(), m.group("title")) for m in _HEADING.finditer(text)]


def _heading_at(headings: Sequence[tuple[int, str]], offset: int) -> str:
    """The title of the heading a position of the note sits under ("" before the first)."""
    return next((title for start, title in reversed(headings) if start <= offset), "")


def _label(line: str) -> str | None:
    """A note line's lead label ("- **Health Plan**: ...", "Ambulatory: ..."), which sets its topic."""
    match = re.match(r"^\s*(?:[-*+•]\s+|\d+[.)]\s+)?(?:\*\*|__)?(?P<label>[^:\n]{1,40}?)(?:\*\*|__)?\s*:\s", line)
    return match.group("label") if match else None


@dataclass(frozen=True)
class _Line:
    """Where a sentence sits: its line's label topic, the products the line named before it, and on a
    call the unit the speaking customer works in (their "our dashboards" is that unit's)."""

    label_units: tuple[str, ...]
    label_products: tuple[str, ...]
    earlier_products: tuple[str, ...]
    speaker_units: tuple[str, ...] = ()
    earlier_unit: str | None = None  # the unit the paragraph named last ("Daventry ... Returns can't go in there")
    # what the note's own title names ("Corporate Finance intro"): the context of last resort
    title_units: tuple[str, ...] = ()
    title_products: tuple[str, ...] = ()


def _speaker_key(name: str | None) -> str:
    return normalize_name(display_name(name)) if name else ""


def _units_of_contacts(evidence: AccountEvidence, vocab: Vocabulary) -> dict[str, str]:
    """A Contact's name (normalized) → the unit their Contact record sits in."""
    unit_names = {u.id: u.name for u in vocab.units}
    unit_names |= {uid[:15]: name for uid, name in list(unit_names.items())}
    return {
        normalize_name(name): unit_names[str(contact.get("AccountId"))]
        for contact in evidence.contacts
        if (name := contact_name(contact)) and str(contact.get("AccountId")) in unit_names
    }


def read_hits(hits: Sequence[Hit], evidence: AccountEvidence, vocab: Vocabulary) -> Reading:
    """Apply the competitor and not-applicable rules to every sentence of the retrieved notes and calls."""
    reading = Reading()
    speaker_unit = _units_of_contacts(evidence, vocab)
    foreign = 0
    flagged: set[str] = set()
    for hit in hits:
        source = evidence.sources.get(hit.source_id)
        if source is None:
            foreign += 1
            continue
        if not is_narrative(source) or (source.date is not None and source.date > evidence.as_of):
            continue
        transcript = source.type is SourceType.call
        at = max(0, source.text.find(hit.text))
        headings = [] if transcript else _headings(source.text)
        skipped_lines: set[int] = set()
        earlier: dict[int, list[str]] = defaultdict(list)
        earlier_unit: dict[int, str] = {}
        visible = visible_text(hit, source)
        title_text = "" if transcript else plain(source.title or "")[0]
        title_units, title_products = tuple(vocab.units_in(title_text)), tuple(vocab.products_in(title_text))
        if source.id not in flagged and (blocks := untrusted_blocks(source)):
            flagged.add(source.id)
            reading.warnings.append(f"Skipped instruction-like text in source {source.id}: {blocks[0][:80]!r}")
        for sentence in split_sentences(visible, transcript=transcript, speakers=speakers_of(source)):
            line_start = visible.rfind("\n", 0, sentence.start) + 1
            if looks_like_instruction(sentence.text):
                # The rest of a line that addresses the drafting system is the attack's, not evidence.
                skipped_lines.add(line_start)
                if source.id not in flagged:
                    flagged.add(source.id)
                    reading.warnings.append(
                        f"Skipped instruction-like text in source {source.id}: {sentence.text[:80]!r}"
                    )
                continue
            if line_start in skipped_lines:
                continue
            line_end = visible.find("\n", line_start)
            line = visible[line_start : line_end if line_end >= 0 else len(visible)]
            label = None if transcript else _label(line)
            heading = _heading_at(headings, at + sentence.start)
            label_text = plain(label)[0] if label else ""
            heading_text = plain(heading)[0]
            context = _Line(  # the line's own label first, else the heading it sits under
                label_units=tuple(vocab.units_in(label_text) or vocab.units_in(heading_text)),
                label_products=tuple(vocab.products_in(label_text) or vocab.products_in(heading_text)),
                earlier_products=tuple(dict.fromkeys(earlier[line_start])),
                speaker_units=tuple(u for u in [speaker_unit.get(_speaker_key(sentence.speaker))] if u),
                earlier_unit=None if transcript else earlier_unit.get(line_start),
                title_units=title_units,
                title_products=title_products,
            )
            reading.findings.extend(_sentence_findings(hit, source, sentence, context, vocab))
            sentence_text = plain(sentence.text)[0]
            earlier[line_start].extend(vocab.products_in(sentence_text))
            if named := vocab.units_in(sentence_text):
                earlier_unit[line_start] = max(named, key=lambda name: max(end for _, end in named[name]))
    if foreign:
        reading.warnings.append(f"Ignored {foreign} retrieved chunk(s) from sources outside this account.")
    reading.findings = _released_where_held(reading.findings)
    return reading


ANY_PRODUCT = "*"


def _released_where_held(findings: list[Finding]) -> list[Finding]:
    """A competitor let go in a unit, product unnamed, releases every cell it was found holding there."""
    held: dict[tuple[str, str | None], set[str]] = defaultdict(set)
    for f in findings:
        if f.status is CellStatus.competitor:
            held[(f.unit, f.competitor)].add(f.product)
    out = []
    for f in findings:
        if f.product != ANY_PRODUCT:
            out.append(f)
            continue
        out += [replace(f, product=product) for product in sorted(held.get((f.unit, f.competitor), ()))]
    return out


def _clauses(text: str) -> list[tuple[int, int]]:
    bounds = [0, *(m.start() for m in _CLAUSE_BREAK.finditer(text)), len(text)]
    return [(a, b) for a, b in zip(bounds, bounds[1:], strict=False) if b > a]


def _sentence_findings(hit: Hit, source: Source, sentence: Sentence, line: _Line, vocab: Vocabulary) -> list[Finding]:
    text, offsets = plain(sentence.text)
    units = list(vocab.units_in(text)) or list(line.label_units) or list(line.speaker_units)
    if not units and line.earlier_unit:
        units = [line.earlier_unit]
    units = units or list(line.title_units)
    if not units:
        return []
    unit_spans = [s for spans in vocab.units_in(text).values() for s in spans]
    # A product's word inside a unit's name ("Loyalty" in "Loyalty & Digital") names the unit, not the product.
    products_here = {
        name: kept
        for name, spans in vocab.products_in(text).items()
        if (kept := [s for s in spans if not _overlaps(s, unit_spans)])
    }
    protected = [s for spans in products_here.values() for s in spans] + unit_spans

    def cite(spans: Sequence[tuple[int, int]]) -> Citation:
        original = [(offsets[a], offsets[max(a, b - 1)] + 1) for a, b in spans if a < len(offsets)]
        quoted = quote(hit.text, sentence, original or [(0, len(sentence.text))])
        return Citation(source_id=source.id, quote=quoted, locator=sentence.stamp or hit.locator)

    out: list[Finding] = []
    in_house = bool(_IN_HOUSE.search(text))
    for clause_start, clause_end in _clauses(text):
        for competitor, span in _competitor_cues(text, clause_start, clause_end, vocab, protected):
            if in_house:
                break  # "runs on ReGrade, an app their own IT team built": what they built is no competitor's
            in_clause = {
                name: spans
                for name, spans in products_here.items()
                if any(clause_start <= s < clause_end for s, _ in spans)
            }
            named = list(in_clause) or ([] if products_here else list(line.label_products or line.title_products))
            if not named and not products_here and competitor in vocab.competes_with:
                named = [vocab.competes_with[competitor]]
            citation = cite([span])
            for product in named:
                for unit in units:
                    out.append(
                        Finding(
                            product,
                            unit,
                            CellStatus.competitor,
                            (citation,),
                            source.date,
                            source.id,
                            competitor=competitor,
                        )
                    )
    for match in _RELEASED.finditer(text):
        name = vocab.competitor_name(match.group("name"))
        if name is None or is_hedged(text, match.start(), words=4):
            continue
        named = list(products_here) or list(line.label_products) or [ANY_PRODUCT]  # whatever it held there
        for product in named:
            for unit in units:
                out.append(
                    Finding(product, unit, CellStatus.whitespace, (cite([match.span()]),), source.date, source.id,
                            competitor=name)
                )
    for match in _NOT_APPLICABLE.finditer(text):
        # "..., it might be that they don't need it": a maybe in the same clause is no reason
        if _NA_HEDGE.search(re.split(r"[,;:—–]|\s-\s", text[: match.start()])[-1]) or _FOR_NOW.search(
            text[match.end() :]
        ):
            continue
        named = list(products_here) or list(line.label_products or line.earlier_products or line.title_products)
        reason = " ".join(text.split())
        citation = cite([(match.start(), match.end())])
        for product in named:
            for unit in units:
                out.append(
                    Finding(product, unit, CellStatus.not_applicable, (citation,), source.date, source.id, note=reason)
                )
    return out


def _competitor_cues(
    text: str, start: int, end: int, vocab: Vocabulary, protected: Sequence[tuple[int, int]]
) -> list[tuple[str, tuple[int, int]]]:
    clause = text[start:end]
    found: list[tuple[str, tuple[int, int]]] = []
    for pattern in (_COMPETITOR_BEFORE, _COMPETITOR_AFTER):
        for match in pattern.finditer(clause):
            name_start = start + match.start("name")
            if _overlaps((name_start, name_start + 1), protected):
                continue
            if is_hedged(text, start + match.start(), words=4):
                continue
            if name := vocab.competitor_name(match.group("name")):
                found.append((name, (start + match.start(), start + match.end())))
    for known in vocab.competitors:
        for match in re.finditer(_phrase_pattern(known), clause):
            if (
                not any(name == known for name, _ in found)
                and _near_cue(clause, match.start())
                and not is_hedged(text, start + match.start(), words=4)
            ):
                found.append((known, (start + match.start(), start + match.end())))
    return found


_KNOWN_CUE = re.compile(
    r"\b(?:runs?|running|uses?|using|(?:is|are|['’]re|stays?|still|been)\s+on|holds?|keeps?|owns?|installed"
    r"|deployed|standardi[sz]ed\s+on|went\s+with|lost\s+(?:[\w\-]+\s+){0,3}?to)\b",
    re.IGNORECASE,
)


def _near_cue(clause: str, at: int, window: int = 30) -> bool:
    """Whether a known competitor's name sits next to a usage verb ("runs Splunk", "Splunk ... runs")."""
    return bool(_KNOWN_CUE.search(clause[max(0, at - window) : at + window]))


# ---------------------------------------------------------------------------
# CRM facts
# ---------------------------------------------------------------------------


def _line_citation(evidence: AccountEvidence, record: CrmRecord, field_name: str) -> Citation | None:
    line = evidence.field_line(record.id, field_name)
    return Citation(source_id=record.id, quote=line, locator=f"{record.type}.{field_name}") if line else None


def _title_citation(evidence: AccountEvidence, record: CrmRecord) -> Citation | None:
    line = evidence.title_line(record.id)
    return Citation(source_id=record.id, quote=line, locator=record.type) if line else None


def _citations(evidence: AccountEvidence, record: CrmRecord, *field_names: str) -> list[Citation]:
    found = [_title_citation(evidence, record)]
    found += [_line_citation(evidence, record, f) for f in field_names]
    return [c for c in found if c is not None]


@dataclass
class CellBasis:
    """What decides one cell, with its citations, confidence and how its value was estimated."""

    status: CellStatus
    citations: list[Citation]
    confidence: float
    reason: str
    estimated_value: float | None = None
    competitor: str | None = None
    note: str | None = None


_LOST_TO = re.compile(r"\blost\s+to\s+" + _NAME_RUN)


class CrmFacts:
    """The account's Assets, unit opportunities and their line items, indexed by (product, unit)."""

    def __init__(self, evidence: AccountEvidence, products: list[Product], units: list[Unit], vocab: Vocabulary):
        self.evidence = evidence
        self.product_ids = {p.id: p.name for p in products}
        self.unit_ids = {u.id: u.name for u in units}
        opportunities = {o.id: o for o in evidence.of_type("Opportunity")}
        self.open_items: dict[tuple[str, str], list[tuple[CrmRecord, CrmRecord]]] = defaultdict(list)
        self.lost_items: dict[tuple[str, str], list[tuple[CrmRecord, CrmRecord]]] = defaultdict(list)
        self.unit_items: dict[str, list[tuple[str, CrmRecord]]] = defaultdict(list)
        for item in evidence.of_type("OpportunityLineItem"):
            opportunity = opportunities.get(item.get("OpportunityId"))
            product = self.product_ids.get(item.get("Product2Id"))
            unit = self.unit_ids.get(opportunity.get("AccountId")) if opportunity else None
            if opportunity is None or product is None or unit is None:
                continue  # parent-level opportunities (renewals) do not speak for a unit
            self.unit_items[product].append((unit, item))
            if is_open(opportunity):
                self.open_items[(product, unit)].append((opportunity, item))
            elif is_lost(opportunity):
                self.lost_items[(product, unit)].append((opportunity, item))
        self.assets: dict[tuple[str, str], list[CrmRecord]] = defaultdict(list)
        for asset in evidence.of_type("Asset"):
            product, unit = self.product_ids.get(asset.get("Product2Id")), self.unit_ids.get(asset.get("AccountId"))
            renewing = (product, unit) in self.open_items
            if product and unit and live_asset(asset, evidence.as_of, renewing=renewing):
                self.assets[(product, unit)].append(asset)
        self.competitors = competitors_by_opportunity(evidence)
        self.vocab = vocab

    def owned(self, product: str, unit: str) -> CellBasis | None:
        assets = self.assets.get((product, unit))
        if not assets:
            return None
        citations = [c for a in assets for c in _citations(self.evidence, a, "Account", "Product2", "Status")]
        prices = [p for a in assets if (p := number(a.get("Price"))) is not None]
        names = ", ".join(f"'{a.get('Name') or a.id}'" for a in assets)
        value = sum(prices) if prices else None
        how = f"; value is the Asset Price{'s summed' if len(prices) > 1 else ''}" if prices else ""
        citations += [c for a in assets if (c := _line_citation(self.evidence, a, "Price"))] if prices else []
        return CellBasis(CellStatus.owned, citations, CRM_CONFIDENCE, f"Asset {names} on {unit}{how}", value)

    def pipeline(self, product: str, unit: str) -> CellBasis | None:
        pairs = self.open_items.get((product, unit))
        if not pairs:
            return None
        citations: list[Citation] = []
        values = []
        for opportunity, item in pairs:
            citations += _citations(self.evidence, opportunity, "Account", "StageName")
            citations += _citations(self.evidence, item, "Product2", "TotalPrice")
            if (value := line_value(item)) is not None:
                values.append(value)
        names = ", ".join(dict.fromkeys(f"'{o.get('Name') or o.id}'" for o, _ in pairs))
        how = "; value is the line item's TotalPrice" if len(values) == 1 else "; value sums the line items' TotalPrice"
        return CellBasis(
            CellStatus.pipeline,
            citations,
            CRM_CONFIDENCE,
            f"Open opportunity {names} on {unit} has a {product} line item{how if values else ''}",
            sum(values) if values else None,
        )

    def lost_to_competitor(self, product: str, unit: str) -> list[Finding]:
        """A lost unit opportunity for the product with a named winner: an OpportunityCompetitor or "lost to X"."""
        findings = []
        for opportunity, item in self.lost_items.get((product, unit), []):
            day = parse_day(opportunity.get("CloseDate"))
            base = _citations(self.evidence, opportunity, "Account", "StageName")
            base += _citations(self.evidence, item, "Product2")
            named: list[tuple[str, list[Citation]]] = []
            for competitor in self.competitors.get(opportunity.id, []):
                if name := competitor_name(competitor):
                    cite = _line_citation(self.evidence, competitor, "CompetitorName") or _title_citation(
                        self.evidence, competitor
                    )
                    named.append((name, [cite] if cite else []))
            if not named:
                for field_name in ("NextStep", "Description", "Loss_Reason__c"):
                    text = opportunity.get(field_name)
                    match = _LOST_TO.search(text) if isinstance(text, str) else None
                    winner = self.vocab.competitor_name(match.group("name")) if match else None
                    if winner:
                        cite = _line_citation(self.evidence, opportunity, field_name)
                        named.append((winner, [cite] if cite else []))
                        break
            for name, cites in named:
                findings.append(
                    Finding(
                        product,
                        unit,
                        CellStatus.competitor,
                        tuple(base + cites),
                        day,
                        opportunity.id,
                        crm=True,
                        competitor=name,
                    )
                )
        return findings

    def median_price(self, product: str, unit: str) -> tuple[float, str] | None:
        """The median price of the product in the account's other units: its Assets, else its unit line items."""
        assets = [
            p
            for (name, other), records in self.assets.items()
            if name == product and other != unit
            for a in records
            if (p := number(a.get("Price"))) is not None
        ]
        if assets:
            return statistics.median(assets), _median_phrase(len(assets), "Asset price")
        items = [v for other, item in self.unit_items.get(product, []) if other != unit if (v := line_value(item))]
        if items:
            return statistics.median(items), _median_phrase(len(items), "opportunity line item value")
        return None


def _median_phrase(count: int, what: str) -> str:
    if count == 1:
        return f"estimated from the one existing {what} for this product in another unit"
    return f"estimated from the median of {count} existing {what}s for this product in other units"


# ---------------------------------------------------------------------------
# Deciding cells
# ---------------------------------------------------------------------------


def _confidence(findings: Sequence[Finding]) -> float:
    if any(f.crm for f in findings):
        return CRM_CONFIDENCE
    return CORROBORATED_CONFIDENCE if len({f.source_id for f in findings}) >= 2 else SINGLE_MENTION_CONFIDENCE


def _where(finding: Finding) -> str:
    kind = "CRM" if finding.crm else "evidence"
    return f"{kind} of {finding.day.isoformat()}" if finding.day else kind


def from_findings(findings: Sequence[Finding]) -> CellBasis | None:
    """The cell the newest evidence gives: a competitor over a stated reason on the same date."""
    if not findings:
        return None
    newest = max(f.day or date.min for f in findings)
    latest = [f for f in findings if (f.day or date.min) == newest]
    competitors = Counter(f.competitor for f in latest if f.status is CellStatus.competitor and f.competitor)
    if not competitors and any(f.status is CellStatus.whitespace for f in latest):
        return None  # the newest word is that the competitor was let go: the cell is open
    if competitors:
        name = competitors.most_common(1)[0][0]
        support = [f for f in findings if f.status is CellStatus.competitor and f.competitor == name]
        status = CellStatus.competitor
    else:
        support = [f for f in findings if f.status is CellStatus.not_applicable]
        status = CellStatus.not_applicable
        name = None
    support.sort(key=lambda f: (f.day or date.min, f.crm, f.source_id), reverse=True)
    citations = list(dict.fromkeys(c for f in support[:3] for c in f.citations))
    head = support[0]
    if status is CellStatus.competitor:
        reason = f"{name} covers this need per {_where(head)}"
        note = None
    else:
        reason = f"Does not apply per {_where(head)}"
        note = head.note
    sources = len({f.source_id for f in support})
    if sources > 1:
        reason += f", corroborated by {sources - 1} more source{'s' if sources > 2 else ''}"
    return CellBasis(status, citations, _confidence(support), reason, competitor=name, note=note)


@dataclass(frozen=True)
class CellNews:
    """What the notes and calls say about one cell: a competitor holds it, or it does not apply and why."""

    product: str
    unit: str
    basis: CellBasis
    day: date | None


_WEIGHED = (
    re.compile(
        r"\b(?:evaluating|piloting|trialing|trialling|testing|pitching|considering|looking\s+at|talking\s+to|prefers?"
        r"|pushing\s+for|(?:a\s+)?(?:demo|quote|bid|proposal|pitch)\s+from|brought\s+in|invited)\s+" + _NAME_RUN
    ),
    # "Marcus has had Stackwell in twice": a vendor brought in
    re.compile(r"\bhad\s+" + _NAME_RUN + r"\s+in\b"),
    # a vendor's own move: "Vidora gave a fixed price for three years", "Stackwell have pitched a combined WMS/TMS"
    re.compile(
        _NAME_RUN + r"\s+(?:has\s+|have\s+|had\s+)?(?:already\s+)?(?:pitched|quoted|offered|undercut|demo(?:['’]d|ed)"
        r"|(?:gave|given|sent|submitted|put\s+in)\s+(?:us\s+|them\s+)?(?:an?\s+|their\s+)?(?:[\w-]+\s+){0,2}?"
        r"(?:price|offer|quote|bid|proposal))\b"
    ),
)


def account_vocabulary(evidence: AccountEvidence) -> Vocabulary:
    """The account's products, units and the names that are not competitors, read once per draft."""
    products = active_products(evidence)
    return vocabulary(evidence, products, account_units(evidence))


def weighed_competitors(vocab: Vocabulary, texts: Iterable[str]) -> set[str]:
    """Names the notes and calls show the customer weighing against us ("piloting Samsara"), never a person,
    a unit, the customer or one of our products."""
    found = set()
    for text in texts:
        plain_text = plain(text)[0]
        for match in (m for pattern in _WEIGHED for m in pattern.finditer(plain_text)):
            if not vocab.products_in(match.group("name")) and (name := vocab.competitor_name(match.group("name"))):
                found.add(name)
    return found


def narrative_cells(evidence: AccountEvidence, hits: Sequence[Hit], vocab: Vocabulary) -> list[CellNews]:
    """Cells the notes and calls decide (competitor or not applicable), newest first, for the QBR brief.

    The same reading the whitespace draft does, so the brief and the matrix never disagree.
    """
    by_cell: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for finding in dict.fromkeys(read_hits(hits, evidence, vocab).findings):
        by_cell[(finding.product, finding.unit)].append(finding)
    news = []
    for (product, unit), findings in by_cell.items():
        if basis := from_findings(findings):
            news.append(CellNews(product, unit, basis, max((f.day or date.min) for f in findings)))
    return sorted(news, key=lambda n: (n.day or date.min, n.product, n.unit), reverse=True)


def decide_cell(
    product: Product, unit: Unit, facts: CrmFacts, findings: Sequence[Finding], evidence: AccountEvidence
) -> CellBasis:
    """One cell by the precedence owned > pipeline > competitor > not_applicable > whitespace."""
    if basis := facts.owned(product.name, unit.name):
        return basis
    if basis := facts.pipeline(product.name, unit.name):
        return basis
    crm = facts.lost_to_competitor(product.name, unit.name)
    estimate = facts.median_price(product.name, unit.name)
    if basis := from_findings([*crm, *findings]):
        if basis.status is CellStatus.competitor and estimate:
            basis.estimated_value, how = estimate
            basis.reason += f"; value {how}"
        return basis
    citations = [
        c
        for c in (
            _title_citation(evidence, evidence.record(product.id)),  # type: ignore[arg-type]
            _title_citation(evidence, evidence.record(unit.id)),  # type: ignore[arg-type]
        )
        if c
    ]
    reason = "No asset, no open opportunity, no competitor found"
    basis = CellBasis(CellStatus.whitespace, citations, CRM_CONFIDENCE, reason)
    if estimate:
        basis.estimated_value, how = estimate
        basis.reason += f"; value {how}"
    return basis


# ---------------------------------------------------------------------------
# Questions and changes
# ---------------------------------------------------------------------------

GENERAL_QUESTIONS = (
    "uses a competitor instead runs on another vendor",
    "lost to competitor went with",
    "does not apply not applicable not a fit",
    "no need for nothing to monitor out of scope",
)


def whitespace_queries(evidence: AccountEvidence) -> list[str]:
    """What to ask the retriever: general questions, then per unit and product, then known competitors."""
    products = active_products(evidence)
    units = account_units(evidence)
    short = [p.name.split(None, 1)[1] if len(p.name.split()) > 1 else p.name for p in products]
    queries = list(GENERAL_QUESTIONS)
    for unit in units:
        alias = unit.aliases[1] if len(unit.aliases) > 1 else unit.name
        queries += [f"{alias} uses competitor", f"not a fit for {alias} does not apply", f"{alias} no need for"]
        queries += [f"{alias} runs {name}" for name in short]
        families = sorted({p.family for p in products if p.family})
        queries += [f"{alias} runs {family}" for family in families]
    competitors = {
        str(c.get("CompetitorName") or c.get("Name"))
        for c in evidence.of_type("OpportunityCompetitor")
        if c.get("CompetitorName") or c.get("Name")
    }
    queries += sorted(competitors)
    # Each product by the kind of software it is ("logging is on Sumo Logic" never names our product).
    categories = _category_words([p.name for p in products])
    queries += [f"{' '.join(sorted(words))} runs on uses" for p in products if (words := categories.get(p.name))]
    return list(dict.fromkeys(queries))


def _rationale(product: str, unit: str, basis: CellBasis, before: WhitespaceCell | None) -> str:
    was = f" (was {before.status.value})" if before is not None and before.status is not basis.status else ""
    return f"{product} × {unit}: {basis.status.value}{was}. {basis.reason}."


def whitespace_changes(
    evidence: AccountEvidence, plan: AccountPlan, hits: Sequence[Hit]
) -> tuple[list[Change], list[str]]:
    """The offline engine: set_whitespace_cell changes for every new or changed cell, and warnings."""
    products = active_products(evidence)
    units = account_units(evidence)
    warnings: list[str] = []
    if not products:
        warnings.append("No active Product2 records: the whitespace matrix has no rows.")
    if not units:
        warnings.append("The account has no child Accounts: the whitespace matrix has no columns.")
    vocab = vocabulary(evidence, products, units)
    facts = CrmFacts(evidence, products, units, vocab)
    reading = read_hits(hits, evidence, vocab)
    warnings.extend(reading.warnings)
    by_cell: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for finding in dict.fromkeys(reading.findings):
        by_cell[(finding.product, finding.unit)].append(finding)

    changes = []
    for product in products:
        for unit in units:
            basis = decide_cell(product, unit, facts, by_cell.get((product.name, unit.name), []), evidence)
            value = round(basis.estimated_value, 2) if basis.estimated_value is not None else None
            after = WhitespaceCell(
                product=product.name,
                unit=unit.name,
                status=basis.status,
                estimated_value=value,
                competitor=basis.competitor,
                note=basis.note,
            )
            before = plan.cell(product.name, unit.name)
            if before == after:
                continue
            changes.append(
                proposed_change(
                    ChangeKind.set_whitespace_cell,
                    before,
                    after,
                    rationale=_rationale(product.name, unit.name, basis, before),
                    citations=dict.fromkeys(basis.citations),
                    confidence=basis.confidence,
                )
            )
    return changes, warnings
