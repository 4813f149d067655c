"""The plan page (org chart, whitespace heatmap, citations and decisions, history and diffs), the audit log,
and the QBR brief's exports, through the UI with a session and through the API with a key."""

from __future__ import annotations

import io
import re
from html import unescape
from typing import Any
from urllib.parse import quote

from fastapi.testclient import TestClient
from pptx import Presentation
from pypdf import PdfReader

from app.accounts.models import Account
from app.db import transaction
from app.plans import repository as plan_store
from app.state import AppState
from plans.models import AccountPlan, WhitespaceCell
from plans.qbr_export import SALESFORCE_ID
from plans.totals import dollars, whitespace_totals
from plans.vocabulary import StakeholderStatus
from tests.app.support import DEMO_BUNDLES, Keys, imported_and_drafted, ui_login, upload, wait_for_draft
from tests.plans.factories import make_stakeholder


def accept_all(client: TestClient, keys: Keys, draft: dict[str, Any], comment: str) -> list[dict[str, Any]]:
    """Accept every verified change of the draft through the API, with a comment; the changes accepted."""
    chosen = [c for c in draft["changes"] if c["verified"]]
    decided = client.post(
        f"/v1/drafts/{draft['id']}/decisions",
        json={
            "version": draft["version"],
            "decisions": [{"change_id": c["id"], "action": "accept", "comment": comment} for c in chosen],
        },
        headers=Keys.header(keys.reviewer),
    )
    assert decided.status_code == 200, decided.text
    return chosen


def draft_of(client: TestClient, keys: Keys, account_id: str, kind: str) -> dict[str, Any]:
    started = client.post(
        f"/v1/accounts/{account_id}/drafts", json={"kind": kind}, headers=Keys.header(keys.integration)
    )
    assert started.status_code == 202, started.text
    return wait_for_draft(client, keys.reviewer, started.json()["id"])


def plan_text(client: TestClient, account_id: str, **params: Any) -> str:
    page = client.get(f"/ui/accounts/{account_id}/plan", params=params)
    assert page.status_code == 200, page.text
    return unescape(page.text)


def test_the_plan_page_draws_the_org_chart_and_links_each_person_to_their_decision_and_evidence(
    client: TestClient, keys: Keys
) -> None:
    report, draft = imported_and_drafted(client, keys)
    accepted = accept_all(client, keys, draft, "Checked on the call")
    ui_login(client, keys.reviewer)

    page = plan_text(client, report["account_id"])

    chart = page.split('<svg class="orgchart"', 1)[1].split("</svg>", 1)[0]
    people = [c["after"] for c in accepted if c["kind"] == "add_stakeholder"]
    assert people
    for person in people:
        assert person["name"][:22] in chart  # every accepted person has a box
        assert f"{person['name']}" in page.split('<table class="people">', 1)[1]
    assert chart.count('<g class="person') == len(people)
    assert f'aria-label="Org chart of {len(people)} people' in page
    for word in ("★ Champion", "✖ Detractor", "? Unknown", "strength: bars"):  # colour is never the only cue
        assert word in page
    assert page.count("Accepted by <strong>acme-sales-reviewer</strong>") == len(people)
    assert page.count("“Checked on the call”") == len(people)
    citation = next(c for c in accepted if c["citations"])["citations"][0]
    assert f"/ui/sources/{quote(citation['source_id'], safe='')}?quote=" in page
    assert "Salesforce" not in page.split("<h1>", 1)[1].split("</p>", 1)[0]  # no raw Account Id under the title


