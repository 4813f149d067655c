from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.sources.models import CrmRecordRow, SourceRow
from retrieval.evidence import CrmRecord, Source, SourceType


def get(session: Session, tenant: str, source_id: str) -> SourceRow | None:
    return session.get(SourceRow, (tenant, source_id))


def sources_of(session: Session, tenant: str, account_id: str) -> list[Source]:
    rows = session.scalars(
        select(SourceRow).where(SourceRow.tenant == tenant, SourceRow.account_id == account_id).order_by(SourceRow.id)
    )
    return [to_source(r) for r in rows]


def records_of(session: Session, tenant: str, account_id: str) -> list[CrmRecord]:
    rows = session.scalars(
        select(CrmRecordRow)
        .where(CrmRecordRow.tenant == tenant, CrmRecordRow.account_id == account_id)
        .order_by(CrmRecordRow.id)
    )
    return [CrmRecord(type=r.sobject, id=r.id, fields=r.fields) for r in rows]


def to_source(row: SourceRow) -> Source:
    # Validated when it was imported; validating every source of a big account again on each
    # draft cost a third of the draft's time at 10,000 notes.
    return Source.model_construct(
        id=row.id,
        type=SourceType(row.type),
        title=row.title,
        date=row.date,
        text=row.text,
        metadata=row.meta or {},
        origin=row.origin,
    )


def titles(session: Session, tenant: str, source_ids: list[str]) -> dict[str, SourceRow]:
    if not source_ids:
        return {}
    rows = session.scalars(select(SourceRow).where(SourceRow.tenant == tenant, SourceRow.id.in_(set(source_ids))))
    return {r.id: r for r in rows}


def imported_times(session: Session, tenant: str, account_id: str) -> dict[str, datetime]:
    """When each source of the account got its current content: newer evidence than a reviewer's decision."""
    query = select(SourceRow.id, SourceRow.imported_at).where(
        SourceRow.tenant == tenant, SourceRow.account_id == account_id
    )
    return {source_id: imported for source_id, imported in session.execute(query).tuples()}


def records_of_types(
    session: Session, tenant: str, account_ids: Iterable[str], sobjects: Iterable[str]
) -> dict[str, list[CrmRecord]]:
    """The accounts' CRM records of these sObject types, by account."""
    ids, types = list(account_ids), list(sobjects)
    if not ids or not types:
        return {}
    rows = session.scalars(
        select(CrmRecordRow)
        .where(CrmRecordRow.tenant == tenant, CrmRecordRow.account_id.in_(ids), CrmRecordRow.sobject.in_(types))
        .order_by(CrmRecordRow.id)
    )
    found: dict[str, list[CrmRecord]] = {}
    for r in rows:
        found.setdefault(r.account_id, []).append(CrmRecord(type=r.sobject, id=r.id, fields=r.fields))
    return found
