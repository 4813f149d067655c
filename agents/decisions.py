"""Decisions remembered: a later draft does not propose again what a reviewer rejected, nor undo what they edited,
unless evidence newer than their decision says so — and then the change says which decision it conflicts with.

One post-processing step over the drafted changes, for every draft kind and both engines (`run_draft` calls it
before the verifier). It works on what a change targets, never on change ids:

- a **stakeholder** (`stakeholder:<key>`) and a **whitespace cell** (`whitespace:<product>|<unit>`) field by field.
  A reviewer's decision on a change speaks for the fields that change proposed to set (and, for an edit, the
  fields the reviewer set): a *reject* of a field set to v means "not v"; an *edit* that set it to h means "h".
  A rejected *addition* of a person means "this person is not a stakeholder"; of a cell, "not this status".
- a **QBR brief** (`qbr_brief`) claim by claim, a claim being its section and its text: a rejected brief means
  "not this brief again"; an edit that removed a drafted claim means "not this claim"; an edit that wrote a claim
  means "keep it".

The newest decision on a target's field is the one remembered (an accept clears what an older reject or edit said).

**The same value**: two values of a field are the same when they are equal after normalising — vocabulary values
by value, text case-folded with runs of whitespace collapsed, numbers rounded to whole units, dates as dates. Two
claims are the same when their sections match and their texts are the same text in that sense. A later brief is the
same as a rejected one when it repeats any claim of it (a brief is accepted or rejected whole).

**Newer evidence**: a source cited by the re-proposed change (for a QBR claim: cited by that claim) that is dated
after the day of the decision, or whose current content was imported after the moment of the decision. Evidence of
the decision's own day that was already imported is not newer. Citations are per change, not per field, so a
stakeholder change citing a newer source for one field counts as newer evidence for all the fields it changes.

What it does with a change that repeats a remembered decision:

- not backed by newer evidence: the repeated fields are put back to the plan's value (the change keeps its other
  fields and gets a new id), the repeated claims are taken out of the brief, a removed reviewer-written claim is put
  back; a change with nothing left is dropped.
- backed by newer evidence: the change is proposed as drafted with a `DecisionConflict` for each decision it goes
  against, which the review card shows: "conflicts with your decision of 1 Oct 2026 (rejected by Dana Whitfield:
  'she left in May')".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any, Literal

from pydantic import BaseModel

from agents.context import AccountEvidence
from agents.results import DecisionConflict
from plans.diff import changed_fields, proposed_change
from plans.models import QBR_SECTION_NAMES, Change, Claim, QbrBrief, Stakeholder, WhitespaceCell
from plans.render import FIELD_LABELS, format_value
from plans.vocabulary import ChangeKind, StakeholderStatus

Action = Literal["accept", "reject", "edit"]
_EXISTS = "*"  # the field a rejected addition of a person speaks for: whether they are a stakeholder at all
_IDENTITY = {"key", "product", "unit"}


@dataclass(frozen=True)
class PriorDecision:
    """A reviewer's decision on a drafted change of this account: the change as drafted, and what they did."""

    change: Change
    action: Action
    actor: str
    decided_at: datetime
    comment: str | None = None
    after: BaseModel | None = None  # the payload an edit applied

    @property
    def day(self) -> date:
        return _utc(self.decided_at).date()


@dataclass(frozen=True)
class DecisionMemory:
    """What a draft must remember: the account's past decisions (oldest first) and when each source's current
    content was imported (absent for evidence read from a bundle, which then counts by its date alone)."""

    decisions: Sequence[PriorDecision] = ()
    imported_at: Mapping[str, datetime] = field(default_factory=dict)


@dataclass(frozen=True)
class _Said:
    """What one decision says about one field of a target: not `value` (reject), or `value` (edit)."""

    decision: PriorDecision
    keep: bool
    value: Any


def same_value(a: Any, b: Any) -> bool:
    """Whether two field values are the same value as the module docstring defines it."""
    return _norm(a) == _norm(b)


def _norm(value: Any) -> Any:
    if isinstance(value, Enum):
        return _norm(value.value)
    if isinstance(value, str):
        return re.sub(r"\s+", " ", value).strip().casefold()
    if isinstance(value, bool):
        return value
    if isinstance(value, float | int):
        return round(value)
    return value


def _claim_key(section: str, claim: Claim) -> tuple[str, str]:
    return (section, _norm(claim.text))