def test_someone_reporting_to_a_departed_manager_is_flagged_on_the_plan_page(
    client: TestClient, app_state: AppState, keys: Keys
) -> None:
    report = upload(client, keys.integration)
    boss = make_stakeholder(key="003-boss", name="Tom Gone", status=StakeholderStatus.departed, reports_to=None)
    report_ = make_stakeholder(key="003-left", name="Una Stays", reports_to="Tom Gone")
    loop = [make_stakeholder(key=f"003-c{i}", name=f"Cy {i}", reports_to=f"Cy {(i + 1) % 2}") for i in range(2)]
    with transaction(app_state.sessions) as session:
        plan = AccountPlan(version=2, stakeholders=(boss, report_, *loop))
        plan_store.save(session, report["account_id"], plan, "test", None)
        account = session.get(Account, report["account_id"])
        assert account is not None
        account.plan_version = 2
    ui_login(client, keys.reviewer)

    page = plan_text(client, report["account_id"])

    assert "Una Stays reports to Tom Gone, who has departed: find out who they report to now." in page
    assert "⚠ manager Tom Gone left" in page and "DEPARTED" in page
    assert "Reporting lines form a cycle (Cy 0 → Cy 1 → Cy 0)" in page
    assert 'stroke-dasharray="5 4"' in page  # the line down from a departed manager is dashed


def test_the_whitespace_heatmap_has_a_legend_dollar_totals_and_where_each_figure_came_from(
    client: TestClient, keys: Keys
) -> None:
    report = upload(client, keys.integration, DEMO_BUNDLES / "meridian-logistics")  # its cells carry estimates
    accept_all(client, keys, draft_of(client, keys, report["account_id"], "whitespace"), "Numbers match the order form")
    plan = client.get(f"/v1/accounts/{report['account_id']}/plan", headers=Keys.header(keys.reviewer)).json()
    cells = [WhitespaceCell.model_validate(c) for c in plan["whitespace"]]
    assert cells and any(c.estimated_value for c in cells)
    totals = whitespace_totals(cells)
    ui_login(client, keys.reviewer)

    page = plan_text(client, report["account_id"])

    heatmap = page.split('<table class="heatmap">', 1)[1].split("</table>", 1)[0]
    for product, bucket in totals.by_product.items():
        row = heatmap.split(f'<th scope="row">{product}</th>', 1)[1].split("</tr>", 1)[0]
        assert f"open {dollars(bucket.open)}<br>owned {dollars(bucket.owned)}" in row
    footer = heatmap.split("<tfoot>", 1)[1]
    for bucket in totals.by_unit.values():
        assert f"open {dollars(bucket.open)}<br>owned {dollars(bucket.owned)}" in footer
    assert f"open {dollars(totals.overall.open)}" in footer
    legend = page.split('aria-label="Whitespace legend"', 1)[1].split("</ul>", 1)[0]
    for status, count in totals.counts.items():
        label = status.value.replace("_", " ").capitalize()
        assert label in legend and f": {count} cell" in legend.split(label, 1)[1].split("</li>", 1)[0]
    figures = page.split("Where each figure comes from", 1)[1].split("</details>\n{% else", 1)[0]
    assert figures.count("<tr id=") == len(cells)
    assert figures.count("“Numbers match the order form”") == len(cells)
    assert heatmap.count(">source</a>") == len(cells)


def test_history_says_what_changed_and_any_two_versions_can_be_compared(client: TestClient, keys: Keys) -> None:
    report, draft = imported_and_drafted(client, keys)
    accepted = accept_all(client, keys, draft, "ok")
    cells = accept_all(client, keys, draft_of(client, keys, report["account_id"], "whitespace"), "ok")
    account_id = report["account_id"]
    ui_login(client, keys.reviewer)

    page = plan_text(client, account_id)

    history = page.split('<table class="history">', 1)[1]
    first = next(c["after"] for c in accepted if c["kind"] == "add_stakeholder")
    assert f"Added {first['name']}" in history and "Plan started" in history
    assert re.search(r"× [^<]+: (Whitespace|Owned|Pipeline|Competitor|Not applicable)", history)
    assert f'/ui/accounts/{account_id}/plan/diff?from=2&to=3' in page.replace("&amp;", "&")

    diff = client.get(f"/ui/accounts/{account_id}/plan/diff", params={"from": 3, "to": 1})  # either order
    assert diff.status_code == 200
    text = unescape(diff.text)
    assert "what changed from v1 to v3" in text
    assert f"Added {first['name']}" in text and text.count('<section class="card diff-entry">') == len(accepted + cells)
    assert client.get(f"/ui/accounts/{account_id}/plan/diff", params={"from": 1, "to": 9}).status_code == 404


