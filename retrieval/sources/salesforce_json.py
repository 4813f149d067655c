"""Salesforce JSON in every shape its tools write, read into CrmRecords.

- A REST query result: `{"totalSize", "done", "records": [...]}`, each record with
  `attributes.type` and an `Id`.
- `sf data query --json`: the same result wrapped as `{"status": 0, "result": {...}}`.
- `sf data export tree`: records without an `Id`, named by `attributes.referenceId`, their
  lookups written as `"@AccountRef1"`; with `--plan`, one file per object plus a
  `*-plan.json` listing them. A referenceId becomes the record's id and a lookup to it the
  same id (`crm.resolve_references`), so the hierarchy survives without Salesforce Ids.
- Nested child records, from a tree export without a plan or a REST relationship subquery:
  `"Contacts": {"records": [...]}` under an Account. Each child is read as a record of its own,
  linked to its parent by the lookup field the relationship stands for (`AccountId`, `ParentId`
  for ChildAccounts, …) unless it names its parent itself.
- A page of a larger result (`"done": false`, `nextRecordsUrl`): read, and remembered so that the
  folder can be checked for the rest of the result (`crm.check_pages`).
"""

from __future__ import annotations

import json
import re
from typing import Any

from retrieval.evidence import CrmRecord
from retrieval.sources.records import CrmFile, CrmFileError, Page, RecordProblem

_WS = re.compile(r"[ \t\n\r]*")

# Child relationship name → the child's lookup to its parent, where it is not "<ParentType>Id".
_RELATIONSHIP_LOOKUPS = {
    "ChildAccounts": "ParentId",
    "DirectReports": "ReportsToId",
    "Tasks": "WhatId",
    "Events": "WhatId",
    "ActivityHistories": "WhatId",
    "OpenActivities": "WhatId",
}


def is_plan(data: Any) -> bool:
    """An `sf data export tree --plan` plan: a list of {"sobject", "files", …} entries."""
    return isinstance(data, list) and bool(data) and all(isinstance(e, dict) and "sobject" in e for e in data)


def load_json(text: str) -> Any:
    """The file's JSON; CrmFileError naming the line when it is not JSON."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CrmFileError(f"invalid JSON: {exc.msg} (column {exc.colno})", exc.lineno) from exc


def parse_json(text: str) -> CrmFile:
    """The records of one Salesforce JSON file, in any of the shapes above."""
    return parse_salesforce(load_json(text), text)


def parse_salesforce(data: Any, text: str) -> CrmFile:
    """The records of Salesforce JSON `data`, read from `text` (which gives each record's line)."""
    if is_plan(data):
        return CrmFile(plan=True)
    wrapped = isinstance(data, dict) and "status" in data and ("result" in data or data.get("status") != 0)
    if wrapped:
        if data.get("status") != 0:
            reason = data.get("message") or data.get("name") or f"status {data.get('status')}"
            raise CrmFileError(f"the sf command that wrote this file failed: {reason}", 1)
        data = data["result"]
    if not isinstance(data, dict) or not isinstance(data.get("records"), list):
        raise CrmFileError(
            'expected a Salesforce query result {"records": [...]}, `sf data query --json` output, '
            'an `sf data export tree` file or a HubSpot API response {"results": [...]}',
            1,
        )
    raw_records: list[Any] = data["records"]
    lines = None if wrapped else _record_lines(text)
    if lines is None or len(lines) != len(raw_records):
        lines = [None] * len(raw_records)

    parsed = CrmFile()
    for index, (raw, line) in enumerate(zip(raw_records, lines, strict=True)):
        _flatten(raw, f"records[{index}]", line, None, parsed)
    if data.get("done") is False:
        sobject = next((r.type for r in parsed.records), "record")
        total = data.get("totalSize")
        parsed.pages.append(
            Page(sobject, total if isinstance(total, int) else len(parsed.records), data.get("nextRecordsUrl"))
        )
    return parsed


def _flatten(
    raw: Any, where: str, line: int | None, parent: tuple[str, str, str] | None, parsed: CrmFile
) -> None:
    """Read one record (and its nested children); `parent` is (relationship, parent type, parent id)."""
    if not isinstance(raw, dict):
        parsed.problems.append(RecordProblem(line, f"{where} is not an object; skipped"))
        return
    attributes = raw.get("attributes")
    attributes = attributes if isinstance(attributes, dict) else {}
    sobject = attributes.get("type")
    record_id = raw.get("Id") or attributes.get("referenceId")
    if not isinstance(sobject, str) or not sobject:
        parsed.problems.append(RecordProblem(line, f"{where} has no attributes.type; skipped"))
        return
    if not isinstance(record_id, str) or not record_id:
        parsed.problems.append(RecordProblem(line, f"{where} ({sobject}) has no Id or referenceId; skipped"))
        return
    fields: dict[str, Any] = {}
    children: list[tuple[str, list[Any]]] = []
    for key, value in raw.items():
        if key == "attributes":
            continue
        if isinstance(value, dict) and isinstance(value.get("records"), list):
            children.append((key, value["records"]))
        else:
            fields[key] = value
    if parent is not None:
        relationship, parent_type, parent_id = parent
        lookup = _RELATIONSHIP_LOOKUPS.get(relationship, f"{parent_type}Id")
        fields.setdefault(lookup, parent_id)
    fields.setdefault("Id", record_id)
    parsed.records.append(CrmRecord(type=sobject, id=record_id, fields=fields))
    for relationship, records in children:
        for index, child in enumerate(records):
            _flatten(child, f"{where}.{relationship}[{index}]", line, (relationship, sobject, record_id), parsed)


def _record_lines(text: str) -> list[int | None] | None:
    """The 1-based line of each element of the top-level "records" array, or None if not found."""
    decoder = json.JSONDecoder()

    def skip(i: int) -> int:
        match = _WS.match(text, i)
        assert match is not None  # the pattern matches the empty string
        return match.end()

    try:
        i = skip(0)
        if text[i] != "{":
            return None
        i = skip(i + 1)
        while text[i] != "}":
            key, i = decoder.raw_decode(text, i)
            i = skip(i)
            if text[i] != ":":
                return None
            i = skip(i + 1)
            if key == "records" and text[i] == "[":
                return _element_lines(text, skip(i + 1), decoder, skip)
            _, i = decoder.raw_decode(text, i)
            i = skip(i)
            if text[i] == ",":
                i = skip(i + 1)
        return None
    except (ValueError, IndexError):
        return None


def _element_lines(text: str, i: int, decoder: json.JSONDecoder, skip: Any) -> list[int | None]:
    lines: list[int | None] = []
    line, counted_to = 1, 0
    while text[i] != "]":
        line += text.count("\n", counted_to, i)
        counted_to = i
        lines.append(line)
        _, i = decoder.raw_decode(text, i)
        i = skip(i)
        if text[i] == ",":
            i = skip(i + 1)
    return lines
