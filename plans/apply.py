"""Applying accepted changes to a plan, refusing the ones the plan has moved past."""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum
from typing import Any

from plans.diff import cells_by_key, changed_fields, stakeholders_by_key
from plans.models import (
    QBR_TARGET,
    AccountPlan,
    Change,
    Payload,
    QbrBrief,
    Stakeholder,
    WhitespaceCell,
    stakeholder_target,
    whitespace_target,
)
from plans.vocabulary import ChangeKind, StakeholderStatus


class ChangeError(ValueError):
    """A change that cannot be applied; `change_id` names it."""

    def __init__(self, change: Change, problem: str) -> None:
        self.change_id = change.id
        self.problem = problem
        super().__init__(f"change {change.id} ({change.kind.value} {change.target}): {problem}")


class InvalidChangeError(ChangeError):
    """The change is malformed in itself: no payload, or a payload that contradicts its target."""


class ConflictError(ChangeError):
    """The change does not fit the plan as it is now, typically because someone changed it since."""


def _show(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, tuple):
        return f"{len(value)} item(s)"
    if isinstance(value, Enum):
        return repr(value.value)
    if isinstance(value, str):
        return repr(value)
    return str(value)


def _differences(expected: Payload | None, found: Payload | None) -> str:
    if expected is None:
        return "the draft expected nothing there, the plan now has one"
    if found is None:
        return "the draft expected one there, the plan now has nothing"
    rows = changed_fields(expected, found)
    return "; ".join(f"{name}: draft expected {_show(old)}, plan has {_show(new)}" for name, old, new in rows)


def _require_after(change: Change, model: type[Payload]) -> Any:
    if change.after is None:
        raise InvalidChangeError(change, "it has no `after` payload")
    if not isinstance(change.after, model):
        raise InvalidChangeError(change, f"its `after` is not a {model.__name__}")
    return change.after


def _check_target(change: Change, expected: str) -> None:
    if change.target != expected:
        raise InvalidChangeError(change, f"its target does not match its payload, which belongs at {expected!r}")


def _check_before(change: Change, current: Payload | None, *, may_be_new: bool) -> None:
    """Refuse a change drafted against a value the plan no longer holds."""
    if change.before == current:
        return
    if change.before is None and not may_be_new:
        raise InvalidChangeError(change, "it has no `before`, the value it was drafted against")
    raise ConflictError(change, "the plan changed since the draft: " + _differences(change.before, current))


class _Workspace:
    """The plan's parts as mutable indexes while a batch of changes is applied."""

    def __init__(self, plan: AccountPlan) -> None:
        self.stakeholders = stakeholders_by_key(plan.stakeholders)
        self.cells = cells_by_key(plan.whitespace)
        self.brief = plan.qbr_brief
        self.changed = False

    def apply(self, change: Change) -> None:
        if change.kind is ChangeKind.add_stakeholder:
            self._add_stakeholder(change)
        elif change.kind in (ChangeKind.update_stakeholder, ChangeKind.mark_departed):
            self._update_stakeholder(change)
        elif change.kind is ChangeKind.set_whitespace_cell:
            self._set_cell(change)
        elif change.kind is ChangeKind.replace_qbr_brief:
            self._replace_brief(change)
        else:  # pragma: no cover - the enum is exhaustive
            raise InvalidChangeError(change, "unknown change kind")

    def _add_stakeholder(self, change: Change) -> None:
        after: Stakeholder = _require_after(change, Stakeholder)
        _check_target(change, stakeholder_target(after.key))
        current = self.stakeholders.get(after.key)
        if current == after:
            return
        if current is not None:
            raise ConflictError(
                change,
                f"stakeholder {after.key!r} already exists with different content: " + _differences(after, current),
            )
        self.stakeholders[after.key] = after
        self.changed = True

    def _update_stakeholder(self, change: Change) -> None:
        after: Stakeholder = _require_after(change, Stakeholder)
        _check_target(change, stakeholder_target(after.key))
        if change.kind is ChangeKind.mark_departed and after.status is not StakeholderStatus.departed:
            raise InvalidChangeError(change, "mark_departed must set the status to departed")
        current = self.stakeholders.get(after.key)
        if current is None:
            raise ConflictError(change, f"the plan has no stakeholder {after.key!r}")
        if current == after:
            return
        _check_before(change, current, may_be_new=False)
        self.stakeholders[after.key] = after
        self.changed = True

    def _set_cell(self, change: Change) -> None:
        after: WhitespaceCell = _require_after(change, WhitespaceCell)
        _check_target(change, whitespace_target(after.product, after.unit))
        current = self.cells.get(after.key)
        if current == after:
            return
        _check_before(change, current, may_be_new=True)
        self.cells[after.key] = after
        self.changed = True

    def _replace_brief(self, change: Change) -> None:
        after: QbrBrief = _require_after(change, QbrBrief)
        _check_target(change, QBR_TARGET)
        if self.brief == after:
            return
        _check_before(change, self.brief, may_be_new=True)
        self.brief = after
        self.changed = True


def canonical(plan: AccountPlan) -> AccountPlan:
    """The plan with stakeholders sorted by key and cells by (product, unit)."""
    return plan.model_copy(
        update={
            "stakeholders": tuple(sorted(plan.stakeholders, key=lambda s: s.key)),
            "whitespace": tuple(sorted(plan.whitespace, key=lambda c: c.key)),
        }
    )


def apply_changes(plan: AccountPlan, changes: Iterable[Change]) -> AccountPlan:
    """A new plan with `changes` applied in order and the version bumped once.

    A change whose `after` the plan already holds is a no-op, so replaying a batch is
    safe; when nothing changes, the same plan comes back at the same version. Raises
    ConflictError when a change no longer fits the plan and InvalidChangeError when a
    change is malformed; either way nothing is applied.
    """
    workspace = _Workspace(plan)
    for change in changes:
        workspace.apply(change)
    if not workspace.changed:
        return plan
    return canonical(
        plan.model_copy(
            update={
                "version": plan.version + 1,
                "stakeholders": tuple(workspace.stakeholders.values()),
                "whitespace": tuple(workspace.cells.values()),
                "qbr_brief": workspace.brief,
            }
        )
    )