def _claims(brief: QbrBrief | None) -> dict[tuple[str, str], Claim]:
    if brief is None:
        return {}
    return {_claim_key(name, claim): claim for name in QBR_SECTION_NAMES for claim in getattr(brief, name)}


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def conflict_of(decision: PriorDecision, what: str, newer: Iterable[str]) -> DecisionConflict:
    """The note a change carries when newer evidence goes against `decision`."""
    when = f"{decision.day.day} {decision.day:%b %Y}"
    verb = {"reject": "rejected", "edit": "edited", "accept": "accepted"}[decision.action]
    detail = f": '{decision.comment}'" if decision.comment else ""
    if not detail and what and decision.action == "edit":
        detail = f": {what}"
    return DecisionConflict(
        decided_at=_utc(decision.decided_at),
        action=decision.action,
        actor=decision.actor,
        comment=decision.comment,
        about=what,
        newer_source_ids=sorted(set(newer)),
        message=f"conflicts with your decision of {when} ({verb} by {decision.actor}{detail})",
    )


class _Memory:
    def __init__(self, memory: DecisionMemory, evidence: AccountEvidence) -> None:
        self.imported_at = memory.imported_at
        self.evidence = evidence
        self.fields: dict[tuple[str, str], _Said] = {}
        self.briefs: list[PriorDecision] = []  # rejected briefs since the last accepted or edited one
        self.removed_claims: dict[tuple[str, str], PriorDecision] = {}
        self.written_claims: dict[tuple[str, str], tuple[Claim, PriorDecision]] = {}
        for decision in sorted(memory.decisions, key=lambda d: _utc(d.decided_at)):
            self._remember(decision)

    def _remember(self, decision: PriorDecision) -> None:
        change = decision.change
        if change.kind is ChangeKind.replace_qbr_brief:
            self._remember_brief(decision)
            return
        drafted = change.after
        if drafted is None:
            return
        final = decision.after if decision.action == "edit" and decision.after is not None else drafted
        proposed = spoken_fields(change)
        edited = {name for name, _, _ in changed_fields(drafted, final)} - _IDENTITY
        for name in proposed | edited:
            key = (change.target, name)
            if decision.action == "reject":
                self.fields[key] = _Said(decision, False, True if name == _EXISTS else getattr(drafted, name))
            elif name in edited:
                self.fields[key] = _Said(decision, True, getattr(final, name))
            else:  # accepted as drafted
                self.fields.pop(key, None)

    def _remember_brief(self, decision: PriorDecision) -> None:
        drafted = decision.change.after if isinstance(decision.change.after, QbrBrief) else None
        if decision.action == "reject":
            self.briefs.append(decision)
            return
        self.briefs = []
        if decision.action == "edit" and isinstance(decision.after, QbrBrief):
            mine, theirs = _claims(decision.after), _claims(drafted)
            for key in theirs.keys() - mine.keys():
                self.removed_claims[key] = decision
                self.written_claims.pop(key, None)
            for key in mine.keys() - theirs.keys():
                self.written_claims[key] = (mine[key], decision)
                self.removed_claims.pop(key, None)

    def newer(self, citations: Iterable[Any], decision: PriorDecision) -> list[str]:
        """The cited sources newer than `decision` (see the module docstring)."""
        found = []
        for citation in citations:
            source = self.evidence.sources.get(citation.source_id)
            imported = self.imported_at.get(citation.source_id)
            dated_after = source is not None and source.date is not None and source.date > decision.day
            if dated_after or (imported is not None and _utc(imported) > _utc(decision.decided_at)):
                found.append(citation.source_id)
        return found


def remember_decisions(
    changes: list[Change], memory: DecisionMemory | None, evidence: AccountEvidence
) -> tuple[list[Change], dict[str, list[DecisionConflict]], list[str]]:
    """The drafted changes with remembered decisions kept (see the module docstring), each re-proposed change's
    conflicts by its id, and warnings that say what was held back."""
    if memory is None or not memory.decisions:
        return changes, {}, []
    remembered = _Memory(memory, evidence)
    kept: list[Change] = []
    conflicts: dict[str, list[DecisionConflict]] = {}
    held: list[str] = []
    for change in changes:
        if change.kind is ChangeKind.replace_qbr_brief:
            result, notes, dropped = _brief(change, remembered)
        else:
            result, notes, dropped = _fields(change, remembered)
        held.extend(dropped)
        if result is not None:
            kept.append(result)
            if notes:
                conflicts[result.id] = notes
    warnings = [f"Not proposed again, as a reviewer decided and no newer evidence says otherwise: {h}" for h in held]
    return kept, conflicts, warnings


def spoken_fields(change: Change) -> set[str]:
    """The fields of its target a stakeholder or cell change proposes to set, as a decision on it speaks for them:
    an addition of a person is about the person (`*`), an addition of a cell about its status."""
    if change.before is None and isinstance(change.after, Stakeholder):
        return {_EXISTS}
    if change.before is None and isinstance(change.after, WhitespaceCell):
        return {"status"}
    return {name for name, _, _ in changed_fields(change.before, change.after)} - _IDENTITY


