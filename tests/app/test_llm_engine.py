"""The openai engine inside the service: configured from settings, and failing safely."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from app.main import create_app
from app.settings import Settings
from app.state import build_state
from retrieval.embedders import HashingEmbedder
from tests.app.support import Keys, upload, wait_for_draft

# Nothing listens on port 9 (discard) on loopback: every call fails fast with a connection error.
DEAD_ENDPOINT = "http://127.0.0.1:9/v1"


def _client(settings: Settings, **llm: object) -> TestClient:
    configured = settings.model_copy(
        update={
            "openai_base_url": DEAD_ENDPOINT,
            "openai_api_key": SecretStr("sk-test"),
            "llm_max_retries": 0,
            "llm_timeout_s": 2.0,
            **llm,
        }
    )
    return TestClient(create_app(configured, state_factory=lambda s: build_state(s, embedder=HashingEmbedder())))


@pytest.fixture
def falling_back(settings: Settings) -> Iterator[TestClient]:
    with _client(settings, llm_fallback_to_offline=True) as client:
        yield client


@pytest.fixture
def strict(settings: Settings) -> Iterator[TestClient]:
    with _client(settings, llm_fallback_to_offline=False) as client:
        yield client


def _openai_draft(client: TestClient) -> tuple[Keys, dict]:
    keys = Keys(client.app.state.planwright, "acme-sales")  # type: ignore[attr-defined]
    report = upload(client, keys.integration)
    started = client.post(
        f"/v1/accounts/{report['account_id']}/drafts",
        json={"kind": "stakeholder_map", "engine": "openai"},
        headers=Keys.header(keys.integration),
    )
    assert started.status_code == 202, started.text
    return keys, wait_for_draft(client, keys.reviewer, started.json()["id"])


def test_an_unreachable_model_falls_back_to_the_offline_engine_and_says_so(falling_back: TestClient) -> None:
    _, draft = _openai_draft(falling_back)

    assert draft["status"] == "pending_review"
    assert draft["engine"] == "offline"
    assert any("openai engine failed" in w and "offline" in w for w in draft["warnings"])
    assert draft["usage"]["llm_calls"] == 1
    assert draft["changes"]


def test_without_fallback_the_draft_fails_with_the_reason(strict: TestClient) -> None:
    _, draft = _openai_draft(strict)

    assert draft["status"] == "failed"
    assert "openai engine failed" in draft["error"]
    assert draft["changes"] == []


def test_requesting_the_openai_engine_unconfigured_is_a_clear_422(client: TestClient, keys: Keys) -> None:
    report = upload(client, keys.integration)
    response = client.post(
        f"/v1/accounts/{report['account_id']}/drafts",
        json={"kind": "stakeholder_map", "engine": "openai"},
        headers=Keys.header(keys.integration),
    )
    assert response.status_code == 422
    assert "OPENAI_API_KEY" in response.json()["detail"]
