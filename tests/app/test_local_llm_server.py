"""The openai engine against a real, self-hosted OpenAI-compatible server (llama-cpp-python, Gemma 3 270M).

llama-cpp-python's server refuses `response_format: json_schema` (it takes `json_object` with a
`schema`), so these tests prove the whole path a self-hosting user takes: the engine probes the
server, asks in the mode it accepts, packs the prompt into the model's small context, parses the
real reply and records the real usage. A 270M model invents freely, so the tests also prove the
verifier's worth: nothing that does not verify, and no person absent from the evidence, can be
accepted into the plan.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from agents.llm import ENDPOINT_MODES
from agents.structured_output import StructuredOutput
from app.main import create_app
from app.settings import Settings
from app.state import build_state
from retrieval.embedders import HashingEmbedder
from tests.app.support import MINI_BUNDLE, Keys, upload, wait_for_draft
from tests.llama_server import MODEL_ALIAS as MODEL
from tests.llama_server import LlamaServer, llama_server  # noqa: F401  (the fixture)

# A small evidence budget and short answers keep a draft to seconds on two CPU cores.
CONTEXT_TOKENS = 4096
MAX_OUTPUT_TOKENS = 1024


@dataclass
class SelfHosted:
    """One service pointed at the local server, its keys, the imported account and its drafts by kind."""

    client: TestClient
    keys: Keys
    account_id: str
    drafts: dict[str, dict[str, Any]] = field(default_factory=dict)

    def draft(self, kind: str) -> dict[str, Any]:
        if kind not in self.drafts:
            started = self.client.post(
                f"/v1/accounts/{self.account_id}/drafts",
                json={"kind": kind, "engine": "openai"},
                headers=Keys.header(self.keys.integration),
            )
            assert started.status_code == 202, started.text
            self.drafts[kind] = wait_for_draft(self.client, self.keys.reviewer, started.json()["id"], timeout=600)
        return self.drafts[kind]


@pytest.fixture(scope="module")
def self_hosted(llama_server: LlamaServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SelfHosted]:  # noqa: F811
    ENDPOINT_MODES.forget()
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("self-hosted"),
        embedder="hashing",
        auto_draft=False,
        openai_base_url=llama_server.base_url,
        openai_model=llama_server.model,
        llm_timeout_s=300,
        llm_max_retries=0,
        llm_context_tokens=CONTEXT_TOKENS,
        llm_max_output_tokens=MAX_OUTPUT_TOKENS,
        llm_fallback_to_offline=False,
    )
    app = create_app(settings, state_factory=lambda s: build_state(s, embedder=HashingEmbedder()))
    with TestClient(app) as client:
        keys = Keys(client.app.state.planwright, "self-hosted")  # type: ignore[attr-defined]
        yield SelfHosted(client, keys, upload(client, keys.integration)["account_id"])


def _evidence_text(folder: Path) -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in sorted(folder.rglob("*")) if path.is_file())


@pytest.mark.parametrize("kind", ["stakeholder_map", "whitespace", "qbr_brief"])
def test_each_kind_drafts_through_a_real_local_server(self_hosted: SelfHosted, kind: str) -> None:
    draft = self_hosted.draft(kind)

    # The server took the request in the mode it accepts, and its real reply parsed: no fallback.
    # (A brief the model left without a cited claim is a draft with nothing to review: decided.)
    assert draft["status"] in {"pending_review", "decided"}, draft.get("error")
    assert draft["engine"] == "openai" and draft["error"] is None
    assert ENDPOINT_MODES.remembered((self_hosted.client.app.state.planwright.llm.base_url, MODEL)) is (  # type: ignore[attr-defined]
        StructuredOutput.json_mode
    )
    usage = draft["usage"]
    assert usage["llm_calls"] == 1
    assert 0 < usage["prompt_tokens"] <= CONTEXT_TOKENS - MAX_OUTPUT_TOKENS
    assert 0 < usage["completion_tokens"] <= MAX_OUTPUT_TOKENS
    assert usage["latency_ms"] > 0
    assert draft["prompt_version"] == f"{kind}/v1"


def test_nothing_a_small_model_invents_reaches_the_plan(self_hosted: SelfHosted) -> None:
    client, keys = self_hosted.client, self_hosted.keys
    draft = self_hosted.draft("stakeholder_map")
    assert draft["engine"] == "openai", draft["warnings"]

    for change in draft["changes"]:
        response = client.post(
            f"/v1/drafts/{draft['id']}/decisions",
            json={"version": draft["version"], "decisions": [{"change_id": change["id"], "action": "accept"}]},
            headers=Keys.header(keys.reviewer),
        )
        if change["verified"]:
            assert response.status_code == 200, response.text
            draft = response.json()
        else:
            assert response.status_code == 422, response.text
            assert response.json()["title"] == "Change failed verification"

    plan = client.get(f"/v1/accounts/{self_hosted.account_id}/plan", headers=Keys.header(keys.reviewer)).json()
    evidence = _evidence_text(MINI_BUNDLE)
    for person in plan["stakeholders"]:
        surname = person["name"].split()[-1]
        assert re.search(re.escape(surname), evidence), f"{person['name']} is in the plan but not in the evidence"
