"""Editing a change on the review page: a form of the change's fields with the plans/ vocabulary and a
reports-to picker; bad input comes back announced with what was typed; the card shows the edit, marked,
and accepting applies it. Errors on UI pages are HTML pages, while /v1 keeps problem+json."""

from __future__ import annotations

import re
from typing import Any

import httpx
from fastapi.testclient import TestClient

from app.state import AppState
from plans.render import format_value
from plans.vocabulary import BuyingRole, Stance
from tests.app.support import Keys, draft_row, imported_and_drafted, ui_decide, ui_login, ui_post


def _stakeholder_change(draft: dict[str, Any]) -> dict[str, Any]:
    return next(c for c in draft["changes"] if c["verified"] and c["kind"] == "add_stakeholder")


def _edit_path(draft: dict[str, Any], change: dict[str, Any]) -> str:
    return f"/ui/drafts/{draft['id']}/changes/{change['id']}/edit"


def _form(after: dict[str, Any], version: int, **changes: str) -> dict[str, str]:
    """The edit form as the page fills it, with `changes` typed over it."""
    fields = ("name", "title", "department", "email", "reports_to", "buying_role", "stance", "strength", "status")
    values = {name: "" if after.get(name) is None else str(after[name]) for name in (*fields, "last_contact")}
    return {**values, "version": str(version), **changes}


def _card(page: str, change_id: str) -> str:
    return page.split(f'data-change="{change_id}"')[1].split("</section>")[0]


def _version(client: TestClient, keys: Keys, draft_id: str) -> int:
    return int(client.get(f"/v1/drafts/{draft_id}", headers=Keys.header(keys.reviewer)).json()["version"])


def test_the_edit_form_offers_the_vocabulary_and_the_accounts_people(client: TestClient, keys: Keys) -> None:
    _report, draft = imported_and_drafted(client, keys)
    change = _stakeholder_change(draft)
    ui_login(client, keys.reviewer)

    review = client.get(f"/ui/drafts/{draft['id']}").text
    assert f'href="{_edit_path(draft, change)}"' in review
    page = client.get(_edit_path(draft, change))

    assert page.status_code == 200
    stance = page.text.split('name="stance"')[1].split("</select>")[0]
    assert re.findall(r'<option value="([a-z_]+)"', stance) == [s.value for s in Stance]
    assert f'value="{change["after"]["stance"]}" selected' in stance
    role = page.text.split('name="buying_role"')[1].split("</select>")[0]
    assert re.findall(r'<option value="([a-z_]+)"', role) == [r.value for r in BuyingRole]
    assert format_value(BuyingRole.economic_buyer) in role
    picker = page.text.split('name="reports_to"')[1].split("</select>")[0]
    people = {c["after"]["name"] for c in draft["changes"] if c["after"] and "name" in c["after"]}
    assert {p for p in people if p != change["after"]["name"]} <= set(re.findall(r'<option value="([^"]+)"', picker))
    assert f'value="{change["after"]["name"]}"' not in picker  # nobody reports to themselves
    assert '<label for="f-stance">' in page.text and 'id="f-stance"' in page.text


