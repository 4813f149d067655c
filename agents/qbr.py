"""The QBR brief agent's offline engine: deterministic rules over CRM facts and retrieved text.

Facts come from CRM records (ARR from Assets, the renewal and pipeline from Opportunities,
support from Cases); judgement — value delivered, risks, asks — comes from sentences of
retrieved notes and transcripts, read by the small named rules below. Relationship changes
reuse the stakeholder agent's reading of the same hits. Newer evidence wins over older: a
renewal date moved in a newer note replaces the CRM date, and the brief says so. Text that
addresses the drafting system is skipped, never obeyed. Every claim cites what it rests on.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import lru_cache

from agents.context import AccountEvidence, contact_name, parse_day
from agents.crm import (
    amount,
    cite,
    cites,
    competitor_names,
    competitors_by_opportunity,
    custom_departure,
    customer_names,
    is_closed,
    is_renewal,
    is_won,
    number,
    open_opportunities,
    open_tasks,
    prices_are_per_unit,
    stakeholder_contacts,
)
from agents.phrasing import spoken_as_statement
from agents.reading import (
    MONTH_WORD,
    MONTHS,
    Sentence,
    is_email_header,
    is_narrative,
    looks_like_instruction,
    names_any,
    speakers_of,
    split_sentences,
    untrusted_blocks,
    visible_text,
)
from agents.stakeholders import (
    Directory,
    Finding,
    Person,
    choose_stance,
    crm_buying_role,
    is_object,
    read_account,
    same_job,
    still_to_arrive,
    title_key,
)
from agents.whitespace import CellNews, account_vocabulary, narrative_cells, weighed_competitors
from plans.diff import proposed_change
from plans.models import QBR_SECTION_NAMES, AccountPlan, Change, Citation, Claim, QbrBrief, Risk, Stakeholder
from plans.vocabulary import BuyingRole, CellStatus, ChangeKind, Severity, StakeholderStatus, Stance
from retrieval.evidence import CrmRecord, Hit, Source, SourceType

CRM_CONFIDENCE = 0.92
EVIDENCE_CONFIDENCE = 0.7
LOOKBACK_DAYS = 90  # judgement reads the quarter, and at least this many days before as_of
RISK_LOOKBACK_DAYS = 180  # a risk stays open until the evidence settles it: two quarters, the quarter's first
VALUE_LOOKBACK_DAYS = 365  # value delivered is the contract year's, newest figures first
NEAR_RENEWAL_QUARTERS = 2  # a renewal closing this quarter or in the next two is "near"
COMPETITOR_LOSS_DAYS = 365
MAX_TOP_OPPORTUNITIES = 3
MAX_VALUE = 5
MAX_VALUE_WORDS = 45
MAX_RISKS = 6
MAX_ASKS = 7
MAX_QUOTE = 300
MAX_ASK_CHARS = 160
MAX_TASK_ASKS = 2

QBR_QUESTIONS = (
    "renewal date moved pushed slipped delayed now renewing new renewal date",
    "risk risks concern concerns at risk churn cancel budget cut",
    "top risks severity high medium low",
    "competitor evaluation competitive process consolidation switch replace",
    "escalation outage unhappy frustrated detractor against us",
    "discount percent off price pricing reduction",
    "value delivered reduced saved improved percent hours incidents downtime results",
    "next steps action items actions to do we asked they asked follow up",
    "ask asks request wants needs by before deadline",
    "left the company departed resigned retired last day",
    "new executive joined hired promoted now the head of",
    "champion lost our champion no champion",
    "pilot results proof of value",
    "budget amount rescoped cut reduced increased quoted scope",
    "uses a competitor instead went with lost to",
    "does not apply not applicable not a fit no need for",
)


def qbr_queries(evidence: AccountEvidence) -> list[str]:
    """What to ask the retriever: the general questions, then each person and open opportunity by name."""
    names = sorted(set(evidence.contact_names().values()))
    deals = sorted({str(o.get("Name")) for o in open_opportunities(evidence) if o.get("Name")})
    return [*QBR_QUESTIONS, *names, *deals]


# ---------------------------------------------------------------------------
# Formatting
# ---------------------------------------------------------------------------


def format_money(amount: float) -> str:
    """ "$1.42M", "$690K", "$1,234,567": short when that loses nothing, else exact."""
    whole = round(amount)
    if abs(whole) >= 1_000_000 and whole % 10_000 == 0:
        text = f"{whole / 1_000_000:.2f}".rstrip("0").rstrip(".")
        return f"${text}M"
    if 1_000 <= abs(whole) < 1_000_000 and whole % 1_000 == 0:
        return f"${whole // 1_000:,}K"
    return f"${whole:,}"


def format_day(day: date) -> str:
    """ "March 31, 2027"."""
    return f"{day:%B} {day.day}, {day.year}"


@dataclass(frozen=True)
class Quarter:
    start: date
    end: date

    @property
    def label(self) -> str:
        return f"Q{(self.start.month - 1) // 3 + 1} {self.start.year}"

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end


def quarter_of(day: date) -> Quarter:
    """The calendar quarter containing `day`."""
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = date(day.year, first_month, 1)
    following = date(day.year + (first_month == 10), 1 if first_month == 10 else first_month + 3, 1)
    return Quarter(start, following - timedelta(days=1))


def _plus_quarters(quarter: Quarter, n: int) -> Quarter:
    day = quarter.start
    for _ in range(n):
        day = quarter_of(day).end + timedelta(days=1)
    return quarter_of(day)


# ---------------------------------------------------------------------------
# CRM facts
# ---------------------------------------------------------------------------

ARR_FIELDS = ("ARR__c", "Annual_Price__c", "AnnualPrice__c", "Price")
_INACTIVE_ASSET = re.compile(r"obsolete|retired|churn|cancel|expired|terminated|inactive|returned", re.IGNORECASE)
_CLOSED_CASE = re.compile(r"closed|resolved|solved", re.IGNORECASE)
_HIGH_PRIORITY = re.compile(r"high|critical|urgent|p1|sev(?:erity)?\s*1", re.IGNORECASE)


def active_assets(evidence: AccountEvidence) -> list[tuple[CrmRecord, tuple[str, ...], float]]:
    """(asset, the fields its annual price comes from, that price) for each asset in use on as_of; a unit Price
    counts once for each of its Quantity."""
    per_unit = prices_are_per_unit(evidence)
    active: list[tuple[CrmRecord, tuple[str, ...], float]] = []
    for asset in evidence.of_type("Asset"):
        if _INACTIVE_ASSET.search(str(asset.get("Status") or "")):
            continue
        ended = parse_day(asset.get("UsageEndDate"))
        if ended is not None and ended < evidence.as_of:
            continue
        started = parse_day(asset.get("InstallDate")) or parse_day(asset.get("PurchaseDate"))
        if started is not None and started > evidence.as_of:
            continue
        for field in ARR_FIELDS:
            price = number(asset.get(field))
            if price is not None:
                fields = (field, "Quantity") if per_unit and field == "Price" else (field,)
                units = number(asset.get("Quantity")) if len(fields) > 1 else None
                active.append((asset, fields, price * (units or 1)))
                break
    return active


def arr_claim(evidence: AccountEvidence) -> Claim | None:
    assets = active_assets(evidence)
    if not assets:
        return None
    total = sum(price for _, _, price in assets)
    citations = [c for asset, fields, _ in assets for c in cites(evidence, asset.id, *fields)]
    plural = "asset" if len(assets) == 1 else "assets"
    how = ", unit price × quantity" if any("Quantity" in fields for _, fields, _ in assets) else ""
    return Claim(
        text=f"ARR is {format_money(total)} (sum of {len(assets)} active {plural}{how}).", citations=tuple(citations)
    )


def renewal_opportunity(evidence: AccountEvidence) -> CrmRecord | None:
    """The account's renewal: the open renewal of the whole account (on its parent Account) if there is one, else
    the open renewal that closes first. A unit's small renewal closing sooner is not the agreement the brief means."""
    renewals = [o for o in open_opportunities(evidence) if is_renewal(o)]
    whole_account = evidence.account.id
    renewals.sort(key=lambda o: (o.get("AccountId") != whole_account, parse_day(o.get("CloseDate")) or date.max, o.id))
    return renewals[0] if renewals else None


def _deal_name(opportunity: CrmRecord) -> str:
    return str(opportunity.get("Name") or "Unnamed opportunity")


def pipeline_claims(evidence: AccountEvidence) -> list[Claim]:
    """The open non-renewal pipeline in total, then its biggest deals."""
    deals = [o for o in open_opportunities(evidence) if not is_renewal(o)]
    if not deals:
        return []
    total = sum(amount(o) for o in deals)
    citations = [c for o in deals if (c := cite(evidence, o.id, "Amount"))]
    renewal = renewal_opportunity(evidence)
    with_renewal = ""
    if renewal is not None and amount(renewal):
        with_renewal = f" ({format_money(total + amount(renewal))} including the renewal)"
        citations += cites(evidence, renewal.id, "Amount")
    count = "opportunity" if len(deals) == 1 else "opportunities"
    claims = [
        Claim(
            text=f"Open expansion pipeline is {format_money(total)} across {len(deals)} {count}{with_renewal}.",
            citations=tuple(citations),
        )
    ]
    competitors = competitors_by_opportunity(evidence)
    for deal in deals[:MAX_TOP_OPPORTUNITIES]:
        parts = [format_money(amount(deal))]
        if stage := deal.get("StageName"):
            parts.append(str(stage))
        if close := parse_day(deal.get("CloseDate")):
            parts.append(f"closing {format_day(close)}")
        rivals = competitors.get(deal.id, [])
        against = ""
        if rivals:
            against = "; competing with " + " and ".join(str(r.get("CompetitorName")) for r in rivals)
        deal_citations = cites(evidence, deal.id, "Amount", "StageName", "CloseDate")
        deal_citations += [c for r in rivals if (c := cite(evidence, r.id, "CompetitorName"))]
        claims.append(Claim(text=f"{_deal_name(deal)}: {', '.join(parts)}{against}.", citations=tuple(deal_citations)))
    return claims


_REASON = re.compile(r"(?:\s[—–-]\s|:\s|\bbecause\b|\bsince\b|\bas\b(?=\s+(?:they|there|the|it|we|all|every|no)\b))"
                     r"(?P<why>[^.]{6,160})")
MAX_CELL_NEWS = 4


def cell_claims(news: Sequence[CellNews], since: date) -> list[Claim]:
    """What the notes and calls decided this quarter: a competitor holds a cell, or a product does not apply
    there and why — one claim per product and competitor or reason, naming the units."""
    grouped: dict[tuple[str, str, str], list[CellNews]] = defaultdict(list)
    for item in news:
        if (item.day or date.min) < since:
            continue
        basis = item.basis
        if basis.status is CellStatus.competitor and basis.competitor:
            grouped[("competitor", item.product, basis.competitor)].append(item)
        elif basis.status is CellStatus.not_applicable:
            why = _REASON.search(basis.note or "")
            grouped[("not_applicable", item.product, why.group("why").strip(" ,;") if why else "")].append(item)
    claims = []
    for (status, product, detail), items in list(grouped.items())[:MAX_CELL_NEWS]:
        units = " and ".join(dict.fromkeys(i.unit for i in items))
        citations = tuple(dict.fromkeys(c for i in items for c in i.basis.citations))[:2]
        if status == "competitor":
            lost = any(re.search(r"\blost\b", c.quote, re.IGNORECASE) for c in citations)
            text = f"Lost {product} at {units} to {detail}." if lost else f"{detail} holds {product} at {units}."
        else:
            text = f"{product} does not apply at {units}" + (f": {detail}." if detail else ".")
        claims.append(Claim(text=text, citations=citations))
    return claims


def closed_claims(evidence: AccountEvidence, quarter: Quarter) -> list[Claim]:
    """Won and lost this quarter, then deals lost to a named competitor in the last year."""
    claims = []
    competitors = competitors_by_opportunity(evidence)
    closed = [o for o in evidence.of_type("Opportunity") if is_closed(o)]
    closed.sort(key=lambda o: (parse_day(o.get("CloseDate")) or date.min, o.id), reverse=True)
    for deal in closed:
        day = parse_day(deal.get("CloseDate"))
        if day is None or day > evidence.as_of:
            continue
        rivals = [str(r.get("CompetitorName")) for r in competitors.get(deal.id, [])]
        citations = cites(evidence, deal.id, "StageName", "Amount", "CloseDate")
        money = format_money(amount(deal))
        if day in quarter:
            outcome = "Won" if is_won(deal) else "Lost"
            to = f" to {' and '.join(rivals)}" if rivals and outcome == "Lost" else ""
            text = f"{outcome} in {quarter.label}: {_deal_name(deal)} ({money}) on {format_day(day)}{to}."
        elif rivals and not is_won(deal) and (evidence.as_of - day).days <= COMPETITOR_LOSS_DAYS:
            text = (
                f"{' and '.join(rivals)} holds the ground of {_deal_name(deal)}, lost ({money}) on {format_day(day)}."
            )
        else:
            continue
        citations += [c for r in competitors.get(deal.id, []) if (c := cite(evidence, r.id, "CompetitorName"))]
        claims.append(Claim(text=text, citations=tuple(citations)))
    return claims


def support_risks(evidence: AccountEvidence) -> list[Risk]:
    """Open high-priority cases; an escalated or critical one is a high risk."""
    risks = []
    for case in evidence.of_type("Case"):
        status = str(case.get("Status") or "")
        if case.get("IsClosed") is True or _CLOSED_CASE.search(status) or case.get("ClosedDate"):
            continue
        priority = str(case.get("Priority") or "")
        if not _HIGH_PRIORITY.search(priority):
            continue
        opened = parse_day(case.get("CreatedDate"))
        if opened is not None and opened > evidence.as_of:
            continue
        severe = bool(re.search(r"escalat|critical|urgent", f"{status} {priority}", re.IGNORECASE))
        number = case.get("CaseNumber")
        label = f"Case {number}" if number else "A support case"
        subject = f" ({case.get('Subject')})" if case.get("Subject") else ""
        since = f" since {format_day(opened)}" if opened else ""
        risks.append(
            Risk(
                text=f"{label}{subject} is open at {priority} priority, status {status or 'open'}{since}.",
                citations=tuple(cites(evidence, case.id, "Subject", "Priority", "Status")),
                severity=Severity.high if severe else Severity.medium,
                mitigation=MITIGATIONS["support"],
            )
        )
    return risks


