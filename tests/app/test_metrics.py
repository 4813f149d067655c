"""/metrics counts what the database holds, for operators' Prometheus."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from app.main import create_app
from app.settings import Settings
from app.state import AppState
from tests.app.support import Keys, imported_and_drafted, upload


def test_metrics_count_accounts_drafts_and_decisions(client: TestClient, keys: Keys) -> None:
    """What a tenant's admin sees: that tenant's figures."""
    report, draft = imported_and_drafted(client, keys)
    client.post(
        f"/v1/drafts/{draft['id']}/decisions",
        json={"version": draft["version"], "decisions": [{"change_id": draft["changes"][0]["id"], "action": "reject"}]},
        headers=Keys.header(keys.reviewer),
    ).raise_for_status()

    response = client.get("/metrics", headers=Keys.header(keys.admin))

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert 'planwright_accounts{tenant="acme-sales"} 1.0' in text
    assert 'planwright_drafts{engine="offline",kind="stakeholder_map",status="pending_review"} 1.0' in text
    assert 'planwright_review_decisions_total{action="reject"} 1.0' in text
    assert 'planwright_draft_llm_calls_total{engine="offline",kind="stakeholder_map"} 0.0' in text


def test_metrics_are_closed_by_default_and_a_tenant_admin_sees_only_its_tenant(
    client: TestClient, keys: Keys, other_keys: Keys
) -> None:
    upload(client, keys.integration)
    upload(client, other_keys.integration)

    anonymous = client.get("/metrics")
    reviewer = client.get("/metrics", headers=Keys.header(keys.reviewer))
    unknown = client.get("/metrics", headers={"Authorization": "Bearer pw_unknown"})
    admin = client.get("/metrics", headers=Keys.header(keys.admin))

    assert anonymous.status_code == 401 and anonymous.headers["content-type"] == "application/problem+json"
    assert "acme-sales" not in anonymous.text and "other-tenant" not in anonymous.text
    assert reviewer.status_code == 403 and unknown.status_code == 401
    assert admin.status_code == 200
    assert 'planwright_accounts{tenant="acme-sales"} 1.0' in admin.text and "other-tenant" not in admin.text


def _client(settings: Settings, state_factory: Callable[[Settings], AppState], **changes: object) -> TestClient:
    return TestClient(create_app(settings.model_copy(update=changes), state_factory=state_factory))


@pytest.fixture
def guarded(settings: Settings, state_factory: Callable[[Settings], AppState]) -> Iterator[TestClient]:
    with _client(settings, state_factory, metrics_token=SecretStr("scrape-me")) as test_client:
        yield test_client


def test_the_metrics_token_sees_every_tenant(guarded: TestClient) -> None:
    state = guarded.app.state.planwright  # type: ignore[attr-defined]
    upload(guarded, Keys(state, "acme-sales").integration)
    upload(guarded, Keys(state, "other-tenant").integration)

    assert guarded.get("/metrics").status_code == 401
    assert guarded.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    scraped = guarded.get("/metrics", headers={"Authorization": "Bearer scrape-me"})
    assert scraped.status_code == 200
    assert 'tenant="acme-sales"' in scraped.text and 'tenant="other-tenant"' in scraped.text


@pytest.fixture
def public(settings: Settings, state_factory: Callable[[Settings], AppState]) -> Iterator[TestClient]:
    with _client(settings, state_factory, metrics_public=True) as test_client:
        yield test_client


def test_public_metrics_name_no_tenant(public: TestClient) -> None:
    state = public.app.state.planwright  # type: ignore[attr-defined]
    upload(public, Keys(state, "acme-sales").integration)
    upload(public, Keys(state, "other-tenant").integration)

    scraped = public.get("/metrics")

    assert scraped.status_code == 200
    assert "planwright_accounts 2.0" in scraped.text
    assert "tenant=" not in scraped.text and "acme-sales" not in scraped.text
