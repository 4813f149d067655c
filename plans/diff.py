"""The changes that turn one plan into another."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel

from plans.models import AccountPlan, Change, Citation, Payload, Stakeholder, WhitespaceCell, target_of
from plans.vocabulary import ChangeKind, StakeholderStatus


def change_id(kind: ChangeKind, target: str, after: Payload | None) -> str:
    """A deterministic id: the same kind, target and payload always give the same id."""
    payload = after.model_dump_json() if after is not None else "null"
    digest = hashlib.sha256(f"{kind.value}\n{target}\n{payload}".encode()).hexdigest()
    return "chg-" + digest[:12]


def proposed_change(
    kind: ChangeKind,
    before: Payload | None,
    after: Payload,
    *,
    rationale: str = "",
    citations: Iterable[Citation] = (),
    confidence: float = 1.0,
) -> Change:
    """A change to where `after` belongs, with its deterministic id; every drafter builds changes here."""
    target = target_of(after)
    return Change(
        id=change_id(kind, target, after),
        kind=kind,
        target=target,
        before=before,
        after=after,
        rationale=rationale,
        citations=tuple(citations),
        confidence=confidence,
    )


def changed_fields(before: BaseModel | None, after: BaseModel | None) -> list[tuple[str, Any, Any]]:
    """(field, before value, after value) for each model field whose value differs, in field order."""
    model: type[BaseModel]
    if after is not None:
        model = type(after)
    elif before is not None:
        model = type(before)
    else:
        return []
    rows = []
    for name in model.model_fields:
        old = getattr(before, name, None) if before is not None else None
        new = getattr(after, name, None) if after is not None else None
        if old != new:
            rows.append((name, old, new))
    return rows


def stakeholders_by_key(stakeholders: Iterable[Stakeholder]) -> dict[str, Stakeholder]:
    """Index stakeholders by key; a key that appears twice is an error, not a silent overwrite."""
    index: dict[str, Stakeholder] = {}
    for stakeholder in stakeholders:
        if stakeholder.key in index:
            raise ValueError(f"the plan lists stakeholder {stakeholder.key!r} twice")
        index[stakeholder.key] = stakeholder
    return index


def cells_by_key(cells: Iterable[WhitespaceCell]) -> dict[tuple[str, str], WhitespaceCell]:
    """Index whitespace cells by (product, unit); a duplicate cell is an error."""
    index: dict[tuple[str, str], WhitespaceCell] = {}
    for cell in cells:
        if cell.key in index:
            product, unit = cell.key
            raise ValueError(f"the plan lists whitespace cell {product!r} × {unit!r} twice")
        index[cell.key] = cell
    return index


def _stakeholder_change(old: Stakeholder | None, new: Stakeholder) -> Change | None:
    if old is None:
        return proposed_change(ChangeKind.add_stakeholder, None, new, rationale=f"Add {new.name}")
    if old == new:
        return None
    if old.status is StakeholderStatus.active and new.status is StakeholderStatus.departed:
        return proposed_change(ChangeKind.mark_departed, old, new, rationale=f"Mark {new.name} departed")
    fields = ", ".join(name for name, _, _ in changed_fields(old, new))
    return proposed_change(ChangeKind.update_stakeholder, old, new, rationale=f"Update {new.name}: {fields}")


def _cell_change(old: WhitespaceCell | None, new: WhitespaceCell) -> Change | None:
    if old == new:
        return None
    return proposed_change(
        ChangeKind.set_whitespace_cell, old, new, rationale=f"Set {new.product} × {new.unit} to {new.status.value}"
    )


def diff_plans(before: AccountPlan, after: AccountPlan) -> list[Change]:
    """The changes that turn `before` into `after`, stakeholders first, then cells, then the brief.

    A plan has no removal kinds, so a stakeholder, cell or brief that `before` has and
    `after` lacks raises ValueError.
    """
    old_people = stakeholders_by_key(before.stakeholders)
    new_people = stakeholders_by_key(after.stakeholders)
    old_cells = cells_by_key(before.whitespace)
    new_cells = cells_by_key(after.whitespace)

    removed_people = sorted(old_people.keys() - new_people.keys())
    if removed_people:
        raise ValueError(
            f"stakeholder {removed_people[0]!r} is missing from the new plan; "
            "plans cannot remove stakeholders, mark them departed instead"
        )
    removed_cells = sorted(old_cells.keys() - new_cells.keys())
    if removed_cells:
        product, unit = removed_cells[0]
        raise ValueError(
            f"whitespace cell {product!r} × {unit!r} is missing from the new plan; "
            "plans cannot remove cells, set them to not_applicable instead"
        )
    if before.qbr_brief is not None and after.qbr_brief is None:
        raise ValueError("the new plan has no QBR brief; plans cannot remove the brief")

    changes: list[Change] = []
    for key in sorted(new_people):
        change = _stakeholder_change(old_people.get(key), new_people[key])
        if change is not None:
            changes.append(change)
    for cell_key in sorted(new_cells):
        change = _cell_change(old_cells.get(cell_key), new_cells[cell_key])
        if change is not None:
            changes.append(change)
    if after.qbr_brief is not None and after.qbr_brief != before.qbr_brief:
        changes.append(
            proposed_change(
                ChangeKind.replace_qbr_brief, before.qbr_brief, after.qbr_brief, rationale="Replace the QBR brief"
            )
        )
    return changes
