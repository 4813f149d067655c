"""/metrics counts what the database holds, for operators' Prometheus."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from app.main import create_app
from app.settings import Settings
from app.state import AppState
from tests.app.support import Keys, imported_and_drafted


def test_metrics_count_accounts_drafts_and_decisions(client: TestClient, keys: Keys) -> None:
    report, draft = imported_and_drafted(client, keys)
    client.post(
        f"/v1/drafts/{draft['id']}/decisions",
        json={"version": draft["version"], "decisions": [{"change_id": draft["changes"][0]["id"], "action": "reject"}]},
        headers=Keys.header(keys.reviewer),
    ).raise_for_status()

    response = client.get("/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert 'planwright_accounts{tenant="acme-sales"} 1.0' in text
    assert 'planwright_drafts{engine="offline",kind="stakeholder_map",status="pending_review"} 1.0' in text
    assert 'planwright_review_decisions_total{action="reject"} 1.0' in text
    assert 'planwright_draft_llm_calls_total{engine="offline",kind="stakeholder_map"} 0.0' in text


@pytest.fixture
def guarded(settings: Settings, state_factory: Callable[[Settings], AppState]) -> Iterator[TestClient]:
    with_token = settings.model_copy(update={"metrics_token": SecretStr("scrape-me")})
    with TestClient(create_app(with_token, state_factory=state_factory)) as test_client:
        yield test_client


def test_a_metrics_token_guards_the_endpoint(guarded: TestClient) -> None:
    assert guarded.get("/metrics").status_code == 401
    assert guarded.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert guarded.get("/metrics", headers={"Authorization": "Bearer scrape-me"}).status_code == 200
