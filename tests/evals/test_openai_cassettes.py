"""The eval run of the openai engine, served from the committed cassettes without network or key."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agents.llm import make_chat_model
from evals.cli import eval_cli
from evals.llm_replay import (
    DEFAULT_CASSETTES,
    FILTER_HEADERS,
    MATCH_ON,
    RECORD_MODE_ENV,
    CassetteMiss,
    Cassettes,
    cassette_llm,
)
from evals.runner import EvalRun, run_eval
from plans.vocabulary import DraftKind
from tests.agents.cassettes import support

BUNDLE = Path(__file__).resolve().parents[2] / "evals" / "datasets" / "demo" / "northwind-health"
STAKEHOLDERS = DraftKind.stakeholder_map


@pytest.fixture(autouse=True)
def _replay_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(RECORD_MODE_ENV, raising=False)


def _run(cassettes: Path, kind: DraftKind = STAKEHOLDERS) -> EvalRun:
    config = cassette_llm()
    return run_eval(
        BUNDLE,
        engine="openai",
        embedder="hashing",
        kinds=[kind],
        chat_model=make_chat_model(config),
        llm=config,
        cache_dir=None,
        injections=False,
        retrieval=False,
        scope=Cassettes(cassettes).scope,
    )


def test_one_bundle_and_kind_is_drafted_from_its_cassette_and_scored() -> None:
    run = _run(DEFAULT_CASSETTES)

    [bundle] = run.bundles
    assert bundle.name == "northwind-health"
    assert not bundle.notes, bundle.notes
    result = bundle.drafted.results[STAKEHOLDERS.value] if bundle.drafted else None
    assert result is not None and result.engine == "openai"
    assert result.usage.llm_calls == 1 and result.usage.prompt_tokens > 1000 and result.usage.cost_usd > 0
    metrics = run.metrics()
    assert metrics["stakeholders.f1"] is not None and metrics["stakeholders.f1"] >= 0.8
    assert metrics["grounding.unsupported_changes"] == 0
    assert run.model == "gpt-4o-mini"


def test_a_missing_cassette_ends_the_run_naming_it(tmp_path: Path) -> None:
    with pytest.raises(CassetteMiss) as caught:
        _run(tmp_path)

    message = str(caught.value)
    assert str(tmp_path / "northwind-health" / "stakeholder_map.yaml") in message
    assert "no such cassette" in message
    assert "python -m evals.cassettes.generate" in message and "PLANWRIGHT_RECORD_MODE=all" in message


def test_a_request_the_cassette_does_not_hold_ends_the_run(tmp_path: Path) -> None:
    """Another draft's recording stands in for a prompt that changed: the body no longer matches."""
    folder = tmp_path / "northwind-health"
    folder.mkdir()
    shutil.copy(DEFAULT_CASSETTES / "northwind-health" / "whitespace.yaml", folder / "stakeholder_map.yaml")

    with pytest.raises(CassetteMiss, match="no recorded answer for the request"):
        _run(tmp_path)


def test_the_cli_exits_1_on_a_cassette_miss(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        eval_cli,
        [
            "run", "--dataset", str(BUNDLE), "--engine", "openai", "--embedder", "hashing", "--kind", "qbr_brief",
            "--cassettes", str(tmp_path), "--no-cache", "--no-injections", "--out", str(tmp_path / "out"),
        ],
    )

    assert result.exit_code == 1
    assert "qbr_brief.yaml: no such cassette" in result.output


def test_cassettes_match_and_filter_like_the_agent_cassettes() -> None:
    assert FILTER_HEADERS == support.FILTER_HEADERS
    assert MATCH_ON == support.MATCH_ON