# ---------------------------------------------------------------------------
# Statements: the usable sentences of the retrieved notes and transcripts
# ---------------------------------------------------------------------------

_DATED_NAME = re.compile(r"(\d{4}-\d{2}-\d{2})")
# A markdown heading, or a short line that is bold and nothing else, as notes write one ("**Value** (Tyler's numbers)").
_HEADING = re.compile(
    r"^\s*(?:#{1,6}\s+(?P<title>.+?)\s*#*|(?:\*\*|__)(?P<bold>[^\W\d](?:[^*_\n.!?]{0,50}[^*_\n\s.!?])?)(?:\*\*|__)"
    r"\s*(?:\([^)\n]*\))?\s*:?)\s*$"
)
_CHECKBOX = re.compile(r"^\[(?P<mark>[ xX])\]\s+")
_ADDRESSES_DRAFTER = re.compile(
    r"\b(?:ai|assistant|bot|copilot|notetaker|llm|language model)\b\W{0,3}(?:\w+\W+){0,2}?"
    r"(?:state|say|write|report|include|claim|mark|put|tell)\b"
    r"|\b(?:state|say|write|report|put|include)\s+(?:in|into)\s+the\s+(?:qbr|brief|summary|plan|report)\b"
    r"|\bai\s+(?:assistant|tools?|notetaker)\b",
    re.IGNORECASE,
)


def addresses_the_drafter(text: str) -> bool:
    """Whether text speaks to an AI or the drafting system, or talks about such text: never a fact for the brief."""
    return looks_like_instruction(text) or bool(_ADDRESSES_DRAFTER.search(text))


# Our own negotiating room is for us, never for the customer's executives: in our notes "we've got approval to go
# to 11% off", "I can give up to 8 percent"; anywhere "discount stops at 395", "our walk-away is $1.1M". (On a call
# the customer's "we need 10% off" is their ask.)
_WE_CAN_GIVE = re.compile(
    r"\b(?:we|I)(?:['’](?:ve|re|d|ll)|\s+(?:have|had|are|would|could|can|will|got|may|might))?\b[^.;!?]{0,40}?"
    r"(?:\bdiscount\w*\b[^.;!?]{0,30}?\d+(?:[.,]\d+)?\s?(?:%|percent|per\s?cent)"
    r"|\d+(?:[.,]\d+)?\s?(?:%|percent|per\s?cent)\s+(?:off|discount|reduction)\b)",
    re.IGNORECASE,
)
_OUR_LIMIT = re.compile(
    r"\b(?:discount|price|pricing)\s+(?:stops|bottoms\s+out|floor|ceiling)\b|\b(?:our\s+)?walk[- ]?away\b"
    r"|\b(?:max(?:imum)?|our)\s+discount\b|\bdiscount\s+(?:authority|approval|ceiling|limit|headroom)\b",
    re.IGNORECASE,
)


def internal_only(text: str, *, ours: bool) -> bool:
    """Whether a statement is our own negotiating position (`ours`: written by our side, so "we" is us): it never
    goes in a brief for the customer."""
    return bool(_OUR_LIMIT.search(text) or (ours and _WE_CAN_GIVE.search(text)))


def source_day(source: Source) -> date | None:
    """When a source was written: its date, else the date its file is named after."""
    if source.date is not None:
        return source.date
    match = _DATED_NAME.search(source.origin or "")
    return parse_day(match.group(1)) if match else None


@dataclass(frozen=True)
class Statement:
    """One sentence of a retrieved note or transcript, with what it is cited as."""

    text: str
    citation: Citation
    day: date | None
    source_type: SourceType
    speaker: str | None = None
    heading: str = ""
    checkbox: str | None = None  # " " for an open action item, "x" for a done one
    at: int = 0  # where in its source it was said, to tell what was said after it
    subject: str = ""  # the subject line of the email it is in: what "the revised proposal" is a proposal for


def read_statements(hits: Sequence[Hit], evidence: AccountEvidence) -> tuple[list[Statement], list[str]]:
    """Every usable sentence of the retrieved narrative chunks up to as_of, once, and warnings."""
    statements: dict[tuple[str, str], Statement] = {}
    warnings: list[str] = []
    flagged: set[str] = set()
    for hit in hits:
        source = evidence.sources.get(hit.source_id)
        if source is None or not is_narrative(source):
            continue  # a CRM record's fields are read as facts; what people wrote in an activity is evidence
        day = source_day(source)
        if day is not None and day > evidence.as_of:
            continue
        transcript = source.type is SourceType.call
        visible = visible_text(hit, source)
        if source.id not in flagged and (blocks := untrusted_blocks(source)):
            flagged.add(source.id)
            warnings.append(f"Skipped instruction-like text in source {source.id}: {blocks[0][:100]!r}")
        lines = visible.split("\n")
        headings, table_heads = _outline(source.text)
        tainted = _tainted_lines(lines)
        sentences = _pieces(split_sentences(visible, transcript=transcript, speakers=speakers_of(source)))
        subjects = list(_SUBJECT_LINE.finditer(visible))
        titles = _title_lines(source)
        for sentence in _with_lead_ins(visible, list(sentences)):
            if any(sentence.text in title for title in titles):
                continue  # a logged activity's subject line ("SMS delay case update") is its label, not a statement
            line_no = visible.count("\n", 0, sentence.start)
            if line_no in tainted or addresses_the_drafter(sentence.text):
                if source.id not in flagged:
                    flagged.add(source.id)
                    said = lines[line_no].strip() if line_no in tainted else sentence.text
                    warnings.append(f"Skipped instruction-like text in source {source.id}: {said[:100]!r}")
                continue
            if _HEADING.match(lines[line_no]) or lines[line_no].strip() in table_heads:
                continue
            if is_email_header(sentence.text):
                continue  # "Subject: Platform consolidation study" names the email; its body says what happened
            if internal_only(sentence.text, ours=not transcript):
                continue
            text, offset, checkbox = sentence.text, 0, None
            if box := _CHECKBOX.match(text):
                checkbox, offset = box.group("mark").lower(), box.end()
            quote = text[offset:]
            if len(quote) > MAX_QUOTE:
                quote = quote[:MAX_QUOTE].rsplit(" ", 1)[0]
            at = source.text.find(quote)
            heading = next((title for start, title in reversed(headings) if start <= at), "")
            citation = Citation(source_id=source.id, quote=quote, locator=sentence.stamp or hit.locator)
            subject = _subject_before(subjects, sentence.start) or _record_subject(source)
            statements.setdefault(
                (source.id, quote),
                Statement(quote, citation, day, source.type, sentence.speaker, heading, checkbox, at, subject),
            )
    ordered = sorted(statements.values(), key=lambda s: (s.day or date.min, s.citation.source_id), reverse=True)
    return ordered, warnings


_SUBJECT_LINE = re.compile(r"^\W*subject\s*:\s*(?P<subject>\S[^\n]*)$", re.IGNORECASE | re.MULTILINE)


def _subject_before(subjects: Sequence[re.Match[str]], position: int) -> str:
    """The subject line (of a chunk's `subjects`) of the pasted or logged email a sentence at `position` is in,
    if one comes before it."""
    before = [m for m in subjects if m.start() < position]
    if not before:
        return ""
    last = before[-1]  # a sentence inside the subject line itself sees only the part before it
    return last.string[last.start("subject") : min(last.end(), position)].strip()


def _record_subject(source: Source) -> str:
    """A logged activity's own subject ("Email: RE: Revised renewal proposal")."""
    line = source.metadata.get("fields", {}).get("Subject", "") if source.type is SourceType.crm else ""
    return line.removeprefix("Subject: ")


_RUN_ON = re.compile(r"(?<=\d[MmKkBb%])\.\s+(?=[A-Z])")


def _pieces(sentences: Iterable[Sentence]) -> Iterable[Sentence]:
    """Sentences split where one ran on past a figure ("ARR is $1.42M. Greg wants ..."), which reads as an initial."""
    for sentence in sentences:
        start = 0
        for match in _RUN_ON.finditer(sentence.text):
            yield replace(
                sentence,
                text=sentence.text[start : match.start() + 1],
                start=sentence.start + start,
                end=sentence.start + match.start() + 1,
            )
            start = match.end()
        yield replace(sentence, text=sentence.text[start:], start=sentence.start + start) if start else sentence


_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_TABLE_RULE = re.compile(r"^\s*\|?(?:\s*:?-{3,}:?\s*\|)+\s*:?-*:?\s*\|?\s*$")


@lru_cache(maxsize=256)
def _outline(text: str) -> tuple[tuple[tuple[int, str], ...], frozenset[str]]:
    """A source's headings (offset, title) and markdown table header lines, read once per source text off the
    whole of it: a retrieved chunk may start below its heading."""
    lines = text.split("\n")
    headings, table_heads, offset = [], set(), 0
    for n, line in enumerate(lines):
        if heading_line := _HEADING.match(line):
            headings.append((offset, heading_line.group("title") or heading_line.group("bold")))
        if _table_head(lines, n):
            table_heads.add(line.strip())
        offset += len(line) + 1
    return tuple(headings), frozenset(table_heads)


def _title_lines(source: Source) -> list[str]:
    """A CRM record's subject and title lines: what the activity is called, not what was said in it."""
    if source.type is not SourceType.crm:
        return []
    fields = source.metadata.get("fields", {})
    return [line for name, line in fields.items() if name.lower() in ("subject", "title", "name")]


def _table_head(lines: Sequence[str], n: int) -> bool:
    """A markdown table's header row or its rule ("| # | Action | Owner | Due |", "|---|---|"): no statement."""
    below = lines[n + 1] if n + 1 < len(lines) else ""
    return bool(_TABLE_RULE.match(lines[n]) or (_TABLE_ROW.match(lines[n]) and _TABLE_RULE.match(below)))


def _table_cells(text: str) -> list[str] | None:
    """A table row's cells, without a leading row number: "| 2 | Paper travellers | J. Novák |" → two cells."""
    if not _TABLE_ROW.match(text.rstrip(".")):
        return None
    cells = [c.strip() for c in text.strip().rstrip(".").strip("|").split("|")]
    if cells and re.fullmatch(r"#?\d{1,3}[.)]?", cells[0]):
        cells = cells[1:]
    return [c for c in cells if c] or None


def _with_lead_ins(text: str, sentences: list[Sentence]) -> list[Sentence]:
    """Sentences, with a bold lead-in ("2. **Wastewater (high).** Budget cut from £2.4m ...") joined to the
    sentence after it on its line: the label says what the item is about, the sentence what happened."""
    out: list[Sentence] = []
    skip = False
    for n, sentence in enumerate(sentences):
        if skip:
            skip = False
            continue
        after = sentences[n + 1] if n + 1 < len(sentences) else None
        bold = text[max(0, sentence.start - 2) : sentence.start] in ("**", "__") and text[
            sentence.end : sentence.end + 2
        ] in ("**", "__")
        lead_in = bold and len(sentence.text.split()) <= 6
        if after is not None and lead_in and "\n" not in text[sentence.end : after.start]:
            out.append(replace(sentence, text=text[sentence.start : after.end], end=after.end))
            skip = True
        else:
            out.append(sentence)
    return out


def _tainted_lines(lines: Sequence[str]) -> set[int]:
    """Lines that carry an instruction: the injected line is untrusted as a whole, not just its one sentence."""
    return {n for n, line in enumerate(lines) if addresses_the_drafter(line)}


_SPOKEN_UNITS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
_SPOKEN_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_SPOKEN_DIGITS = {"zero": 0, "oh": 0, **{w: n for w, n in _SPOKEN_UNITS.items() if n < 10}}
_SPOKEN_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000}
_NUMBER_WORD = "|".join(
    sorted([*_SPOKEN_UNITS, *_SPOKEN_TENS, *_SPOKEN_SCALES, "zero", "point"], key=len, reverse=True)
)
_SPOKEN_NUMBER = re.compile(
    rf"\b(?P<run>(?:{_NUMBER_WORD})(?:(?:[- ]|\s+and\s+)(?:{_NUMBER_WORD}|oh))*)\b"
    r"(?P<after>\s*(?:percent\b|%|[a-z]+))?",
    re.IGNORECASE,
)
_UNIT = r"(?:percent|%|seconds?|secs?|minutes?|mins?|hours?|days?|weeks?|points?|pts|x)\b"
_UNIT_AFTER = re.compile(rf"\s*{_UNIT}", re.IGNORECASE)
# "two working days", "three full weeks": a unit a word after the figure
_QUALIFIED_UNIT_AFTER = re.compile(rf"\s+[a-z]+\s+{_UNIT}", re.IGNORECASE)
# "in two days instead of nine", "down from eleven": the figure a result is set against, its unit left unsaid
_SET_AGAINST = re.compile(
    r"(?:\binstead\s+of|\bvs\.?|\bversus|\bcompared\s+(?:to|with)|\bagainst|\b(?:up|down)\s+from)\s+$",
    re.IGNORECASE,
)


def _spoken_value(words: list[str]) -> str | None:
    """"thirty eight" → "38", "zero point four" → "0.4", "one thousand one hundred forty" → "1140"."""
    total = current = 0
    decimals = ""
    seen = False
    for index, word in enumerate(words):
        if word == "point":
            decimals = "".join(str(_SPOKEN_DIGITS[w]) for w in words[index + 1 :] if w in _SPOKEN_DIGITS)
            if len(decimals) != len(words) - index - 1 or not decimals:
                return None
            break
        if word in _SPOKEN_SCALES:
            scale = _SPOKEN_SCALES[word]
            if scale == 100:
                current = (current or 1) * 100
            else:
                total, current = total + (current or 1) * scale, 0
        elif word in _SPOKEN_TENS or word in _SPOKEN_UNITS or word in ("zero", "oh"):
            value = _SPOKEN_TENS.get(word, _SPOKEN_UNITS.get(word, 0))
            if current % 100 and value >= 10:
                current = current * 100 + value  # "four-ten" is 410 and "nineteen ninety" 1990, not 14 or 109
            elif current % 10 and value < 10:
                return None  # "four five": digits read out, not one number
            else:
                current += value
        else:
            return None
        seen = True
    if not seen:
        return None
    integer = total + current
    return f"{integer}.{decimals}" if decimals else str(integer)


