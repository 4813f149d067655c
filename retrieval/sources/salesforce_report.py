"""Salesforce report exports (Export > Details Only > CSV), read into CrmRecords.

A report names its columns by field label ("First Name", "Account Name", "Reports To: Full
Name") and writes references by name. A Contacts & Accounts report becomes Contacts and the
Accounts they belong to (a unit's "Parent Account" resolved by name to an Account of the same
report); an Opportunities report becomes Opportunities and their Accounts. Columns the map does
not know are kept under their label ("Contact Status: Left Company"), so custom fields survive.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from retrieval.evidence import CrmRecord
from retrieval.sources.records import CrmFile, CrmFileError, RecordProblem

_CONTACT = {
    "Contact ID": "Id", "First Name": "FirstName", "Last Name": "LastName", "Title": "Title", "Email": "Email",
    "Phone": "Phone", "Mobile": "MobilePhone", "Department": "Department", "Account ID": "AccountId",
}  # fmt: skip
_OPPORTUNITY = {
    "Opportunity ID": "Id", "Opportunity Name": "Name", "Stage": "StageName", "Amount": "Amount",
    "Close Date": "CloseDate", "Probability (%)": "Probability", "Type": "Type", "Account ID": "AccountId",
    "Next Step": "NextStep",
}  # fmt: skip
_ACCOUNT_COLUMNS = {"Account ID", "Account Name", "Parent Account", "Parent Account ID"}
_REFERENCES = {"Reports To: Full Name", "Reports To"}


def is_report(header: list[str]) -> bool:
    labels = {h.strip() for h in header}
    return "Contact ID" in labels or "Opportunity ID" in labels or {"First Name", "Last Name"} <= labels


def parse_report(text: str) -> CrmFile:
    rows = list(csv.DictReader(io.StringIO(text)))
    if not rows:
        raise CrmFileError("the report export has no rows", 1)
    header = set(rows[0])
    sobject, columns = ("Opportunity", _OPPORTUNITY) if "Opportunity ID" in header else ("Contact", _CONTACT)
    parsed = CrmFile()
    accounts: dict[str, dict[str, Any]] = {}
    by_name: dict[str, str] = {}
    pending_reports_to: list[tuple[dict[str, Any], str]] = []
    for line, row in enumerate(rows, start=2):
        values = {k.strip(): (v or "").strip() for k, v in row.items() if k is not None}
        record_id = values.get("Contact ID" if sobject == "Contact" else "Opportunity ID")
        if not record_id:
            parsed.problems.append(RecordProblem(line, f"row has no {sobject} ID; skipped"))
            continue
        fields: dict[str, Any] = {"Id": record_id}
        for label, value in values.items():
            if not value or label in _ACCOUNT_COLUMNS - {"Account ID"}:
                continue
            if label in _REFERENCES:
                pending_reports_to.append((fields, value))
            elif label in columns:
                fields[columns[label]] = _number(value) if columns[label] in ("Amount", "Probability") else value
            else:
                fields[label] = value
        if account_id := values.get("Account ID"):
            account = accounts.setdefault(account_id, {"Id": account_id})
            if values.get("Account Name"):
                account["Name"] = values["Account Name"]
                by_name.setdefault(values["Account Name"], account_id)
            if values.get("Parent Account ID"):
                account["ParentId"] = values["Parent Account ID"]
            elif values.get("Parent Account"):
                account["_parent_name"] = values["Parent Account"]
        if sobject == "Contact":
            by_name.setdefault(" ".join(filter(None, (values.get("First Name"), values.get("Last Name")))), record_id)
        parsed.records.append(CrmRecord(type=sobject, id=record_id, fields=fields))
    for fields, manager in pending_reports_to:
        if manager in by_name:
            fields["ReportsToId"] = by_name[manager]
        else:
            fields["ReportsTo"] = manager
    for account_id, fields in accounts.items():
        parent = fields.pop("_parent_name", None)
        if parent:
            fields["ParentId"] = by_name.get(parent, f"name:{parent}")
        parsed.records.append(CrmRecord(type="Account", id=account_id, fields=fields))
    return parsed


def _number(value: str) -> float | str:
    try:
        return float(value.replace(",", "").lstrip("$€£"))
    except ValueError:
        return value
