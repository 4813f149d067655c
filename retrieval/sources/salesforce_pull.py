"""Pulling one account from a live Salesforce org into a bundle folder, in the REST API's own shape.

`pull_account` walks the account's hierarchy (its child Accounts, five levels deep), then every
related object the agents read, paging each query with `query_all_iter`, and writes one
`crm/<Object>.json` per object as a REST query result. The folder then imports like any bundle,
so a pull and an export are read by the same code. Custom fields of Account, Contact and
Opportunity (a `Contact_Status__c`, a `Buying_Role__c`) come along, found by `describe()`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

FIELDS: dict[str, tuple[str, ...]] = {
    "Account": ("Id", "Name", "ParentId", "Industry", "Type", "AnnualRevenue", "NumberOfEmployees", "BillingCountry"),
    "Contact": (
        "Id", "FirstName", "LastName", "Title", "Department", "Email", "Phone", "AccountId", "ReportsToId",
        "LastActivityDate", "LastModifiedDate",
    ),
    "Opportunity": (
        "Id", "Name", "AccountId", "StageName", "Amount", "CloseDate", "IsClosed", "IsWon", "Type", "NextStep",
        "LastModifiedDate",
    ),
    "OpportunityContactRole": ("Id", "OpportunityId", "ContactId", "Role", "IsPrimary"),
    "OpportunityLineItem": ("Id", "OpportunityId", "Product2Id", "Name", "Quantity", "UnitPrice", "TotalPrice"),
    "OpportunityCompetitor": ("Id", "OpportunityId", "CompetitorName", "Strengths", "Weaknesses"),
    "Product2": ("Id", "Name", "ProductCode", "Family", "IsActive"),
    "Asset": ("Id", "Name", "AccountId", "Product2Id", "Status", "Price", "Quantity", "PurchaseDate", "InstallDate"),
    "Case": ("Id", "CaseNumber", "Subject", "Status", "Priority", "AccountId", "ContactId", "CreatedDate"),
    "Task": ("Id", "Subject", "ActivityDate", "WhoId", "WhatId", "AccountId", "Status", "Description"),
    "Event": ("Id", "Subject", "StartDateTime", "ActivityDate", "WhoId", "WhatId", "AccountId", "Description"),
}  # fmt: skip
WITH_CUSTOM_FIELDS = ("Account", "Contact", "Opportunity")
BY_ACCOUNT = ("Contact", "Opportunity", "Asset", "Case", "Task", "Event")
BY_OPPORTUNITY = ("OpportunityContactRole", "OpportunityLineItem", "OpportunityCompetitor")
MAX_DEPTH = 5
IDS_PER_QUERY = 200
_UNREADABLE_TYPES = {"address", "location", "base64"}


class SalesforceApi(Protocol):
    """What the pull needs of `simple_salesforce.Salesforce`."""

    def query_all_iter(self, query: str) -> Iterable[dict[str, Any]]: ...

    def __getattr__(self, name: str) -> Any: ...


class PullError(Exception):
    """The account cannot be pulled (it does not exist, or the org refused a query)."""


@dataclass
class PullReport:
    account_id: str
    folder: Path
    records: dict[str, int] = field(default_factory=dict)


def pull_account(sf: SalesforceApi, account_id: str, folder: Path) -> PullReport:
    """Write the account's tree and related records under `folder`/crm; what was pulled, by object."""
    fields = {name: _with_custom_fields(sf, name, columns) for name, columns in FIELDS.items()}
    root = _query(sf, "Account", fields["Account"], "Id", [account_id])
    if not root:
        raise PullError(f"no Account {account_id} in this org (or no access to it)")
    accounts = list(root)
    level = [account_id]
    for _ in range(MAX_DEPTH):
        children = _query(sf, "Account", fields["Account"], "ParentId", level)
        if not children:
            break
        accounts += children
        level = [str(child["Id"]) for child in children]
    tree = [str(a["Id"]) for a in accounts]
    pulled: dict[str, list[dict[str, Any]]] = {"Account": accounts}
    for sobject in BY_ACCOUNT:
        pulled[sobject] = _query(sf, sobject, fields[sobject], "AccountId", tree)
    opportunities = [str(o["Id"]) for o in pulled["Opportunity"]]
    for sobject in BY_OPPORTUNITY:
        pulled[sobject] = _query(sf, sobject, fields[sobject], "OpportunityId", opportunities)
    products = {str(r["Product2Id"]) for r in [*pulled["OpportunityLineItem"], *pulled["Asset"]] if r.get("Product2Id")}
    pulled["Product2"] = _query(sf, "Product2", fields["Product2"], "Id", sorted(products))

    crm = folder / "crm"
    crm.mkdir(parents=True, exist_ok=True)
    for sobject, records in pulled.items():
        if records:
            result = {"totalSize": len(records), "done": True, "records": records}
            (crm / f"{sobject}.json").write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    return PullReport(account_id, folder, {sobject: len(records) for sobject, records in pulled.items()})


def _query(sf: SalesforceApi, sobject: str, columns: Sequence[str], key: str, ids: Sequence[str]) -> list[Any]:
    """Every record of `sobject` whose `key` is one of `ids`, a page and an id batch at a time."""
    records: list[Any] = []
    for start in range(0, len(ids), IDS_PER_QUERY):
        batch = ", ".join(_quoted(i) for i in ids[start : start + IDS_PER_QUERY])
        soql = f"SELECT {', '.join(columns)} FROM {sobject} WHERE {key} IN ({batch})"
        try:
            records += [dict(record) for record in sf.query_all_iter(soql)]
        except Exception as exc:  # simple_salesforce raises its own errors per HTTP status
            raise PullError(f"the org refused {sobject}: {exc}") from exc
    return records


def _with_custom_fields(sf: SalesforceApi, sobject: str, columns: Sequence[str]) -> tuple[str, ...]:
    if sobject not in WITH_CUSTOM_FIELDS:
        return tuple(columns)
    described = getattr(sf, sobject).describe()
    custom = [
        str(f["name"])
        for f in described.get("fields", [])
        if f.get("custom") and f.get("type") not in _UNREADABLE_TYPES
    ]
    return tuple(dict.fromkeys([*columns, *custom]))


def _quoted(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