def with_digits(text: str) -> str:
    """Spoken figures as digits, as a brief writes them: "thirty-eight percent" → "38%", "zero point four
    percent" → "0.4%", "forty-eight seconds" → "48 seconds", "two working days instead of nine" → "2 working
    days instead of 9". A lone "one" stays a word."""

    def figure(match: re.Match[str]) -> str:
        words = [w for w in re.split(r"[-\s]+", match.group("run").lower()) if w and w != "and"]
        after = match.group("after") or ""
        unit = _UNIT_AFTER.match(after) or _QUALIFIED_UNIT_AFTER.match(match.string, match.end("run"))
        set_against = _SET_AGAINST.search(match.string, 0, match.start())
        if len(words) < 2 and not unit and not set_against:
            return match.group()
        value = _spoken_value(words)
        if value is None:
            return match.group()
        if unit and re.match(r"\s*(?:percent|%)", after, re.IGNORECASE):
            return f"{value}%" + after[unit.end() :]
        return value + after

    text = _SPOKEN_NUMBER.sub(figure, _spoken_dates(text))
    return re.sub(r"(\d)\s?percent\b", r"\1%", text)


def _spoken_dates(text: str) -> str:
    """"by the fifteenth of January" → "by 15 January", "December the eleventh" → "December 11"."""

    def day(word: str) -> str:
        return str(_ORDINALS[re.sub(r"\s", "-", word.lower())])

    text = _SPOKEN_DAY_MONTH.sub(lambda m: f"{day(m.group('day'))} {m.group('month')}", text)
    return _SPOKEN_MONTH_DAY.sub(lambda m: f"{m.group('month')} {day(m.group('day'))}", text)


_PRONOUN_LED = re.compile(
    r"^\W*(?:(?:if|when|unless|because|although|but|and|so)\s+)?(?:he|she|they|it|this|that|these|those|him|her)"
    r"(?:['’]\w+)?\b",
    re.IGNORECASE,
)


def stands_alone(statement: Statement) -> bool:
    """Whether a sentence makes sense as its own bullet: not a question, not led by a pronoun with no antecedent."""
    return not statement.text.rstrip("*_ ").endswith("?") and not _PRONOUN_LED.match(statement.text)


def claim_text(statement: Statement) -> str | None:
    """A statement as a brief's bullet, or None when it cannot stand as one.

    Our own notes are already written as statements: markup goes, figures become digits. A
    transcript line is someone talking, so it is restated (agents.phrasing): "Dana to send the
    pricing by Friday", never the pasted line.
    """
    text = with_digits(re.sub(r"\*\*|__|`", "", statement.text).strip())
    text = re.sub(r"^[–—•·]\s+", "", text)  # a bullet typed as a dash: "– parts revenue ..."
    if cells := _table_cells(text):
        text = " — ".join(cells)  # a table row reads as its cells, not as pipes
    if statement.source_type is SourceType.call:
        return spoken_as_statement(text, statement.speaker)
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9%]+", text.lower()) if len(w) > 2 or w.endswith("%")}


def _similar(a: str, b: str, threshold: float = 0.5) -> bool:
    wa, wb = _words(a), _words(b)
    return bool(wa and wb) and len(wa & wb) / len(wa | wb) >= threshold


# ---------------------------------------------------------------------------
# Dates in text, and the renewal
# ---------------------------------------------------------------------------

_ORDINALS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "eleventh": 11,
    "twelfth": 12,
    "thirteenth": 13,
    "fourteenth": 14,
    "fifteenth": 15,
    "sixteenth": 16,
    "seventeenth": 17,
    "eighteenth": 18,
    "nineteenth": 19,
    "twentieth": 20,
    "twenty-first": 21,
    "twenty-second": 22,
    "twenty-third": 23,
    "twenty-fourth": 24,
    "twenty-fifth": 25,
    "twenty-sixth": 26,
    "twenty-seventh": 27,
    "twenty-eighth": 28,
    "twenty-ninth": 29,
    "thirtieth": 30,
    "thirty-first": 31,
}
_ORDINAL_WORD = "|".join(sorted((re.escape(o).replace(r"\-", "[- ]") for o in _ORDINALS), key=len, reverse=True))
_SPOKEN_DAY_MONTH = re.compile(
    rf"\b(?:the\s+)?(?P<day>{_ORDINAL_WORD})\s+of\s+(?P<month>{MONTH_WORD})\b", re.IGNORECASE
)
_SPOKEN_MONTH_DAY = re.compile(  # "May the first", not "we may the first time": the month has its capital
    rf"\b(?-i:(?=[A-Z]))(?P<month>{MONTH_WORD})\s+(?:the\s+)?(?P<day>{_ORDINAL_WORD})\b", re.IGNORECASE
)
_MONTH = rf"(?P<month>{MONTH_WORD})\.?"
_DAYNUM = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?|(?P<dayword>" + "|".join(sorted(_ORDINALS, key=len, reverse=True)) + ")"
_YEAR = r"(?:,?\s+(?P<year>20\d{2}))?"
_TEXT_DATES = (
    re.compile(rf"\b{_MONTH}\s+(?:{_DAYNUM})\b{_YEAR}", re.IGNORECASE),
    # "31 March", "31st of March", "30. April" (the German way), "the thirty-first of March" (as said)
    re.compile(rf"\b(?:{_DAYNUM})\.?\s+(?:of\s+)?{_MONTH}{_YEAR}", re.IGNORECASE),
    re.compile(r"\b(?P<iso>20\d{2}-\d{2}-\d{2})\b"),
    re.compile(r"\b(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>(?:20)?\d{2})\b"),
    # "30.04.2027": day first, as everywhere that writes dates with dots
    re.compile(r"\b(?P<eday>\d{1,2})\.(?P<emonth>\d{1,2})\.(?P<eyear>20\d{2})\b"),
    re.compile(rf"\bend\s+of\s+{_MONTH}{_YEAR}", re.IGNORECASE),
    re.compile(r"\b(?P<quarter>Q[1-4])(?:\s+(?:FY)?(?P<qyear>(?:20)?\d{2}))?\b"),
)


@dataclass(frozen=True)
class TextDate:
    """A date named in a sentence; `label` is how the brief states it ("March 31, 2027", "Q1 2027")."""

    day: date
    label: str
    start: int
    end: int


def _on_or_after(month: int, day: int, year: int | None, reference: date) -> date | None:
    try:
        if year is not None:
            return date(year, month, day)
        candidate = date(reference.year, month, day)
        # A date without a year is the next one after the sentence was written (a month's grace).
        return candidate if candidate >= reference - timedelta(days=31) else date(reference.year + 1, month, day)
    except ValueError:
        return None


def dates_in(text: str, reference: date) -> list[TextDate]:
    """Every date a sentence names, left to right; dates without a year are read forward from `reference`."""
    found: dict[int, TextDate] = {}
    for pattern in _TEXT_DATES:
        for m in pattern.finditer(text):
            groups = m.groupdict()
            day: date | None = None
            label = ""
            if groups.get("iso"):
                day = parse_day(groups["iso"])
            elif groups.get("quarter"):
                q = int(groups["quarter"][1])
                year = int(groups["qyear"]) if groups.get("qyear") else None
                if year is not None and year < 100:
                    year += 2000
                month_end = _on_or_after(3 * q, 28, year, reference)
                if month_end is not None:
                    end = quarter_of(month_end).end
                    day, label = end, f"Q{q} {end.year}"
            elif groups.get("m"):
                year = int(groups["y"]) + (2000 if len(groups["y"]) == 2 else 0)
                month_no, day_no = int(groups["m"]), int(groups["d"])
                if month_no > 12 >= day_no:  # "31/03/2027" can only be day first
                    month_no, day_no = day_no, month_no
                day = _on_or_after(month_no, day_no, year, reference)
            elif groups.get("eday"):
                day = _on_or_after(int(groups["emonth"]), int(groups["eday"]), int(groups["eyear"]), reference)
            elif groups.get("month"):
                month = MONTHS[groups["month"].lower()]
                year = int(groups["year"]) if groups.get("year") else None
                if groups.get("day") or groups.get("dayword"):
                    number = int(groups["day"]) if groups.get("day") else _ORDINALS[groups["dayword"].lower()]
                else:  # "end of March"
                    first = _on_or_after(month, 1, year, reference)
                    number = (
                        ((first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)).day
                        if first
                        else 0
                    )
                day = _on_or_after(month, number, year, reference) if number else None
            if day is not None and m.start() not in found:
                found[m.start()] = TextDate(day, label or format_day(day), m.start(), m.end())
    return [found[k] for k in sorted(found)]


_RENEWAL_WORD = re.compile(
    r"\brenew\w*|\bextension\b|\b(?:contract|term)\s+(?:end|ends|expir\w*)\b"
    r"|\bextend\w*\s+(?:the\s+|our\s+|their\s+)?(?:current\s+|existing\s+)?(?:contract|term|subscription|licen[cs]es?)\b",
    re.IGNORECASE,
)
_MOVED = re.compile(
    r"\b(?:mov(?:e|es|ed|ing)|push(?:es|ed|ing)?(?:\s+out|\s+back)?|slip(?:s|ped|ping)?|slid|delay(?:s|ed)?"
    r"|postpon\w+|extension\s+(?:letter\s+)?(?:to|until|till)|extend(?:s|ed|ing)?\b(?=[^.]{0,60}\b(?:to|until|till)\b)"
    r"|pull(?:s|ed)?\s+(?:in|forward)|brought\s+forward|shift(?:s|ed)?|reschedul\w+|realign\w*"
    r"|now\s+(?:renew\w*|due|clos\w*|expected|lands?|ends?\s+on|expires?|runs?\s+(?:to|until))"
    r"|new\s+(?:renewal\s+)?(?:date|term\s+starts)"
    # "extend the contract by three months, so the end date will be ..."
    r"|extend\w*\s+(?:[\w-]+\s+){0,4}?by\s+(?:[\w-]+\s+)?(?:weeks?|months?|quarters?|years?)"
    r"|(?:end|renewal|expiry)\s+date\s+(?:will\s+be|would\s+be|is\s+now|becomes))\b"
    # "the renewal is now **30 April 2027**": now, then the date itself
    r"|\bnow\s+(?:on\s+|for\s+)?(?:[*_]{1,2})?(?=\d{1,2}(?:st|nd|rd|th)?[\s./-]|\d{4}-\d|(?:jan|feb|mar|apr|may|jun|jul|aug|sep"
    r"|oct|nov|dec)[a-z]*\.?\s+\d)",
    re.IGNORECASE,
)
_UNSETTLED = re.compile(
    r"\b(?:float\w*|not\s+confirmed|unconfirmed|tentative\w*|might|may|could|would|consider\w*|whether|if"
    r"|propos\w*|suggest\w*|discuss\w*|asked\s+(?:about|whether|if)|maybe|possibly|wants?\s+to|hop\w*)\b",
    re.IGNORECASE,
)


# The date a move replaced, not the new one: "from 31 March", "not 31 March anymore", "instead of 15 Dec".
_REPLACED_DATE = re.compile(
    r"\b(?:from|not|instead\s+of|rather\s+than|was|previously|originally|formerly)\s+(?:the\s+)?(?:[*_]{1,2})?$",
    re.IGNORECASE,
)


# "Jan 31 -> Mar 31", "15 Dec to 30 Jun": the first date is the one replaced.
_BECAME = re.compile(r"\s*(?:[*_]{1,2})?\s*(?:->|→|=>|—>|to|until|till)\s*(?:[*_]{1,2})?\s*", re.IGNORECASE)


@dataclass(frozen=True)
class MovedDate:
    day: date
    label: str
    statement: Statement


def moved_renewal_dates(statements: Sequence[Statement], crm_day: date | None, as_of: date) -> list[MovedDate]:
    """Statements that the renewal moved to a date other than the CRM's, newest first; hedged talk does not count."""
    moves = []
    for statement in statements:
        text = statement.text
        if not _RENEWAL_WORD.search(text) or not (cue := _MOVED.search(text)):
            continue
        reference = statement.day or as_of
        if _UNSETTLED.search(text) and not _restated_later(statement, statements, reference):
            continue
        # The date the move goes to comes first after the cue ("moving to 31 March 2027 (Liam's email of 15 Sept)"),
        # and a renewal never moves into the past of the sentence that moves it.
        named = dates_in(text, reference)
        candidates = [
            d
            for d in named
            if d.start >= cue.start() and not _REPLACED_DATE.search(text[: d.start]) and d.day > reference
            and not any(_BECAME.fullmatch(text[d.end : later.start]) for later in named if later.start > d.start)
        ]
        if candidates and candidates[0].day != crm_day:
            moves.append(MovedDate(candidates[0].day, candidates[0].label, statement))
    return moves


def replaced_renewal_date(statements: Sequence[Statement], crm_day: date, since: date) -> tuple[str, Statement] | None:
    """Where the CRM already shows a renewal date that moved this quarter, the date it replaced: "renewal date now
    30 Apr 2027 (was 31 Jan)", "now ends on 30 April 2027 rather than 31 January", "31 Jan -> 30 Apr"."""
    for statement in statements:
        text = statement.text
        if (statement.day or since) < since or not _RENEWAL_WORD.search(text) or not (cue := _MOVED.search(text)):
            continue
        named = dates_in(text, statement.day or since)
        if not any(d.day == crm_day and d.start >= cue.start() for d in named):
            continue
        for d in named:
            becomes = any(later.day == crm_day and _BECAME.fullmatch(text[d.end : later.start]) for later in named)
            if d.day != crm_day and (becomes or _REPLACED_DATE.search(text[: d.start])):
                return d.label, statement
    return None


def _restated_later(proposal: Statement, statements: Sequence[Statement], reference: date) -> bool:
    """A proposed date is settled when the same conversation or note names that date again after it
    ("we propose to extend to the thirty-first of March" ... "So, thirty-first of March. This is final.")."""
    proposed = {d.day for d in dates_in(proposal.text, reference) if d.day > reference}
    return any(
        s.citation.source_id == proposal.citation.source_id
        and s.at > proposal.at
        and proposed & {d.day for d in dates_in(s.text, s.day or reference)}
        for s in statements
    )


