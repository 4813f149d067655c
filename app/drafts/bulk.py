"""Bulk decisions ("Accept all verified", "Reject all"): what they decide, kept so they can be undone.

A bulk decides every undecided change the reviewer has not chosen for themselves (their choices stand); the undo
puts the plan back as a new version with the content it had before (app/plans/revert.py), marks the bulk's
decisions undone in the audit log and makes its changes pending again. It refuses, changing nothing, when the plan
moved on after the bulk or a newer draft of the same kind waits in the queue."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.drafts import repository
from app.drafts.models import BulkDecisionRow, DecisionRow, DraftChangeRow, DraftRow
from app.drafts.schemas import DecisionIn
from app.drafts.service import PLAN_CHANGE, accepting, get_draft
from app.ids import new_id
from app.plans.revert import revert_plan
from app.problems import Problem, not_found

BulkAction = Literal["accept_verified", "reject_all"]
BULK_ACTIONS: dict[str, str] = {"accept_verified": "Accept all verified", "reject_all": "Reject all"}


@dataclass(frozen=True)
class BulkPlan:
    """What a bulk would do to a draft: the decisions, and the undecided changes it leaves alone."""

    decisions: list[DecisionIn]
    chosen: set[str]  # change ids whose decision is the reviewer's own choice, not the bulk's
    left: list[DraftChangeRow]  # did not verify, so "Accept all verified" leaves them for the reviewer


def plan_bulk(
    rows: list[DraftChangeRow], action: str, chosen: dict[str, tuple[str | None, str | None]] | None = None
) -> BulkPlan:
    """The decisions of `action` on the undecided changes: a change's own choice (`chosen`, by change id: the form's
    action and comment; else the saved choice) stands; the others are accepted if verified, or rejected."""
    decisions: list[DecisionIn] = []
    own: set[str] = set()
    left: list[DraftChangeRow] = []
    for row in rows:
        if row.decision is not None:
            continue
        choice, comment = (chosen or {}).get(row.id, (None, None))
        choice, comment = choice or row.choice, comment or row.choice_comment
        if choice in ("accept", "reject"):
            own.add(row.id)
        elif action == "reject_all":
            choice = "reject"
        elif not row.issues:
            choice = "accept"
        if choice == "accept" and (not row.issues or row.edited_after is not None):
            decisions.append(accepting(row, comment))
        elif choice == "reject":
            decisions.append(DecisionIn(change_id=row.id, action="reject", comment=comment))
        else:
            left.append(row)
    return BulkPlan(decisions, own, left)


def record_bulk(
    session: Session, draft: DraftRow, action: str, decisions: list[DecisionIn], actor: str, user_id: str | None
) -> BulkDecisionRow:
    """Keep a bulk just decided (in the transaction of its `decide`, which left the plan versions in session.info)."""
    before, after = session.info.pop(PLAN_CHANGE)
    row = BulkDecisionRow(
        id=new_id("blk"),
        tenant=draft.tenant,
        account_id=draft.account_id,
        draft_id=draft.id,
        action=action,
        change_ids=[d.change_id for d in decisions],
        actor=actor,
        user_id=user_id,
        plan_version_before=before,
        plan_version_after=after,
    )
    session.add(row)
    session.flush()
    return row


def latest_bulk(session: Session, tenant: str, draft_id: str) -> BulkDecisionRow | None:
    """The draft's newest bulk not undone yet: the one its page offers to undo."""
    return session.scalar(
        select(BulkDecisionRow)
        .where(
            BulkDecisionRow.tenant == tenant, BulkDecisionRow.draft_id == draft_id, BulkDecisionRow.undone_at.is_(None)
        )
        .order_by(BulkDecisionRow.created_at.desc(), BulkDecisionRow.id.desc())
        .limit(1)
    )


@dataclass(frozen=True)
class Undone:
    draft: DraftRow
    pending_again: int
    plan_version: int | None  # the version that restored the plan, when the bulk had changed it
    reverted_to: int | None


