from __future__ import annotations

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session, selectinload

from app.db import utcnow
from app.drafts.models import DecisionRow, DraftRow


def page(
    session: Session,
    tenant: str,
    *,
    after: str | None,
    limit: int,
    status: str | None = None,
    account_id: str | None = None,
    kind: str | None = None,
) -> list[DraftRow]:
    query = (
        select(DraftRow)
        .where(DraftRow.tenant == tenant)
        .options(selectinload(DraftRow.changes))
        .order_by(DraftRow.id)
        .limit(limit)
    )
    if after:
        query = query.where(DraftRow.id > after)
    if status:
        query = query.where(DraftRow.status == status)
    if account_id:
        query = query.where(DraftRow.account_id == account_id)
    if kind:
        query = query.where(DraftRow.kind == kind)
    return list(session.scalars(query))


def audit_page(
    session: Session, tenant: str, *, after: int | None, limit: int, account_id: str | None = None
) -> list[DecisionRow]:
    query = select(DecisionRow).where(DecisionRow.tenant == tenant).order_by(DecisionRow.id).limit(limit)
    if after is not None:
        query = query.where(DecisionRow.id > after)
    if account_id:
        query = query.where(DecisionRow.account_id == account_id)
    return list(session.scalars(query))


def claim_version(session: Session, tenant: str, draft_id: str, version: int) -> bool:
    """Move the draft from `version` to the next one, unless someone else already did.

    One conditional UPDATE, so of two reviewers deciding on the same version exactly one wins,
    on every database: on SQLite it is also the write that takes the lock, so whatever this
    transaction reads afterwards is current.
    """
    result = session.execute(
        update(DraftRow)
        .where(DraftRow.tenant == tenant, DraftRow.id == draft_id, DraftRow.version == version)
        .values(version=version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    assert isinstance(result, CursorResult)
    return result.rowcount == 1
