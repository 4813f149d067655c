"""Human-readable views of the plan: the QBR brief as Markdown, labels, and change rows."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from enum import Enum
from typing import Any

from plans.diff import changed_fields
from plans.models import QBR_SECTION_NAMES, Change, Citation, Claim, QbrBrief, Risk, Stakeholder

NOTHING_TO_REPORT = "_Nothing to report._"

QBR_SECTIONS: tuple[tuple[str, str], ...] = tuple(
    zip(
        QBR_SECTION_NAMES,
        (
            "Summary",
            "Value delivered",
            "Relationship changes",
            "Pipeline and whitespace",
            "Risks",
            "Asks and next steps",
        ),
        strict=True,
    )
)

FIELD_LABELS: dict[str, str] = {
    "key": "Key",
    "name": "Name",
    "title": "Title",
    "department": "Department",
    "reports_to": "Reports to",
    "last_contact": "Last contact",
    "email": "Email",
    "buying_role": "Buying role",
    "stance": "Stance",
    "strength": "Strength",
    "status": "Status",
    "product": "Product",
    "unit": "Unit",
    "estimated_value": "Estimated value",
    "competitor": "Competitor",
    "note": "Note",
    "as_of": "As of",
    **{name: label for name, label in QBR_SECTIONS},
}

EMPTY_VALUE = "—"


def _one_line(text: str) -> str:
    """Collapse whitespace so a claim cannot break out of its bullet."""
    return re.sub(r"\s+", " ", text).strip()


def _humanize(value: str) -> str:
    words = value.replace("_", " ")
    return words[:1].upper() + words[1:]


def stakeholder_label(s: Stakeholder) -> str:
    """'Jennifer Wu — CTO', or just the name when the title is unknown."""
    return f"{s.name} — {s.title}" if s.title else s.name


class _Footnotes:
    """Numbers citations in order of first use; the same citation keeps its number."""

    def __init__(self) -> None:
        self.numbers: dict[Citation, int] = {}

    def markers(self, citations: Sequence[Citation]) -> str:
        marks = []
        for citation in citations:
            number = self.numbers.setdefault(citation, len(self.numbers) + 1)
            mark = f"[{number}]"
            if mark not in marks:
                marks.append(mark)
        return "".join(marks)


def _claim_bullet(claim: Claim, footnotes: _Footnotes) -> list[str]:
    markers = footnotes.markers(claim.citations)
    text = _one_line(claim.text)
    if isinstance(claim, Risk):
        lines = [f"- **{_humanize(claim.severity.value)} severity:** {text} {markers}".rstrip()]
        lines.append(f"  - Mitigation: {_one_line(claim.mitigation) or EMPTY_VALUE}")
        return lines
    return [f"- {text} {markers}".rstrip()]


def _source_line(number: int, citation: Citation, sources: Mapping[str, str]) -> str:
    parts = [f"“{_one_line(citation.quote)}”"]
    if citation.locator:
        parts.append(_one_line(citation.locator))
    title = sources.get(citation.source_id)
    parts.append(f"{_one_line(title)} ({citation.source_id})" if title else citation.source_id)
    return f"[{number}] " + " — ".join(parts)


def qbr_markdown(brief: QbrBrief, sources: Mapping[str, str] | None = None, title: str = "QBR brief") -> str:
    """The brief as Markdown under one H1, `title`: six sections of cited bullets, then the numbered sources.

    `sources` maps source ids to titles; an id without a title is shown as is.
    """
    sources = sources or {}
    footnotes = _Footnotes()
    lines = [f"# {_one_line(title)}"]
    if brief.as_of is not None:
        lines += ["", f"_As of {brief.as_of.isoformat()}_"]
    for field, heading in QBR_SECTIONS:
        claims: tuple[Claim, ...] = getattr(brief, field)
        lines += ["", f"## {heading}", ""]
        if not claims:
            lines.append(NOTHING_TO_REPORT)
        for claim in claims:
            lines += _claim_bullet(claim, footnotes)
    lines += ["", "## Sources", ""]
    if not footnotes.numbers:
        lines.append("_No sources cited._")
    for citation, number in footnotes.numbers.items():
        # Bullets with the number written out, so a renderer cannot renumber them away
        # from the markers in the text.
        lines.append("- " + _source_line(number, citation, sources))
    return "\n".join(lines) + "\n"


def _format_claims(claims: tuple[Claim, ...]) -> str:
    if not claims:
        return EMPTY_VALUE
    rows = []
    for claim in claims:
        text = _one_line(claim.text)
        if isinstance(claim, Risk):
            text = f"[{claim.severity.value}] {text} (mitigation: {_one_line(claim.mitigation)})"
        cited = ", ".join(dict.fromkeys(c.source_id for c in claim.citations))
        rows.append(f"- {text} [{cited}]" if cited else f"- {text}")
    return "\n".join(rows)


def format_value(value: Any) -> str:
    """A field value as the review UI shows it."""
    if value is None or value == "":
        return EMPTY_VALUE
    if isinstance(value, Enum):
        return _humanize(str(value.value))
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() else f"{value:,.2f}"
    if isinstance(value, tuple):
        return _format_claims(value)
    return str(value)


def describe_change(change: Change) -> list[tuple[str, str, str]]:
    """(label, before, after) rows for the fields the change alters, in the model's field order."""
    rows = []
    for name, old, new in changed_fields(change.before, change.after):
        # The key is the change's identity, shown by its target; a new payload's empty
        # fields say nothing.
        if name == "key" or (change.before is None and new is None):
            continue
        rows.append((FIELD_LABELS.get(name, _humanize(name)), format_value(old), format_value(new)))
    return rows


def brief_sections(brief: QbrBrief) -> list[tuple[str, tuple[Claim, ...]]]:
    """The brief's six sections in their fixed order, as (label, claims)."""
    return [(label, getattr(brief, name)) for name, label in QBR_SECTIONS]


def brief_citations(brief: QbrBrief) -> list[Citation]:
    """Every citation of every claim in the brief, in reading order."""
    return [citation for claim in brief.claims() for citation in claim.citations]
