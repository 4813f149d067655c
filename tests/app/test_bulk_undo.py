"""Accept all verified / Reject all: a confirmation step first (no JavaScript needed), then an Undo that puts the
plan back as a new version, makes the changes pending again and says so in the audit log; refused, changing
nothing, when the plan moved on since."""

from __future__ import annotations

import re
from typing import Any

import httpx
from fastapi.testclient import TestClient

from app.state import AppState
from tests.app.support import UI_ORIGIN, Keys, draft_row, imported_and_drafted, ui_login, ui_post


def _plan(client: TestClient, keys: Keys, account_id: str) -> dict[str, Any]:
    return client.get(f"/v1/accounts/{account_id}/plan", headers=Keys.header(keys.reviewer)).json()  # type: ignore[no-any-return]


def _bulk(client: TestClient, token: str, draft: dict[str, Any], action: str, **form: str) -> httpx.Response:
    return ui_post(
        client, f"/ui/drafts/{draft['id']}/decisions", token, {"version": str(draft["version"]), "bulk": action, **form}
    )


def _undo_path(page: str) -> str:
    found = re.search(r'action="(/ui/drafts/[^/]+/bulk/[^/]+/undo)"', page)
    assert found, "the draft page offers no Undo"
    return found.group(1)


def _audit(client: TestClient, keys: Keys) -> list[dict[str, Any]]:
    return client.get("/v1/audit-log", params={"limit": 500}, headers=Keys.header(keys.admin)).json()["items"]  # type: ignore[no-any-return]


def test_accept_all_verified_asks_first_then_undo_restores_the_plan_as_a_new_version(
    client: TestClient, keys: Keys, app_state: AppState
) -> None:
    report, draft = imported_and_drafted(client, keys)
    account_id = report["account_id"]
    verified = [c["id"] for c in draft["changes"] if c["verified"]]
    before = _plan(client, keys, account_id)
    token = ui_login(client, keys.reviewer)

    asked = _bulk(client, token, draft, "accept_verified")

    assert asked.url.path == f"/ui/drafts/{draft['id']}/bulk" and "action=accept_verified" in str(asked.url)
    assert f"This accepts {len(verified)} change" in asked.text and 'name="confirmed" value="yes"' in asked.text
    assert all(c.decision is None for c in draft_row(app_state, draft["id"]).changes)  # nothing decided yet

    done = _bulk(client, token, draft, "accept_verified", confirmed="yes")

    assert done.url.path == f"/ui/drafts/{draft['id']}"
    assert f"Saved {len(verified)} decisions: {len(verified)} accepted" in done.text
    bulk_plan = _plan(client, keys, account_id)
    assert bulk_plan["version"] == before["version"] + 1
    assert "“Accept all verified” by acme-sales-reviewer" in done.text

    undone = ui_post(client, _undo_path(done.text), token)

    assert undone.url.path == f"/ui/drafts/{draft['id']}"
    assert f"Undone: {len(verified)} changes are pending again" in undone.text
    after = _plan(client, keys, account_id)
    assert after["version"] == bulk_plan["version"] + 1  # a new version: history is never rewritten
    content = ("stakeholders", "whitespace", "qbr_brief")
    assert [after[k] for k in content] == [before[k] for k in content]
    assert after["created_by"] == "acme-sales-reviewer" and bulk_plan[content[0]] != before[content[0]]
    row = draft_row(app_state, draft["id"])
    assert row.status == "pending_review" and all(c.decision is None for c in row.changes)
    assert 'id="undo-bulk"' not in undone.text  # nothing left to undo
    assert 'type="radio"' in undone.text  # the changes can be decided again
    undo_rows = [a for a in _audit(client, keys) if a["action"] == "undo"]
    assert sorted(a["change_id"] for a in undo_rows) == sorted(verified)
    assert all(a["plan_version"] == after["version"] and "Accept all verified" in a["comment"] for a in undo_rows)
    history = client.get(f"/ui/accounts/{account_id}/plan").text
    assert f"Reverted to v{before['version']}" in history and "undo of “Accept all verified”" in history


def test_bulk_decisions_keep_the_reviewers_own_choices(client: TestClient, keys: Keys, app_state: AppState) -> None:
    _, draft = imported_and_drafted(client, keys)
    own = next(c for c in draft["changes"] if c["verified"])
    token = ui_login(client, keys.reviewer)

    # Without JavaScript: the page's form carries the reviewer's choice; the confirmation step keeps it.
    asked = _bulk(
        client, token, draft, "accept_verified", **{f"action_{own['id']}": "reject", f"comment_{own['id']}": "no"}
    )
    assert "Your own choices stand (1)" in asked.text and "“no”" in asked.text
    _bulk(client, token, draft, "accept_verified", confirmed="yes")

    decided = {c.id: c.decision for c in draft_row(app_state, draft["id"]).changes}
    assert decided[own["id"]] == "reject"
    assert {d for cid, d in decided.items() if cid != own["id"]} <= {"accept", None}


def test_reject_all_is_undone_without_a_plan_version(client: TestClient, keys: Keys, app_state: AppState) -> None:
    report, draft = imported_and_drafted(client, keys)
    token = ui_login(client, keys.reviewer)
    version = _plan(client, keys, report["account_id"])["version"]

    done = _bulk(client, token, draft, "reject_all", confirmed="yes")
    assert draft_row(app_state, draft["id"]).status == "decided"
    undone = ui_post(client, _undo_path(done.text), token)

    assert "pending again" in undone.text and "went back" not in undone.text
    assert _plan(client, keys, report["account_id"])["version"] == version
    assert all(c.decision is None for c in draft_row(app_state, draft["id"]).changes)


