from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plans.apply import ConflictError, InvalidChangeError, apply_changes, canonical
from plans.diff import diff_plans
from plans.models import (
    QBR_TARGET,
    AccountPlan,
    Change,
    Claim,
    stakeholder_target,
    whitespace_target,
)
from plans.vocabulary import CellStatus, ChangeKind, StakeholderStatus, Stance
from tests.plans.factories import cite, make_brief, make_cell, make_change, make_plan, make_stakeholder
from tests.plans.strategies import account_plans, plan_pairs, properties

JENNIFER = stakeholder_target("003A000001JWu")
ANALYTICS_PAYMENTS = whitespace_target("Advanced Analytics", "Payments")


def without_version(plan: AccountPlan) -> AccountPlan:
    return plan.model_copy(update={"version": 0})


def only(changes: list[Change]) -> Change:
    assert len(changes) == 1, changes
    return changes[0]


# Diff


def test_diff_of_a_plan_with_itself_is_empty() -> None:
    assert diff_plans(make_plan(), make_plan()) == []


def test_diff_ignores_version_and_listing_order() -> None:
    marcus = make_stakeholder(key="003A000001MOk", name="Marcus Okafor")
    emea = make_cell(unit="EMEA")
    before = make_plan(stakeholders=(make_stakeholder(), marcus), whitespace=(make_cell(), emea))
    after = make_plan(version=9, stakeholders=(marcus, make_stakeholder()), whitespace=(emea, make_cell()))

    assert diff_plans(before, after) == []


def test_a_new_stakeholder_is_added_with_nothing_before() -> None:
    priya = make_stakeholder(key="person:priya-patel", name="Priya Patel", title="CFO")
    after = make_plan(stakeholders=(make_stakeholder(), priya))

    change = only(diff_plans(make_plan(), after))

    assert change.kind is ChangeKind.add_stakeholder
    assert change.target == "stakeholder:person:priya-patel"
    assert change.before is None
    assert change.after == priya


def test_a_departure_is_mark_departed_even_when_other_fields_change_with_it() -> None:
    departed = make_stakeholder(status=StakeholderStatus.departed, last_contact=date(2026, 3, 2))

    change = only(diff_plans(make_plan(), make_plan(stakeholders=(departed,))))

    assert change.kind is ChangeKind.mark_departed
    assert change.target == JENNIFER
    assert change.before == make_stakeholder()
    assert change.after == departed


def test_a_field_change_is_an_update_carrying_old_and_new() -> None:
    champion = make_stakeholder(stance=Stance.champion)

    change = only(diff_plans(make_plan(), make_plan(stakeholders=(champion,))))

    assert change.kind is ChangeKind.update_stakeholder
    assert change.before == make_stakeholder()
    assert change.after == champion
    assert "stance" in change.rationale


def test_a_returning_stakeholder_is_an_update_not_an_add() -> None:
    gone = make_plan(stakeholders=(make_stakeholder(status=StakeholderStatus.departed),))

    change = only(diff_plans(gone, make_plan()))

    assert change.kind is ChangeKind.update_stakeholder


def test_new_and_changed_cells_are_set_by_product_and_unit() -> None:
    owned = make_cell(status=CellStatus.owned)
    emea = make_cell(unit="EMEA", status=CellStatus.competitor, competitor="Databricks")

    changes = diff_plans(make_plan(), make_plan(whitespace=(owned, emea)))

    assert [(c.kind, c.target, c.before, c.after) for c in changes] == [
        (ChangeKind.set_whitespace_cell, whitespace_target("Advanced Analytics", "EMEA"), None, emea),
        (ChangeKind.set_whitespace_cell, ANALYTICS_PAYMENTS, make_cell(), owned),
    ]


def test_a_changed_brief_is_replaced_with_the_old_one_as_before() -> None:
    new_brief = make_brief(as_of=date(2026, 6, 30))

    change = only(diff_plans(make_plan(), make_plan(qbr_brief=new_brief)))

    assert change.kind is ChangeKind.replace_qbr_brief
    assert change.target == QBR_TARGET
    assert change.before == make_brief()
    assert change.after == new_brief