def test_the_audit_log_pages_through_every_decision_and_plan_version(client: TestClient, keys: Keys) -> None:
    report, draft = imported_and_drafted(client, keys)
    accepted = accept_all(client, keys, draft, "Heard it from their CFO")
    client.post(  # a rejection is in the log too
        f"/v1/drafts/{draft['id']}/decisions",
        json={
            "version": draft["version"] + 1,
            "decisions": [{"change_id": c["id"], "action": "reject"} for c in draft["changes"] if not c["verified"]],
        },
        headers=Keys.header(keys.reviewer),
    )
    ui_login(client, keys.reviewer)
    decisions = len(draft["changes"])
    versions = 2  # the plan as imported, and the accepted map

    rows: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        page = client.get("/ui/audit", params={"limit": 3, **({"cursor": cursor} if cursor else {})})
        assert page.status_code == 200
        text = unescape(page.text)
        rows += re.findall(r'<tr class="audit-(decision|version)">', text)
        pages += 1
        found = re.search(r'href="/ui/audit\?cursor=([^"]+)"', page.text)
        if not found:
            break
        cursor = unescape(found.group(1)).replace("%7C", "|").replace("%3A", ":").replace("%2B", "+")
    assert rows.count("decision") == decisions and rows.count("version") == versions
    assert pages == -(-(decisions + versions) // 3)
    everything = unescape(client.get("/ui/audit", params={"limit": 200}).text)
    assert "Heard it from their CFO" in everything and "plan v2 saved" in everything
    assert f"Added {accepted[0]['after']['name']}" in everything or accepted[0]["kind"] != "add_stakeholder"
    assert client.get("/ui/audit", params={"cursor": "nonsense"}).status_code == 400


def test_the_qbr_brief_exports_as_markdown_pdf_and_powerpoint_without_crm_ids(
    client: TestClient, keys: Keys, other_keys: Keys
) -> None:
    reviewer = Keys.header(keys.reviewer)
    report, draft = imported_and_drafted(client, keys, "qbr_brief")
    account_id = report["account_id"]
    assert client.get(f"/v1/accounts/{account_id}/qbr.pdf", headers=reviewer).status_code == 404  # no brief yet
    (change,) = accept_all(client, keys, draft, "Ready for the QBR")
    external_id = client.get(f"/v1/accounts/{account_id}", headers=reviewer).json()["external_id"]

    md = client.get(f"/v1/accounts/{account_id}/qbr.md", headers=reviewer)
    pdf = client.get(f"/v1/accounts/{account_id}/qbr.pdf", headers=reviewer)
    pptx = client.get(f"/v1/accounts/{account_id}/qbr.pptx", headers=reviewer)
    internal = client.get(f"/v1/accounts/{account_id}/qbr.md", params={"audience": "internal"}, headers=reviewer)

    assert [r.status_code for r in (md, pdf, pptx, internal)] == [200, 200, 200, 200]
    assert md.headers["content-type"].startswith("text/markdown") and pdf.headers["content-type"] == "application/pdf"
    assert pptx.headers["content-type"].endswith("presentationml.presentation")
    assert pdf.headers["content-disposition"].startswith('attachment; filename="')
    assert external_id not in pdf.headers["content-disposition"] and "-v2.pdf" in pdf.headers["content-disposition"]
    assert md.text.startswith(f"# {report['name']} — QBR brief\n") and md.text.count("\n# ") == 0
    pdf_text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf.content)).pages)
    deck = Presentation(io.BytesIO(pptx.content))
    deck_text = "\n".join(s.text_frame.text for slide in deck.slides for s in slide.shapes if s.has_text_frame)
    for text in (md.text, pdf_text, deck_text, internal.text):
        assert not SALESFORCE_ID.search(text), SALESFORCE_ID.search(text)
        assert external_id not in text
    first = change["after"]["summary"][0]["text"]
    assert " ".join(first.split()[:6]) in pdf_text and first in deck_text and first in md.text
    assert [slide.shapes.title.text for slide in deck.slides][:2] == [f"{report['name']} — QBR brief", "Summary"]
    for heading in ("Summary", "Value delivered", "Relationship changes", "Risks", "Asks and next steps", "Sources"):
        assert heading in pdf_text and f"## {heading}" in md.text
    assert len(internal.text) >= len(md.text) - 200 and "(internal-facing" not in internal.text

    ui_login(client, keys.reviewer)
    page = client.get(f"/ui/accounts/{account_id}/plan").text
    brief = unescape(page.split('<h2 id="qbr">', 1)[1].split('<h2 id="history">', 1)[0])
    claims = [claim for section in change["after"].values() if isinstance(section, list) for claim in section]
    cited = [claim for claim in claims if claim["citations"]]
    assert all(claim["text"] in brief for claim in claims)
    assert brief.count('<details class="why"><summary>') == len(cited) + 1  # a claim's sources, and who accepted it
    assert f"/ui/sources/{quote(cited[0]['citations'][0]['source_id'], safe='')}?quote=" in brief
    assert re.search(r"\d+ internal-only notes? (is|are) left out of the customer-facing downloads", brief)
    for fmt in ("pdf", "pptx", "md"):
        assert f'href="/ui/accounts/{account_id}/plan/qbr.{fmt}?version=2"' in page
        assert f'href="/ui/accounts/{account_id}/plan/qbr.{fmt}?version=2&amp;audience=internal"' in page
    from_ui = client.get(f"/ui/accounts/{account_id}/plan/qbr.pdf", params={"version": 2})
    assert from_ui.status_code == 200 and from_ui.content[:5] == b"%PDF-"
    assert client.get(f"/v1/accounts/{account_id}/qbr.pdf", headers=Keys.header(other_keys.reviewer)).status_code == 404
    assert client.get(f"/v1/accounts/{account_id}/qbr.docx", headers=reviewer).status_code in (404, 422)


