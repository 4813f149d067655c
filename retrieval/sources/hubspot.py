"""HubSpot CRM API v3 objects (companies, contacts, deals) read into the same records as Salesforce's.

A HubSpot list or search response, `{"results": [{"id", "properties", "associations"}]}`, saved as
`crm/companies.json`, `crm/contacts.json`, `crm/deals.json`, becomes Accounts, Contacts and
Opportunities with the fields the agents read (`Name`, `ParentId`, `AccountId`, `Title`,
`StageName`, `Amount`, `CloseDate`, `IsClosed`, `IsWon`), linked through the records'
associations; every other property is kept under its own name. A deal's contacts become
OpportunityContactRoles, with the association label (v4 `associationTypes[].label`, from a saved
`associations-deal-contact.json`) as the role. Ids are prefixed by object (`hs-company-101`),
since HubSpot numbers each object type separately.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from typing import Any

from retrieval.evidence import CrmRecord, Source, SourceType
from retrieval.sources.records import CrmFile, RecordProblem
from retrieval.sources.text import html_text

# Longest first: a file named "line_items" is not about "deals".
OBJECT_TYPES = {
    "line_items": "line_item", "products": "product", "companies": "company", "contacts": "contact", "deals": "deal",
    "meetings": "meeting", "emails": "email", "notes": "note", "calls": "call", "tasks": "task",
}  # fmt: skip
# Engagements: (title property, body property, Salesforce object, task subtype).
ENGAGEMENTS = {
    "note": (None, "hs_note_body", "Task", "Note"),
    "call": ("hs_call_title", "hs_call_body", "Task", "Call"),
    "email": ("hs_email_subject", "hs_email_text", "Task", "Email"),
    "task": ("hs_task_subject", "hs_task_body", "Task", "Task"),
    "meeting": ("hs_meeting_title", "hs_meeting_body", "Event", "Meeting"),
}
_SOBJECT = {
    "company": "Account", "contact": "Contact", "deal": "Opportunity", "line_item": "OpportunityLineItem",
    "product": "Product2",
}  # fmt: skip


def is_hubspot(data: Any) -> bool:
    if isinstance(data, dict) and isinstance(data.get("results"), list):
        first = next(iter(data["results"]), None)
        return isinstance(first, dict) and ("properties" in first or "from" in first)
    return False


def hubspot_id(object_type: str, value: object) -> str:
    return f"hs-{object_type}-{value}"


def object_type_of(stem: str, results: list[Any]) -> str | None:
    """companies / contacts / deals from the file name, else from the properties a record has."""
    lowered = stem.lower()
    for plural, singular in OBJECT_TYPES.items():
        if plural in lowered or singular in lowered or plural.replace("_", "-") in lowered:
            return singular
    properties = next((r.get("properties") or {} for r in results if isinstance(r, dict)), {})
    for engagement, (_, body, _, _) in ENGAGEMENTS.items():
        if body in properties:
            return engagement
    if "hs_product_id" in properties:
        return "line_item"
    if "hs_sku" in properties:
        return "product"
    if "dealname" in properties:
        return "deal"
    if "firstname" in properties or "lastname" in properties or "email" in properties:
        return "contact"
    if "domain" in properties or "name" in properties:
        return "company"
    return None


def parse_hubspot(data: dict[str, Any], stem: str) -> CrmFile:
    """The records of one HubSpot response; a v4 association batch read gives OpportunityContactRoles."""
    results: list[Any] = data["results"]
    parsed = CrmFile()
    if results and isinstance(results[0], dict) and "from" in results[0]:
        parsed.records += _labelled_contact_roles(results)
        return parsed
    object_type = object_type_of(stem, results)
    if object_type is None:
        parsed.problems.append(RecordProblem(1, "cannot tell which HubSpot object these are: name the file after it"))
        return parsed
    for index, raw in enumerate(results):
        if not isinstance(raw, dict) or raw.get("id") is None:
            parsed.problems.append(RecordProblem(None, f"results[{index}] has no id; skipped"))
            continue
        if object_type in ENGAGEMENTS:
            record, note = _engagement(object_type, raw)
            parsed.records.append(record)
            parsed.sources += [note] if note is not None else []
            continue
        records = _records(object_type, raw)
        parsed.records += records
        parsed.implied |= {r.id for r in records[1:]}
    if isinstance(data.get("paging"), dict) and data["paging"].get("next"):
        parsed.problems.append(
            RecordProblem(None, "this is one page of a longer HubSpot list (paging.next): export the other pages too")
        )
    return parsed


def _records(object_type: str, raw: dict[str, Any]) -> list[CrmRecord]:
    properties = {k: v for k, v in (raw.get("properties") or {}).items() if v not in (None, "")}
    associations = raw.get("associations") or {}
    record_id = hubspot_id(object_type, raw["id"])
    fields: dict[str, Any] = dict(properties)
    extra: list[CrmRecord] = []
    if object_type == "company":
        fields["Name"] = properties.get("name")
        fields["Industry"] = properties.get("industry")
        parent = properties.get("hs_parent_company_id") or _associated(associations, "companies", "child_to_parent")
        fields["ParentId"] = hubspot_id("company", parent) if parent else None
    elif object_type == "contact":
        fields["FirstName"] = properties.get("firstname")
        fields["LastName"] = properties.get("lastname")
        fields["Title"] = properties.get("jobtitle")
        fields["Email"] = properties.get("email")
        company = properties.get("associatedcompanyid") or _associated(associations, "companies", "contact_to_company")
        fields["AccountId"] = hubspot_id("company", company) if company else None
    elif object_type == "line_item":
        product = properties.get("hs_product_id")
        deal = _associated(associations, "deals", "line_item_to_deal")
        fields["Name"] = properties.get("name")
        fields["Quantity"] = _number(properties.get("quantity"))
        fields["UnitPrice"] = _number(properties.get("price"))
        fields["TotalPrice"] = _number(properties.get("amount"))
        fields["Product2Id"] = hubspot_id("product", product) if product else None
        fields["OpportunityId"] = hubspot_id("deal", deal) if deal else None
    elif object_type == "product":
        fields["Name"] = properties.get("name")
        fields["ProductCode"] = properties.get("hs_sku")
        fields["IsActive"] = True
    else:
        stage = str(properties.get("dealstage") or "")
        fields["Name"] = properties.get("dealname")
        fields["StageName"] = stage or None
        fields["Amount"] = _number(properties.get("amount"))
        fields["CloseDate"] = str(properties.get("closedate") or "")[:10] or None
        closed = properties.get("hs_is_closed")
        fields["IsClosed"] = str(closed).lower() == "true" if closed is not None else stage.startswith("closed")
        won = properties.get("hs_is_closed_won")
        fields["IsWon"] = str(won).lower() == "true" if won is not None else stage == "closedwon"
        company = _associated(associations, "companies", "deal_to_company")
        fields["AccountId"] = hubspot_id("company", company) if company else None
        for contact in _all_associated(associations, "contacts"):
            extra.append(_contact_role(raw["id"], contact, None))
    fields = {k: v for k, v in fields.items() if v is not None}
    fields["Id"] = record_id
    return [CrmRecord(type=_SOBJECT[object_type], id=record_id, fields=fields), *extra]


def _engagement(kind: str, raw: dict[str, Any]) -> tuple[CrmRecord, Source | None]:
    """A logged note, call, email, task or meeting: a Task (an Event for a meeting) that counts as a
    touch with its contact, and, when someone wrote something, a note holding what they wrote."""
    title_property, body_property, sobject, subtype = ENGAGEMENTS[kind]
    properties = raw.get("properties") or {}
    associations = raw.get("associations") or {}
    record_id = hubspot_id(kind, raw["id"])
    when = str(properties.get("hs_timestamp") or properties.get("hs_meeting_start_time") or "")[:10] or None
    body = html_text(str(properties.get(body_property) or properties.get("hs_email_html") or ""))
    title = str(properties.get(title_property) or "").strip() if title_property else ""
    contact = _associated(associations, "contacts", "contact")
    company = _associated(associations, "companies", "company")
    deal = _associated(associations, "deals", "deal")
    fields: dict[str, Any] = {
        "Id": record_id,
        "Subject": title or subtype,
        "TaskSubtype" if sobject == "Task" else "Type": subtype,
        "ActivityDate": when,
        "WhoId": hubspot_id("contact", contact) if contact else None,
        "WhatId": hubspot_id("deal", deal) if deal else (hubspot_id("company", company) if company else None),
        "AccountId": hubspot_id("company", company) if company else None,
        "Status": properties.get("hs_task_status") or properties.get("hs_call_status"),
    }
    record = CrmRecord(type=sobject, id=record_id, fields={k: v for k, v in fields.items() if v is not None})
    if not body:
        return record, None
    note = Source(
        id=f"{record_id}-text",
        type=SourceType.note,
        title=title or f"HubSpot {subtype.lower()}",
        date=date.fromisoformat(when) if when else None,
        text=body,
        metadata={"author": None, "format": f"hubspot-{kind}", "record": record_id},
    )
    return record, note


def _labelled_contact_roles(results: list[Any]) -> list[CrmRecord]:
    roles = []
    for row in results:
        deal = (row.get("from") or {}).get("id")
        for target in row.get("to") or []:
            labels = [t.get("label") for t in target.get("associationTypes") or [] if t.get("label")]
            roles.append(_contact_role(deal, target.get("toObjectId"), labels[0] if labels else None))
    return roles


def _contact_role(deal: object, contact: object, role: str | None) -> CrmRecord:
    record_id = f"hs-deal-{deal}-contact-{contact}"
    fields = {"Id": record_id, "OpportunityId": hubspot_id("deal", deal), "ContactId": hubspot_id("contact", contact)}
    if role:
        fields["Role"] = role
    return CrmRecord(type="OpportunityContactRole", id=record_id, fields=fields)


def _associated(associations: dict[str, Any], plural: str, kind: str) -> str | None:
    """The first associated id of this kind (e.g. the primary company), else the first of any kind."""
    rows = (associations.get(plural) or {}).get("results") or []
    preferred = [r for r in rows if kind in str(r.get("type", "")) and "unlabeled" not in str(r.get("type", ""))]
    chosen = preferred or ([] if kind == "child_to_parent" else rows)
    return str(chosen[0]["id"]) if chosen else None


def _all_associated(associations: dict[str, Any], plural: str) -> list[str]:
    rows = (associations.get(plural) or {}).get("results") or []
    return list(dict.fromkeys(str(r["id"]) for r in rows if r.get("id") is not None))


def _number(value: object) -> float | None:
    try:
        return float(str(value)) if value not in (None, "") else None
    except ValueError:
        return None


# HubSpot's view exports name columns by property label; these are the ones the records need.
_CSV_LABELS = {
    "company": {
        "Company name": "name", "Name": "name", "Industry": "industry", "Parent Company": "hs_parent_company_id",
    },
    "contact": {
        "First Name": "firstname", "Last Name": "lastname", "Job Title": "jobtitle", "Email": "email",
        "Buying Role": "hs_buying_role",
    },
    "deal": {"Deal Name": "dealname", "Deal Stage": "dealstage", "Amount": "amount", "Close Date": "closedate"},
}  # fmt: skip
_ASSOCIATED_IDS = re.compile(r"^Associated (?P<object>Company|Contact|Deal) IDs(?: \(Primary\))?$")


def is_hubspot_csv(header: list[str]) -> bool:
    return "Record ID" in [h.strip() for h in header]


def parse_hubspot_csv(text: str, stem: str) -> CrmFile:
    """A HubSpot view export (`hubspot-crm-exports-all-contacts-….csv`): property labels as columns,
    associated records' ids in "Associated Company IDs (Primary)" and the like, ';' between ids."""
    rows = list(csv.DictReader(io.StringIO(text)))
    object_type = object_type_of(stem, [])
    parsed = CrmFile()
    if object_type is None:
        parsed.problems.append(
            RecordProblem(1, "cannot tell which HubSpot object this export holds: keep 'companies', 'contacts' or "
                          "'deals' in its file name")  # fmt: skip
        )
        return parsed
    if object_type in ENGAGEMENTS:
        parsed.problems.append(RecordProblem(1, "HubSpot engagements are read from the API's JSON, not a CSV export"))
        return parsed
    labels = _CSV_LABELS.get(object_type, {})
    for line, row in enumerate(rows, start=2):
        record_id = (row.get("Record ID") or "").strip()
        if not record_id:
            parsed.problems.append(RecordProblem(line, "row has no Record ID; skipped"))
            continue
        properties: dict[str, Any] = {}
        associations: dict[str, Any] = {}
        for column, value in row.items():
            if column is None or value is None or not value.strip() or column == "Record ID":
                continue
            value = value.strip()
            if (associated := _ASSOCIATED_IDS.match(column.strip())) is not None:
                plural = {"Company": "companies", "Contact": "contacts", "Deal": "deals"}[associated.group("object")]
                kind = f"{object_type}_to_{associated.group('object').lower()}"
                ids = [{"id": i.strip(), "type": kind} for i in value.split(";") if i.strip()]
                associations.setdefault(plural, {"results": []})["results"] += ids
            else:
                name = labels.get(column.strip()) or re.sub(r"\W+", "_", column.strip().lower()).strip("_")
                properties[name] = value
        if object_type == "deal" and "dealstage" in properties:
            properties["dealstage"] = re.sub(r"\s+", "", properties["dealstage"].lower())
        records = _records(object_type, {"id": record_id, "properties": properties, "associations": associations})
        parsed.records += records
        parsed.implied |= {r.id for r in records[1:]}
    return parsed
