"""The QBR brief as a document to hand out: customer-facing or internal, with no raw CRM Ids. Pure, no I/O.

`qbr_document` decides what goes in (internal-only notes — risks about people, stances, discounts
and pricing — are left out of the customer-facing version and counted) and how each claim and
source reads; `document_markdown` writes it with a single H1. The PDF and PowerPoint writers in
`app/plans/exports.py` lay out the same document.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from plans.models import Citation, Claim, QbrBrief, Risk
from plans.render import QBR_SECTIONS


class Audience(StrEnum):
    customer = "customer"
    internal = "internal"


# A Salesforce record Id, 15 or 18 characters: a 3-character key prefix, a 2-character pod, a reserved 0.
SALESFORCE_ID = re.compile(r"\b[0-9A-Za-z]{3}[0-9][0-9A-Za-z]0[0-9A-Za-z]{9}(?:[0-9A-Za-z]{3})?\b")
_LABELLED_ID = re.compile(r"\b(\w*Id):\s*" + SALESFORCE_ID.pattern)
_STANCE = re.compile(
    r"\b(champions?|detractors?|coach|blockers?|blocking|against us|opposes|opposed|annoyed|unhappy|frustrated|"
    r"sell(?:s|ing)? (?:it |this |us )?for us|won't sell)\b",
    re.I,
)
_PRICING = re.compile(
    r"\b(discount\w*|price cap|pricing|price (?:cut|break|increase|hold)|concessions?|rebates?|margins?|"
    r"walk-?away|floor price|list price|% off)\b",
    re.I,
)
_MARKDOWN = re.compile(r"\*\*|__|`")


def scrub_ids(text: str) -> str:
    """The text with every Salesforce Id taken out ('AccountId: 001…' lines lose the whole field)."""
    text = _LABELLED_ID.sub(lambda m: f"{m.group(1)}: (CRM record)", text)
    text = SALESFORCE_ID.sub("(CRM record)", text)
    return _MARKDOWN.sub("", re.sub(r"\s+", " ", text)).strip()


def internal_reason(claim: Claim, people: Iterable[str]) -> str | None:
    """Why a claim is for our eyes only, or None when the customer may read it."""
    text = claim.text + (" " + claim.mitigation if isinstance(claim, Risk) else "")
    if _PRICING.search(text):
        return "pricing or discounts"
    if _STANCE.search(text):
        return "where a person stands on us"
    if isinstance(claim, Risk):
        for name in people:
            first = name.split()[0] if name.split() else name
            if name and (name.casefold() in text.casefold() or re.search(rf"\b{re.escape(first)}\b", text)):
                return "a risk about a person"
    return None


@dataclass(frozen=True)
class Item:
    text: str
    notes: tuple[int, ...]  # numbers of the sources it cites
    severity: str | None = None
    mitigation: str | None = None
    internal: str | None = None  # why it is internal-only, in an internal export


@dataclass(frozen=True)
class Section:
    heading: str
    items: tuple[Item, ...]


@dataclass
class QbrDocument:
    title: str
    subtitle: str
    audience: Audience
    plan_version: int
    sections: list[Section]
    sources: list[tuple[int, str]] = field(default_factory=list)  # (number, what the source says and where)
    left_out: int = 0  # internal-only claims not in a customer-facing document

    def filename(self, extension: str) -> str:
        """'meridian-logistics-qbr-brief-v4.pdf': the title's words, the version, and whether it is internal."""
        stem = "-".join(re.findall(r"[A-Za-z0-9]+", self.title.lower()))[:80] or "qbr-brief"
        internal = "-internal" if self.audience is Audience.internal else ""
        return f"{stem}-v{self.plan_version}{internal}.{extension}"


def _source_label(citation: Citation, titles: Mapping[str, str], audience: Audience) -> str:
    title = titles.get(citation.source_id)
    internal = _STANCE.search(citation.quote) or _PRICING.search(citation.quote)
    quote = "(quote withheld: internal)" if internal and audience is Audience.customer else scrub_ids(citation.quote)
    parts = [quote if quote.startswith("(") else f"“{quote}”"]
    if citation.locator:
        parts.append(scrub_ids(citation.locator))
    parts.append(scrub_ids(title) if title else "a source no longer on file")
    return " — ".join(parts)


def qbr_document(
    brief: QbrBrief,
    account_name: str,
    plan_version: int,
    *,
    source_titles: Mapping[str, str],
    people: Iterable[str] = (),
    audience: Audience = Audience.customer,
) -> QbrDocument:
    """The brief as a document for `audience`; `people` are the names on the stakeholder map."""
    names = [n for n in people if n.strip()]
    as_of = f"as of {brief.as_of.isoformat()}" if brief.as_of else "undated"
    kind = "customer-facing" if audience is Audience.customer else "internal: not for the customer"
    document = QbrDocument(
        title=f"{scrub_ids(account_name)} — QBR brief",
        subtitle=f"Plan version {plan_version}, {as_of} ({kind})",
        audience=audience,
        plan_version=plan_version,
        sections=[],
    )
    numbers: dict[str, int] = {}  # one number per distinct source label
    for name, heading in QBR_SECTIONS:
        items = []
        for claim in getattr(brief, name):
            reason = internal_reason(claim, names)
            if reason and audience is Audience.customer:
                document.left_out += 1
                continue
            notes = []
            for citation in claim.citations:
                label = _source_label(citation, source_titles, audience)
                number = numbers.setdefault(label, len(numbers) + 1)
                if number not in notes:
                    notes.append(number)
            items.append(
                Item(
                    text=scrub_ids(claim.text),
                    notes=tuple(notes),
                    severity=claim.severity.value if isinstance(claim, Risk) else None,
                    mitigation=scrub_ids(claim.mitigation) if isinstance(claim, Risk) else None,
                    internal=reason,
                )
            )
        document.sections.append(Section(heading, tuple(items)))
    document.sources = [(number, label) for label, number in numbers.items()]
    return document


def item_line(item: Item) -> str:
    """A claim as one line of text, its source numbers in brackets."""
    marks = "".join(f"[{n}]" for n in item.notes)
    lead = f"{item.severity.capitalize()} severity: " if item.severity else ""
    tag = f" (internal: {item.internal})" if item.internal else ""
    return f"{lead}{item.text}{tag} {marks}".rstrip()


def document_markdown(document: QbrDocument) -> str:
    """The document as Markdown: one H1, a section per QBR heading, numbered sources last."""
    lines = [f"# {document.title}", "", f"_{document.subtitle}_"]
    for section in document.sections:
        lines += ["", f"## {section.heading}", ""]
        if not section.items:
            lines.append("_Nothing to report._")
        for item in section.items:
            text = item_line(item)
            if item.severity:
                text = f"**{text.split(':', 1)[0]}:**{text.split(':', 1)[1]}"
            lines.append(f"- {text}")
            if item.mitigation is not None:
                lines.append(f"  - Mitigation: {item.mitigation or '—'}")
    lines += ["", "## Sources", ""]
    lines += [f"- [{n}] {label}" for n, label in document.sources] or ["_No sources cited._"]
    if document.left_out:
        lines += ["", f"_{document.left_out} internal-only notes are not in this customer-facing version._"]
    return "\n".join(lines) + "\n"
