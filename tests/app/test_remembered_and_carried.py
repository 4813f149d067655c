"""Decisions remembered by the next draft, and no lost work when reviewers overlap or a draft is superseded."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient

from app.drafts import service
from app.state import AppState
from tests.app.support import MINI_BUNDLE, Keys, draft_row, imported_and_drafted, ui_decide, ui_login, wait_for_draft


def _redraft(client: TestClient, keys: Keys, account_id: str, kind: str = "stakeholder_map") -> dict[str, Any]:
    headers = Keys.header(keys.integration)
    started = client.post(f"/v1/accounts/{account_id}/drafts", json={"kind": kind}, headers=headers)
    assert started.status_code == 202, started.text
    return wait_for_draft(client, keys.reviewer, started.json()["id"])


def _decide(client: TestClient, keys: Keys, draft: dict[str, Any], *decisions: dict[str, Any], **extra: Any) -> Any:
    return client.post(
        f"/v1/drafts/{draft['id']}/decisions",
        json={"version": draft["version"], "decisions": list(decisions), **extra},
        headers=Keys.header(keys.reviewer),
    )


def _reject(client: TestClient, keys: Keys, draft: dict[str, Any], change_id: str, comment: str) -> None:
    decided = _decide(client, keys, draft, {"change_id": change_id, "action": "reject", "comment": comment})
    assert decided.status_code == 200, decided.text


def test_a_rejected_change_is_not_proposed_by_the_next_draft(client: TestClient, keys: Keys) -> None:
    report, draft = imported_and_drafted(client, keys)
    added = next(c for c in draft["changes"] if c["kind"] == "add_stakeholder")
    _reject(client, keys, draft, added["id"], "not ours")

    again = _redraft(client, keys, report["account_id"])

    assert added["target"] not in {c["target"] for c in again["changes"]}
    assert {c["target"] for c in again["changes"]} == {c["target"] for c in draft["changes"]} - {added["target"]}
    assert any("Not proposed again" in w for w in again["warnings"])


def test_newer_evidence_proposes_a_rejected_person_again_with_the_conflict_note(client: TestClient, keys: Keys) -> None:
    report, draft = imported_and_drafted(client, keys)
    added = next(c for c in draft["changes"] if c["kind"] == "add_stakeholder")
    _reject(client, keys, draft, added["id"], "she left in May")
    contacts = json.loads((MINI_BUNDLE / "crm" / "contacts.json").read_text())["records"]
    contact = next(r for r in contacts if r["Id"] == added["after"]["key"])  # the CRM record the change cites
    newer = {**contact, "Title": "Chief Revenue Officer"}
    pushed = client.post(
        f"/v1/accounts/{report['account_id']}/records", json={"records": [newer]}, headers=Keys.header(keys.integration)
    )
    assert pushed.status_code == 200, pushed.text

    again = _redraft(client, keys, report["account_id"])

    back = next(c for c in again["changes"] if c["target"] == added["target"])
    [conflict] = back["conflicts"]
    assert conflict["action"] == "reject" and conflict["comment"] == "she left in May"
    assert conflict["message"].startswith("conflicts with your decision of ")
    assert conflict["message"].endswith(f"(rejected by {conflict['actor']}: 'she left in May')")


def test_a_stale_decision_applies_what_nobody_decided_and_returns_the_overlap(client: TestClient, keys: Keys) -> None:
    _, draft = imported_and_drafted(client, keys)
    first, second = draft["changes"][0], draft["changes"][1]
    _reject(client, keys, draft, first["id"], "mine first")

    late = _decide(
        client, keys, draft,
        {"change_id": first["id"], "action": "accept", "comment": "looks right"},
        {"change_id": second["id"], "action": "reject", "comment": "wrong person"},
        on_stale="apply_undecided",
    )  # fmt: skip

    assert late.status_code == 200, late.text
    body = late.json()
    [overlap] = body["overlap"]
    assert (overlap["change_id"], overlap["action"], overlap["comment"]) == (first["id"], "reject", "mine first")
    assert overlap["yours"] == {"change_id": first["id"], "action": "accept", "after": None, "comment": "looks right"}
    changes = {c["id"]: c for c in body["changes"]}
    assert changes[second["id"]]["decision"] == "reject"
    assert changes[first["id"]]["decision"] == "reject"  # the first reviewer's decision stands
    assert (changes[first["id"]]["choice"], changes[first["id"]]["choice_comment"]) == ("accept", "looks right")


def test_a_superseded_draft_hands_its_saved_edits_and_choices_to_its_successor(
    client: TestClient, keys: Keys, app_state: AppState
) -> None:
    report, draft = imported_and_drafted(client, keys)
    edited, chosen = draft["changes"][0], draft["changes"][1]
    with app_state.sessions() as session, session.begin():
        after = {**edited["after"], "stance": "supporter"}
        service.save_edit(session, "acme-sales", "Dana", draft["id"], edited["id"], draft["version"], after)
    token = ui_login(client, keys.reviewer)
    page = client.get(f"/ui/drafts/{draft['id']}")
    assert page.status_code == 200

    newer = _redraft(client, keys, report["account_id"])
    old = client.get(f"/v1/drafts/{draft['id']}", headers=Keys.header(keys.reviewer)).json()
    assert (old["status"], old["superseded_by"]) == ("superseded", newer["id"])
    assert draft_row(app_state, newer["id"]).changes[0].edited_after is not None

    sent = ui_decide(client, token, {**draft, "version": draft["version"] + 1}, **{chosen["id"]: "reject"})

    assert sent.url.path == f"/ui/drafts/{newer['id']}"
    assert "your 1 choice was carried over" in sent.text
    row = next(r for r in draft_row(app_state, newer["id"]).changes if r.id == chosen["id"])
    assert (row.choice, row.carried_from, row.decision) == ("reject", draft["id"], None)
    assert f'name="action_{chosen["id"]}" value="reject" checked' in sent.text
