"""The walking skeleton through the HTTP API: import → draft → accept → plan v2 → audit log."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.app.support import Keys, upload, wait_for_draft


def test_an_accepted_stakeholder_change_reaches_the_plan_at_version_2(client: TestClient, keys: Keys) -> None:
    plugin, reviewer = Keys.header(keys.integration), Keys.header(keys.reviewer)

    report = upload(client, keys.integration)
    assert report["account_created"] is True
    assert report["sources"]["added"] > 0 and report["chunks_embedded"] > 0

    accounts = client.get("/v1/accounts", headers=plugin).json()["items"]
    assert [a["external_id"] for a in accounts] == [report["external_id"]]
    account = accounts[0]
    assert account["plan_version"] == 1

    started = client.post(f"/v1/accounts/{account['id']}/drafts", json={"kind": "stakeholder_map"}, headers=plugin)
    assert started.status_code == 202
    assert started.json()["status"] == "running"
    draft = wait_for_draft(client, keys.reviewer, started.json()["id"])
    assert draft["status"] == "pending_review", draft.get("error")
    assert draft["engine"] == "offline"

    queue = client.get("/v1/drafts", params={"status": "pending_review"}, headers=reviewer).json()["items"]
    assert [d["id"] for d in queue] == [draft["id"]]

    change = next(c for c in draft["changes"] if c["kind"] == "add_stakeholder" and c["verified"])
    citation = change["citations"][0]
    source = client.get(f"/v1/sources/{citation['source_id']}", headers=reviewer).json()
    assert citation["quote"] in source["text"]

    decided = client.post(
        f"/v1/drafts/{draft['id']}/decisions",
        json={
            "version": draft["version"],
            "decisions": [{"change_id": change["id"], "action": "accept", "comment": "matches my notes"}],
        },
        headers=reviewer,
    )
    assert decided.status_code == 200, decided.text
    assert next(c for c in decided.json()["changes"] if c["id"] == change["id"])["decision"] == "accept"

    plan = client.get(f"/v1/accounts/{account['id']}/plan", headers=reviewer).json()
    assert plan["version"] == 2
    assert change["after"]["key"] in [s["key"] for s in plan["stakeholders"]]
    assert client.get(f"/v1/accounts/{account['id']}/plan/versions/1", headers=reviewer).json()["stakeholders"] == []

    audit = client.get("/v1/audit-log", params={"account_id": account["id"]}, headers=reviewer).json()["items"]
    assert [(e["change_id"], e["action"], e["actor"], e["plan_version"]) for e in audit] == [
        (change["id"], "accept", "acme-sales-reviewer", 2)
    ]

    stale = client.post(
        f"/v1/drafts/{draft['id']}/decisions",
        json={"version": draft["version"], "decisions": [{"change_id": change["id"], "action": "reject"}]},
        headers=reviewer,
    )
    assert stale.status_code == 409
    assert stale.headers["content-type"] == "application/problem+json"


def test_an_accepted_qbr_brief_exports_as_markdown_with_its_sources(client: TestClient, keys: Keys) -> None:
    reviewer = Keys.header(keys.reviewer)
    report = upload(client, keys.integration)
    account_id = report["account_id"]
    assert client.get(f"/v1/accounts/{account_id}/plan/qbr-brief.md", headers=reviewer).status_code == 404

    started = client.post(f"/v1/accounts/{account_id}/drafts", json={"kind": "qbr_brief"}, headers=reviewer)
    draft = wait_for_draft(client, keys.reviewer, started.json()["id"])
    (change,) = draft["changes"]
    assert change["kind"] == "replace_qbr_brief" and change["verified"], change["issues"]
    client.post(
        f"/v1/drafts/{draft['id']}/decisions",
        json={"version": draft["version"], "decisions": [{"change_id": change["id"], "action": "accept"}]},
        headers=reviewer,
    ).raise_for_status()

    exported = client.get(f"/v1/accounts/{account_id}/plan/qbr-brief.md", headers=reviewer)

    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/markdown")
    text = exported.text
    assert text.startswith(f"# {report['name']} — QBR brief (plan v2)")
    for section in ("## Summary", "## Value delivered", "## Relationship changes", "## Risks", "## Sources"):
        assert section in text
    first_claim = change["after"]["summary"][0]
    assert first_claim["citations"][0]["quote"] in text
