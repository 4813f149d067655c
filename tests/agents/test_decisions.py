"""Decisions remembered: what a reviewer rejected or edited is not drafted again unless newer evidence says so."""

from __future__ import annotations

from datetime import UTC, date, datetime

from agents.decisions import DecisionMemory, PriorDecision, remember_decisions, same_value
from agents.drafting import run_draft
from plans.apply import apply_changes
from plans.diff import proposed_change
from plans.models import (
    AccountPlan,
    Change,
    Citation,
    Claim,
    QbrBrief,
    Stakeholder,
    WhitespaceCell,
)
from plans.vocabulary import CellStatus, ChangeKind, DraftKind, Stance
from tests.agents.factories import KeywordRetriever, evidence, note
from tests.agents.test_stakeholders import ROBERT, crm_records, narrative

DECIDED = datetime(2026, 4, 1, 9, 30, tzinfo=UTC)
CHAMPION_NOTE = "note-exec"  # "Bob Diaz is our champion now and sells the platform internally."


def _draft(sources: list, plan: AccountPlan, memory: DecisionMemory | None = None, as_of: str = "2026-04-30"):
    account = evidence(crm_records(), sources, as_of=as_of)
    return run_draft(DraftKind.stakeholder_map, account, plan, KeywordRetriever.over(account), memory=memory)


def _robert(result) -> Change | None:  # type: ignore[no-untyped-def]
    return next((c.change for c in result.changes if c.change.target == f"stakeholder:{ROBERT}"), None)


def _plan_without_the_champion_note() -> AccountPlan:
    """The plan as accepted before the note that makes Robert a champion was read."""
    older = [s for s in narrative() if s.id != CHAMPION_NOTE]
    first = _draft(older, AccountPlan())
    return apply_changes(AccountPlan(), [c.change for c in first.changes if c.verified])


def _stance_change() -> tuple[AccountPlan, Change]:
    plan = _plan_without_the_champion_note()
    change = _robert(_draft(narrative(), plan))
    assert change is not None and isinstance(change.after, Stakeholder) and change.after.stance is Stance.champion
    assert isinstance(change.before, Stakeholder) and change.before.stance is not Stance.champion
    return plan, change


def test_a_rejected_stance_is_not_proposed_again_from_the_same_evidence() -> None:
    plan, change = _stance_change()
    rejected = PriorDecision(change, "reject", "Dana Whitfield", DECIDED, comment="he is polite, not a champion")

    again = _draft(narrative(), plan, DecisionMemory([rejected]))

    robert = _robert(again)
    assert robert is None or (isinstance(robert.after, Stakeholder) and robert.after.stance is not Stance.champion)
    assert any("Stance Champion" in w for w in again.warnings)


def test_an_edit_is_not_reversed_by_evidence_older_than_it() -> None:
    plan, change = _stance_change()
    assert isinstance(change.after, Stakeholder)
    mine = change.after.model_copy(update={"stance": Stance.supporter})
    edited = PriorDecision(change, "edit", "Dana Whitfield", DECIDED, after=mine)
    plan = apply_changes(plan, [change.model_copy(update={"after": mine})])

    again = _draft(narrative(), plan, DecisionMemory([edited]))

    robert = _robert(again)
    assert robert is None or (isinstance(robert.after, Stakeholder) and robert.after.stance is Stance.supporter)


def test_newer_evidence_proposes_the_rejected_value_again_with_the_conflict_note() -> None:
    plan, change = _stance_change()
    rejected = PriorDecision(change, "reject", "Dana Whitfield", DECIDED, comment="she left in May")
    newer = note("note-april", "2026-04-20", "Bob Diaz is our champion: he sold the renewal to the board for us.")

    again = _draft([*narrative(), newer], plan, DecisionMemory([rejected]))

    robert = next(c for c in again.changes if c.change.target == f"stakeholder:{ROBERT}")
    assert isinstance(robert.change.after, Stakeholder) and robert.change.after.stance is Stance.champion
    assert [c.message for c in robert.conflicts] == [
        "conflicts with your decision of 1 Apr 2026 (rejected by Dana Whitfield: 'she left in May')"
    ]
    assert robert.conflicts[0].newer_source_ids == ["note-april"]


def test_evidence_imported_after_the_decision_is_newer_whatever_its_date() -> None:
    plan, change = _stance_change()
    rejected = PriorDecision(change, "reject", "Dana Whitfield", DECIDED)
    memory = DecisionMemory([rejected], imported_at={CHAMPION_NOTE: datetime(2026, 4, 2, tzinfo=UTC)})

    again = _draft(narrative(), plan, memory)

    robert = next(c for c in again.changes if c.change.target == f"stakeholder:{ROBERT}")
    assert isinstance(robert.change.after, Stakeholder) and robert.change.after.stance is Stance.champion
    assert robert.conflicts[0].message == "conflicts with your decision of 1 Apr 2026 (rejected by Dana Whitfield)"


