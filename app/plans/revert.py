"""Reverting a plan: the next version gets an older version's content; the history in between is kept, and the
decisions whose effect it takes away are marked in the audit log. The undo of a bulk accept goes through here too."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from app.accounts.models import Account
from app.db import utcnow
from app.drafts.models import DecisionRow
from app.drafts.repository import standing
from app.plans import repository as plan_store
from app.problems import Problem, not_found
from app.webhooks import service as webhooks
from plans.revert import reverted, same_content


@dataclass(frozen=True)
class Reverted:
    """A revert done: the new version, the version whose content it has, and how many decisions it took back."""

    account_id: str
    version: int
    reverted_to: int
    taken_back: int


def revert_plan(
    session: Session,
    tenant: str,
    account_id: str,
    to_version: int,
    seen_version: int,
    actor: str,
    *,
    user_id: str | None = None,
    note: str | None = None,
    draft_id: str | None = None,
    take_back_decisions: bool = True,
) -> Reverted:
    """Save the plan's next version with `to_version`'s content. `seen_version` is the version the reviewer saw as
    current: if the plan moved on since, nothing happens and 409 says so. With `take_back_decisions`, every standing
    accept or edit that went into the versions after `to_version` gets a `revert` row in the audit log (the next
    draft may propose it again; its draft stays decided)."""
    account = session.scalar(select(Account).where(Account.tenant == tenant, Account.id == account_id))
    if account is None:
        raise not_found("Account", account_id)
    if not 1 <= to_version < seen_version:
        raise Problem(422, "Nothing to revert to", f"Version {to_version} is not older than version {seen_version}.")
    # The compare-and-set that takes the write lock: of two reverts or a revert and a decision, one wins.
    moved = session.execute(
        update(Account)
        .where(Account.tenant == tenant, Account.id == account_id, Account.plan_version == seen_version)
        .values(plan_version=seen_version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    assert isinstance(moved, CursorResult)
    session.refresh(account)
    current = plan_store.latest(session, account_id)
    if moved.rowcount != 1 or current.version != seen_version:
        raise Problem(
            409,
            "The plan changed",
            f"The plan is at version {account.plan_version} now, not {seen_version}: someone saved a version since. "
            "Nothing was reverted; look at its history again.",
            current_version=account.plan_version,
        )
    target = plan_store.get_version(session, account_id, to_version)
    if target is None:
        raise not_found("Plan version", str(to_version))
    if same_content(current, target):
        raise Problem(
            422, "Nothing to revert", f"Version {seen_version} already has the content of version {to_version}."
        )
    plan = reverted(current, target)
    plan_store.save(session, account_id, plan, actor, draft_id, reverted_to=to_version, note=note)
    taken_back = 0
    if take_back_decisions:
        undone = session.scalars(
            select(DecisionRow)
            .where(
                DecisionRow.tenant == tenant,
                DecisionRow.account_id == account_id,
                DecisionRow.action.in_(("accept", "edit")),
                DecisionRow.plan_version > to_version,
                standing(),
            )
            .order_by(DecisionRow.id)
        ).all()
        for decision in undone:
            session.add(
                DecisionRow(
                    tenant=tenant,
                    account_id=account_id,
                    draft_id=decision.draft_id,
                    change_id=decision.change_id,
                    action="revert",
                    comment=f"Reverted: plan v{plan.version} has v{to_version}'s content",
                    actor=actor,
                    user_id=user_id,
                    plan_version=plan.version,
                )
            )
        taken_back = len(undone)
    webhooks.record_event(
        session,
        tenant,
        "plan.updated",
        {
            "account_id": account_id,
            "version": plan.version,
            "previous_version": seen_version,
            "reverted_to": to_version,
            "draft_id": draft_id,
            "accepted_change_ids": [],
            "edited_change_ids": [],
            "actor": actor,
            "url": f"/v1/accounts/{account_id}/plan/versions/{plan.version}",
        },
    )
    session.flush()
    return Reverted(account_id, plan.version, to_version, taken_back)