# A milestone of the decision other than the renewal, whose date a move changes: "the committee got pushed —
# it's now 2 July, not 18 June", "go-live slipped to 3 March".
_MILESTONE = re.compile(
    r"\b(?:(?:selection|steering|investment|budget|evaluation|tender|award)\s+)?(?:committee|board\s+(?:meeting|decision)"
    r"|decision|go-?live|cut-?over|signature|signing|kick-?off|launch|vote|award|deadline|pilot|poc|readout"
    r"|rollout|roll-out)\b",
    re.IGNORECASE,
)
MAX_MILESTONE_MOVES = 2


def milestone_moves(statements: Sequence[Statement], since: date) -> list[Claim]:
    """Milestones the notes and calls say moved, with the date each replaced when the sentence says it; the
    renewal's own move is the renewal claim's."""
    claims: list[Claim] = []
    for statement in statements:
        text = statement.text
        if (statement.day or since) < since or _RENEWAL_WORD.search(text) or _UNSETTLED.search(text):
            continue
        milestone, cue = _MILESTONE.search(text), _MOVED.search(text)
        if milestone is None or cue is None or milestone.start() > cue.start():
            continue
        reference = statement.day or since
        dates = dates_in(text, reference)
        new = [d for d in dates if d.start >= cue.start() and not _REPLACED_DATE.search(text[: d.start])]
        old = [d for d in dates if _REPLACED_DATE.search(text[: d.start])]
        if not new or (old and old[0].day == new[0].day):
            continue
        what = milestone.group().lower()
        was = f" (was {format_day(old[0].day)})" if old else ""
        claim = Claim(text=f"The {what} moved to {format_day(new[0].day)}{was}.", citations=(statement.citation,))
        if all(c.text != claim.text for c in claims):
            claims.append(claim)
        if len(claims) >= MAX_MILESTONE_MOVES:
            break
    return claims


def renewal_claim(
    evidence: AccountEvidence, statements: Sequence[Statement]
) -> tuple[Claim | None, MovedDate | None, date | None]:
    """The renewal: the CRM's open renewal, with its date replaced by a newer move when the evidence says so."""
    renewal = renewal_opportunity(evidence)
    if renewal is None:
        return narrative_renewal(statements, evidence.as_of)
    crm_day = parse_day(renewal.get("CloseDate"))
    crm_changed = parse_day(renewal.get("LastModifiedDate")) or parse_day(renewal.get("SystemModstamp"))
    moves = [
        m
        for m in moved_renewal_dates(statements, crm_day, evidence.as_of)
        if crm_changed is None or m.statement.day is None or m.statement.day > crm_changed
    ]
    citations = cites(evidence, renewal.id, "CloseDate", "Amount", "StageName")
    details = ", ".join(
        part for part in (format_money(amount(renewal)) if amount(renewal) else "", renewal.get("StageName")) if part
    )
    name = _deal_name(renewal)
    if not moves:
        when = f" renews on {format_day(crm_day)}" if crm_day else " has no close date in CRM"
        since = evidence.as_of - timedelta(days=LOOKBACK_DAYS)
        if crm_day and (replaced := replaced_renewal_date(statements, crm_day, since)):
            was, said = replaced  # the CRM already has the new date; the brief still says what changed
            moved = Claim(text=f"{name} ({details}){when}, moved from {was}.", citations=(said.citation, *citations))
            return moved, None, crm_day
        return Claim(text=f"{name} ({details}){when}.", citations=tuple(citations)), None, crm_day
    newest = moves[0]
    agreeing = [m for m in moves if m.day == newest.day]
    evidence_citations = list(dict.fromkeys(m.statement.citation for m in agreeing))[:2]
    was = f", moved from {format_day(crm_day)} in CRM" if crm_day else ""
    text = f"{name} ({details}) now renews on {newest.label}{was}."
    return Claim(text=text, citations=tuple([*evidence_citations, *citations])), newest, newest.day


def narrative_renewal(
    statements: Sequence[Statement], as_of: date
) -> tuple[Claim | None, MovedDate | None, date | None]:
    """The renewal when only the notes and calls speak of it: the newest move, and where it moved from."""
    moves = moved_renewal_dates(statements, None, as_of)
    if not moves:
        return None, None, None
    newest = moves[0]
    text = newest.statement.text
    was = next(
        (d.label for d in dates_in(text, newest.statement.day or as_of)
         if re.search(r"\bfrom\s+(?:the\s+)?$", text[: d.start], re.IGNORECASE)),
        None,
    )
    moved = f"moved from {was} to {newest.label}" if was else f"now {newest.label}"
    return Claim(text=f"Renewal {moved}.", citations=(newest.statement.citation,)), newest, newest.day


# A currency written before an amount: a symbol, or an ISO code and a space ("EUR 395k").
_CURRENCY = r"(?:[$€£]|\b(?:USD|EUR|GBP|CHF|CZK|PLN|SEK|NOK|DKK|AUD|CAD)\s)"
_MONEY = re.compile(
    rf"(?P<amount>{_CURRENCY}\s?\d[\d,]*(?:\.\d+)?"
    r"\s?(?:k|m|mm|bn|million|thousand|billion)?\b"
    r"|\b\d[\d,]*(?:\.\d+)?\s?(?:k|m|mm|million|thousand)?\s?(?:usd|eur|gbp|chf|dollars?|euros?|pounds?)\b)",
    re.IGNORECASE,
)
_AMOUNT_CHANGE = re.compile(
    r"\b(?:re-?scop\w*|cut|cuts|reduc\w*|trimm?\w*|shrunk|shrank|lower\w*|dropp?\w*|down\s+to|increas\w*"
    r"|rais(?:ed|es|ing)?\s+(?:to|by|from)"
    r"|grew|expand\w*|up\s+to|(?:down|up)\s+from|revised|now\s+(?:at|only|just)|came\s+in\s+at|re-?quoted"
    r"|scaled\s+(?:back|down|up))\b|\bnow\s+(?=[$€£]\s?\d)",
    re.IGNORECASE,
)
_AMOUNT_TOPIC = re.compile(
    r"\b(?:budget|envelope|amount|deal|renewal|expansion|contract|quote|quoted|scope|(?:re-?)?scoped|order|po|tcv|acv)\b",
    re.IGNORECASE,
)
MAX_AMOUNT_CHANGES = 2


def _amount_word(topic: str) -> str:
    """What a changed amount is of, as the brief names it: "rescoped" → "scope", "po" → "PO"."""
    what = topic.lower()
    what = re.sub(r"^(?:re-?)?scoped$|^quoted$", lambda m: "scope" if "scop" in m.group() else "quote", what)
    return {"po": "PO", "tcv": "TCV", "acv": "ACV"}.get(what, what)


# "£310k (was £480k)", "£310k, down from £480k", "£310k instead of £480k": the first figure is the new one.
_REPLACED_AFTER = re.compile(
    r"^(?:\s*[a-z][\w-]*){0,3}?[\s,;(]*(?:was|were|previously|originally|earlier|formerly|down\s+from|up\s+from|cut\s+from|from|instead\s+of"
    r"|rather\s+than|vs\.?|versus|compared\s+(?:to|with)|replacing|not)\b[\s:]*(?:the\s+)?(?:original\s+|earlier\s+)?$",
    re.IGNORECASE,
)


def _new_and_old(text: str) -> tuple[str, str | None]:
    """The new figure of a sentence about a changed amount, and the one it replaced, by how the sentence
    says which is which: "from £480k to £310k" and "£480k → £310k" put the new one last; "£310k (was £480k)"
    and "£310k, down from £480k" first."""
    found = list(_MONEY.finditer(text))
    if len(found) < 2:
        return found[-1].group("amount").strip(), None
    first, second = found[0], found[1]
    if _REPLACED_AFTER.match(text[first.end() : second.start()]):
        return first.group("amount").strip(), second.group("amount").strip()
    if _BECAME.fullmatch(text[first.end() : second.start()]):  # "from £2.4m to £1.6m, rescoped to £410k"
        return second.group("amount").strip(), first.group("amount").strip()
    return found[-1].group("amount").strip(), first.group("amount").strip()


def _priced(text: str) -> bool:
    """Whether a sum of money in the sentence is what the deal costs: "dropping 230 seats, so the renewal is now
    $410k" reports a changed price, though it also counts seats."""
    return any(
        m.group("money") and _PRICING_NEAR.search(text[max(0, m.start() - 40) : m.end() + 25]) for m in measured(text)
    )


def amount_claims(statements: Sequence[Statement], since: date) -> list[Claim]:
    """Amounts and budgets the notes and calls say changed — the newest figure, and the one it replaced."""
    changes: list[_AmountChange] = []
    ordered = [s for s in statements if _MONEY.search(with_digits(s.text))]
    for index, statement in enumerate(ordered):
        text = with_digits(statement.text)
        if (statement.day or since) < since or not _AMOUNT_CHANGE.search(text):
            continue
        if is_value(text) and not _priced(text):
            continue
        if not any(_AMOUNT_TOPIC.search(t) for t in (text, statement.heading, statement.subject)):
            continue
        amounts = [m.group("amount") for m in _MONEY.finditer(text)]
        new, stated_old = _new_and_old(text)
        earlier = [
            e for e in ordered[index + 1 :]
            if (e.day or date.min) < (statement.day or date.min) and _AMOUNT_TOPIC.search(e.text)
        ]
        # The figure it replaced: from an earlier statement on the same subject, or the only earlier one.
        replaced = [e for e in earlier if _similar(e.text, statement.text, 0.15)]
        replaced = replaced or (earlier if len(earlier) == 1 else [])
        older = [m.group("amount") for e in replaced[:1] for m in _MONEY.finditer(with_digits(e.text))]
        old = stated_old if len(amounts) > 1 else (older[0] if older else None)
        old = _at_scale_of(old, new) if old is not None else None
        if old is not None and money_value(old) == money_value(new):
            old = None  # "$980k" said again as "$980,000" replaced nothing
        citations = [statement.citation, *(e.citation for e in replaced[:1] if older)]
        said = next((c for c in changes if c.value == money_value(new)), None)
        if said is not None:  # the same figure, said before this newest wording: it may say what it replaced
            if said.old is None and old is not None:
                said.old, said.citations = old, [*said.citations, statement.citation]
            continue
        topic = next((m for t in (text, statement.heading, statement.subject) if (m := _AMOUNT_TOPIC.search(t))), None)
        what = _amount_word(topic.group() if topic else "amount")
        changes.append(_AmountChange(money_value(new), f"The {what} is now {new}", old, citations))
        if len(changes) >= MAX_AMOUNT_CHANGES:
            break
    return [change.claim() for change in changes]


def _at_scale_of(old: str, new: str) -> str:
    """A figure said without its scale after one said with it — "$1.84 million a year, up from $1.71" — at that
    scale ("$1.71M"); any other figure as written."""
    was, now = money_value(old), money_value(new)
    if was is None or now is None or was >= 1000 or now < 1000:
        return old
    scaled = next((was * k for k in (1e3, 1e6, 1e9) if now / 3 <= was * k <= now * 3), None)
    if scaled is None:
        return old
    currency = old[: len(old) - len(old.lstrip("$€£¥ "))].strip()  # "€1.71" stays in euros
    return currency + format_money(scaled).removeprefix("$")


@dataclass
class _AmountChange:
    """A changed amount the brief states: its new figure's value and wording, and what it replaced, when known."""

    value: float | None
    said: str  # "The scope is now $980k"
    old: str | None
    citations: list[Citation]

    def claim(self) -> Claim:
        was = f" (was {self.old})" if self.old else ""
        return Claim(text=f"{self.said}{was}.", citations=tuple(self.citations))


_SCALE = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mm": 1e6, "million": 1e6, "bn": 1e9, "billion": 1e9}
_FIGURE = re.compile(r"(?P<n>\d[\d,]*(?:\.\d+)?)\s?(?P<scale>k|mm|m|bn|million|thousand|billion)?\b", re.IGNORECASE)
# A figure that is someone else's price or a concession, not what the deal now costs.
_NOT_THE_DEAL = re.compile(
    r"\b(?:discount\w*|off|under\s+us|cheaper|undercut\w*|their\s+(?:price|quote|offer|bid)|bid|competitor|threshold"
    r"|above|over|up\s+to|needs?\s+(?:\w+\s+)?approval)\b",
    re.IGNORECASE,
)


def money_value(written: str) -> float | None:
    """"€395k" → 395000.0, "EUR 1,265,000" → 1265000.0, "$1.2M" → 1200000.0."""
    m = _FIGURE.search(written)
    if m is None:
        return None
    return float(m.group("n").replace(",", "")) * _SCALE.get((m.group("scale") or "").lower(), 1.0)


def amount_against_crm(evidence: AccountEvidence, statements: Sequence[Statement], since: date) -> list[Claim]:
    """The renewal's amount as newer notes and calls give it when it differs from the CRM's ("Bernd has only
    €395k in the budget" against €480k on the Opportunity), though nobody said "cut": the newest such figure."""
    renewal = renewal_opportunity(evidence)
    if renewal is None or not (crm := amount(renewal)):
        return []
    changed = parse_day(renewal.get("LastModifiedDate")) or parse_day(renewal.get("SystemModstamp"))
    competitors = competitor_names(evidence)
    for statement in sorted(statements, key=lambda s: s.day or date.min, reverse=True):
        day = statement.day or date.min
        if day < since or (changed is not None and day <= changed):
            continue
        text = with_digits(statement.text)
        topic = _AMOUNT_TOPIC.search(text)
        if topic is None or is_value(text) or _NOT_THE_DEAL.search(text) or _UNSETTLED.search(text):
            continue
        if names_any(text, competitors):
            continue
        found = [m.group("amount").strip() for m in _MONEY.finditer(text)]
        near = [
            a for a in found if (v := money_value(a)) and 0.5 * crm <= v <= 1.5 * crm and abs(v - crm) >= 0.02 * crm
        ]
        if len(found) > 2 or len(near) != 1:
            continue
        what = _amount_word(topic.group())
        citations = [statement.citation, *cites(evidence, renewal.id, "Amount")]
        return [Claim(text=f"The {what} is now {near[0]} (CRM: {format_money(crm)}).", citations=tuple(citations))]
    return []


