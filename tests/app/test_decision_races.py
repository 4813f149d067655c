"""Reviewers and plugins deciding at the same moment: one wins, the others get a 409, nothing is lost or doubled.

Each test widens the window in which the requests overlap (reading the plan takes 0.3 s) so the
race happens every time, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.drafts import service
from tests.app.support import Keys, imported_and_drafted


@pytest.fixture
def slow_plan_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    latest = service.plan_store.latest

    def slowly(*args: Any, **kwargs: Any) -> Any:
        time.sleep(0.3)
        return latest(*args, **kwargs)

    monkeypatch.setattr(service.plan_store, "latest", slowly)


def _at_once(*calls: Callable[[], Any]) -> list[Any]:
    with ThreadPoolExecutor(len(calls)) as pool:
        return [f.result() for f in [pool.submit(call) for call in calls]]


def _decide(client: TestClient, keys: Keys, draft: dict[str, Any], action: str, change: str, **headers: str) -> Any:
    return client.post(
        f"/v1/drafts/{draft['id']}/decisions",
        json={"version": draft["version"], "decisions": [{"change_id": change, "action": action}]},
        headers={**Keys.header(keys.reviewer), **headers},
    )


def _audit(client: TestClient, keys: Keys) -> list[dict[str, Any]]:
    return client.get("/v1/audit-log", headers=Keys.header(keys.reviewer)).json()["items"]  # type: ignore[no-any-return]


@pytest.mark.usefixtures("slow_plan_reads")
def test_two_accepts_on_the_same_version_make_one_plan_version_and_one_409(client: TestClient, keys: Keys) -> None:
    report, draft = imported_and_drafted(client, keys)
    first, second = [c["id"] for c in draft["changes"] if c["verified"]][:2]

    responses = _at_once(
        lambda: _decide(client, keys, draft, "accept", first), lambda: _decide(client, keys, draft, "accept", second)
    )

    assert sorted(r.status_code for r in responses) == [200, 409], [r.text for r in responses]
    loser = next(r for r in responses if r.status_code == 409).json()
    assert loser["title"] == "Stale draft version" and loser["current_version"] == draft["version"] + 1
    versions = client.get(f"/v1/accounts/{report['account_id']}/plan/versions", headers=Keys.header(keys.reviewer))
    assert [v["version"] for v in versions.json()] == [2, 1]
    assert len(_audit(client, keys)) == 1


@pytest.mark.usefixtures("slow_plan_reads")
def test_two_rejects_of_the_same_change_record_one_decision(client: TestClient, keys: Keys) -> None:
    _, draft = imported_and_drafted(client, keys)
    change = draft["changes"][0]["id"]

    responses = _at_once(*[lambda: _decide(client, keys, draft, "reject", change)] * 2)

    assert sorted(r.status_code for r in responses) == [200, 409], [r.text for r in responses]
    assert [e["change_id"] for e in _audit(client, keys)] == [change]
    after = client.get(f"/v1/drafts/{draft['id']}", headers=Keys.header(keys.reviewer)).json()
    assert after["version"] == draft["version"] + 1


@pytest.mark.usefixtures("slow_plan_reads")
def test_ten_retries_of_one_decision_at_once_decide_it_once_and_none_fails(client: TestClient, keys: Keys) -> None:
    _, draft = imported_and_drafted(client, keys)
    change = next(c["id"] for c in draft["changes"] if c["verified"])

    responses = _at_once(*[lambda: _decide(client, keys, draft, "accept", change, **{"Idempotency-Key": "k-1"})] * 10)

    statuses = [r.status_code for r in responses]
    assert set(statuses) <= {200, 409} and statuses.count(200) >= 1, [r.text for r in responses]
    assert len({r.text for r in responses if r.status_code == 200}) == 1  # every 200 is the same answer
    assert all(r.json()["title"] == "Request in progress" for r in responses if r.status_code == 409)
    retried = _decide(client, keys, draft, "accept", change, **{"Idempotency-Key": "k-1"})
    assert retried.status_code == 200 and retried.text == next(r.text for r in responses if r.status_code == 200)
    assert len(_audit(client, keys)) == 1
