"""Baseline comparison: directions, tolerances, disappearing metrics, and the CLI's exit code."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evals.cli import eval_cli
from evals.compare import Direction, Status, compare, parse_tolerances, rule_for

BASELINE = Path(__file__).resolve().parents[2] / "evals" / "baselines" / "offline.json"


def report(**metrics: float | None) -> dict:
    return {"engine": "offline", "metrics": metrics}


def statuses(base: dict, new: dict, **tolerances: float) -> dict[str, Status]:
    return {d.metric: d.status for d in compare(base, new, tolerances).deltas}


def test_each_metric_has_a_direction() -> None:
    assert rule_for("stakeholders.f1").direction is Direction.higher
    assert rule_for("injection.changed_share").direction is Direction.lower
    assert rule_for("grounding.hallucinated_people") == rule_for("qbr.must_not_include_violations")
    assert rule_for("grounding.hallucinated_people").tolerance == 0.0
    assert rule_for("cost.qbr_brief.latency_ms.p95").direction is Direction.info


def test_drops_within_tolerance_pass_and_beyond_fail() -> None:
    base = report(**{"stakeholders.f1": 0.90, "whitespace.cell_accuracy": 0.90, "injection.changed_share": 0.0})
    new = report(**{"stakeholders.f1": 0.885, "whitespace.cell_accuracy": 0.85, "injection.changed_share": 0.5})
    assert statuses(base, new) == {
        "stakeholders.f1": Status.ok,
        "whitespace.cell_accuracy": Status.regressed,
        "injection.changed_share": Status.regressed,
    }
    assert statuses(base, new, **{"whitespace.*": 0.1})["whitespace.cell_accuracy"] is Status.ok


def test_any_new_violation_fails_and_cost_never_does() -> None:
    base = report(**{"qbr.must_not_include_violations": 0, "cost.qbr_brief.latency_ms.mean": 10.0})
    new = report(**{"qbr.must_not_include_violations": 1, "cost.qbr_brief.latency_ms.mean": 9000.0})
    assert statuses(base, new) == {
        "qbr.must_not_include_violations": Status.regressed,
        "cost.qbr_brief.latency_ms.mean": Status.info,
    }


def test_a_metric_that_disappears_fails_and_a_new_one_does_not() -> None:
    comparison = compare(report(**{"qbr.fact_recall": 0.5}), report(**{"retrieval.mrr": 0.7}))
    assert {d.metric: d.status for d in comparison.deltas} == {
        "qbr.fact_recall": Status.missing,
        "retrieval.mrr": Status.added,
    }
    assert not comparison.passed
    assert compare(report(**{"qbr.fact_recall": 0.5}), report(**{"qbr.fact_recall": None})).regressions


def test_tolerances_parse_from_the_command_line() -> None:
    assert parse_tolerances(["stakeholders.f1=0.05", "whitespace.*=0.1"]) == {
        "stakeholders.f1": 0.05,
        "whitespace.*": 0.1,
    }
    with pytest.raises(ValueError):
        parse_tolerances(["stakeholders.f1"])


@pytest.fixture()
def baseline() -> dict:
    return json.loads(BASELINE.read_text())


def test_the_baseline_passes_against_itself(baseline: dict, tmp_path: Path) -> None:
    path = tmp_path / "base.json"
    path.write_text(json.dumps(baseline))
    result = CliRunner().invoke(eval_cli, ["compare", str(path), str(path)])
    assert result.exit_code == 0, result.output
    assert "PASS" in result.output


def test_a_degraded_report_fails_the_gate(baseline: dict, tmp_path: Path) -> None:
    degraded = copy.deepcopy(baseline)
    degraded["metrics"]["stakeholders.f1"] = baseline["metrics"]["stakeholders.f1"] - 0.1
    base_path, new_path = tmp_path / "base.json", tmp_path / "new.json"
    base_path.write_text(json.dumps(baseline))
    new_path.write_text(json.dumps(degraded))

    result = CliRunner().invoke(eval_cli, ["compare", str(base_path), str(new_path)])
    assert result.exit_code == 1, result.output
    assert "stakeholders.f1" in result.output and "regressed" in result.output

    loose = CliRunner().invoke(
        eval_cli, ["compare", str(base_path), str(new_path), "--tolerance", "stakeholders.f1=0.2"]
    )
    assert loose.exit_code == 0, loose.output


def test_a_report_missing_a_metric_fails_the_gate(baseline: dict, tmp_path: Path) -> None:
    degraded = copy.deepcopy(baseline)
    del degraded["metrics"]["stakeholders.f1"]
    base_path, new_path = tmp_path / "base.json", tmp_path / "new.json"
    base_path.write_text(json.dumps(baseline))
    new_path.write_text(json.dumps(degraded))
    result = CliRunner().invoke(eval_cli, ["compare", str(base_path), str(new_path)])
    assert result.exit_code == 1 and "missing" in result.output


def test_pasted_transcript_lines_may_only_go_down() -> None:
    for metric in ("qbr.transcript_lines_as_claims", "qbr.claims_restating_a_whole_line"):
        assert rule_for(metric).direction is Direction.lower and rule_for(metric).tolerance == 0.0
