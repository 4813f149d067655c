from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.plans.models import PlanVersionRow
from plans.models import AccountPlan


def get_version(session: Session, account_id: str, version: int) -> AccountPlan | None:
    row = session.get(PlanVersionRow, (account_id, version))
    return AccountPlan.model_validate(row.plan) if row else None


def latest(session: Session, account_id: str) -> AccountPlan:
    row = session.scalar(
        select(PlanVersionRow)
        .where(PlanVersionRow.account_id == account_id)
        .order_by(PlanVersionRow.version.desc())
        .limit(1)
    )
    return AccountPlan.model_validate(row.plan) if row else AccountPlan(version=1)


def save(
    session: Session,
    account_id: str,
    plan: AccountPlan,
    created_by: str,
    draft_id: str | None,
    reverted_to: int | None = None,
    note: str | None = None,
) -> None:
    session.add(
        PlanVersionRow(
            account_id=account_id,
            version=plan.version,
            plan=plan.model_dump(mode="json"),
            created_by=created_by,
            draft_id=draft_id,
            reverted_to=reverted_to,
            note=note,
        )
    )


def history(session: Session, account_id: str) -> list[PlanVersionRow]:
    return list(
        session.scalars(
            select(PlanVersionRow)
            .where(PlanVersionRow.account_id == account_id)
            .order_by(PlanVersionRow.version.desc())
        )
    )