def undo_bulk(
    session: Session, tenant: str, actor: str, draft_id: str, bulk_id: str, user_id: str | None = None
) -> Undone:
    """Undo a bulk decision: the plan back to its content before the bulk (a new version), the bulk's changes
    pending again, an `undo` row per decision in the audit log. 409, with nothing changed, when it cannot be."""
    bulk = session.scalar(
        select(BulkDecisionRow).where(
            BulkDecisionRow.tenant == tenant, BulkDecisionRow.id == bulk_id, BulkDecisionRow.draft_id == draft_id
        )
    )
    if bulk is None:
        raise not_found("Bulk decision", bulk_id)
    label = BULK_ACTIONS.get(bulk.action, bulk.action)
    if bulk.undone_at is not None:
        raise Problem(409, "Already undone", f"“{label}” was undone by {bulk.undone_by} already.")
    draft = get_draft(session, tenant, draft_id)
    if draft.status == "superseded":
        raise Problem(
            409,
            "Cannot undo",
            f"This draft was replaced by a newer one ({draft.superseded_by}); nothing was undone. Decide there, or "
            "revert the plan from its history.",
            superseded_by=draft.superseded_by,
        )
    newer = session.scalar(
        select(DraftRow.id).where(
            DraftRow.tenant == tenant,
            DraftRow.account_id == draft.account_id,
            DraftRow.kind == draft.kind,
            DraftRow.status == "pending_review",
            DraftRow.id != draft.id,
        )
    )
    if newer is not None:
        raise Problem(
            409,
            "Cannot undo",
            f"A newer draft ({newer}) of this account's {draft.kind.replace('_', ' ')} waits in the queue, drafted "
            f"on top of “{label}”. Nothing was undone; review the newer draft, or revert the plan from its history.",
            newer_draft=newer,
        )
    when = f"{bulk.created_at:%Y-%m-%d %H:%M} UTC"
    restored = None
    if bulk.plan_version_after != bulk.plan_version_before:
        try:
            restored = revert_plan(
                session, tenant, draft.account_id, bulk.plan_version_before, bulk.plan_version_after, actor,
                user_id=user_id, note=f"undo of “{label}” by {bulk.actor}, {when}", draft_id=draft.id,
                take_back_decisions=False,
            )  # fmt: skip
        except Problem as exc:
            if exc.status != 409:
                raise
            raise Problem(
                409,
                "Cannot undo",
                f"The plan changed after “{label}” (it went from v{bulk.plan_version_after} to "
                f"v{exc.extra.get('current_version')}): undoing would throw that work away. Nothing was undone; "
                "revert the plan from its history if that is what you mean.",
                current_version=exc.extra.get("current_version"),
            ) from exc
    if not repository.claim_version(session, tenant, draft.id, draft.version):
        raise Problem(409, "Draft changed", "Someone decided on this draft at the same moment; nothing was undone.")
    session.refresh(draft)
    plan_version = restored.version if restored else bulk.plan_version_after
    rows = {row.id: row for row in draft.changes}
    undone = 0
    for change_id in bulk.change_ids:
        row = rows.get(change_id)
        if row is None or row.decision is None:
            continue
        row.decision, row.decided_after = None, None
        session.add(
            DecisionRow(
                tenant=tenant,
                account_id=draft.account_id,
                draft_id=draft.id,
                change_id=change_id,
                action="undo",
                comment=f"Undid “{label}” of {when}",
                actor=actor,
                user_id=user_id,
                plan_version=plan_version,
            )
        )
        undone += 1
    draft.status, draft.updated_at = "pending_review", utcnow()
    bulk.undone_at, bulk.undone_by, bulk.undo_plan_version = utcnow(), actor, restored.version if restored else None
    session.flush()
    return Undone(draft, undone, restored.version if restored else None, restored.reverted_to if restored else None)
