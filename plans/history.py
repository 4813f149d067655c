"""What changed between two versions of a plan, in words a SAM reads in a history row. Pure, no I/O."""

from __future__ import annotations

from plans.diff import changed_fields
from plans.models import AccountPlan, Change, QbrBrief, Stakeholder, WhitespaceCell
from plans.render import FIELD_LABELS, format_value
from plans.revert import difference
from plans.vocabulary import ChangeKind


def _brief_summary(before: QbrBrief | None, after: QbrBrief) -> str:
    claims = len(after.claims())
    if before is None:
        return f"QBR brief added ({claims} claims)"
    return f"QBR brief replaced ({len(before.claims())} → {claims} claims)"


def summarize_change(change: Change) -> str:
    """One line: 'Added Jennifer Wu', 'Jennifer Wu: stance neutral → champion', 'APM × Payments: pipeline'."""
    after = change.after
    if isinstance(after, QbrBrief):
        return _brief_summary(change.before if isinstance(change.before, QbrBrief) else None, after)
    if isinstance(after, Stakeholder):
        if change.kind is ChangeKind.add_stakeholder:
            return f"Added {after.name}" + (f" ({after.title})" if after.title else "")
        if change.kind is ChangeKind.mark_departed:
            return f"{after.name} departed"
        fields = [
            f"{FIELD_LABELS.get(name, name).lower()} {format_value(old)} → {format_value(new)}"
            for name, old, new in changed_fields(change.before, after)
        ]
        return f"{after.name}: " + "; ".join(fields)
    if isinstance(after, WhitespaceCell):
        before = change.before if isinstance(change.before, WhitespaceCell) else None
        was = f"{format_value(before.status)} → " if before is not None and before.status != after.status else ""
        value = f", {format_value(after.estimated_value)}" if after.estimated_value is not None else ""
        return f"{after.product} × {after.unit}: {was}{format_value(after.status)}{value}"
    return change.rationale


def version_summary(before: AccountPlan | None, after: AccountPlan) -> list[str]:
    """What `after` changed against `before` (the version before it), one line per change."""
    try:  # only a revert removes things (plans/revert.py); it lists them first
        found = difference(before or AccountPlan(version=0), after)
        return found.removed + [summarize_change(c) for c in found.changes]
    except ValueError as exc:  # a version listing someone twice; plans never do, but history is shown anyway
        return [f"Not comparable: {exc}"]