def test_an_edited_change_shows_its_edit_and_accepting_applies_it(
    client: TestClient, keys: Keys, app_state: AppState
) -> None:
    report, draft = imported_and_drafted(client, keys)
    change = _stakeholder_change(draft)
    manager = next(c["after"]["name"] for c in draft["changes"] if c["id"] != change["id"] and c["after"])
    token = ui_login(client, keys.reviewer)
    assert change["after"]["stance"] != "detractor"

    form = _form(
        change["after"], draft["version"], stance="detractor", title="Chief Digital Officer", reports_to=manager
    )
    saved = ui_post(client, _edit_path(draft, change), token, form)

    assert saved.status_code == 200 and saved.url.path == f"/ui/drafts/{draft['id']}"
    card = _card(saved.text, change["id"])
    assert "Detractor" in card and "Chief Digital Officer" in card and manager in card
    assert card.count('class="pill edited">edited</span>') == 4  # the card's marker and three edited fields
    assert f"drafted: {format_value(Stance(change['after']['stance']))}" in card
    assert "Edited by <strong>acme-sales-reviewer</strong>" in card and "Accept as edited" in card
    row = next(r for r in draft_row(app_state, draft["id"]).changes if r.id == change["id"])
    assert row.edited_after is not None and row.edited_after["stance"] == "detractor" and row.decision is None

    decided = ui_decide(client, token, {**draft, "version": draft["version"] + 1}, **{change["id"]: "accept"})

    assert decided.url.path == f"/ui/drafts/{draft['id']}"
    plan = client.get(f"/v1/accounts/{report['account_id']}/plan", headers=Keys.header(keys.reviewer)).json()
    person = next(s for s in plan["stakeholders"] if s["name"] == change["after"]["name"])
    assert (person["stance"], person["title"], person["reports_to"]) == ("detractor", "Chief Digital Officer", manager)
    card = _card(client.get(f"/ui/drafts/{draft['id']}").text, change["id"])
    assert 'class="pill edit">edited</span>' in card and "Edited and accepted by <strong>acme-sales-reviewer" in card
    assert "Detractor" in card
    audit = client.get("/v1/audit-log", headers=Keys.header(keys.admin)).json()["items"]
    assert [(a["change_id"], a["action"], a["after"]["stance"]) for a in audit] == [(change["id"], "edit", "detractor")]


def test_invalid_input_comes_back_announced_with_what_was_typed(
    client: TestClient, keys: Keys, app_state: AppState
) -> None:
    _report, draft = imported_and_drafted(client, keys)
    change = _stakeholder_change(draft)
    token = ui_login(client, keys.reviewer)

    typed = {
        "name": "",
        "stance": "lukewarm",
        "last_contact": "last Tuesday",
        "reports_to": "Someone Invented",
        "title": "Head of <Everything>",
    }
    page = ui_post(client, _edit_path(draft, change), token, _form(change["after"], draft["version"], **typed))

    assert page.status_code == 422
    alert = page.text.split('role="alert"')[1].split("</div>\n</div>")[0]
    assert 'aria-live="assertive"' in page.text.split('role="alert"')[0][-80:] + page.text.split('role="alert"')[1][:40]
    assert "4 fields to fix" in alert
    for field, message in (
        ("name", "required"),
        ("stance", "choose one of the listed values"),
        ("last_contact", "use a date like 2026-03-31"),
        ("reports_to", "choose one of the account&#39;s people from the list"),
    ):
        assert f'href="#f-{field}"' in alert and message in alert
        assert f'id="f-{field}" name="{field}"' in page.text
        assert re.search(rf'id="f-{field}"[^>]*aria-invalid="true" aria-describedby="e-{field}"', page.text)
    assert 'value="last Tuesday"' in page.text and 'value="Head of &lt;Everything&gt;"' in page.text
    assert 'value="" selected>— choose —' in page.text.split('name="stance"')[1].split("</select>")[0]
    row = next(r for r in draft_row(app_state, draft["id"]).changes if r.id == change["id"])
    assert row.edited_after is None and _version(client, keys, draft["id"]) == draft["version"]


def test_a_stale_edit_form_keeps_what_was_typed(client: TestClient, keys: Keys) -> None:
    _report, draft = imported_and_drafted(client, keys)
    change = _stakeholder_change(draft)
    other = next(c for c in draft["changes"] if c["id"] != change["id"])
    token = ui_login(client, keys.reviewer)
    ui_decide(client, token, draft, **{other["id"]: "reject"})  # someone decided meanwhile: version moved on

    page = ui_post(client, _edit_path(draft, change), token, _form(change["after"], draft["version"], title="CEO"))

    assert page.status_code == 409
    assert "Reload it" in page.text and "Your edit is below, not saved." in page.text
    assert 'value="CEO"' in page.text and f'name="version" value="{draft["version"] + 1}"' in page.text


