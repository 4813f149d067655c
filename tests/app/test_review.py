"""Review decisions: versions, edits, rejections, conflicts, idempotent draft requests."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.app.support import Keys, imported_and_drafted, upload


def _draft(client: TestClient, keys: Keys) -> tuple[str, dict[str, Any]]:
    report, draft = imported_and_drafted(client, keys)
    return report["account_id"], draft


def _decide(client: TestClient, keys: Keys, draft: dict[str, Any], *decisions: dict[str, Any]) -> Any:
    return client.post(
        f"/v1/drafts/{draft['id']}/decisions",
        json={"version": draft["version"], "decisions": list(decisions)},
        headers=Keys.header(keys.reviewer),
    )


def test_rejecting_every_change_decides_the_draft_without_a_new_plan_version(client: TestClient, keys: Keys) -> None:
    account_id, draft = _draft(client, keys)
    response = _decide(client, keys, draft, *({"change_id": c["id"], "action": "reject"} for c in draft["changes"]))

    assert response.status_code == 200
    assert response.json()["status"] == "decided"
    assert client.get(f"/v1/accounts/{account_id}/plan", headers=Keys.header(keys.reviewer)).json()["version"] == 1
    assert (
        client.get("/v1/drafts", params={"status": "pending_review"}, headers=Keys.header(keys.reviewer)).json()[
            "items"
        ]
        == []
    )


def test_an_edited_change_lands_in_the_plan_as_edited(client: TestClient, keys: Keys) -> None:
    account_id, draft = _draft(client, keys)
    change = next(c for c in draft["changes"] if c["kind"] == "add_stakeholder")
    edited = {**change["after"], "stance": "champion", "title": "Chief Everything Officer"}

    response = _decide(
        client, keys, draft, {"change_id": change["id"], "action": "edit", "after": edited, "comment": "per my call"}
    )

    assert response.status_code == 200, response.text
    plan = client.get(f"/v1/accounts/{account_id}/plan", headers=Keys.header(keys.reviewer)).json()
    person = next(s for s in plan["stakeholders"] if s["key"] == change["after"]["key"])
    assert (person["stance"], person["title"]) == ("champion", "Chief Everything Officer")


def test_an_edit_outside_the_vocabulary_is_refused_and_changes_nothing(client: TestClient, keys: Keys) -> None:
    account_id, draft = _draft(client, keys)
    change = next(c for c in draft["changes"] if c["kind"] == "add_stakeholder")

    response = _decide(
        client,
        keys,
        draft,
        {"change_id": change["id"], "action": "edit", "after": {**change["after"], "stance": "fan"}},
    )

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    again = client.get(f"/v1/drafts/{draft['id']}", headers=Keys.header(keys.reviewer)).json()
    assert again["version"] == draft["version"]
    assert all(c["decision"] is None for c in again["changes"])


def test_a_stale_version_gets_409_and_records_nothing(client: TestClient, keys: Keys) -> None:
    _, draft = _draft(client, keys)
    first, second = draft["changes"][0], draft["changes"][1]
    assert _decide(client, keys, draft, {"change_id": first["id"], "action": "reject"}).status_code == 200

    stale = _decide(client, keys, draft, {"change_id": second["id"], "action": "reject"})

    assert stale.status_code == 409
    assert stale.json()["current_version"] == draft["version"] + 1
    audit = client.get("/v1/audit-log", headers=Keys.header(keys.reviewer)).json()["items"]
    assert [e["change_id"] for e in audit] == [first["id"]]


def test_an_unknown_change_id_is_a_422(client: TestClient, keys: Keys) -> None:
    _, draft = _draft(client, keys)
    response = _decide(client, keys, draft, {"change_id": "chg-nope", "action": "accept"})
    assert response.status_code == 422


def test_a_retried_draft_request_with_the_same_idempotency_key_starts_one_draft(client: TestClient, keys: Keys) -> None:
    report = upload(client, keys.integration)
    headers = {**Keys.header(keys.integration), "Idempotency-Key": "crm-plugin-42"}
    url = f"/v1/accounts/{report['account_id']}/drafts"

    first = client.post(url, json={"kind": "stakeholder_map"}, headers=headers)
    second = client.post(url, json={"kind": "stakeholder_map"}, headers=headers)
    reused = client.post(url, json={"kind": "whitespace"}, headers=headers)

    assert first.status_code == second.status_code == 202
    assert first.json()["id"] == second.json()["id"]
    assert reused.status_code == 422
    client.app.state.planwright.runner.wait_idle()  # type: ignore[attr-defined]


def test_the_queue_pages_with_a_cursor(client: TestClient, keys: Keys) -> None:
    report = upload(client, keys.integration)
    ids = [
        client.post(
            f"/v1/accounts/{report['account_id']}/drafts",
            json={"kind": "stakeholder_map"},
            headers=Keys.header(keys.integration),
        ).json()["id"]
        for _ in range(3)
    ]
    client.app.state.planwright.runner.wait_idle()  # type: ignore[attr-defined]
    seen, cursor = [], None
    while True:
        page = client.get(
            "/v1/drafts",
            params={"limit": 2, **({"cursor": cursor} if cursor else {})},
            headers=Keys.header(keys.reviewer),
        ).json()
        seen += [d["id"] for d in page["items"]]
        if not (cursor := page["next_cursor"]):
            break
    assert seen == ids


def test_an_edit_that_retargets_the_change_is_a_422(client: TestClient, keys: Keys) -> None:
    _, draft = _draft(client, keys)
    change = next(c for c in draft["changes"] if c["kind"] == "add_stakeholder")

    response = _decide(
        client,
        keys,
        draft,
        {"change_id": change["id"], "action": "edit", "after": {**change["after"], "key": "person:someone-else"}},
    )

    assert response.status_code == 422
    assert response.json()["title"] == "Change cannot be applied"


def test_a_draft_measures_recency_from_the_newest_note_or_call(client: TestClient, keys: Keys) -> None:
    _, draft = _draft(client, keys)
    newest_conversation = "2026-03-12"  # the mini bundle's call; its renewal opportunity closes later
    assert draft["as_of"] == newest_conversation


def test_a_retried_decision_with_the_same_idempotency_key_gets_the_first_answer(client: TestClient, keys: Keys) -> None:
    account_id, draft = _draft(client, keys)
    change = next(c for c in draft["changes"] if c["verified"])
    body = {"version": draft["version"], "decisions": [{"change_id": change["id"], "action": "accept"}]}
    headers = {**Keys.header(keys.reviewer), "Idempotency-Key": "review-7"}

    first = client.post(f"/v1/drafts/{draft['id']}/decisions", json=body, headers=headers)
    retry = client.post(f"/v1/drafts/{draft['id']}/decisions", json=body, headers=headers)

    assert first.status_code == retry.status_code == 200
    assert retry.json() == first.json()
    assert client.get(f"/v1/accounts/{account_id}/plan", headers=Keys.header(keys.reviewer)).json()["version"] == 2
    assert len(client.get("/v1/audit-log", headers=Keys.header(keys.reviewer)).json()["items"]) == 1


def test_if_match_must_agree_with_the_body_version(client: TestClient, keys: Keys) -> None:
    _, draft = _draft(client, keys)
    change = draft["changes"][0]
    response = client.post(
        f"/v1/drafts/{draft['id']}/decisions",
        json={"version": draft["version"], "decisions": [{"change_id": change["id"], "action": "reject"}]},
        headers={**Keys.header(keys.reviewer), "If-Match": f'"{draft["version"] + 5}"'},
    )
    assert response.status_code == 409


def test_the_queue_counts_each_drafts_changes_and_what_is_left_to_decide(client: TestClient, keys: Keys) -> None:
    _, draft = _draft(client, keys)
    first = draft["changes"][0]
    _decide(client, keys, draft, {"change_id": first["id"], "action": "reject"})

    (line,) = client.get("/v1/drafts", params={"status": "pending_review"}, headers=Keys.header(keys.reviewer)).json()[
        "items"
    ]

    assert (line["id"], line["change_count"], line["undecided_count"]) == (
        draft["id"], len(draft["changes"]), len(draft["changes"]) - 1
    )  # fmt: skip