# ---------------------------------------------------------------------------
# Relationship changes
# ---------------------------------------------------------------------------


ROLE_PHRASES: dict[BuyingRole, str] = {
    BuyingRole.economic_buyer: "the economic buyer (holds the budget and the decision)",
    BuyingRole.technical_evaluator: "the technical evaluator (runs the evaluation)",
    BuyingRole.business_owner: "the business owner (owns the business case)",
    BuyingRole.executive_sponsor: "the executive sponsor",
    BuyingRole.influencer: "an influencer on the decision",
    BuyingRole.procurement: "running procurement",
    BuyingRole.end_user: "a user of the product",
    BuyingRole.unknown: "in a role the evidence does not name",
}


@dataclass
class PersonView:
    """What the brief knows about one person: who they are, and what the evidence says changed."""

    key: str
    name: str
    title: str | None = None
    title_citations: tuple[Citation, ...] = ()
    in_crm: bool = False
    crm_lists_active: bool = False  # a Contact with nothing in the CRM saying they left
    plan: Stakeholder | None = None
    role: BuyingRole | None = None
    role_citations: tuple[Citation, ...] = ()


_RETIRED = re.compile(r"\bretir(?:ed|es|ing|ement)\b", re.IGNORECASE)
_LEFT_FOR = re.compile(
    r"\b(?:joined|joins|joining|left\s+(?:us\s+)?for|went\s+to|gone\s+to|moved\s+(?:on\s+)?to|now\s+at|to\s+join)\s+"
    r"(?P<org>(?-i:[A-Z])[\w&.’'\-]*(?:\s+(?:&\s+)?(?-i:[A-Z])[\w&.’'\-]*){0,3})",
    re.IGNORECASE,
)


def departure_words(said: Sequence[Finding], customer: Sequence[str]) -> str:
    """How the evidence says someone left, in the brief's words: "has retired", "has left for Grafvane", or
    "has left the company"."""
    quotes = [f.citation.quote for f in said]
    if any(_RETIRED.search(q) for q in quotes):
        return "has retired"
    for quote in quotes:
        for match in _LEFT_FOR.finditer(quote):
            org = match.group("org").rstrip(".,")
            if not any(org.lower().startswith(c.lower()) or c.lower().startswith(org.lower()) for c in customer):
                return f"has left for {org}"
    return "has left the company"


def crm_departures(evidence: AccountEvidence) -> list[Finding]:
    """A Contact whose custom status field says they left (DESIGN.md status), dated by the record's last change."""
    found = []
    for contact in stakeholder_contacts(evidence):
        if (left := custom_departure(contact, evidence.field_map)) and (citation := cite(evidence, contact.id, left)):
            day = parse_day(contact.get("LastModifiedDate")) or date.min  # undated: the CRM does not say when
            found.append(
                Finding(contact.id, "status", StakeholderStatus.departed, citation, day, contact.id, SourceType.crm)
            )
    return found


def _findings_by_person(
    findings: Iterable[Finding], days: dict[str, date | None]
) -> dict[str, dict[str, list[Finding]]]:
    grouped: dict[str, dict[str, list[Finding]]] = defaultdict(lambda: defaultdict(list))
    for finding in dict.fromkeys(findings):
        dated = finding if finding.day is not None else replace(finding, day=days.get(finding.source_id))
        grouped[finding.key][finding.field].append(dated)
    return grouped


def _newest(findings: Sequence[Finding]) -> list[Finding]:
    top = max((f.day or date.min) for f in findings)
    return [f for f in findings if (f.day or date.min) == top]


def _citations(findings: Sequence[Finding], limit: int = 2) -> tuple[Citation, ...]:
    ordered = sorted(findings, key=lambda f: (f.day or date.min, f.source_id), reverse=True)
    return tuple(list(dict.fromkeys(f.citation for f in ordered))[:limit])


Tagged = tuple[str, Risk]  # a risk and the kind of risk it is, which names its mitigation


@dataclass
class Relationships:
    claims: list[Claim]
    risks: list[Tagged]
    directory: Directory
    warnings: list[str]


def relationship_changes(
    evidence: AccountEvidence, plan: AccountPlan, hits: Sequence[Hit], since: date, renewal_near: bool
) -> Relationships:
    """Departures, arrivals, new titles and stance changes since `since`, and the risks they carry."""
    customer = customer_names(evidence)
    people: dict[str, PersonView] = {}
    roles = evidence.roles_by_contact()
    for contact in stakeholder_contacts(evidence):
        if name := contact_name(contact):
            active = custom_departure(contact, evidence.field_map) is None
            view = PersonView(contact.id, name, in_crm=True, crm_lists_active=active)
            if title := contact.get("Title"):
                view.title = str(title)
                view.title_citations = tuple(cites(evidence, contact.id, "Title"))
            if role := crm_buying_role(evidence, roles.get(contact.id, [])):
                view.role, view.role_citations = role.value, tuple(role.citations)
            people[contact.id] = view
    directory = Directory(Person(v.key, v.name) for v in people.values())
    for stakeholder in plan.stakeholders:
        person = directory.resolve(stakeholder.name)
        if person is None:
            directory.add(Person(stakeholder.key, stakeholder.name))
            people[stakeholder.key] = PersonView(stakeholder.key, stakeholder.name, title=stakeholder.title)
            person = directory.people[stakeholder.key]
        view = people[person.key]
        view.plan = stakeholder
        if view.role is None and stakeholder.buying_role is not BuyingRole.unknown:
            view.role = stakeholder.buying_role

    reading = read_account(hits, evidence, directory)
    for key, person in reading.new_people.items():
        people.setdefault(key, PersonView(key, person.name))
    days = {sid: source_day(s) for sid, s in evidence.sources.items()}
    grouped = _findings_by_person([*reading.findings, *crm_departures(evidence)], days)

    claims: list[Claim] = []
    risks: list[Tagged] = []
    recent = [k for k in sorted(grouped, key=lambda k: people[k].name if k in people else k) if k in people]
    company = frozenset(word for name in customer for word in title_key(name).split())  # "… Specialist Kowhai Air"
    # A new title the CRM still does not show is news however long ago it came, within the contract year.
    titles_since = min(since, evidence.as_of - timedelta(days=VALUE_LOOKBACK_DAYS))
    for key in recent:
        view, fields = people[key], grouped[key]
        said_roles = _newest(fields["buying_role"]) if fields.get("buying_role") else []
        role_claim: Claim | None = None
        if said_roles and (said_roles[0].day or date.min) >= since and said_roles[0].value is not view.role:
            # DESIGN.md: newer evidence of a changed role overrides the CRM's.
            role = said_roles[0].value
            was = f" (CRM: {view.role.value.replace('_', ' ')})" if view.role else ""
            role_claim = Claim(
                text=f"{view.name} is now {ROLE_PHRASES[role]}{was}.",
                citations=(*_citations(said_roles, 1), *view.role_citations[:1]),
            )
            view.role, view.role_citations = role, (said_roles[0].citation,)
        elif said_roles and view.role is None:
            view.role, view.role_citations = said_roles[0].value, (said_roles[0].citation,)
        stance, stance_support = choose_stance(fields["stance"]) if fields.get("stance") else (Stance.unknown, [])
        statuses = fields.get("status", [])
        latest_status = _newest(statuses) if statuses else []
        departed = [f for f in latest_status if f.value is StakeholderStatus.departed]
        arrived = [f for f in latest_status if f.value is StakeholderStatus.active]
        newest_day = max((f.day or date.min) for f in latest_status) if latest_status else date.min
        plan_departed = view.plan is not None and view.plan.status is StakeholderStatus.departed
        who = f"{view.name} ({view.title})" if view.title else view.name
        # A departure is news when it is recent or undated (a CRM status field), or when the CRM or the
        # plan still lists them.
        news = newest_day >= since or newest_day == date.min
        if departed and (news or view.crm_lists_active or (view.plan is not None and not plan_departed)):
            before_leaving = [f for f in fields.get("stance", []) if f.value is Stance.champion]
            was_champion = (view.plan is not None and view.plan.stance is Stance.champion) or bool(before_leaving)
            champion_note = ", our champion," if was_champion else ""
            said = [f for f in statuses if f.value is StakeholderStatus.departed]
            naming = [f for f in said if directory.find(f.citation.quote)]
            citations = tuple(dict.fromkeys([*_citations(naming, 2), *_citations(said, 2)]))[:2]
            claims.append(Claim(text=f"{who}{champion_note} {departure_words(said, customer)}.", citations=citations))
            if was_champion:
                risks.append(
                    (
                        "departed_champion",
                        Risk(
                            text=f"Our champion {view.name} has left; nobody is selling for us internally yet.",
                            citations=citations + _citations(before_leaving, 1),
                            severity=Severity.high,
                            mitigation=MITIGATIONS["departed_champion"],
                        ),
                    )
                )
            continue
        if departed or plan_departed:
            continue
        titles = [f for f in fields.get("title", []) if f.value]
        if arrived and newest_day >= since:
            new_title = (
                _newest([f for f in titles if (f.day or date.min) >= since] or titles)[0].value if titles else None
            )
            as_title = f" as {new_title}" if new_title else ""
            holds_budget = view.role is BuyingRole.economic_buyer
            budget = " and holds the budget" if holds_budget else ""
            citations = _citations(arrived + titles, 2) + view.role_citations[:1]
            joins = "joins" if any(still_to_arrive(f.citation.quote) for f in arrived) else "joined"
            claims.append(
                Claim(text=f"{view.name} {joins}{as_title}{budget}.", citations=tuple(dict.fromkeys(citations)))
            )
            if holds_budget and stance is Stance.unknown:
                risks.append(
                    (
                        "new_decision_maker",
                        Risk(
                            text=f"{view.name}, new{' ' + new_title if new_title else ''}, holds the budget and "
                            "where they stand on us is unknown.",
                            citations=tuple(dict.fromkeys(citations)),
                            severity=Severity.medium,
                            mitigation=MITIGATIONS["new_decision_maker"],
                        ),
                    )
                )
        elif titles and view.title:
            recent_titles = [f for f in titles if (f.day or date.min) >= titles_since]
            if recent_titles:
                latest = _newest(recent_titles)[0]
                if not same_job(str(latest.value), view.title, company):
                    text = f"{view.name} is now {latest.value} (was {view.title})."
                    claims.append(Claim(text=text, citations=(*_citations([latest], 2), *view.title_citations)))
        if role_claim is not None and not any(view.name in c.text for c in claims):
            claims.append(role_claim)
        if stance_support:
            latest_day = max((f.day or date.min) for f in stance_support)
            earlier = [f for f in fields.get("stance", []) if (f.day or date.min) < latest_day]
            previous: Stance | None = None
            previous_citations: tuple[Citation, ...] = ()
            if view.plan is not None and view.plan.stance not in (Stance.unknown, stance):
                previous = view.plan.stance
            elif earlier:
                old, old_support = choose_stance(earlier)
                if old is not stance:
                    previous, previous_citations = old, _citations(old_support, 1)
            if previous is not None and latest_day >= since:
                text = f"{view.name} moved from {previous.value} to {stance.value}."
                claims.append(Claim(text=text, citations=(*_citations(stance_support, 1), *previous_citations)))
        if stance is Stance.detractor and view.role is BuyingRole.economic_buyer:
            risks.append(("detractor_buyer", _detractor_buyer_risk(view, stance_support, renewal_near)))
    return Relationships(claims, risks, directory, reading.warnings)


def _detractor_buyer_risk(view: PersonView, support: Sequence[Finding], renewal_near: bool) -> Risk:
    title = f" ({view.title})" if view.title else ""
    return Risk(
        text=f"{view.name}{title}, the economic buyer, is a detractor.",
        citations=(*_citations(support, 2), *view.role_citations[:1]),
        severity=Severity.high if renewal_near else Severity.medium,
        mitigation=MITIGATIONS["detractor_buyer"],
    )


# ---------------------------------------------------------------------------
# Judgement from evidence: risks, value, asks
# ---------------------------------------------------------------------------

MITIGATIONS = {
    "departed_champion": "Get an introduction to their successor through the executive sponsor, re-share the value "
    "story, and build a new champion before the renewal.",
    "detractor_buyer": "Put a one-page value summary in front of the economic buyer through the sponsor, and bring "
    "renewal options (term, scope, bundles) instead of a straight discount.",
    "new_decision_maker": "Book an introduction through the sponsor, listen first, and map their priorities before "
    "pitching anything.",
    "churn": "Escalate to our executive sponsor and run a save plan with a dated success review.",
    "competitor": "Arm the sponsor with a side-by-side on value and coverage, and get our options to the buyer "
    "before a competitive process starts.",
    "commercial": "Prepare trade-offs (multi-year term, scope, bundled expansion) backed by the value numbers "
    "rather than a straight discount.",
    "support": "Name a support owner and a fix date, and brief the customer's owner before the QBR.",
    "timing": "Agree a dated mutual plan with the owner and re-forecast the close date now rather than let it slip.",
    "no_champion": "Name who could champion us next, and give them the value story and a reason to sell it.",
    "unknown_person": "Book an introduction through the sponsor, listen first, and map their priorities before "
    "pitching anything.",
    "detractor": "Hear their objection one-on-one, and answer it with the value numbers through the sponsor.",
    "general": "Assign an owner and a date to close this out before the QBR.",
}

