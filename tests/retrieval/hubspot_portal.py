"""A HubSpot portal in a requests adapter, answering the CRM API calls a pull makes from a bundle's
HubSpot JSON: what `record_hubspot_pull.py` records the pull's cassette against.

GET /crm/v3/objects/companies/{id} returns the company with its associations; the batch reads
return the asked properties only, without associations, as the API does; the v4 deal→contact
batch read returns the labelled associations.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import requests
from requests.adapters import BaseAdapter

from tests.retrieval.fake_http import json_response


class FakePortal(BaseAdapter):
    def __init__(self, bundle: Path) -> None:
        super().__init__()
        crm = bundle / "crm"
        self.objects = {
            kind: {str(r["id"]): r for r in json.loads((crm / f"{kind}.json").read_text(encoding="utf-8"))["results"]}
            for kind in ("companies", "contacts", "deals")
        }
        self.deal_contacts = json.loads((crm / "associations-deal-contact.json").read_text(encoding="utf-8"))

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        path = urlparse(request.url or "").path
        parts = path.strip("/").split("/")
        if request.method == "GET" and parts[:4] == ["crm", "v3", "objects", "companies"]:
            company = self.objects["companies"].get(parts[4])
            return json_response(request, company if company else {"status": "error", "message": "Object not found"},
                                200 if company else 404)  # fmt: skip
        body = json.loads(request.body or b"{}")
        ids = [str(i["id"]) for i in body.get("inputs", [])]
        if parts[:2] == ["crm", "v4"]:
            results = [r for r in self.deal_contacts["results"] if str(r["from"]["id"]) in ids]
            return json_response(request, {"status": "COMPLETE", "results": results})
        kind = parts[3]
        stored = self.objects.get(kind, {})
        results = [
            {"id": i, "properties": {p: stored[i]["properties"].get(p) for p in body.get("properties", [])},
             "createdAt": stored[i].get("createdAt"), "updatedAt": stored[i].get("updatedAt"), "archived": False}
            for i in ids if i in stored
        ]  # fmt: skip
        return json_response(request, {"status": "COMPLETE", "results": results})

    def close(self) -> None:
        pass
