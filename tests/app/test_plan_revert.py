"""Reverting a plan from its history page: a confirmation that says what goes, a new version with the older content,
the decisions it takes back marked in the audit log (and forgotten by the next draft); stale, foreign or bad
requests refused with nothing changed."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from app.drafts import repository
from app.state import AppState
from tests.app.support import UI_ORIGIN, Keys, draft_row, imported_and_drafted, ui_decide, ui_login, ui_post


def _plan(client: TestClient, keys: Keys, account_id: str) -> dict[str, Any]:
    return client.get(f"/v1/accounts/{account_id}/plan", headers=Keys.header(keys.reviewer)).json()  # type: ignore[no-any-return]


def _accepted_twice(client: TestClient, keys: Keys) -> tuple[str, str, list[dict[str, Any]], dict[str, Any]]:
    """Two versions on top of v1, one accepted change each; (account id, CSRF token, the two changes, the draft)."""
    report, draft = imported_and_drafted(client, keys)
    added = [c for c in draft["changes"] if c["verified"] and c["kind"] == "add_stakeholder"][:2]
    assert len(added) == 2
    token = ui_login(client, keys.reviewer)
    ui_decide(client, token, draft, **{added[0]["id"]: "accept"})
    ui_decide(client, token, {**draft, "version": draft["version"] + 1}, **{added[1]["id"]: "accept"})
    assert _plan(client, keys, report["account_id"])["version"] == 3
    return report["account_id"], token, added, draft


def test_a_reviewer_reverts_the_plan_to_an_older_version_after_confirming(
    client: TestClient, keys: Keys, app_state: AppState
) -> None:
    account_id, token, added, draft = _accepted_twice(client, keys)
    history = client.get(f"/ui/accounts/{account_id}/plan").text
    assert f'href="/ui/accounts/{account_id}/plan/revert?to=1"' in history

    asked = client.get(f"/ui/accounts/{account_id}/plan/revert", params={"to": 1})

    assert "saves v4 with v1&#39;s content" in asked.text or "saves v4 with v1's content" in asked.text
    assert f"Removed {added[0]['after']['name']}" in asked.text and f"Removed {added[1]['after']['name']}" in asked.text
    assert _plan(client, keys, account_id)["version"] == 3  # asking changes nothing

    done = ui_post(client, f"/ui/accounts/{account_id}/plan/revert", token, {"to": "1", "seen": "3"})

    assert done.url.path == f"/ui/accounts/{account_id}/plan"
    assert "Reverted: version 4 now holds the content of version 1; 2 decisions marked reverted" in done.text
    plan = _plan(client, keys, account_id)
    v1 = client.get(f"/v1/accounts/{account_id}/plan/versions/1", headers=Keys.header(keys.reviewer)).json()
    assert plan["version"] == 4 and plan["stakeholders"] == v1["stakeholders"]
    for version in (2, 3):  # the versions in between are kept
        kept = client.get(f"/v1/accounts/{account_id}/plan/versions/{version}", headers=Keys.header(keys.reviewer))
        assert kept.status_code == 200
    assert "Reverted to v1" in done.text and f"Removed {added[1]['after']['name']}" in done.text
    audit = client.get("/v1/audit-log", params={"limit": 500}, headers=Keys.header(keys.admin)).json()["items"]
    assert sorted(a["change_id"] for a in audit if a["action"] == "revert") == sorted(c["id"] for c in added)
    assert "reverted" in client.get("/ui/audit").text
    diff = client.get(f"/ui/accounts/{account_id}/plan/diff", params={"from": 3, "to": 4})
    assert diff.status_code == 200 and f"Removed {added[0]['after']['name']}" in diff.text
    # The draft keeps its decisions; the next draft no longer remembers the reverted accepts.
    assert {c.id: c.decision for c in draft_row(app_state, draft["id"]).changes if c.decision} == {
        c["id"]: "accept" for c in added
    }
    with app_state.sessions() as session:
        remembered = repository.account_decisions(session, "acme-sales", account_id)
    assert not [d for d, _ in remembered if d.action in ("accept", "revert")]


def test_a_revert_on_a_plan_that_moved_on_is_refused_and_changes_nothing(client: TestClient, keys: Keys) -> None:
    account_id, token, _, _ = _accepted_twice(client, keys)

    stale = ui_post(client, f"/ui/accounts/{account_id}/plan/revert", token, {"to": "1", "seen": "2"})

    assert "The plan is at version 3 now, not 2" in stale.text and "Nothing was reverted" in stale.text
    assert _plan(client, keys, account_id)["version"] == 3


def test_bad_revert_requests_get_clear_errors(client: TestClient, keys: Keys) -> None:
    account_id, token, _, _ = _accepted_twice(client, keys)
    path = f"/ui/accounts/{account_id}/plan/revert"

    newer = ui_post(client, path, token, {"to": "3", "seen": "3"})
    missing = client.get(path, params={"to": 9})
    current = client.get(path, params={"to": 3})
    garbage = ui_post(client, path, token, {"to": "one", "seen": "3"})

    assert "Version 3 is not older than version 3" in newer.text
    assert missing.status_code == 404 and "Version 9 does not exist" in missing.text
    assert current.status_code == 422
    assert garbage.status_code == 422
    assert _plan(client, keys, account_id)["version"] == 3


def test_a_revert_needs_the_csrf_token_and_the_tenant(client: TestClient, keys: Keys, other_keys: Keys) -> None:
    account_id, _, _, _ = _accepted_twice(client, keys)
    path = f"/ui/accounts/{account_id}/plan/revert"
    outsider = TestClient(client.app)
    outsider_token = ui_login(outsider, other_keys.reviewer)

    assert client.post(path, data={"to": "1", "seen": "3"}, headers=UI_ORIGIN).status_code == 403
    assert ui_post(outsider, path, outsider_token, {"to": "1", "seen": "3"}).status_code == 404
    assert outsider.get(path, params={"to": 1}).status_code == 404
    assert _plan(client, keys, account_id)["version"] == 3