def test_a_map_of_45_people_stays_within_the_page_and_badges_the_one_added_since(
    client: TestClient, app_state: AppState, keys: Keys
) -> None:
    report = upload(client, keys.integration)
    people = [make_stakeholder(key=f"003-root-{r}", name=f"Root {r}", reports_to=None) for r in range(4)]
    people += [make_stakeholder(key=f"003-p{i}", name=f"Person {i:02}", reports_to=f"Root {i % 4}") for i in range(40)]
    newcomer = make_stakeholder(key="003-new", name="Nina Newcomer", reports_to="Root 0")
    with transaction(app_state.sessions) as session:
        plan_store.save(session, report["account_id"], AccountPlan(version=2, stakeholders=tuple(people)), "t", None)
        later = AccountPlan(version=3, stakeholders=(*people, newcomer))
        plan_store.save(session, report["account_id"], later, "t", None)
        account = session.get(Account, report["account_id"])
        assert account is not None
        account.plan_version = 3
    ui_login(client, keys.reviewer)

    page = plan_text(client, report["account_id"])

    chart = page.split('<svg class="orgchart"', 1)[1].split("</svg>", 1)[0]
    assert chart.count('<g class="person') == 45
    width = int(re.search(r'width="(\d+)"', chart).group(1))  # type: ignore[union-attr]
    assert width <= 1040
    assert chart.count(">NEW</text>") == 1
    assert "Nina Newcomer, CTO — economic buyer, supporter, strength strong, new; reports to Root 0" in chart
    assert "Added Nina Newcomer (CTO)" in page.split('<table class="history">', 1)[1]
