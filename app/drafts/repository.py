from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    CursorResult,
    Row,
    Select,
    bindparam,
    case,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, aliased

from app.db import utcnow
from app.drafts.models import DecisionRow, DraftChangeRow, DraftRow, DraftTriggerRow


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
    query = select(DraftRow).where(DraftRow.tenant == tenant).order_by(DraftRow.id).limit(limit)
    if after:
        query = query.where(DraftRow.id > after)
    if status:
        query = query.where(DraftRow.status == status)
    if account_id:
        query = query.where(DraftRow.account_id == account_id)
    if kind:
        query = query.where(DraftRow.kind == kind)
    return list(session.scalars(query))


def summaries(session: Session | Connection, tenant: str, *, limit: int, **filters: str | None) -> list[Row[Any]]:
    """The queue's lines in one statement: a draft's own columns (no JSON) and its change counts, which the
    changes' primary key (draft_id, id) finds without loading a payload. The filters, order and page are
    `page`'s: after, status, account_id, kind."""
    given = {name: value for name, value in filters.items() if value}
    params = {"tenant": tenant, "limit": limit, **given}
    return list(session.execute(_summaries_statement(frozenset(given)), params).all())


@functools.cache
def _summaries_statement(filters: frozenset[str]) -> Select[Any]:
    """One statement per combination of filters, built once (building and keying a statement on every request
    cost more than running it); the values go in as bound parameters."""
    drafts, changes = DraftRow.__table__.c, DraftChangeRow.__table__.c
    wanted = {
        "after": drafts.id > bindparam("after"),
        "status": drafts.status == bindparam("status"),
        "account_id": drafts.account_id == bindparam("account_id"),
        "kind": drafts.kind == bindparam("kind"),
    }
    of_draft = changes.draft_id == drafts.id
    undecided = select(func.count()).where(of_draft, changes.decision.is_(None)).scalar_subquery()
    return (
        select(
            drafts.id, drafts.account_id, drafts.kind, drafts.status, drafts.version, drafts.engine, drafts.created_at,
            select(func.count()).where(of_draft).scalar_subquery().label("change_count"),
            undecided.label("undecided_count"),
        )
        .where(drafts.tenant == bindparam("tenant"), *(wanted[name] for name in sorted(filters)))
        .order_by(drafts.id)
        .limit(bindparam("limit"))
    )  # fmt: skip


class DraftDetail:
    """A draft's row and its changes' rows, read as plain rows (no ORM objects to build and track): it reads
    like a `DraftRow` with its changes loaded, so `views.draft_public` takes either."""

    def __init__(self, draft: Row[Any], changes: list[Row[Any]]) -> None:
        self._draft = draft
        self.changes = changes

    def __getattr__(self, name: str) -> Any:
        return getattr(self._draft, name)


def draft_detail(session: Session | Connection, tenant: str, draft_id: str) -> DraftDetail | None:
    """A draft with its changes in position order, for reading only: two statements built once."""
    draft = session.execute(_DETAIL, {"tenant": tenant, "draft_id": draft_id}).first()
    if draft is None:
        return None
    return DraftDetail(draft, list(session.execute(_DETAIL_CHANGES, {"draft_id": draft_id}).all()))


_DETAIL = select(DraftRow.__table__).where(
    DraftRow.__table__.c.tenant == bindparam("tenant"), DraftRow.__table__.c.id == bindparam("draft_id")
)
_DETAIL_CHANGES = (
    select(DraftChangeRow.__table__)
    .where(DraftChangeRow.__table__.c.draft_id == bindparam("draft_id"))
    .order_by(DraftChangeRow.__table__.c.position)
)


def change_counts(session: Session, draft_ids: Iterable[str]) -> dict[str, tuple[int, int]]:
    """Each draft's (changes, undecided changes), counted in SQL: the queue never loads a change's payload."""
    ids = list(draft_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(
            DraftChangeRow.draft_id,
            func.count(),
            func.sum(case((DraftChangeRow.decision.is_(None), 1), else_=0)),
        )
        .where(DraftChangeRow.draft_id.in_(ids))
        .group_by(DraftChangeRow.draft_id)
    )
    return {draft_id: (int(total), int(undecided or 0)) for draft_id, total, undecided in rows}


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