def test_the_first_brief_has_nothing_before() -> None:
    change = only(diff_plans(make_plan(qbr_brief=None), make_plan()))

    assert change.before is None
    assert change.after == make_brief()


def test_a_dropped_stakeholder_is_not_representable() -> None:
    with pytest.raises(ValueError, match="003A000001JWu"):
        diff_plans(make_plan(), make_plan(stakeholders=()))


def test_a_dropped_cell_is_not_representable() -> None:
    with pytest.raises(ValueError, match="Advanced Analytics.*Payments"):
        diff_plans(make_plan(), make_plan(whitespace=()))


def test_a_dropped_brief_is_not_representable() -> None:
    with pytest.raises(ValueError, match="QBR brief"):
        diff_plans(make_plan(), make_plan(qbr_brief=None))


def test_a_plan_listing_a_stakeholder_twice_is_refused() -> None:
    twice = make_plan(stakeholders=(make_stakeholder(), make_stakeholder(title="CIO")))

    with pytest.raises(ValueError, match="twice"):
        diff_plans(make_plan(), twice)


def test_change_ids_are_deterministic() -> None:
    after = make_plan(
        stakeholders=(make_stakeholder(stance=Stance.champion),),
        whitespace=(make_cell(status=CellStatus.owned),),
        qbr_brief=make_brief(as_of=date(2026, 6, 30)),
    )

    first = [c.id for c in diff_plans(make_plan(), after)]
    second = [c.id for c in diff_plans(make_plan(), after)]

    assert first == second
    assert len(set(first)) == 3
    assert all(i.startswith("chg-") and len(i) == len("chg-") + 12 for i in first)


def test_a_different_after_gives_a_different_id() -> None:
    champion = diff_plans(make_plan(), make_plan(stakeholders=(make_stakeholder(stance="champion"),)))
    coach = diff_plans(make_plan(), make_plan(stakeholders=(make_stakeholder(stance="coach"),)))

    assert only(champion).id != only(coach).id


# Apply


def test_applying_changes_bumps_the_version_once() -> None:
    after = make_plan(
        stakeholders=(make_stakeholder(stance=Stance.champion),),
        whitespace=(make_cell(status=CellStatus.owned),),
    )

    result = apply_changes(make_plan(), diff_plans(make_plan(), after))

    assert result.version == make_plan().version + 1
    assert without_version(result) == without_version(after)


def test_no_changes_return_the_same_plan_at_the_same_version() -> None:
    plan = make_plan()

    assert apply_changes(plan, []) is plan


def test_marking_departed_keeps_history_fields() -> None:
    departed = make_stakeholder(status=StakeholderStatus.departed)
    change = only(diff_plans(make_plan(), make_plan(stakeholders=(departed,))))

    person = apply_changes(make_plan(), [change]).stakeholder("003A000001JWu")

    assert person is not None
    assert person.status is StakeholderStatus.departed
    assert (person.title, person.buying_role, person.stance, person.last_contact) == (
        "CTO",
        "economic_buyer",
        "supporter",
        date(2026, 2, 11),
    )


def test_stale_before_is_a_conflict() -> None:
    change = only(diff_plans(make_plan(), make_plan(stakeholders=(make_stakeholder(stance="champion"),))))
    # Meanwhile someone else accepted a different change to the same person.
    moved_on = make_plan(stakeholders=(make_stakeholder(stance=Stance.detractor),))

    with pytest.raises(ConflictError) as raised:
        apply_changes(moved_on, [change])

    assert raised.value.change_id == change.id
    assert change.id in str(raised.value)
    assert "stance" in str(raised.value)
    assert "'supporter'" in str(raised.value) and "'detractor'" in str(raised.value)


