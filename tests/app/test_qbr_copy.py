"""What the plan page's "Copy for the customer" copies: the customer-facing brief as HTML and as Markdown, with the
internal-only notes and every raw CRM Id left out (the browser test reads it back from the clipboard)."""

from __future__ import annotations

import re
from html import unescape

from fastapi.testclient import TestClient

from plans.models import QbrBrief
from plans.qbr_export import SALESFORCE_ID, internal_reason
from tests.app.support import DEMO_BUNDLES, Keys, ui_login, upload
from tests.app.test_plan_page import accept_all, draft_of


def _template(page: str, name: str) -> str:
    found = re.search(rf'<template id="{name}">(.*?)</template>', page, flags=re.S)
    assert found, name
    return found.group(1)


def test_the_plan_page_holds_the_customer_facing_brief_to_copy(client: TestClient, keys: Keys) -> None:
    report = upload(client, keys.integration, DEMO_BUNDLES / "meridian-logistics")
    accept_all(client, keys, draft_of(client, keys, report["account_id"], "stakeholder_map"), "ok")
    draft = draft_of(client, keys, report["account_id"], "qbr_brief")
    accept_all(client, keys, draft, "ok")
    brief = QbrBrief.model_validate(draft["changes"][0]["after"])
    plan = client.get(f"/v1/accounts/{report['account_id']}/plan", headers=Keys.header(keys.reviewer)).json()
    people = [s["name"] for s in plan["stakeholders"]]
    internal = [c.text for c in brief.claims() if internal_reason(c, people)]
    shared = [c.text for c in brief.claims() if not internal_reason(c, people)]
    assert internal and shared
    ui_login(client, keys.reviewer)

    page = client.get(f"/ui/accounts/{report['account_id']}/plan").text

    assert '<button type="button" id="copy-brief" hidden>Copy for the customer</button>' in page  # shown by its script
    assert 'role="status" aria-live="polite" id="copy-status"' in page
    html = unescape(_template(page, "brief-copy-html"))
    text = unescape(_template(page, "brief-copy-text"))
    assert html.startswith(f"<h2>{report['name']} — QBR brief</h2>") and "<h3>Risks</h3>" in html
    assert text.startswith(f"<pre># {report['name']} — QBR brief")
    for claim in shared:
        assert " ".join(claim.split()) in html and " ".join(claim.split()) in text
    for claim in internal:
        assert claim not in html and claim not in text
    assert SALESFORCE_ID.findall(html) == [] and SALESFORCE_ID.findall(text) == []
    assert f"{len(internal)} internal-only notes left out" in page