def record_triggers(
    session: Session,
    tenant: str,
    account_id: str,
    kinds: Iterable[str],
    now: datetime,
    quiet_s: float,
    max_wait_s: float,
) -> datetime:
    """Ask for drafts of `kinds` once the account has been quiet for `quiet_s`; a later change pushes
    that on, but never past `max_wait_s` after the first change not yet drafted. Returns when they are due.

    An upsert, so two imports of one account at once both land, on SQLite and PostgreSQL alike.
    """
    kinds = list(kinds)
    if not kinds:
        return now
    waiting = session.scalars(
        select(DraftTriggerRow.first_at).where(
            DraftTriggerRow.tenant == tenant, DraftTriggerRow.account_id == account_id, DraftTriggerRow.kind.in_(kinds)
        )
    ).all()
    first_at = min([*waiting, now])
    due = min(now + timedelta(seconds=quiet_s), first_at + timedelta(seconds=max_wait_s))
    rows = [
        {"tenant": tenant, "account_id": account_id, "kind": kind, "not_before": due, "first_at": first_at}
        for kind in kinds
    ]
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(DraftTriggerRow).values(rows)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["tenant", "account_id", "kind"], set_={"not_before": statement.excluded.not_before}
        )
    )
    return due


def due_triggers(session: Session, now: datetime, *, everything: bool = False) -> list[DraftTriggerRow]:
    query = select(DraftTriggerRow).order_by(DraftTriggerRow.not_before)
    if not everything:
        query = query.where(DraftTriggerRow.not_before <= now)
    return list(session.scalars(query))


def take_trigger(session: Session, trigger: DraftTriggerRow) -> bool:
    """Remove a due trigger to act on it, unless newer evidence moved it on or another process took it."""
    result = session.execute(
        delete(DraftTriggerRow)
        .where(
            DraftTriggerRow.tenant == trigger.tenant,
            DraftTriggerRow.account_id == trigger.account_id,
            DraftTriggerRow.kind == trigger.kind,
            DraftTriggerRow.not_before == trigger.not_before,
        )
        .execution_options(synchronize_session=False)
    )
    assert isinstance(result, CursorResult)
    return result.rowcount == 1


UNDOING = ("undo", "revert")  # audit rows that take back an earlier decision (app/drafts/bulk.py, app/plans/revert.py)


def standing() -> ColumnElement[bool]:
    """A decision (accept, reject, edit) no later undo or revert took back."""
    later = aliased(DecisionRow)
    taken_back = (
        select(later.id)
        .where(
            later.draft_id == DecisionRow.draft_id,
            later.change_id == DecisionRow.change_id,
            later.id > DecisionRow.id,
            later.action.in_(UNDOING),
        )
        .exists()
    )
    return DecisionRow.action.not_in(UNDOING) & ~taken_back


def decisions_of(session: Session, tenant: str, draft_id: str) -> dict[str, DecisionRow]:
    """Who decided each decided change of a draft, when, and with what comment (an undone decision is no longer
    one; a reverted one still is: the change stays decided, only the plan went back)."""
    query = select(DecisionRow).where(DecisionRow.tenant == tenant, DecisionRow.draft_id == draft_id)
    found: dict[str, DecisionRow] = {}
    for row in session.scalars(query.order_by(DecisionRow.id)):
        if row.action == "undo":
            found.pop(row.change_id, None)
        elif row.action != "revert":
            found[row.change_id] = row
    return found


def account_decisions(session: Session, tenant: str, account_id: str) -> list[tuple[DecisionRow, DraftChangeRow]]:
    """Every standing decision on the account's drafts with the change it decided, oldest first."""
    query = (
        select(DecisionRow, DraftChangeRow)
        .join(
            DraftChangeRow,
            (DraftChangeRow.draft_id == DecisionRow.draft_id) & (DraftChangeRow.id == DecisionRow.change_id),
        )
        .where(DecisionRow.tenant == tenant, DecisionRow.account_id == account_id, standing())
        .order_by(DecisionRow.id)
    )
    return [(decision, change) for decision, change in session.execute(query).tuples()]


def undecided_changes(session: Session, draft_ids: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    """Each draft's undecided changes as stored, in draft order: the UI's queue ranks drafts by them."""
    ids = list(draft_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(DraftChangeRow.draft_id, DraftChangeRow.change)
        .where(DraftChangeRow.draft_id.in_(ids), DraftChangeRow.decision.is_(None))
        .order_by(DraftChangeRow.draft_id, DraftChangeRow.position)
    )
    found: dict[str, list[dict[str, Any]]] = {}
    for draft_id, change in rows:
        found.setdefault(draft_id, []).append(change)
    return found