def _describe(change: Change, name: str, value: Any) -> str:
    if name == _EXISTS:
        return f"add {change.target.split(':', 1)[1]}"
    return f"{FIELD_LABELS.get(name, name)} {format_value(value)}"


def _fields(change: Change, memory: _Memory) -> tuple[Change | None, list[DecisionConflict], list[str]]:
    after = change.after
    if not isinstance(after, Stakeholder | WhitespaceCell):
        return change, [], []
    names = spoken_fields(change)
    revert: dict[str, Any] = {}
    notes: list[DecisionConflict] = []
    held: list[str] = []
    for name in sorted(names):
        said = memory.fields.get((change.target, name))
        value = True if name == _EXISTS else getattr(after, name)
        if said is None or same_value(value, said.value) == said.keep:
            continue  # nothing remembered, or the draft agrees with the decision
        what = _describe(change, name, said.value if said.keep else value)
        newer = memory.newer(change.citations, said.decision)
        if newer:
            notes.append(conflict_of(said.decision, what, newer))
        else:
            held.append(f"{_describe(change, name, value)} ({change.target})")
            revert[name] = getattr(change.before, name, None)
    if not revert:
        return change, _merge(notes), held
    if _EXISTS in revert or change.before is None:
        return None, [], held
    reverted = type(after).model_validate({**after.model_dump(), **revert})
    if reverted == change.before:
        return None, [], held
    kind = change.kind
    if isinstance(reverted, Stakeholder) and kind is ChangeKind.mark_departed:
        departing = reverted.status is StakeholderStatus.departed
        kind = ChangeKind.mark_departed if departing else ChangeKind.update_stakeholder
    rebuilt = proposed_change(
        kind, change.before, reverted, rationale=change.rationale, citations=change.citations,
        confidence=change.confidence,
    )  # fmt: skip
    return rebuilt, _merge(notes), held


def _merge(notes: list[DecisionConflict]) -> list[DecisionConflict]:
    """One note per decision, naming every field of the change it concerns."""
    merged: dict[tuple[datetime, str, str], DecisionConflict] = {}
    for note in notes:
        key = (note.decided_at, note.actor, note.action)
        if key in merged:
            first = merged[key]
            merged[key] = first.model_copy(
                update={
                    "about": f"{first.about}, {note.about}",
                    "newer_source_ids": sorted({*first.newer_source_ids, *note.newer_source_ids}),
                }
            )
        else:
            merged[key] = note
    return list(merged.values())


def _brief(change: Change, memory: _Memory) -> tuple[Change | None, list[DecisionConflict], list[str]]:
    brief = change.after
    if not isinstance(brief, QbrBrief):
        return change, [], []
    notes: list[DecisionConflict] = []
    drafted = _claims(brief)
    for rejected in memory.briefs:
        was = rejected.change.after
        repeated = drafted.keys() & _claims(was if isinstance(was, QbrBrief) else None).keys()
        if not repeated:
            continue
        newer = memory.newer(change.citations, rejected)
        if not newer:
            return None, [], ["the QBR brief a reviewer rejected"]
        notes.append(conflict_of(rejected, f"{len(repeated)} of its claims again", newer))
    sections: dict[str, list[Claim]] = {name: list(getattr(brief, name)) for name in QBR_SECTION_NAMES}
    held: list[str] = []
    for name in QBR_SECTION_NAMES:
        for claim in list(sections[name]):
            decision = memory.removed_claims.get(_claim_key(name, claim))
            if decision is None:
                continue
            newer = memory.newer(claim.citations, decision)
            if newer:
                notes.append(conflict_of(decision, f"the claim '{claim.text}' it removed", newer))
            else:
                sections[name].remove(claim)
                held.append(f"the QBR claim '{claim.text}'")
    brief_newer = {d: memory.newer(change.citations, d) for _, d in memory.written_claims.values()}
    for (name, key_text), (claim, decision) in memory.written_claims.items():
        if (name, key_text) in drafted:
            continue
        if brief_newer[decision]:
            notes.append(conflict_of(decision, f"leaves out the claim '{claim.text}' it wrote", brief_newer[decision]))
        else:
            sections[name].append(claim)
    adjusted = brief.model_copy(update={name: tuple(claims) for name, claims in sections.items()})
    if adjusted == brief:
        return change, _merge(notes), held
    if not adjusted.claims() or _same_brief(adjusted, change.before):
        return None, [], held
    rebuilt = proposed_change(
        change.kind, change.before, adjusted, rationale=change.rationale,
        citations=tuple(dict.fromkeys(c for claim in adjusted.claims() for c in claim.citations)),
        confidence=change.confidence,
    )  # fmt: skip
    return rebuilt, _merge(notes), held


def _same_brief(brief: QbrBrief, other: Any) -> bool:
    return isinstance(other, QbrBrief) and _claims(brief).keys() == _claims(other).keys()
