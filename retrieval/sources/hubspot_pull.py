"""Pulling one company from a live HubSpot portal into a bundle folder, in the CRM API's own shapes.

`pull_company` reads the company and its child companies (five levels down) with their
associations, batch-reads their contacts, deals and engagements (notes, calls, emails,
meetings, tasks), reads the deals' contacts with their association labels (v4), and writes
`crm/companies.json`, `contacts.json`, `deals.json`, … as the API's own `{"results": [...]}`
bodies, each record carrying the association to its company. The folder then imports like any
bundle (`retrieval.sources.hubspot`), so a pull and an export are read by the same code.
Plain REST over `requests` with a private-app token: no SDK needed for five endpoints.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

API = "https://api.hubapi.com"
MAX_DEPTH = 5
BATCH = 100
PROPERTIES: dict[str, list[str]] = {
    "companies": ["name", "domain", "industry", "hs_parent_company_id"],
    "contacts": ["firstname", "lastname", "jobtitle", "email", "hs_buying_role", "employment_status"],
    "deals": ["dealname", "dealstage", "amount", "closedate", "hs_is_closed", "hs_is_closed_won", "pipeline"],
    "notes": ["hs_timestamp", "hs_note_body"],
    "calls": ["hs_timestamp", "hs_call_title", "hs_call_body"],
    "emails": ["hs_timestamp", "hs_email_subject", "hs_email_text"],
    "meetings": ["hs_timestamp", "hs_meeting_title", "hs_meeting_body", "hs_meeting_start_time"],
    "tasks": ["hs_timestamp", "hs_task_subject", "hs_task_body", "hs_task_status"],
}
RELATED = ("contacts", "deals", "notes", "calls", "emails", "meetings", "tasks")


class HubSpotPullError(Exception):
    """The company cannot be pulled (it does not exist, or the portal refused a call)."""


@dataclass
class HubSpotPull:
    company_id: str
    folder: Path
    records: dict[str, int] = field(default_factory=dict)


def pull_company(session: requests.Session, token: str, company_id: str, folder: Path, api: str = API) -> HubSpotPull:
    """Write the company's tree and related records under `folder`/crm; what was pulled, by object."""
    client = _Client(session, token, api)
    companies = [client.company(company_id)]
    level = [company_id]
    for _ in range(MAX_DEPTH):
        children = [
            str(a["id"])
            for parent in companies
            if str(parent["id"]) in level
            for a in _associations(parent, "companies")
            if "parent_to_child" in str(a.get("type"))
        ]
        if not children:
            break
        companies += [client.company(child) for child in dict.fromkeys(children)]
        level = children
    owner: dict[str, dict[str, str]] = {kind: {} for kind in RELATED}  # related id → its company
    for company in companies:
        for kind in RELATED:
            for association in _associations(company, kind):
                owner[kind].setdefault(str(association["id"]), str(company["id"]))
    pulled: dict[str, list[dict[str, Any]]] = {"companies": companies}
    for kind in RELATED:
        records = client.batch_read(kind, list(owner[kind]))
        for record in records:
            of = owner[kind][str(record["id"])]
            record["associations"] = {"companies": {"results": [{"id": of, "type": f"{kind[:-1]}_to_company"}]}}
        pulled[kind] = records
    crm = folder / "crm"
    crm.mkdir(parents=True, exist_ok=True)
    for kind, records in pulled.items():
        if records:
            _write(crm / f"{kind}.json", {"results": records})
    deals = [str(d["id"]) for d in pulled["deals"]]
    if deals:
        _write(crm / "associations-deal-contact.json", client.deal_contacts(deals))
    return HubSpotPull(company_id, folder, {kind: len(records) for kind, records in pulled.items()})


class _Client:
    def __init__(self, session: requests.Session, token: str, api: str) -> None:
        self.session, self.api = session, api.rstrip("/")
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def company(self, company_id: str) -> dict[str, Any]:
        params = {"properties": ",".join(PROPERTIES["companies"]), "associations": ",".join(("companies", *RELATED))}
        return self._call("GET", f"/crm/v3/objects/companies/{company_id}", params=params)

    def batch_read(self, kind: str, ids: list[str]) -> list[dict[str, Any]]:
        results: list[dict[str, Any]] = []
        for start in range(0, len(ids), BATCH):
            body = {"inputs": [{"id": i} for i in ids[start : start + BATCH]], "properties": PROPERTIES[kind]}
            results += self._call("POST", f"/crm/v3/objects/{kind}/batch/read", body=body).get("results", [])
        return results

    def deal_contacts(self, deals: list[str]) -> dict[str, Any]:
        results: list[Any] = []
        for start in range(0, len(deals), BATCH):
            body = {"inputs": [{"id": i} for i in deals[start : start + BATCH]]}
            results += self._call("POST", "/crm/v4/associations/deals/contacts/batch/read", body=body)["results"]
        return {"status": "COMPLETE", "results": results}

    def _call(self, method: str, path: str, params: dict[str, str] | None = None, body: Any = None) -> Any:
        response = self.session.request(
            method, self.api + path, params=params, data=json.dumps(body) if body is not None else None,
            headers=self.headers, timeout=60,
        )  # fmt: skip
        if response.status_code == 404:
            raise HubSpotPullError(f"not found: {path}")
        if response.status_code >= 400:
            raise HubSpotPullError(f"HubSpot answered {response.status_code} to {method} {path}: {response.text[:200]}")
        return response.json()


def _associations(record: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return list(((record.get("associations") or {}).get(kind) or {}).get("results") or [])


def _write(path: Path, body: Any) -> None:
    path.write_text(json.dumps(body, indent=2, ensure_ascii=False), encoding="utf-8")