def test_a_conflict_is_a_value_error() -> None:
    assert issubclass(ConflictError, ValueError)
    assert issubclass(InvalidChangeError, ValueError)


def test_a_change_the_plan_already_holds_is_a_no_op_even_if_its_before_is_stale() -> None:
    champion = make_stakeholder(stance=Stance.champion)
    change = only(diff_plans(make_plan(), make_plan(stakeholders=(champion,))))
    already = make_plan(stakeholders=(champion,))

    assert apply_changes(already, [change]) is already


def test_an_edited_after_is_applied_against_the_drafted_before() -> None:
    change = only(diff_plans(make_plan(), make_plan(stakeholders=(make_stakeholder(stance="champion"),))))
    edited = change.model_copy(update={"after": make_stakeholder(stance=Stance.coach)})

    person = apply_changes(make_plan(), [edited]).stakeholder("003A000001JWu")

    assert person is not None and person.stance is Stance.coach


def test_adding_an_existing_stakeholder_with_different_content_is_a_conflict() -> None:
    add = make_change(ChangeKind.add_stakeholder, make_stakeholder(title="CIO"), id="chg-add")

    with pytest.raises(ConflictError, match=r"chg-add.*already exists.*title"):
        apply_changes(make_plan(), [add])


def test_adding_an_identical_stakeholder_again_is_a_no_op() -> None:
    add = make_change(ChangeKind.add_stakeholder, make_stakeholder())

    assert apply_changes(make_plan(), [add]) == make_plan()


@pytest.mark.parametrize("kind", [ChangeKind.update_stakeholder, ChangeKind.mark_departed])
def test_changing_a_missing_stakeholder_is_a_conflict(kind: ChangeKind) -> None:
    departed = make_stakeholder(status=StakeholderStatus.departed)
    change = make_change(kind, departed, before=make_stakeholder(), id="chg-gone")

    with pytest.raises(ConflictError, match=r"chg-gone.*no stakeholder '003A000001JWu'"):
        apply_changes(make_plan(stakeholders=()), [change])


def test_an_update_without_before_is_invalid() -> None:
    change = make_change(ChangeKind.update_stakeholder, make_stakeholder(stance=Stance.champion), id="chg-blind")

    with pytest.raises(InvalidChangeError, match="chg-blind"):
        apply_changes(make_plan(), [change])


def test_mark_departed_must_actually_depart() -> None:
    change = make_change(ChangeKind.mark_departed, make_stakeholder(stance=Stance.coach), before=make_stakeholder())

    with pytest.raises(InvalidChangeError, match="departed"):
        apply_changes(make_plan(), [change])


def test_a_payload_that_belongs_elsewhere_is_invalid() -> None:
    change = make_change(
        ChangeKind.set_whitespace_cell,
        make_cell(status=CellStatus.owned),
        before=make_cell(),
        target=whitespace_target("Data Platform", "EMEA"),
    )

    with pytest.raises(InvalidChangeError, match="target"):
        apply_changes(make_plan(), [change])


def test_a_new_cell_needs_no_before() -> None:
    emea = make_cell(unit="EMEA", status=CellStatus.whitespace)

    plan = apply_changes(make_plan(), [make_change(ChangeKind.set_whitespace_cell, emea)])

    assert plan.cell("Advanced Analytics", "EMEA") == emea


def test_a_cell_drafted_as_new_conflicts_when_someone_set_it_meanwhile() -> None:
    change = make_change(ChangeKind.set_whitespace_cell, make_cell(status=CellStatus.owned), id="chg-new")

    with pytest.raises(ConflictError, match="chg-new.*expected nothing"):
        apply_changes(make_plan(), [change])


def test_the_first_brief_needs_no_before() -> None:
    change = make_change(ChangeKind.replace_qbr_brief, make_brief())

    assert apply_changes(make_plan(qbr_brief=None), [change]).qbr_brief == make_brief()