def test_discarding_an_edit_shows_the_drafted_value_again(client: TestClient, keys: Keys) -> None:
    _report, draft = imported_and_drafted(client, keys)
    change = _stakeholder_change(draft)
    token = ui_login(client, keys.reviewer)
    ui_post(client, _edit_path(draft, change), token, _form(change["after"], draft["version"], title="CEO"))
    assert "Discard my edit" in client.get(_edit_path(draft, change)).text

    page = ui_post(client, _edit_path(draft, change), token, {"version": str(draft["version"] + 1), "discard": "1"})

    card = _card(page.text, change["id"])
    assert "edited" not in card and "CEO" not in card and "Accept as edited" not in card


def test_a_whitespace_cell_is_edited_with_the_cell_vocabulary(client: TestClient, keys: Keys) -> None:
    report, draft = imported_and_drafted(client, keys, "whitespace")
    change = draft["changes"][0]
    token = ui_login(client, keys.reviewer)
    page = client.get(_edit_path(draft, change)).text
    assert "<strong>Product:</strong> " + change["after"]["product"] in page.replace("&amp;", "&")
    assert 'name="product"' not in page  # the cell is the change's target: not editable

    base = {"version": str(draft["version"]), "status": "competitor", "competitor": "", "note": ""}
    bad = ui_post(client, _edit_path(draft, change), token, {**base, "estimated_value": "-5"})
    assert bad.status_code == 422 and "use a number of zero or more" in bad.text
    good = {**base, "estimated_value": "120000", "competitor": "Globex", "note": "Lost in Q1.\nRenewal 2027."}
    saved = ui_post(client, _edit_path(draft, change), token, good)
    assert saved.status_code == 200
    ui_decide(client, token, {**draft, "version": draft["version"] + 1}, **{change["id"]: "accept"})

    plan = client.get(f"/v1/accounts/{report['account_id']}/plan", headers=Keys.header(keys.reviewer)).json()
    cell = next(
        c
        for c in plan["whitespace"]
        if (c["product"], c["unit"]) == (change["after"]["product"], change["after"]["unit"])
    )
    assert (cell["status"], cell["competitor"], cell["estimated_value"]) == ("competitor", "Globex", 120000.0)
    assert cell["note"] == "Lost in Q1.\nRenewal 2027."


def test_a_qbr_brief_or_a_decided_change_has_no_edit_form(client: TestClient, keys: Keys) -> None:
    _report, draft = imported_and_drafted(client, keys, "qbr_brief")
    change = draft["changes"][0]
    token = ui_login(client, keys.reviewer)
    assert "/edit" not in client.get(f"/ui/drafts/{draft['id']}").text

    qbr = client.get(_edit_path(draft, change))
    assert qbr.status_code == 422 and "text/html" in qbr.headers["content-type"]
    ui_decide(client, token, draft, **{change["id"]: "reject"})
    decided = client.get(_edit_path(draft, change))
    assert decided.status_code == 409 and "<h1>Already decided</h1>" in decided.text


def test_ui_errors_are_html_pages_while_the_api_keeps_problem_json(client: TestClient, keys: Keys) -> None:
    ui_login(client, keys.reviewer)

    def check(response: httpx.Response, status: int, text: str) -> None:
        assert response.status_code == status
        assert response.headers["content-type"].startswith("text/html")
        assert "<!doctype html>" in response.text and f"<h1>{text}</h1>" in response.text
        assert '<a href="/ui">← Review queue</a>' in response.text and "request id " in response.text

    check(client.get("/ui/drafts/drf_nope"), 404, "Draft not found")
    assert "No draft &#39;drf_nope&#39; in this tenant." in client.get("/ui/drafts/drf_nope").text
    check(client.get("/ui/no-such-page"), 404, "Not found")
    check(client.get("/ui/accounts/x/plan", params={"version": "abc"}), 422, "Invalid request")
    api = client.get("/v1/drafts/drf_nope", headers=Keys.header(keys.reviewer))
    assert api.status_code == 404 and api.headers["content-type"] == "application/problem+json"
    assert api.json()["detail"] == "No draft 'drf_nope' in this tenant."
