from __future__ import annotations

import pytest
from hypothesis import given
from pydantic import ValidationError

from plans.diff import diff_plans
from plans.models import (
    QBR_TARGET,
    AccountPlan,
    Change,
    QbrBrief,
    Stakeholder,
    WhitespaceCell,
    person_key,
    stakeholder_target,
    whitespace_target,
)
from plans.vocabulary import ChangeKind, StakeholderStatus
from tests.plans.factories import make_cell, make_plan, make_stakeholder
from tests.plans.strategies import account_plans, plan_pairs, properties


def test_person_key_folds_accents_case_and_punctuation() -> None:
    assert person_key("José  Álvarez-Núñez") == "person:jose-alvarez-nunez"
    assert person_key("jennifer WU") == person_key("Jennifer Wu") == "person:jennifer-wu"


def test_new_stakeholders_start_active_with_unknown_role_and_stance() -> None:
    person = Stakeholder(key="person:jennifer-wu", name="Jennifer Wu")

    assert person.status is StakeholderStatus.active
    assert person.buying_role == "unknown"
    assert person.stance == "unknown"
    assert person.strength == "none"


def test_models_are_frozen() -> None:
    person = make_stakeholder()

    with pytest.raises(ValidationError):
        person.name = "Someone Else"  # type: ignore[misc]


def test_vocabulary_rejects_values_outside_the_contract() -> None:
    with pytest.raises(ValidationError):
        Stakeholder(key="k", name="Jennifer Wu", stance="enthusiast")  # type: ignore[arg-type]


def test_plan_finds_stakeholders_and_cells_by_key() -> None:
    plan = make_plan()

    assert plan.stakeholder("003A000001JWu") == make_stakeholder()
    assert plan.stakeholder("nobody") is None
    assert plan.cell("Advanced Analytics", "Payments") == make_cell()
    assert plan.cell("Advanced Analytics", "EMEA") is None


def test_targets_name_what_the_change_edits() -> None:
    assert stakeholder_target("003A000001JWu") == "stakeholder:003A000001JWu"
    assert whitespace_target("Advanced Analytics", "Payments") == ("whitespace:Advanced Analytics|Payments")
    assert QBR_TARGET == "qbr_brief"


def test_change_reads_payload_dicts_as_the_model_its_kind_implies() -> None:
    change = Change.model_validate(
        {
            "id": "chg-1",
            "kind": "set_whitespace_cell",
            "target": whitespace_target("Advanced Analytics", "Payments"),
            "after": {"product": "Advanced Analytics", "unit": "Payments", "status": "owned"},
        }
    )

    assert isinstance(change.after, WhitespaceCell)
    assert change.kind is ChangeKind.set_whitespace_cell


def test_change_rejects_a_payload_that_does_not_fit_its_kind() -> None:
    with pytest.raises(ValidationError):
        Change.model_validate(
            {
                "id": "chg-1",
                "kind": "replace_qbr_brief",
                "target": QBR_TARGET,
                "after": {"summary": "not a tuple of claims"},
            }
        )


def test_change_confidence_stays_within_zero_and_one() -> None:
    with pytest.raises(ValidationError):
        Change(id="chg-1", kind=ChangeKind.replace_qbr_brief, target=QBR_TARGET, after=QbrBrief(), confidence=1.5)


@properties
@given(account_plans)
def test_plans_survive_a_json_round_trip(plan: AccountPlan) -> None:
    assert AccountPlan.model_validate_json(plan.model_dump_json()) == plan


@properties
@given(plan_pairs)
def test_changes_survive_a_json_round_trip(pair: tuple[AccountPlan, AccountPlan]) -> None:
    for change in diff_plans(*pair):
        assert Change.model_validate_json(change.model_dump_json()) == change