def test_undo_is_refused_with_nothing_lost_when_the_plan_changed_after_the_bulk(
    client: TestClient, keys: Keys, app_state: AppState
) -> None:
    report, draft = imported_and_drafted(client, keys)
    account_id = report["account_id"]
    token = ui_login(client, keys.reviewer)
    done = _bulk(client, token, draft, "accept_verified", confirmed="yes")
    undo = _undo_path(done.text)
    # Someone else saves a version after the bulk (here, a revert of the plan from its history).
    current = _plan(client, keys, account_id)["version"]
    ui_post(client, f"/ui/accounts/{account_id}/plan/revert", token, {"to": "1", "seen": str(current)})
    moved = _plan(client, keys, account_id)

    refused = ui_post(client, undo, token)

    assert refused.url.path == f"/ui/drafts/{draft['id']}"
    assert "The plan changed after “Accept all verified”" in refused.text and "Nothing was undone" in refused.text
    assert _plan(client, keys, account_id) == moved
    assert all(c.decision == "accept" for c in draft_row(app_state, draft["id"]).changes if c.decision is not None)
    assert draft_row(app_state, draft["id"]).status == "decided"
    assert not [a for a in _audit(client, keys) if a["action"] == "undo"]


def test_undo_twice_says_it_is_done_already(client: TestClient, keys: Keys) -> None:
    _, draft = imported_and_drafted(client, keys)
    token = ui_login(client, keys.reviewer)
    undo = _undo_path(_bulk(client, token, draft, "reject_all", confirmed="yes").text)
    ui_post(client, undo, token)

    again = ui_post(client, undo, token)

    assert "was undone by acme-sales-reviewer already" in again.text


def test_undo_needs_the_csrf_token_and_the_tenant(
    client: TestClient, keys: Keys, other_keys: Keys, app_state: AppState
) -> None:
    _, draft = imported_and_drafted(client, keys)
    token = ui_login(client, keys.reviewer)
    undo = _undo_path(_bulk(client, token, draft, "reject_all", confirmed="yes").text)
    outsider = TestClient(client.app)
    outsider_token = ui_login(outsider, other_keys.reviewer)

    assert client.post(undo, headers=UI_ORIGIN).status_code == 403
    assert ui_post(outsider, undo, outsider_token).status_code == 404
    assert client.get(f"/ui/drafts/{draft['id']}/bulk", params={"action": "reject_all"}).status_code == 409
    outsider_confirm = outsider.get(f"/ui/drafts/{draft['id']}/bulk", params={"action": "accept_verified"})
    assert outsider_confirm.status_code == 404
    assert all(c.decision == "reject" for c in draft_row(app_state, draft["id"]).changes)


def test_an_unknown_bulk_action_is_a_clear_error(client: TestClient, keys: Keys, app_state: AppState) -> None:
    _, draft = imported_and_drafted(client, keys)
    token = ui_login(client, keys.reviewer)

    refused = _bulk(client, token, draft, "accept_everything", confirmed="yes")
    confirm = client.get(f"/ui/drafts/{draft['id']}/bulk", params={"action": "accept_everything"})

    assert refused.status_code == 422 and "accept_verified, reject_all" in refused.text
    assert confirm.status_code == 422
    assert all(c.decision is None for c in draft_row(app_state, draft["id"]).changes)


def test_a_bulk_confirmed_on_a_draft_decided_in_part_since_asks_again_and_decides_nothing(
    client: TestClient, keys: Keys, app_state: AppState
) -> None:
    _, draft = imported_and_drafted(client, keys)
    token = ui_login(client, keys.reviewer)
    first = draft["changes"][0]
    other = TestClient(client.app)
    ui_post(
        other,
        f"/ui/drafts/{draft['id']}/decisions",
        ui_login(other, keys.admin),
        {"version": str(draft["version"]), f"action_{first['id']}": "reject"},
    )

    stale = _bulk(client, token, draft, "accept_verified", confirmed="yes")

    assert stale.url.path == f"/ui/drafts/{draft['id']}/bulk"
    assert "Someone decided on this draft since you confirmed; check again." in stale.text
    assert f'name="version" value="{draft["version"] + 1}"' in stale.text
    decided = {c.id: c.decision for c in draft_row(app_state, draft["id"]).changes}
    assert decided[first["id"]] == "reject" and [d for d in decided.values() if d] == ["reject"]


def test_undo_is_refused_once_a_newer_draft_replaced_this_one(
    client: TestClient, keys: Keys, app_state: AppState
) -> None:
    from app.drafts.models import DraftChangeRow
    from tests.app.support import wait_for_draft

    report, draft = imported_and_drafted(client, keys)
    held = draft["changes"][0]
    with app_state.sessions() as session, session.begin():  # one change did not verify: the bulk leaves it open
        row = session.get(DraftChangeRow, (draft["id"], held["id"]))
        assert row is not None
        row.issues = [{"code": "quote_not_found", "message": "the quote is not in the source"}]
    token = ui_login(client, keys.reviewer)
    undo = _undo_path(_bulk(client, token, draft, "accept_verified", confirmed="yes").text)
    version = _plan(client, keys, report["account_id"])["version"]
    started = client.post(
        f"/v1/accounts/{report['account_id']}/drafts",
        json={"kind": "stakeholder_map"},
        headers=Keys.header(keys.integration),
    ).json()
    wait_for_draft(client, keys.reviewer, started["id"])
    assert draft_row(app_state, draft["id"]).status == "superseded"

    refused = ui_post(client, undo, token)

    assert "This draft was replaced by a newer one" in refused.text and "nothing was undone" in refused.text
    assert _plan(client, keys, report["account_id"])["version"] == version
    assert [c.decision for c in draft_row(app_state, draft["id"]).changes if c.id != held["id"]] == ["accept"] * (
        len(draft["changes"]) - 1
    )
