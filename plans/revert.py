"""Going back to an older plan: a new version with an older one's content, and what that takes away. Pure, no I/O.

Plans never lose history: a revert (or the undo of a bulk accept) is the next version, whose content equals the
version it goes back to; the versions in between stay in the history."""

from __future__ import annotations

from dataclasses import dataclass

from plans.diff import diff_plans
from plans.models import AccountPlan, Change


def reverted(current: AccountPlan, target: AccountPlan) -> AccountPlan:
    """The version after `current` whose content is `target`'s."""
    return target.model_copy(update={"version": current.version + 1})


def same_content(one: AccountPlan, other: AccountPlan) -> bool:
    return one.model_copy(update={"version": 0}) == other.model_copy(update={"version": 0})


@dataclass(frozen=True)
class Difference:
    """What turns one plan into another when the second may lack what the first holds: the changes a draft could
    propose, and one line per stakeholder, cell or brief taken away (only a revert takes things away)."""

    changes: list[Change]
    removed: list[str]


def difference(before: AccountPlan, after: AccountPlan) -> Difference:
    people = {s.key for s in after.stakeholders}
    cells = {c.key for c in after.whitespace}
    removed = [f"Removed {s.name}" for s in before.stakeholders if s.key not in people]
    removed += [f"Removed {c.product} × {c.unit}" for c in before.whitespace if c.key not in cells]
    if before.qbr_brief is not None and after.qbr_brief is None:
        removed.append("Removed the QBR brief")
    kept = before.model_copy(
        update={
            "stakeholders": tuple(s for s in before.stakeholders if s.key in people),
            "whitespace": tuple(c for c in before.whitespace if c.key in cells),
            "qbr_brief": before.qbr_brief if after.qbr_brief is not None else None,
        }
    )
    return Difference(diff_plans(kept, after), removed)
