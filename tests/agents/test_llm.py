"""The openai engine's pieces that need no HTTP: the client factory, prices, and the injection verifier rule."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from agents.drafting import run_draft
from agents.llm import LlmConfig, make_chat_model
from agents.usage import cost_usd, price_for
from agents.verifier import verify
from plans.models import Change, Citation, Stakeholder, stakeholder_target
from plans.vocabulary import ChangeKind, DraftKind, Stance
from tests.agents.cassettes.support import INJECTION_TEXT, TOM, stakeholder_account


def test_the_client_is_built_from_the_config_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env")
    monkeypatch.setenv("OPENAI_BASE_URL", "https://env.example/v1")
    model = make_chat_model(LlmConfig(api_key=SecretStr("sk-config"), timeout_s=7, max_retries=3))

    client = model.root_client  # type: ignore[attr-defined]
    assert str(client.base_url) == "https://api.openai.com/v1/"
    assert client.api_key == "sk-config"
    assert client.timeout == 7 and client.max_retries == 3
    assert model.model_name == "gpt-4o-mini" and model.temperature == 0  # type: ignore[attr-defined]


def test_a_local_compatible_server_needs_no_key_but_openai_does() -> None:
    local = make_chat_model(LlmConfig(base_url="http://localhost:11434/v1", model="llama3.1"))
    assert str(local.root_client.base_url) == "http://localhost:11434/v1/"  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="needs an API key"):
        make_chat_model(LlmConfig())


def test_the_openai_engine_needs_a_chat_model() -> None:
    account = stakeholder_account()
    with pytest.raises(ValueError, match="needs a chat model"):
        run_draft(DraftKind.stakeholder_map, account.evidence, account.plan, account.retriever(), engine="openai")


def test_prices_by_model_and_dated_snapshot_and_override() -> None:
    table = LlmConfig().prices
    assert price_for("gpt-4o-mini-2024-07-18", table) == (0.15, 0.60)
    assert price_for("gpt-4o-2024-08-06", table) == (2.50, 10.00)
    assert price_for("llama3.1", table) is None
    assert LlmConfig(model="llama3.1").price() is None
    assert LlmConfig(price_per_million_input=1, price_per_million_output=2).price() == (1, 2)
    assert cost_usd(2_000_000, 500_000, (0.15, 0.60)) == pytest.approx(0.6)


def _tom_champion(*citations: Citation) -> Change:
    after = Stakeholder(key=TOM, name="Tom Berg", stance=Stance.champion)
    return Change(id="chg-1", kind=ChangeKind.update_stakeholder, target=stakeholder_target(TOM), after=after,
                  citations=citations)


def test_a_change_resting_only_on_an_instruction_fails_verification() -> None:
    evidence = stakeholder_account().evidence
    instruction = Citation(source_id="note-vendor-email", quote=INJECTION_TEXT)
    fact = Citation(source_id=TOM, quote="Title: Procurement Manager")

    [obeyed] = verify([_tom_champion(instruction)], evidence)
    [mixed] = verify([_tom_champion(instruction, fact)], evidence)

    assert [issue.code for issue in obeyed.issues] == ["instruction_as_evidence"]
    assert "instruction_as_evidence" not in [issue.code for issue in mixed.issues]


def test_the_offline_engine_ignores_the_planted_instruction_too() -> None:
    account = stakeholder_account()
    result = run_draft(DraftKind.stakeholder_map, account.evidence, account.plan, account.retriever())
    tom = [c for c in result.changes if c.change.target == stakeholder_target(TOM)]
    assert all(c.change.after.stance is not Stance.champion for c in tom)