def test_replacing_a_brief_someone_else_replaced_is_a_conflict() -> None:
    change = only(diff_plans(make_plan(), make_plan(qbr_brief=make_brief(as_of=date(2026, 6, 30)))))
    rewritten = make_brief(summary=(Claim(text="Renewal slipped to Q3.", citations=(cite(),)),))

    with pytest.raises(ConflictError, match="summary"):
        apply_changes(make_plan(qbr_brief=rewritten), [change])


def test_one_conflict_in_a_batch_fails_the_whole_batch() -> None:
    good = only(diff_plans(make_plan(), make_plan(whitespace=(make_cell(status=CellStatus.owned),))))
    stale = make_change(
        ChangeKind.update_stakeholder,
        make_stakeholder(title="CEO"),
        before=make_stakeholder(title="CIO"),
        id="chg-stale",
    )

    with pytest.raises(ConflictError, match="chg-stale"):
        apply_changes(make_plan(), [good, stale])


def test_the_result_lists_stakeholders_by_key_and_cells_by_product_and_unit() -> None:
    plan = make_plan(whitespace=(make_cell(product="Data Platform"),))
    changes = [
        make_change(ChangeKind.add_stakeholder, make_stakeholder(key="002", name="Aiko Tanaka")),
        make_change(ChangeKind.set_whitespace_cell, make_cell()),
    ]

    result = apply_changes(plan, changes)

    assert [s.key for s in result.stakeholders] == ["002", "003A000001JWu"]
    assert [c.key for c in result.whitespace] == [("Advanced Analytics", "Payments"), ("Data Platform", "Payments")]


# Properties


@properties
@given(plan_pairs)
def test_applying_the_diff_turns_a_into_b(pair: tuple[AccountPlan, AccountPlan]) -> None:
    a, b = pair

    assert without_version(apply_changes(a, diff_plans(a, b))) == without_version(b)


@properties
@given(plan_pairs)
def test_the_version_moves_by_one_exactly_when_something_changed(
    pair: tuple[AccountPlan, AccountPlan],
) -> None:
    a, b = pair
    changes = diff_plans(a, b)

    assert apply_changes(a, changes).version == a.version + (1 if changes else 0)


@properties
@given(account_plans)
def test_the_diff_of_a_plan_with_itself_is_empty(plan: AccountPlan) -> None:
    assert diff_plans(plan, plan) == []


@properties
@given(plan_pairs, st.randoms(use_true_random=False))
def test_the_order_of_a_diff_does_not_matter(pair, random) -> None:  # type: ignore[no-untyped-def]
    a, b = pair
    changes = diff_plans(a, b)
    shuffled = list(changes)
    random.shuffle(shuffled)

    assert apply_changes(a, shuffled) == apply_changes(a, changes)


@properties
@given(plan_pairs)
def test_applying_a_diff_twice_is_applying_it_once(pair: tuple[AccountPlan, AccountPlan]) -> None:
    a, b = pair
    changes = diff_plans(a, b)
    once = apply_changes(a, changes)

    assert apply_changes(once, changes) == once


@properties
@given(plan_pairs)
def test_diff_ids_are_stable_and_unique(pair: tuple[AccountPlan, AccountPlan]) -> None:
    ids = [c.id for c in diff_plans(*pair)]

    assert ids == [c.id for c in diff_plans(*pair)]
    assert len(ids) == len(set(ids))


@properties
@given(plan_pairs)
def test_nothing_is_left_to_diff_after_applying(pair: tuple[AccountPlan, AccountPlan]) -> None:
    a, b = pair

    assert diff_plans(apply_changes(a, diff_plans(a, b)), b) == []


@properties
@given(account_plans)
def test_canonical_order_is_what_apply_produces(plan: AccountPlan) -> None:
    reversed_plan = plan.model_copy(
        update={"stakeholders": plan.stakeholders[::-1], "whitespace": plan.whitespace[::-1]}
    )

    assert canonical(reversed_plan) == canonical(plan) == plan