def test_a_later_accept_clears_what_an_older_reject_said() -> None:
    plan, change = _stance_change()
    rejected = PriorDecision(change, "reject", "Dana", DECIDED)
    accepted = PriorDecision(change, "accept", "Dana", datetime(2026, 4, 3, tzinfo=UTC))
    changes, conflicts, warnings = remember_decisions(
        [change], DecisionMemory([accepted, rejected]), evidence(crm_records(), narrative())
    )
    assert changes == [change] and conflicts == {} and warnings == []


def test_a_rejected_addition_of_a_person_is_not_proposed_again() -> None:
    first = _draft(narrative(), AccountPlan())
    added = next(c.change for c in first.changes if c.change.kind is ChangeKind.add_stakeholder)
    rejected = PriorDecision(added, "reject", "Dana", DECIDED, comment="not at this customer")

    again = _draft(narrative(), AccountPlan(), DecisionMemory([rejected]))

    assert added.target not in {c.change.target for c in again.changes}
    assert len(again.changes) == len(first.changes) - 1


def _cell(status: CellStatus, value: float | None = None) -> WhitespaceCell:
    return WhitespaceCell(product="Analytics", unit="Payments", status=status, estimated_value=value)


def _cited(change_kind: ChangeKind, before, after, source_id: str = "note-exec") -> Change:  # type: ignore[no-untyped-def]
    quote = "Maria Lopez has left the company"
    return proposed_change(change_kind, before, after, citations=[Citation(source_id=source_id, quote=quote)])


def test_a_whitespace_cell_is_remembered_by_its_status() -> None:
    account = evidence(crm_records(), narrative())
    rejected_change = _cited(ChangeKind.set_whitespace_cell, None, _cell(CellStatus.competitor, 100_000))
    memory = DecisionMemory([PriorDecision(rejected_change, "reject", "Dana", DECIDED)])

    same_status = _cited(ChangeKind.set_whitespace_cell, None, _cell(CellStatus.competitor, 250_000))
    other_status = _cited(ChangeKind.set_whitespace_cell, None, _cell(CellStatus.pipeline, 100_000))
    kept, _, _ = remember_decisions([same_status, other_status], memory, account)

    assert kept == [other_status]


def _brief(*texts: str) -> QbrBrief:
    cite = (Citation(source_id="note-exec", quote="Maria Lopez has left the company"),)
    return QbrBrief(summary=tuple(Claim(text=t, citations=cite) for t in texts))


def test_a_claim_the_reviewer_removed_stays_out_and_one_they_wrote_stays_in() -> None:
    account = evidence(crm_records(), narrative())
    drafted = _cited(ChangeKind.replace_qbr_brief, None, _brief("Renewal in June.", "Maria is a risk."))
    mine = _brief("Renewal in June.", "Budget confirmed by the CFO.")
    memory = DecisionMemory([PriorDecision(drafted, "edit", "Dana", DECIDED, after=mine)])

    next_draft = _cited(ChangeKind.replace_qbr_brief, mine, _brief("Renewal in  june.", "Maria is a risk.", "New."))
    [kept], conflicts, _ = remember_decisions([next_draft], memory, account)

    assert isinstance(kept.after, QbrBrief)
    assert [c.text for c in kept.after.summary] == ["Renewal in  june.", "New.", "Budget confirmed by the CFO."]
    assert conflicts == {}


def test_a_rejected_brief_is_not_proposed_again_without_newer_evidence() -> None:
    may = note("note-may", "2026-05-02", "Maria Lopez has left the company")
    account = evidence(crm_records(), [*narrative(), may])
    brief = _brief("Renewal in June.")
    rejected = PriorDecision(_cited(ChangeKind.replace_qbr_brief, None, brief), "reject", "Dana", DECIDED)
    memory = DecisionMemory([rejected])

    assert remember_decisions([_cited(ChangeKind.replace_qbr_brief, None, brief)], memory, account)[0] == []
    newer = _cited(ChangeKind.replace_qbr_brief, None, brief, source_id="note-may")
    kept, conflicts, _ = remember_decisions([newer], memory, account)
    assert kept == [newer] and conflicts[newer.id][0].action == "reject"


def test_the_same_value_is_compared_as_the_docstring_says() -> None:
    assert same_value(" VP  Engineering", "vp engineering")
    assert same_value(Stance.champion, "champion")
    assert same_value(100_000.2, 100_000)
    assert not same_value(date(2026, 4, 1), date(2026, 4, 2))