_RISK_RULES: tuple[tuple[str, str], ...] = (
    (
        "churn",
        r"\bchurn\w*|\bcancel\w*|\bnot\s+(?:going\s+to\s+)?renew\w*|\brip\s+(?:us\s+)?out|\breplace\s+us\b"
        r"|\bmove\s+off\s+(?:us|our)\b",
    ),
    (
        "competitor",
        r"\bcompetitive\s+(?:process|eval\w*|bid|rfp|threat)|\bcompetitor\s+eval\w*|\brfp\b"
        r"|\bconsolidat\w*|\bbake-?off\b|\bswitch\w*\s+to\b",
    ),
    (
        "commercial",
        r"\bbudget\s+(?:cut|freeze|pressure)|\bno\s+budget\b|\bcost[- ]cutting\b"
        r"|\b\d+\s?%\s+(?:off|reduction|discount)|\bpercent\s+(?:off|reduction)|\bdiscount\w*"
        r"|\bprice\s+(?:increase|pressure)",
    ),
    ("support", r"\bescalat(?:ed|ion)\b(?!\s+polic)|\boutages?\b(?!\s+(?:since|down))|\bsev[- ]?1\b"),
    ("no_champion", r"\bno\s+champion\b|\blost\s+(?:our|the)\s+champion\b|\bchampion\s+(?:left|departed)\b"),
    ("unknown_person", r"\bhaven['’]t\s+met\b|\bnever\s+met\b|\bunknown\b"),
    ("detractor", r"\bdetractor\b|\bagainst\s+us\b|\bblock(?:s|ing|er)\b"),
    ("timing", r"\bslip\w*|\bdelay\w*|\bon\s+hold\b|\bpush\w*\s+(?:\S+\s+){0,4}into\s+next\s+year"),
    ("general", r"\brisks?\b|\bconcern\w*|\bat\s+risk\b|\bworr\w*|\bthreat\w*"),
)
_RISK_PATTERNS = [(kind, re.compile(rx, re.IGNORECASE)) for kind, rx in _RISK_RULES]
_STATED_SEVERITY = re.compile(
    r"(?:\s[-–—:]\s*|\()\s*(?P<level>high|medium|med|low)\s*\)?\s*\.?\s*$|\b(?P<level2>high|medium|low)[- ]risk\b"
    r"|\((?P<level3>high|medium|med|low)\)",  # "**Wastewater (high).** Budget cut ..."
    re.IGNORECASE,
)
_RISK_HEADING = re.compile(r"\brisks?\b|\bconcerns?\b|\bwatch\s*outs?\b", re.IGNORECASE)
_ACTION_HEADING = re.compile(r"\b(?:actions?|next(?:\s+steps?)?|to\s*do|follow[- ]?ups?|asks?)\b", re.IGNORECASE)


def stated_severity(text: str) -> Severity | None:
    """A severity the writer put on the risk themselves ("... - high", "(medium)", "low-risk")."""
    match = _STATED_SEVERITY.search(text)
    if not match:
        return None
    level = (match.group("level") or match.group("level2") or match.group("level3")).lower()
    return Severity.medium if level == "med" else Severity(level)


# A named competitor being weighed against us: "they're piloting Sentry for Live Ops".
_THREAT = re.compile(
    r"\b(?:evaluat\w*|pilot\w*|trial\w*|poc|proof\s+of\s+concept|pitch\w*|demo\w*|rfp|tender|bid\w*|quot\w*|prefer\w*"
    r"|push\w*\s+for|consider\w*|looking\s+at|talk\w*\s+to|cheaper|undercut\w*|bundl\w*|switch\w*"
    r"|replac\w*|standardi[sz]\w*|consolidat\w*|in-house|build\s+(?:it\s+)?(?:themselves|in-house)|offer\w*|pric\w*)\b"
    # "Gareth has had Caseloom in", "they brought Echolane in twice"; a line the writer labels "COMPETITOR:"
    r"|\b(?:had|have|has|brought|bringing|invited|inviting)\s+(?-i:[A-Z][\w&-]*)(?:\s+(?-i:[A-Z][\w&-]*)){0,2}\s+in\b"
    r"(?!\s+(?:it|them|there|the|a|an|its|their|our|his|her)\b)"  # "the 1.4 had GST in it": contained
    r"|^\W*compet\w*\s*[:\-–—]",
    re.IGNORECASE,
)


def _risk_kind(statement: Statement, competitors: Sequence[str]) -> str | None:
    text = statement.text
    for kind, pattern in _RISK_PATTERNS:
        if any(not _NOT_A_PROBLEM.search(text, 0, m.start()) for m in pattern.finditer(text)):
            return kind
    named = [n for n in competitors if re.search(rf"\b{re.escape(n)}\b", text, re.IGNORECASE)]
    if named and _THREAT.search(text):
        return "competitor"
    if _RISK_HEADING.search(statement.heading) and (not statement.checkbox or listed_risk(statement)):
        return "competitor" if named else "general"
    return None


# What did not happen is no risk ("no Sev-1 all week", "no store outages over peak", "zero escalations"), nor is
# a letter's courtesy ("Sorry for the delay").
_NOT_A_PROBLEM = re.compile(
    r"\b(?:no|zero|without|never|nor|not(?:\s+(?:a\s+single|one|any))?)\s+(?:[\w-]+\s+){0,2}$"
    r"|\b(?:sorry|apolog\w+)\s+(?:for|about)\s+(?:the|my|our)\s+(?:[\w-]+\s+)?$",
    re.IGNORECASE,
)


def listed_risk(statement: Statement) -> bool:
    """An open item of the writer's own list of risks ("## Risks" then "- [ ] Trent blocks Edge - medium"): a risk
    to watch, not a step to take."""
    return (
        statement.checkbox == " "
        and bool(_RISK_HEADING.search(statement.heading))
        and not _ACTION_HEADING.search(statement.heading)
    )


def _without_severity(text: str) -> str:
    return _STATED_SEVERITY.sub("", text).rstrip(" -–—:") if stated_severity(text) else text


def _named(text: str, names: Sequence[str]) -> set[str]:
    return {name for name in names if names_any(text, [name])}


_MITIGATION_LINE = re.compile(r"^\W*mitigations?\b", re.IGNORECASE)


def evidence_risks(
    statements: Sequence[Statement],
    since: date,
    renewal_near: bool,
    competitors: Sequence[str],
    recent: date | None = None,
) -> list[Tagged]:
    """Risks the notes and calls name since `since`, one per distinct point, newest wording first; those raised
    before `recent` come after the ones raised since."""
    risks: list[tuple[int, str, Risk]] = []
    for statement in statements:
        if (statement.day or since) < since or _ACTION_HEADING.search(statement.heading):
            continue
        if statement.checkbox and not listed_risk(statement):
            continue
        if is_value(statement.text) or not stands_alone(statement) or _MITIGATION_LINE.match(statement.text):
            continue  # "Mitigation: …" under a risk is what we do about it, not another risk
        kind = _risk_kind(statement, competitors)
        # A bare "risk" counts in our own notes; on a call the customer uses the word for many things.
        vague = kind == "general" and (len(statement.text.split()) < 6 or statement.source_type is SourceType.call)
        if kind is None or (vague and not _RISK_HEADING.search(statement.heading)):
            continue
        severity = stated_severity(statement.text)
        if severity is None:
            threatens_renewal = renewal_near and bool(_RENEWAL_WORD.search(statement.text))
            if kind == "churn" or (kind == "competitor" and threatens_renewal):
                severity = Severity.high
            else:
                severity = Severity.medium
        text = claim_text(replace(statement, text=_without_severity(statement.text)))
        if text is None or any(_similar(text, kept.text) for _, _, kept in risks):
            continue
        # One threat, one bullet: a later word on a competitor already in the risks is another citation for it.
        rivals = _named(text, competitors)
        same = next((n for n, (_, _, kept) in enumerate(risks) if rivals & _named(kept.text, competitors)), None)
        if same is not None:
            rank, k, kept = risks[same]
            if _quantities(text) and not _quantities(kept.text):
                # the wording that measures the threat ("a quote roughly 30% under ours") says it best
                update = {"text": text, "citations": (statement.citation, *kept.citations)[:3]}
                risks[same] = (rank, k, kept.model_copy(update=update))
            elif len(kept.citations) < 3:
                risks[same] = (rank, k, kept.model_copy(update={"citations": (*kept.citations, statement.citation)}))
            continue
        older = recent is not None and (statement.day or recent) < recent
        rank = 2 * older + (0 if stated_severity(statement.text) or _RISK_HEADING.search(statement.heading) else 1)
        risk = Risk(text=text, citations=(statement.citation,), severity=severity, mitigation=MITIGATIONS[kind])
        risks.append((rank, kind, risk))
    risks.sort(key=lambda ranked: ranked[0])
    return [(kind, risk) for _, kind, risk in risks]


_SEVERITY_ORDER = {Severity.high: 0, Severity.medium: 1, Severity.low: 2}
# A found risk of the left kind restates a structural risk of the right kind: it adds a citation, not a bullet.
RESTATES = {"no_champion": "departed_champion", "unknown_person": "new_decision_maker", "detractor": "detractor_buyer"}


def merge_risks(structural: Sequence[Tagged], found: Sequence[Tagged], directory: Directory) -> list[Risk]:
    """Structural risks first; a found risk that restates one, or is about the same person, joins it."""
    merged = [risk for _, risk in structural]
    kinds = [kind for kind, _ in structural]
    for kind, risk in found:
        about = {m.key for m in directory.find(risk.text)}
        same_person = next(
            (
                i
                for i, kept in enumerate(merged)
                if i < len(structural) and about & {m.key for m in directory.find(kept.text)}
            ),
            None,
        )
        same_kind = next((i for i, k in enumerate(kinds) if k == RESTATES.get(kind)), None)
        twin = same_person if same_person is not None else same_kind
        if twin is None:
            merged.append(risk)
            kinds.append(kind)
            continue
        kept = merged[twin]
        extra = tuple(c for c in risk.citations if c not in kept.citations)
        if extra and len(kept.citations) < 4:
            text = kept.text
            if same_person is not None and ": " not in text and kinds[twin] != RESTATES.get(kind):
                # The newest wording about the same person makes the structural risk concrete.
                text = f"{text.rstrip('.')}: {risk.text}"
            merged[twin] = kept.model_copy(update={"citations": kept.citations + extra[:1], "text": text})
    ordered = sorted(enumerate(merged), key=lambda pair: (_SEVERITY_ORDER[pair[1].severity], pair[0]))
    return [risk for _, risk in ordered][:MAX_RISKS]


# A value figure (DESIGN.md QBR claim): a measured outcome or adoption figure — a direction or state word
# and a quantity with its unit, not a price.
# Words of a compound ("first-cut roster", "follow-up email") say nothing of a result; "up" and "down" do only
# where a figure moved ("down 40%", "up from 61%", "is down", "got it down to 8 sec"), not in "came up" or "sat down".
_MEASURE = r"\d[\d.,]*\s?(?:%|[a-z]+\b)"  # a figure and its unit: "0.4%", "17 days"
_FIGURE_AHEAD = r"\s+(?:by\s+|from\s+|to\s+)?(?:about\s+|around\s+|nearly\s+|almost\s+|over\s+)?[~+\-]?[$€£]?\d"
_OUTCOME = re.compile(
    r"(?<![\w-])(?:reduc\w*|cut|sav\w*|improv\w*|less|fewer|faster|slower|lower\w*|higher|decreas\w*|dropp?\w*|fell"
    r"|increas\w*|rose|grew|gain\w*|passed|zero|eliminat\w*|avoid\w*|caught|prevent\w*|contain\w*|resolv\w*"
    r"|blocked|stopped|detected|automat\w*|process\w*|handl\w*|retir\w*|replac\w*|migrat\w*|live|went\s+live"
    r"|rolled\s+out|onboard\w*|adopt\w*|using|active|deployed|freed|hit|reached|achiev\w*|from\s+[\d$€£.,]+\s?[a-z%]*\s+to"
    rf"|(?:up|down)(?={_FIGURE_AHEAD})"
    r"|(?:is|are|was|were|went|gone|['’]s|it|them)\s+(?:all\s+the\s+way\s+)?(?:up|down)(?!\s+(?:with|on|for|at|in|to\s+(?:us|you|them|me|him|her)))"
    r"|[\d%]\s+(?:up|down))(?![\w-])"
    # a share where it stands: "on-time performance closed at 84.1%", "adoption is at 91%"
    r"|\b(?:closed|finished|ended|landed|stands?|stood|sits?|sat|running|holding|now|is|are|was|were)\s+at\s+"
    r"(?:about\s+|around\s+|roughly\s+|nearly\s+|over\s+)?\d[\d.,]*\s?%"
    # "47 min -> 12 min", "61% → 74%", "FY2024 average 91.2% -> FY2025 average 92.6%": a figure and what it became
    r"|[\d.,]+\s?[a-z%]*\s*(?:->|→|=>)\s*(?:[A-Za-z][\w-]*\s+){0,3}[$€£]?[\d.,]+"
    # "parts revenue: EUR 3.1 million (H1 2025: EUR 1.9 million)", "71% (Q1: 52%)": a figure beside an earlier period's
    r"|\d[\d.,]*\s?(?:%|[a-z]+\b)?\s*\((?:[^()\d]{0,12})?(?:(?:19|20)\d{2}|q[1-4]|h[12]|fy\s?'?\d{2,4}|last\s+year"
    r"|prior\s+year|the\s+year\s+before|baseline)\b[^()\d]{0,25}?[:=]?\s*[~$€£]?\s?\d"
    # "locked 17 days after LPLV vs ~6 wks on the old EDC", "back to plan in 6 hours instead of 9.5": against before
    rf"|{_MEASURE}(?:[\s,]+[A-Za-z][\w-]*){{0,6}}[\s,]+(?:vs\.?|versus|against|instead\s+of|compared\s+(?:to|with))"
    r"\s+(?:~|about\s+|roughly\s+|around\s+|nearly\s+|almost\s+|over\s+)?\d",
    re.IGNORECASE,
)
_QUANTITY = re.compile(
    r"(?P<n>\d[\d,]*(?:\.\d+)?)\s?(?P<unit>%|percent\b|x\b|(?:percentage\s+)?points?\b|pts\b|pp\b|bps?\b"
    r"|s\b|secs?\b|seconds?\b|hours?\b|hrs?\b|minutes?\b|mins?\b|days?\b|weeks?\b"
    r"|(?:k|m|million|thousand)?\s?(?:[a-z][a-z\-]{2,}\b)(?<!\bmonths)(?<!\byears)(?<!\byear))"
    rf"|{_CURRENCY}\s?(?P<money>\d[\d,]*(?:\.\d+)?\s?(?:k|m|mm|million|thousand)?)\b"
    # "zero unplanned portal outages", "zero P1s": a count of what went wrong, at nought
    r"|\bzero\s+(?:[a-z][\w-]*\s+){0,2}?(?:findings?|incidents?|outages?|downtime|defects?|escalations?|errors?"
    r"|failures?|complaints?|breaches|breach|sev-?[12]s?|p[12]s?)\b",
    re.IGNORECASE,
)
# A figure next to these is what the deal costs, not what we delivered: "the budget is now $750k, down from $1.2M".
_PRICING_NEAR = re.compile(
    r"\b(?:off|discount\w*|cap|uplift|price|pricing|renewal|reduction\s+on|budget|deal|contract|quote[ds]?|(?:re-?)?scop\w*"
    r"|envelope|tcv|acv)\b",
    re.IGNORECASE,
)


