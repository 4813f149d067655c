"""A Salesforce org in a requests adapter, answering the REST API's query and describe calls from a
bundle's records: what `record_salesforce_pull.py` records the pull's cassette against.

It answers the way the REST API does: `{"totalSize", "done", "records"}` pages of PAGE_SIZE records
with a `nextRecordsUrl` to the rest, records with `attributes.type` and `url`, only the selected
fields, and `describe` listing each field with `custom` set for `__c` ones.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import requests
from requests.adapters import BaseAdapter

from tests.retrieval.fake_http import json_response

API = "/services/data/v59.0"
PAGE_SIZE = 3
LIMITS = {"Sforce-Limit-Info": "api-usage=1/15000"}
_SOQL = re.compile(r"^SELECT (?P<columns>.+?) FROM (?P<sobject>\w+) WHERE (?P<key>\w+) IN \((?P<ids>.*)\)$", re.S)


class FakeOrg(BaseAdapter):
    def __init__(self, bundle: Path) -> None:
        super().__init__()
        self.records: dict[str, list[dict[str, Any]]] = {}
        for path in sorted((bundle / "crm").glob("*.json")):
            for record in json.loads(path.read_text(encoding="utf-8"))["records"]:
                self.records.setdefault(record["attributes"]["type"], []).append(record)
        self.pages: dict[str, list[dict[str, Any]]] = {}

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        url = urlparse(request.url or "")
        if url.path.rstrip("/").endswith("/describe"):
            sobject = url.path.rstrip("/").split("/")[-2]
            names = dict.fromkeys(k for r in self.records.get(sobject, []) for k in r if k != "attributes")
            fields = [{"name": n, "type": "string", "custom": n.endswith("__c")} for n in names]
            return json_response(request, {"name": sobject, "fields": fields}, headers=LIMITS)
        if url.path.startswith(f"{API}/query/") and url.path.rstrip("/") != f"{API}/query":
            locator = url.path.rsplit("/", 1)[-1]
            return self._page(request, locator)
        soql = parse_qs(url.query)["q"][0]
        match = _SOQL.match(soql)
        assert match is not None, soql
        columns = [c.strip() for c in match.group("columns").split(",")]
        wanted = set(re.findall(r"'([^']*)'", match.group("ids")))
        found = [
            {"attributes": {"type": match.group("sobject"),
                            "url": f"{API}/sobjects/{match.group('sobject')}/{r['Id']}"},
             **{c: r.get(c) for c in columns}}
            for r in self.records.get(match.group("sobject"), [])
            if r.get(match.group("key")) in wanted
        ]  # fmt: skip
        locator = f"01gFAKE{len(self.pages):04d}"
        self.pages[locator] = found
        return self._page(request, f"{locator}-0")

    def _page(self, request: requests.PreparedRequest, locator: str) -> requests.Response:
        key, _, offset_text = locator.rpartition("-")
        records, offset = self.pages[key], int(offset_text)
        page = records[offset : offset + PAGE_SIZE]
        body: dict[str, Any] = {"totalSize": len(records), "done": offset + PAGE_SIZE >= len(records), "records": page}
        if not body["done"]:
            body["nextRecordsUrl"] = f"{API}/query/{key}-{offset + PAGE_SIZE}"
        return json_response(request, body, headers=LIMITS)

    def close(self) -> None:
        pass
