"""Salesforce Data Loader CSV exports, read into CrmRecords.

Data Loader writes one file per object, a header of the fields' API names in upper case
(`"ID","ACCOUNTID","FIRSTNAME",…`), every value quoted, an empty string for an empty field.
A header is mapped back to the API name's own spelling (`ACCOUNTID` → `AccountId`,
`CONTACT_STATUS__C` → `Contact_Status__c`), so records from CSV read exactly like records from
JSON. The object is the file's name (`Contact.csv`, `extract_Contact.csv`), else the Id's key
prefix (`003…` is a Contact).
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from retrieval.evidence import CrmRecord
from retrieval.sources.records import CrmFile, CrmFileError, RecordProblem

# The standard objects and fields the agents read, in their API spelling.
OBJECTS = (
    "Account", "Contact", "Opportunity", "OpportunityLineItem", "OpportunityContactRole",
    "OpportunityCompetitor", "Product2", "Asset", "Task", "Event", "Case", "User", "Lead",
)  # fmt: skip
FIELDS = (
    "Id", "Name", "ParentId", "AccountId", "FirstName", "LastName", "Salutation", "Title", "Email", "Phone",
    "MobilePhone", "Department", "ReportsToId", "OwnerId", "Type", "Industry", "AnnualRevenue",
    "NumberOfEmployees", "BillingCountry", "BillingCity", "Website", "Description", "StageName", "Amount",
    "CloseDate", "IsClosed", "IsWon", "Probability", "ForecastCategoryName", "NextStep", "LeadSource",
    "ContactId", "OpportunityId", "Role", "IsPrimary", "Product2Id", "PricebookEntryId", "Quantity",
    "UnitPrice", "TotalPrice", "ListPrice", "ServiceDate", "CompetitorName", "Strengths", "Weaknesses",
    "ProductCode", "Family", "IsActive", "Status", "Price", "PurchaseDate", "InstallDate", "UsageEndDate",
    "SerialNumber", "Subject", "ActivityDate", "ActivityDateTime", "StartDateTime", "EndDateTime", "WhoId",
    "WhatId", "Priority", "CaseNumber", "Origin", "Reason", "ClosedDate", "CreatedDate", "LastModifiedDate",
    "LastActivityDate", "SystemModstamp", "IsDeleted", "CurrencyIsoCode", "ExpectedRevenue", "TaskSubtype",
    "CallType", "CallDurationInSeconds", "DurationInMinutes", "Location", "HasOptedOutOfEmail", "Inactive",
)  # fmt: skip
_BY_UPPER = {name.upper(): name for name in FIELDS}
_NUMERIC = {
    "Amount", "AnnualRevenue", "NumberOfEmployees", "Probability", "Quantity", "UnitPrice", "TotalPrice",
    "ListPrice", "Price", "ExpectedRevenue", "CallDurationInSeconds", "DurationInMinutes",
}  # fmt: skip
_BOOLEAN = {"IsClosed", "IsWon", "IsPrimary", "IsActive", "IsDeleted", "HasOptedOutOfEmail"}
# Key prefixes of the standard objects' Ids (case matters: 00k is a line item, 00K a contact role).
KEY_PREFIXES = {
    "001": "Account", "003": "Contact", "006": "Opportunity", "00k": "OpportunityLineItem",
    "00K": "OpportunityContactRole", "00J": "OpportunityCompetitor", "01t": "Product2", "02i": "Asset",
    "00T": "Task", "00U": "Event", "500": "Case", "005": "User", "00Q": "Lead",
}  # fmt: skip
_OBJECT_IN_NAME = re.compile("|".join(sorted(OBJECTS, key=len, reverse=True)), re.IGNORECASE)


def looks_like_data_loader(header: list[str]) -> bool:
    return "ID" in [h.strip().upper() for h in header] and all(h == h.upper() for h in header if h.strip())


def api_name(header: str) -> str:
    """A Data Loader header in its API spelling: ACCOUNTID → AccountId, MY_STATUS__C → My_Status__c."""
    name = header.strip()
    upper = name.upper()
    if upper in _BY_UPPER:
        return _BY_UPPER[upper]
    if upper.endswith("__C") or upper.endswith("__R"):
        stem = "_".join(part.capitalize() for part in name[:-3].split("_"))
        return f"{stem}__{name[-1].lower()}"
    return name if name != upper else "".join(part.capitalize() for part in name.split("_"))


def parse_csv(text: str, stem: str) -> CrmFile:
    """The records of one Data Loader CSV export named `stem`."""
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration as exc:
        raise CrmFileError("empty CSV file", 1) from exc
    if not looks_like_data_loader(header):
        raise CrmFileError(
            "a CSV export needs Data Loader's header of upper-case API field names with an ID column "
            f"(this one starts {', '.join(header[:4])})",
            1,
        )
    names = [api_name(h) for h in header]
    named = _OBJECT_IN_NAME.search(stem)
    from_name = next((o for o in OBJECTS if named and o.lower() == named.group(0).lower()), None)
    parsed = CrmFile()
    for line_number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(names):
            parsed.problems.append(
                RecordProblem(line_number, f"row has {len(row)} fields, the header {len(names)}; skipped")
            )
            continue
        fields = {name: _value(name, cell) for name, cell in zip(names, row, strict=True)}
        record_id = fields.get("Id")
        if not isinstance(record_id, str):
            parsed.problems.append(RecordProblem(line_number, "row has no ID; skipped"))
            continue
        sobject = from_name or KEY_PREFIXES.get(record_id[:3])
        if sobject is None:
            parsed.problems.append(
                RecordProblem(line_number, f"cannot tell the object of {record_id}: name the file after it; skipped")
            )
            continue
        parsed.records.append(CrmRecord(type=sobject, id=record_id, fields=fields))
    return parsed


def _value(name: str, cell: str) -> Any:
    text = cell.strip()
    if not text:
        return None
    if name in _BOOLEAN:
        return text.lower() in ("true", "1", "yes")
    if text in ("true", "false"):  # how Data Loader writes every checkbox, custom ones too
        return text == "true"
    if name in _NUMERIC:
        try:
            number = float(text.replace(",", ""))
        except ValueError:
            return text
        return int(number) if number.is_integer() and name in ("NumberOfEmployees", "Quantity") else number
    return text