_DATE_LIKE = re.compile(
    r"\b\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b"
    # "6.4%" and "3.1m" are figures, not the sixth of April or ten past three
    r"|\b(?:19|20)\d{2}\b|\b\d{1,2}[:/.]\d{1,2}(?:[:/.]\d{2,4})?\b(?!\s?(?:%|percent|per\s?cent|pct|[mkx]\b|mn\b"
    # "9.5 hours", "3.2 minutes per rotation": a measure of time, not a date
    r"|million|billion|bn\b|pp\b|points?\b|bps?\b|basis\s+points?\b|h(?:ou)?rs?\b|min(?:ute)?s?\b|sec(?:ond)?s?\b"
    r"|days?\b|weeks?\b))|\b(?:q[1-4]|fy\d{2,4}|h[12])\b",
    re.IGNORECASE,
)


# "2 working days" measures days: the word between says which days, not what is counted
_QUALIFIED_TIME = re.compile(
    r"(\d)\s+(?:working|business|calendar|full|whole|clear)\s+(?=(?:hours?|days?|weeks?|months?)\b)", re.IGNORECASE
)
# A result set against where it started: "from 96 to 128", "47 min -> 12 min", "2 days instead of 9"
_BASELINE = re.compile(
    r"\bfrom\s+[~$€£]?\d[\d.,]*\s?[a-z%]*\s+to\s+[~$€£]?\d|\d[\d.,]*\s?[a-z%]*\s*(?:->|→|=>)\s*\S*\d"
    rf"|{_MEASURE}[^.;]{{0,60}}?\b(?:instead\s+of|vs\.?|versus|compared\s+(?:to|with)|against|(?:up|down)\s+from)"
    r"\s+(?:~|about\s+|roughly\s+|around\s+)?[$€£]?\d",
    re.IGNORECASE,
)


def measured(text: str) -> list[re.Match[str]]:
    """The quantities a sentence measures, without its dates, times and years."""
    text = _QUALIFIED_TIME.sub(r"\1 ", with_digits(text))
    dates = [m.span() for m in _DATE_LIKE.finditer(text)]
    return [m for m in _QUANTITY.finditer(text) if not any(a <= m.start() < b for a, b in dates)]


def _quantities(text: str) -> set[str]:
    return {
        plain_number(m.group("n") or m.group("money") or "0") + (m.group("unit") or "").lower()[:1]
        for m in measured(text)
    }


# A figure its own speaker will not stand behind yet is not a result to read out.
_UNSURE_FIGURE = re.compile(
    r"\b(?:(?:would|['’]d)\s+say|i\s+(?:think|guess|believe)|not\s+(?:\d+\s?%\s+)?(?:clean|final|confirmed|validated)\s+yet"
    r"|(?:do\s+not|don['’]t)\s+(?:put|share|quote|use)\s+(?:it|this|them|that)|off\s+the\s+record"
    # a projection, not a result: "we can still go lower after retraining", "should cut another 10%"
    r"|(?:can|could|will|would|might|may|should)\s+(?:still\s+|probably\s+|easily\s+)?(?:go|get|be|reach|hit|improve"
    r"|reduce|cut|save|drop|bring|push)|expect(?:s|ed)?\s+to|target(?:s|ed|ing)?|forecast\w*|projected|aim(?:s|ing)?\s+(?:for|to))\b",
    re.IGNORECASE,
)


# A sentence whose subject is what the deal costs ("Amount cut $1.45M -> $1.18M (600 -> 480 seats)").
_ABOUT_THE_PRICE = re.compile(
    r"^\W*(?:the\s+|our\s+|their\s+)?(?:amount|price|pricing|budget|deal|renewal|quote|scope|acv|tcv|contract\s+value)\b",
    re.IGNORECASE,
)


# A note's own heading for what we delivered: a measured line under it is an outcome, whatever its verb.
_VALUE_HEADING = re.compile(r"\b(?:value|wins?|outcomes?|results?|impact|benefits?|roi)\b", re.IGNORECASE)


def is_value(text: str, heading: str = "") -> bool:
    """Whether a sentence reports an outcome we delivered: a direction word (or a value heading over it) and a
    measured quantity, not a price."""
    text = with_digits(text)
    outcome = _OUTCOME.search(text) or _VALUE_HEADING.search(heading)
    if not outcome or _UNSURE_FIGURE.search(text) or _ABOUT_THE_PRICE.match(text):
        return False
    for match in measured(text):
        # a sum of money is a price or a budget wherever the sentence says so; other figures, only next to it
        window = text if match.group("money") else text[max(0, match.start() - 20) : match.end() + 25]
        if not _PRICING_NEAR.search(window):
            return True
    return False


# A speaker setting a figure straight later in the same call: "Sorry, I said 1.4, it's 1.25", "The eighteen was the
# pilot desk ... over all titles it's 12,5", "you're right. The 4.1 was Wellington only ... it's 3.2 minutes".
_SETS_STRAIGHT = re.compile(
    r"\b(?:sorry|correct(?:ion|ing)|to\s+correct|I\s+(?:said|meant|misspoke|misread)|(?:you['’]re|you\s+are|that['’]s)"
    r"\s+right|actually|wrong|mistake|(?:going|go|coming|come)\s+back\s+to\s+the\s+(?:number|figure))\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)?(?!\d)")
_WORD_AFTER = re.compile(r"\s?(%|[a-z]+)", re.IGNORECASE)
_UNITS = frozenset({"%", "sec", "min", "hou", "hrs", "day", "wee", "mon", "yea", "poi", "pts", "bps", "pp", "k", "m"})


@dataclass(frozen=True)
class Figure:
    """A number as said: its value, where it stands in the digits-form of its sentence, and the word after it."""

    value: float
    digits: str
    start: int
    end: int
    unit: str  # "min" for minutes, "%" for percent; the first letters of whatever word follows, "" when none


def plain_number(written: str) -> str:
    """"12,5" → "12.5" (a decimal comma), "1,250" → "1250" (a thousands separator)."""
    return re.sub(r"^(\d+),(\d{1,2})(?!\d)", r"\1.\2", written).replace(",", "")


def number_value(written: str) -> float:
    return float(plain_number(written))


def _unit(match: re.Match[str] | None) -> str:
    word = match.group(1).lower() if match else ""
    return "%" if word in ("%", "percent", "pct") else word[:3]


def figures_in(text: str, *, dotted: bool = False) -> list[Figure]:
    """Every figure of a sentence, in digits or in words, dates and times left out; with `dotted`, "4.1" is a
    figure even where no unit follows it (in a correction it is: "the 4.1 was Wellington only")."""
    text = with_digits(text)
    dates = [
        m.span() for m in _DATE_LIKE.finditer(text) if not (dotted and re.fullmatch(r"\d{1,2}\.\d{1,2}", m.group()))
    ]
    found = [
        Figure(number_value(m.group()), m.group(), m.start(), m.end(), _unit(_WORD_AFTER.match(text, m.end())))
        for m in _NUMBER.finditer(text)
        if not any(a <= m.start() < b for a, b in dates)
    ]
    for match in _SPOKEN_NUMBER.finditer(text):  # a number word with no unit after it: "the eighteen was"
        words = [w for w in re.split(r"[-\s]+", match.group("run").lower()) if w and w != "and"]
        if (value := _spoken_value(words)) is not None and value not in ("0", "1"):
            end = match.end("run")
            found.append(Figure(float(value), value, match.start(), end, _unit(_WORD_AFTER.match(text, end))))
    return sorted(found, key=lambda f: f.start)


@dataclass(frozen=True)
class SettledFigure:
    """An earlier result restated with the figure its speakers settled on, and where they settled it."""

    statement: Statement
    old: Figure
    new: Figure
    settled_by: Citation

    def text(self) -> str:
        said = with_digits(self.statement.text)
        return said[: self.old.start] + self.new.digits + said[self.old.end :]


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 0.1 * max(abs(a), abs(b))


def _turns(statements: Sequence[Statement]) -> list[list[Statement]]:
    """A call's statements in the order said, as turns: one speaker's sentences under one timestamp."""
    turns: list[list[Statement]] = []
    for statement in sorted(statements, key=lambda s: s.at):
        last = turns[-1][-1] if turns else None
        same_turn = last is not None and (last.speaker, last.citation.locator) == (
            statement.speaker,
            statement.citation.locator,
        )
        if same_turn:
            turns[-1].append(statement)
        else:
            turns.append([statement])
    return turns


def _correction(turn: Sequence[Statement], old: Figure) -> tuple[Figure, Statement] | None:
    """The figure a turn gives instead of `old`, which it names first ("I said 1.4, it's 1.25"), and its sentence."""
    said = [(figure, statement) for statement in turn for figure in figures_in(statement.text, dotted=True)]
    named = next((i for i, (figure, _) in enumerate(said) if _close(figure.value, old.value)), None)
    if named is None:
        return None
    for figure, statement in said[named + 1 :]:
        if not _close(figure.value, old.value) and (figure.unit == old.unit or figure.unit not in _UNITS):
            return figure, statement
    return None


def settled_figures(statements: Sequence[Statement]) -> list[SettledFigure]:
    """Results a later turn of the same call set straight, each with the figure the speaker gave instead."""
    by_call: dict[str, list[Statement]] = defaultdict(list)
    for statement in statements:
        if statement.source_type is SourceType.call:
            by_call[statement.citation.source_id].append(statement)
    settled: dict[Statement, SettledFigure] = {}
    for said in by_call.values():
        results: list[tuple[Statement, Figure]] = []
        for turn in _turns(said):
            if _SETS_STRAIGHT.search(" ".join(s.text for s in turn)):
                for statement, old in results:
                    if found := _correction(turn, old):
                        new, by = found
                        settled[statement] = SettledFigure(statement, old, new, by.citation)
            results += [(s, f) for s in turn if is_value(s.text) for f in figures_in(s.text) if f.unit in _UNITS]
    return list(settled.values())


_TIME_OR_SHARE = _UNITS - {"k", "m"}  # the units of a figure that is not a sum of money


def corrected_amounts(statements: Sequence[Statement], reference: float | None, since: date) -> list[Claim]:
    """An amount a speaker set straight in a call ("I said 1.4 for the renewal envelope. Sorry, I said 1.4, it's
    1.25"): the figure given instead, at the scale of the deal it is about (`reference`, the renewal's amount), and
    the one it replaced. The newest correction only."""
    by_call: dict[str, list[Statement]] = defaultdict(list)
    for statement in statements:
        if statement.source_type is SourceType.call and (statement.day or since) >= since:
            by_call[statement.citation.source_id].append(statement)
    found: list[tuple[date, Claim]] = []
    for said in by_call.values():
        for turn in _turns(said):
            topic = next((m for s in turn if (m := _AMOUNT_TOPIC.search(s.text))), None)
            if topic is None:
                continue
            for statement in turn:
                cue = _SETS_STRAIGHT.search(statement.text)
                figures = [
                    f for f in figures_in(statement.text, dotted=True)
                    if f.unit not in _TIME_OR_SHARE and (cue is None or f.start >= cue.start())
                ]
                if cue is None or len(figures) < 2 or is_value(statement.text):
                    continue
                old = figures[0]
                new = next((f for f in figures[1:] if f.value != old.value), None)
                if new is None:
                    continue
                scale = next(
                    (k for k in (1.0, 1e3, 1e6, 1e9) if reference and reference / 3 <= new.value * k <= reference * 3),
                    1.0,
                )
                what = _amount_word(topic.group())
                text = (
                    f"The {what} is now {format_money(new.value * scale)} "
                    f"(corrected from {format_money(old.value * scale)})."
                )
                found.append((statement.day or since, Claim(text=text, citations=(statement.citation,))))
    return [max(found, key=lambda f: f[0])[1]] if found else []


def value_claims(statements: Sequence[Statement], since: date) -> list[Claim]:
    """Outcomes delivered, one claim per measured result; the clearest wording, citing where else it was said.

    A result set straight later in its call comes first, with the figure settled on; the figure it replaced is
    not read out from any source of that day or before.
    """
    settled = [s for s in settled_figures(statements) if (s.statement.day or since) >= since]
    claims = [
        Claim(text=text, citations=(s.statement.citation, s.settled_by))
        for s in settled
        if (text := claim_text(replace(s.statement, text=s.text())))
    ]

    def superseded(statement: Statement) -> bool:
        if not settled:
            return False
        figures = figures_in(statement.text)
        return any(
            (statement.day or date.min) <= (s.statement.day or date.min)
            and any(f.unit == s.old.unit and _close(f.value, s.old.value) for f in figures)
            for s in settled
        )

    groups: list[list[Statement]] = []
    for statement in statements:
        if (statement.day or since) < since or statement.checkbox or _RISK_HEADING.search(statement.heading):
            continue
        if superseded(statement):
            continue
        too_long = len(statement.text.split()) > MAX_VALUE_WORDS
        if not is_value(statement.text, statement.heading) or not stands_alone(statement) or too_long:
            continue  # a result a SAM reads out is one statement, not a paragraph that mentions a figure
        amounts = _quantities(statement.text)
        group = next((g for g in groups if amounts & _quantities(g[0].text)), None)
        if group is None:
            groups.append([statement])
        else:
            group.append(statement)
    # the groups that measure the most first ("downtime from 41 to 17 hours" before a lone figure), else as found
    groups.sort(key=lambda g: -max(len(_quantities(s.text)) for s in g))
    for group in groups[: max(0, MAX_VALUE - len(claims))]:
        concise = [s for s in group if len(s.text) <= 160] or group
        # the wording that sets the result against its baseline, then states the most of the group's results,
        # then the fullest, then the newest
        best = max(
            concise,
            key=lambda s: (
                bool(_BASELINE.search(with_digits(s.text))), len(_quantities(s.text)), len(s.text), s.day or date.min
            ),
        )
        others = [s.citation for s in group if s is not best][:1]
        if text := claim_text(best):
            claims.append(Claim(text=text, citations=(best.citation, *others)))
    return claims


