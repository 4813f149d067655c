"""Salesforce records rendered as Sources (the files are read by `retrieval.sources`).

A record's Source has the Salesforce Id as its id and this text (agents quote its lines
verbatim, so the rendering is a contract; keep it stable):

    Contact: Raj Patel
    FirstName: Raj
    LastName: Patel
    Title: VP Engineering
    AccountId: 001000000000002AAA
    Account: Acme Payments
    ReportsToId: 003000000000001AAA
    ReportsTo: Jennifer Wu

- The first line is the title, "<sObject type>: <label>". The label is the record's
  Name; else "FirstName LastName"; for a Case "CaseNumber Subject"; for an
  OpportunityContactRole "<contact> (<Role>)"; for an OpportunityLineItem without a Name
  its product; for an OpportunityCompetitor its CompetitorName; else Subject, Title, the Id.
- Then one "Field: value" line per field, in the record's own order, skipping `Id`,
  `attributes`, nulls, empty strings and lists (subquery results). Strings keep their
  text with line breaks and the whitespace around them collapsed to one space; booleans
  are `true`/`false`; whole-number floats drop the `.0` (`Amount: 1200000`); other
  numbers print as Python prints them.
- A reference field "<Name>Id" whose target record is in the bundle is followed by a
  readable line "<Name>: <target label>" (`ReportsToId` → `ReportsTo: Jennifer Wu`,
  `WhoId` → `Who: ...`, `AccountId` → `Account: ...`). A nested relationship object
  with a Name (`"Account": {"Name": ...}`) gives that line when the bundle cannot
  resolve the Id or the record has no Id field for it. Other nested objects are skipped.
- `Source.metadata` is {"sobject": type, "fields": {field: its exact line}}, so the quote
  for a Contact's title is `metadata["fields"]["Title"]`, e.g. "Title: VP Engineering".
  Where a string had line breaks (a logged email's header lines and paragraphs, a minute's
  bullets), `metadata["line_breaks"]` holds the offsets in the text of the spaces that stand
  for them, so a reader can tell where its lines were (see agents.reading.visible_text).
- `Source.date` is the first parseable of `DATE_FIELDS`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from retrieval.evidence import CrmRecord, Source, SourceType

DATE_FIELDS = (
    "ActivityDate",
    "StartDateTime",
    "ActivityDateTime",
    "CloseDate",
    "ClosedDate",
    "PurchaseDate",
    "InstallDate",
    "ServiceDate",
    "LastActivityDate",
    "CreatedDate",
    "LastModifiedDate",
    "SystemModstamp",
)

_WS = re.compile(r"[ \t\n\r]*")
_LINE_BREAKS = re.compile(r"\s*[\r\n]+\s*")


def record_labels(records: Iterable[CrmRecord]) -> dict[str, str]:
    """Id → label of every record, so references can be rendered by name."""
    records = list(records)
    plain = {r.id: record_label(r) for r in records}
    return {r.id: record_label(r, plain) for r in records}


def record_label(record: CrmRecord, labels: Mapping[str, str] | None = None) -> str:
    """The human name of a record, as used in its title line."""
    labels = labels or {}
    name = _text(record.get("Name")) or _join(record.get("FirstName"), record.get("LastName"))
    if record.type == "Case":
        label = _join(record.get("CaseNumber"), record.get("Subject"))
    elif record.type == "OpportunityContactRole":
        person = _resolve(record, "ContactId", labels)
        role = _text(record.get("Role"))
        label = f"{person} ({role})" if person and role else person or role
    elif record.type == "OpportunityLineItem":
        label = name or _resolve(record, "Product2Id", labels)
    elif record.type == "OpportunityCompetitor":
        label = _text(record.get("CompetitorName")) or name
    else:
        label = name or _text(record.get("Subject")) or _text(record.get("Title"))
    return label or record.id


def render_record(record: CrmRecord, labels: Mapping[str, str], origin: str = "") -> Source:
    """The record as a Source; see the module docstring for the exact text."""
    title = f"{record.type}: {record_label(record, labels)}"
    lines = [title]
    field_lines: dict[str, str] = {}
    line_breaks: list[int] = []
    length = len(title)  # of the text so far

    def add(field: str, value: str, breaks: Iterable[int] = ()) -> None:
        nonlocal length
        if field not in field_lines:
            field_lines[field] = f"{field}: {value}"
            lines.append(field_lines[field])
            value_start = length + 1 + len(field) + 2
            line_breaks.extend(value_start + b for b in breaks)
            length += 1 + len(field_lines[field])

    for field, value in record.fields.items():
        if field == "Id" or value is None or isinstance(value, list):
            continue
        if isinstance(value, dict):
            if f"{field}Id" not in record.fields and (name := _nested_name(value)):
                add(field, name)
            continue
        rendered, breaks = _flatten(value) if isinstance(value, str) else (_render_value(value), [])
        if not rendered:
            continue
        add(field, rendered, breaks)
        target = field[:-2]
        if (
            field.endswith("Id")
            and target
            and not _is_scalar(record.get(target))
            and (reference := _resolve(record, field, labels))
        ):
            add(target, reference)

    metadata: dict[str, Any] = {"sobject": record.type, "fields": field_lines}
    if line_breaks:
        metadata["line_breaks"] = line_breaks
    return Source(
        id=record.id,
        type=SourceType.crm,
        title=title,
        date=record_date(record),
        text="\n".join(lines),
        metadata=metadata,
        origin=origin,
    )


def record_date(record: CrmRecord) -> date | None:
    """The record's most relevant date: the first of DATE_FIELDS that parses."""
    for field in DATE_FIELDS:
        if parsed := parse_salesforce_date(record.get(field)):
            return parsed
    return None


def parse_salesforce_date(value: Any) -> date | None:
    """A Salesforce date or datetime ("2026-03-31", "2026-03-31T10:00:00.000+0000") as a date."""
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _resolve(record: CrmRecord, field: str, labels: Mapping[str, str]) -> str | None:
    value = record.get(field)
    if isinstance(value, str) and value:
        # References may use the 15-character form of an 18-character Id.
        label = labels.get(value) or labels.get(value[:15])
        if label is None and len(value) == 15:
            label = next((v for k, v in labels.items() if k[:15] == value), None)
        if label:
            return label
    return _nested_name(record.get(field[:-2])) if field.endswith("Id") else None


def _nested_name(value: Any) -> str | None:
    if isinstance(value, dict):
        return _text(value.get("Name")) or _join(value.get("FirstName"), value.get("LastName"))
    return None


def _render_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        return _flatten(value)[0]
    return str(value)


def _flatten(value: str) -> tuple[str, list[int]]:
    """A string on one line (each run of line breaks, with the spaces around it, becomes one space), and where
    in it those spaces are."""
    stripped = value.strip()
    breaks, removed = [], 0
    for match in _LINE_BREAKS.finditer(stripped):
        breaks.append(match.start() - removed)
        removed += len(match.group()) - 1
    return _LINE_BREAKS.sub(" ", stripped), breaks


def _is_scalar(value: Any) -> bool:
    return value is not None and not isinstance(value, dict | list)


def _text(value: Any) -> str | None:
    if not _is_scalar(value):
        return None
    return _render_value(value) or None


def _join(*values: Any) -> str | None:
    return " ".join(t for v in values if (t := _text(v))) or None
