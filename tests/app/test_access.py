"""Keys, roles and tenants: every read and write is scoped to the caller's tenant."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.app.support import Keys, upload


def test_requests_without_a_key_get_a_problem_document(client: TestClient) -> None:
    response = client.get("/v1/accounts")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["title"] == "Unauthorized"


def test_an_unknown_key_is_refused(client: TestClient) -> None:
    assert client.get("/v1/accounts", headers=Keys.header("pw_not-a-key")).status_code == 401


def test_an_integration_key_cannot_decide(client: TestClient, keys: Keys) -> None:
    response = client.post(
        "/v1/drafts/drf_missing/decisions",
        json={"version": 1, "decisions": [{"change_id": "x", "action": "accept"}]},
        headers=Keys.header(keys.integration),
    )
    assert response.status_code == 403


def test_a_reviewer_key_cannot_import(client: TestClient, keys: Keys) -> None:
    response = client.post(
        "/v1/import", headers=Keys.header(keys.reviewer), files={"bundle": ("b.zip", b"PK", "application/zip")}
    )
    assert response.status_code == 403


def test_another_tenant_sees_none_of_the_account(client: TestClient, keys: Keys, other_keys: Keys) -> None:
    report = upload(client, keys.integration)
    other = Keys.header(other_keys.admin)

    assert client.get("/v1/accounts", headers=other).json()["items"] == []
    assert client.get(f"/v1/accounts/{report['account_id']}/plan", headers=other).status_code == 404
    assert (
        client.get(f"/v1/accounts/{report['account_id']}/search", params={"q": "renewal"}, headers=other).status_code
        == 404
    )
    some_source = client.get(
        f"/v1/accounts/{report['account_id']}/search", params={"q": "renewal"}, headers=Keys.header(keys.reviewer)
    ).json()["hits"][0]["source_id"]
    assert client.get(f"/v1/sources/{some_source}", headers=other).status_code == 404
    draft = client.post(f"/v1/accounts/{report['account_id']}/drafts", json={"kind": "stakeholder_map"}, headers=other)
    assert draft.status_code == 404


def test_the_same_bundle_can_live_in_two_tenants(client: TestClient, keys: Keys, other_keys: Keys) -> None:
    mine = upload(client, keys.integration)
    theirs = upload(client, other_keys.integration)
    assert mine["account_created"] and theirs["account_created"]
    assert mine["account_id"] != theirs["account_id"]
    assert theirs["sources"]["added"] == mine["sources"]["added"]