_ACTION_CUE = re.compile(
    r"\bnext\s+steps?\b|\baction\s+items?\b|\bwe\s+asked\b|\bthey\s+asked\b|\b(?:asked|asks)\s+(?:us\s+)?for\b"
    r"|\basked\s+us\b|\bfollow[- ]?up\b|\bwe['’]ll\s+send\b|\bI['’]ll\s+(?:send|make|check)\b"
    # A labelled line: "Ask: ...", "Action: ...", "TODO - ..."
    r"|^\W*(?:asks?|actions?|to-?dos?|requests?|owner)\s*[:\-–—]"
    # A request or a commitment: "could you send the benchmark", "I'll set up the workshop", "Dana to confirm"
    r"|^\W*(?:can|could|would)\s+you\b|\b(?:I|we)(?:['’]ll|\s+will)\s+(?:send|share|schedule|set\s+up|book|arrange"
    r"|confirm|follow\s+up|get\s+back|loop\s+in|intro\w*|draft|prepare)\b"
    r"|\b[A-Z][a-z]+\s+to\s+(?:send|share|schedule|set\s+up|book|arrange|confirm|follow\s+up|introduce|draft|prepare)\b",
    re.IGNORECASE,
)
# A request with a deadline is an ask even without the word: "Dana wants a roadmap session before 15 July".
_WANTS = re.compile(r"\b(?:wants?|needs?|requested|requests|expects?|is\s+waiting\s+for)\b", re.IGNORECASE)


# A section's own label ("**Asks / next steps**") is no ask, and a line labelled as a risk's mitigation is the risk's.
_NOT_AN_ASK = re.compile(
    r"^\W*(?:(?:asks?|actions?|next\s+steps?|to-?dos?|follow[- ]?ups?|open\s+items?)\W*)+$|^\W*mitigation\s*[:\-–—]",
    re.IGNORECASE,
)


# Where a long sentence turns from the step to why, or to what else happened: "Ask Siobhan to set up an intro with
# Declan before the end of October, so he hears the story from us first"; "Claire asked for a one-pager because ...".
_CLAUSE_BREAK = re.compile(
    r"\s+[—–-]{1,2}\s+|;\s+|\s*\*\*\s*(?=,)|,\s+(?=(?:so|but|which|while|as|since|because|and\s+(?:then\s+)?(?:we|I|they|he|she)"
    r"|then)\b)|\s+(?=(?:because|so\s+that|which\s+means)\b)",
    re.IGNORECASE,
)
MIN_ASK_WORDS = 5
_ASKS_FOR_IT = re.compile(
    r"\b(?:asked|asks|ask|wants?|needs?|requested|expects?)\s+(?:us\s+)?(?:for\s+)?(?:it|that|this|them|one)\b",
    re.IGNORECASE,
)


def ask_clause(statement: Statement) -> Statement | None:
    """The clause of a long sentence that holds its step ("Ask Siobhan to set up a 45-minute introduction with
    Declan Moorcroft before the end of October"), as a statement of its own with the sentence's citation."""
    text = statement.text
    cue = _ACTION_CUE.search(text) or _WANTS.search(text)
    at = cue.start() if cue else 0
    start = 0
    for boundary in _CLAUSE_BREAK.finditer(text):
        if boundary.start() > at:
            clause = text[start : boundary.start()]
            break
        start = boundary.end()
    else:
        clause = text[start:]
    clause = re.sub(r"^(?:and|but|so|then)\s+", "", clause.strip(" ,*_"), flags=re.IGNORECASE)
    if _ASKS_FOR_IT.search(clause) or not stands_alone(replace(statement, text=clause)):
        return None  # "Helen asked for it": what "it" is was said in the part cut off
    if len(clause.split()) < MIN_ASK_WORDS or len(clause) > MAX_ASK_CHARS or clause == text:
        return None
    return replace(statement, text=clause)


def _complete_ask(statement: Statement, directory: Directory, as_of: date) -> bool:
    """Whether an ask says who and by when (DESIGN.md): a customer owner and a date still ahead."""
    due = any(d.day >= as_of for d in dates_in(statement.text, statement.day or as_of))
    return due and any(not is_object(statement.text, m) for m in directory.find(statement.text))


# Our own housekeeping, not a step with the customer: preparing this very QBR, updating our CRM.
_HOUSEKEEPING = re.compile(r"\bqbr\b|\b(?:crm|sfdc|salesforce)\b", re.IGNORECASE)


def task_asks(evidence: AccountEvidence) -> list[Claim]:
    """The CRM's open action items due from now on, each with its due date ("Winter 2027 disruption readiness
    plan - CEO office, due January 29, 2027")."""
    claims = []
    for due, task in open_tasks(evidence):
        subject = str(task.get("Subject") or "").strip().rstrip(".")
        source = evidence.sources.get(task.id)
        if not subject or _HOUSEKEEPING.search(subject) or looks_like_instruction(subject):
            continue
        if source is None or untrusted_blocks(source):
            continue  # a record that carries an instruction aimed at an AI is not read at all
        if citations := cites(evidence, task.id, "Subject", "ActivityDate"):
            claims.append(Claim(text=f"{subject}, due {format_day(due)}.", citations=tuple(citations)))
    return claims


# A list item's closing label says who owns it ("Owner: Rohan.", "Owner: Fiona, before the QBR."); what is asked is
# the item's first sentence.
_OWNER_LABEL = re.compile(r"^\W*owner\s*[:\-–—]\s*(?P<who>[^.;]*?)\s*\.?\s*$", re.IGNORECASE)


def _owned_item(owner: Statement, statements: Sequence[Statement], evidence: AccountEvidence) -> Claim | None:
    """The ask an owner label closes: its item's first sentence, the owner, and the first date the item names
    ("Polish and Vietnamese language on the line terminals — Rohan — January 15, 2027")."""
    source = evidence.sources.get(owner.citation.source_id)
    label = _OWNER_LABEL.match(owner.text)
    if source is None or label is None or owner.at < 0:
        return None
    start = source.text.rfind("\n", 0, owner.at) + 1  # the item is the line the label closes
    end = source.text.find("\n", owner.at)
    end = len(source.text) if end < 0 else end
    item = sorted(
        (s for s in statements if s.citation.source_id == source.id and start <= s.at < end and s is not owner),
        key=lambda s: s.at,
    )
    if not item or item[0].at > owner.at or (what := claim_text(item[0])) is None:
        return None
    first = item[0]
    who = label.group("who")
    dated = [(s, d) for s in item for d in dates_in(s.text, s.day or evidence.as_of)]
    due = f" — {dated[0][1].label}" if dated and not dates_in(who, owner.day or evidence.as_of) else ""
    citations = dict.fromkeys([first.citation, *(s.citation for s, _ in dated[:1]), owner.citation])
    return Claim(text=f"{what.rstrip('.')} — {who}{due}.", citations=tuple(citations))


def ask_claims(
    evidence: AccountEvidence, statements: Sequence[Statement], since: date, directory: Directory
) -> list[Claim]:
    """Next steps on the open deals (the renewal first), then the open action items and asks of the notes and
    calls, those with a customer owner and a date still ahead first, then the CRM's own open action items."""
    claims = []
    deals = open_opportunities(evidence)
    deals.sort(key=lambda o: not is_renewal(o))
    for deal in deals[:4]:
        step = deal.get("NextStep")
        if isinstance(step, str) and step.strip() and (citation := cite(evidence, deal.id, "NextStep")):
            claims.append(Claim(text=f"{_deal_name(deal)}: {step.strip().rstrip('.')}.", citations=(citation,)))
    candidates = []
    clauses: set[int] = set()  # the candidates cut from a longer sentence
    for statement in statements:
        if (statement.day or since) < since or statement.checkbox == "x":
            continue
        is_action = (statement.checkbox == " " and not listed_risk(statement)) or (
            _ACTION_HEADING.search(statement.heading) and statement.source_type is SourceType.note
        )
        dated_request = bool(_WANTS.search(statement.text)) and bool(dates_in(statement.text, statement.day or since))
        if not (is_action or dated_request or _ACTION_CUE.search(statement.text)) or not stands_alone(statement):
            continue
        if _NOT_AN_ASK.match(statement.text):
            continue
        if len(statement.text) > MAX_ASK_CHARS and (clause := ask_clause(statement)) is not None:
            statement = clause
            clauses.add(id(statement))
        if len(statement.text) <= MAX_ASK_CHARS:
            candidates.append(statement)
    found: list[Claim] = []
    owned = {id(s): _owned_item(s, statements, evidence) for s in candidates if _OWNER_LABEL.match(s.text)}
    told = {c.citations[0] for c in owned.values() if c is not None}  # an item read whole is not read again
    # complete asks first, whole sentences before clauses cut from longer ones; else in the order retrieval ranked them
    ranked = sorted(candidates, key=lambda s: (not _complete_ask(s, directory, evidence.as_of), id(s) in clauses))
    for statement in ranked:
        if id(statement) in owned:
            claim = owned[id(statement)]
        elif statement.citation in told:
            continue
        else:
            claim = Claim(text=text, citations=(statement.citation,)) if (text := claim_text(statement)) else None
        if claim is None or any(_similar(claim.text, c.text, 0.6) for c in [*claims, *found]):
            continue
        found.append(claim)
    said = claims + found[: max(0, MAX_ASKS - len(claims))]
    # the CRM's own open action items, like its deals' next steps, are listed whatever the notes hold
    tasks = [t for t in task_asks(evidence) if not any(_similar(t.text, c.text, 0.6) for c in said)]
    return said + tasks[:MAX_TASK_ASKS]


# ---------------------------------------------------------------------------
# The brief
# ---------------------------------------------------------------------------


@dataclass
class BriefDraft:
    brief: QbrBrief
    moved: MovedDate | None
    warnings: list[str]


def draft_brief(evidence: AccountEvidence, plan: AccountPlan, hits: Sequence[Hit]) -> BriefDraft:
    """The six sections, from the CRM facts and the retrieved evidence, as of evidence.as_of."""
    quarter = quarter_of(evidence.as_of)
    since = min(quarter.start, evidence.as_of - timedelta(days=LOOKBACK_DAYS))
    statements, warnings = read_statements(hits, evidence)
    vocab = account_vocabulary(evidence)
    cells = narrative_cells(evidence, hits, vocab)

    renewal, moved, renewal_day = renewal_claim(evidence, statements)
    near_end = _plus_quarters(quarter, NEAR_RENEWAL_QUARTERS).end
    renewal_near = renewal_day is not None and renewal_day <= near_end
    relationships = relationship_changes(evidence, plan, hits, since, renewal_near)
    warnings += [w for w in relationships.warnings if w not in warnings]

    # Competitors the CRM names, and those the notes and calls show holding a need.
    competitors = sorted(
        {
            *competitor_names(evidence),
            *(c.basis.competitor for c in cells if c.basis.competitor),
            *weighed_competitors(vocab, (s.text for s in statements)),
        }
    )
    risk_since = min(since, evidence.as_of - timedelta(days=RISK_LOOKBACK_DAYS))
    found_risks = evidence_risks(statements, risk_since, renewal_near, competitors, recent=since)
    structural = [*relationships.risks, *(("support", r) for r in support_risks(evidence))]
    risks = merge_risks(structural, found_risks, relationships.directory)

    summary = [c for c in (arr_claim(evidence), renewal) if c is not None]
    renewal_deal = renewal_opportunity(evidence)
    summary += corrected_amounts(statements, amount(renewal_deal) if renewal_deal else None, since)
    summary += amount_claims(statements, since) or amount_against_crm(evidence, statements, since)
    summary += milestone_moves(statements, since)
    if risks and risks[0].severity is Severity.high:
        top = risks[0]
        summary.append(Claim(text=f"Top risk: {top.text}", citations=top.citations))
    brief = QbrBrief(
        as_of=evidence.as_of,
        summary=tuple(summary),
        value_delivered=tuple(value_claims(statements, evidence.as_of - timedelta(days=VALUE_LOOKBACK_DAYS))),
        relationship_changes=tuple(relationships.claims),
        pipeline_and_whitespace=tuple(
            [*pipeline_claims(evidence), *closed_claims(evidence, quarter), *cell_claims(cells, since)]
        ),
        risks=tuple(risks),
        asks_and_next_steps=tuple(ask_claims(evidence, statements, since, relationships.directory)),
    )
    return BriefDraft(_safe(brief), moved, warnings)


def _safe(brief: QbrBrief) -> QbrBrief:
    """Drop any claim that is uncited or that carries text addressed to the drafting system."""

    def keep(claim: Claim) -> bool:
        texts = [claim.text, *(c.quote for c in claim.citations)]
        if isinstance(claim, Risk):
            texts.append(claim.mitigation)
        return bool(claim.citations) and not any(addresses_the_drafter(t) for t in texts)

    return brief.model_copy(update={s: tuple(c for c in getattr(brief, s) if keep(c)) for s in QBR_SECTION_NAMES})


def qbr_changes(evidence: AccountEvidence, plan: AccountPlan, hits: Sequence[Hit]) -> tuple[list[Change], list[str]]:
    """The offline engine: one replace_qbr_brief change, or none when the plan's brief already says it all."""
    draft = draft_brief(evidence, plan, hits)
    brief = draft.brief
    claims = brief.claims()
    if not claims or brief == plan.qbr_brief:
        return [], draft.warnings
    citations = tuple(dict.fromkeys(c for claim in claims for c in claim.citations))
    crm_backed = sum(1 for claim in claims if all(evidence.record(c.source_id) for c in claim.citations))
    confidence = (crm_backed * CRM_CONFIDENCE + (len(claims) - crm_backed) * EVIDENCE_CONFIDENCE) / len(claims)
    high = sum(1 for r in brief.risks if r.severity is Severity.high)
    parts = [
        f"QBR brief for {quarter_of(evidence.as_of).label} as of {evidence.as_of.isoformat()}: "
        f"{len(claims)} cited claims, {len(brief.risks)} risks ({high} high)"
    ]
    if draft.moved is not None:
        parts.append(f"renewal date moved to {draft.moved.label} per newer evidence")
    return [
        proposed_change(
            ChangeKind.replace_qbr_brief,
            plan.qbr_brief,
            brief,
            rationale="; ".join(parts),
            citations=citations,
            confidence=round(confidence, 2),
        )
    ], draft.warnings
