"""Evidence pushed by a CRM plugin into an existing account: record batches, notes and calls.

Every push goes through the same importer as a bundle (`import_bundle`), so a re-push of the same
evidence changes nothing and new evidence queues the drafts it affects. A record batch is checked
whole before anything is written: one malformed record rejects the batch, naming it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field
from sqlalchemy import delete
from sqlalchemy.orm import Session

from app.accounts.models import Account
from app.problems import Problem
from app.sources import repository
from app.sources.models import CrmRecordRow, SourceRow
from app.sources.service import ImportReport, affected_kinds, import_bundle
from plans.vocabulary import DraftKind
from retrieval.bundle import load_calls, load_notes
from retrieval.evidence import Bundle, CrmRecord, ImportIssue
from retrieval.salesforce import record_labels, render_record
from retrieval.store import ChunkStore

MAX_BATCH = 5_000
API_ORIGIN = "api"


class RecordBatch(BaseModel):
    """Salesforce-shaped records to upsert (by Id) and Ids to delete, in one account."""

    records: list[dict[str, Any]] = Field(
        default_factory=list, max_length=MAX_BATCH, description='Each {"attributes": {"type": ...}, "Id": ..., ...}.'
    )
    deleted: list[str] = Field(default_factory=list, max_length=MAX_BATCH, description="Record Ids to delete.")


class NoteIn(BaseModel):
    """A note as JSON; its text is Markdown."""

    text: str = Field(min_length=1, max_length=2_000_000)
    id: str | None = Field(default=None, max_length=200)
    title: str | None = Field(default=None, max_length=500)
    date: str | None = Field(default=None, max_length=100, description="2026-09-12, or Sep 12, 2026, …")
    author: str | None = Field(default=None, max_length=200)


def push_records(
    session: Session, store: ChunkStore, tenant: str, account: Account, batch: RecordBatch
) -> ImportReport:
    """Upsert and delete records of one account; nothing is written when any record is malformed."""
    pushed = _checked(batch.records)
    existing = {record.id: record for record in repository.records_of(session, tenant, account.id)}
    unknown = [record_id for record_id in batch.deleted if record_id not in existing]
    if unknown:
        raise Problem(
            422, "Unknown records", f"No record {', '.join(map(repr, unknown[:10]))} in account {account.id}."
        )
    if account.external_id in batch.deleted:
        raise Problem(422, "Cannot delete the account", "The account's own Account record cannot be deleted.")
    merged = {**existing, **{record.id: record for record in pushed}}
    for record_id in batch.deleted:
        merged.pop(record_id)
    parent = merged.get(account.external_id)
    if parent is None:
        raise Problem(422, "Account record missing", f"The account's Account record {account.external_id} is unknown.")
    origins = {row.id: row.origin for row in _source_rows(session, tenant, list(merged))}
    labels = record_labels(merged.values())
    sources = [render_record(r, labels, origins.get(r.id) or API_ORIGIN) for r in merged.values()]
    bundle = Bundle(account=parent, records=list(merged.values()), sources=sources)
    report = import_bundle(session, store, tenant, bundle)
    if batch.deleted:
        gone = {existing[record_id].type for record_id in batch.deleted}
        session.execute(delete(CrmRecordRow).where(CrmRecordRow.tenant == tenant, CrmRecordRow.id.in_(batch.deleted)))
        session.execute(delete(SourceRow).where(SourceRow.tenant == tenant, SourceRow.id.in_(batch.deleted)))
        store.delete_sources(tenant, account.id, batch.deleted)
        kinds = set(report.affected_kinds) | set(affected_kinds(gone, set()))
        report.affected_kinds = [kind for kind in DraftKind if kind in kinds]
    return report


def push_files(
    session: Session,
    store: ChunkStore,
    tenant: str,
    account: Account,
    folder: Path,
    kind: str,
    max_evidence_bytes: int | None = None,
) -> ImportReport:
    """Import the notes (kind "notes") or calls ("calls") written under `folder`/`kind`; one over
    `max_evidence_bytes` of text is skipped and reported."""
    issues: list[ImportIssue] = []
    sources = load_notes(folder, issues) if kind == "notes" else load_calls(folder, issues)
    if not sources:
        detail = "; ".join(str(issue) for issue in issues) or f"no {kind[:-1]} in the upload"
        raise Problem(422, f"No {kind[:-1]} could be read", detail, issues=[str(i) for i in issues])
    row = session.get(CrmRecordRow, (tenant, account.external_id))
    parent = (
        CrmRecord(type=row.sobject, id=row.id, fields=row.fields)
        if row is not None
        else CrmRecord(type="Account", id=account.external_id, fields={"Name": account.name})
    )
    bundle = Bundle(account=parent, records=[], sources=sources, issues=issues)
    return import_bundle(session, store, tenant, bundle, max_evidence_bytes=max_evidence_bytes)


def note_file(note: NoteIn) -> str:
    """The JSON note as a Markdown file with front matter, read by the same parser as a bundle's."""
    front = {key: value for key, value in note.model_dump(exclude={"text"}).items() if value}
    header = f"---\n{yaml.safe_dump(front, allow_unicode=True, sort_keys=False)}---\n" if front else ""
    return header + note.text


def _checked(raw_records: list[dict[str, Any]]) -> list[CrmRecord]:
    problems: list[str] = []
    records: list[CrmRecord] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_records):
        attributes = raw.get("attributes")
        sobject = attributes.get("type") if isinstance(attributes, dict) else None
        record_id = raw.get("Id")
        if not isinstance(sobject, str) or not sobject:
            problems.append(f"records[{index}]: attributes.type is missing")
        elif not isinstance(record_id, str) or not record_id.strip():
            problems.append(f"records[{index}] ({sobject}): Id is missing")
        elif record_id in seen:
            problems.append(f"records[{index}] ({sobject}): Id {record_id} appears twice in the batch")
        else:
            seen.add(record_id)
            fields = {k: v for k, v in raw.items() if k != "attributes"}
            records.append(CrmRecord(type=sobject, id=record_id, fields=fields))
    if problems:
        raise Problem(422, "Malformed records", "; ".join(problems[:10]), errors=problems)
    return records


def _source_rows(session: Session, tenant: str, ids: list[str]) -> list[SourceRow]:
    return list(repository.titles(session, tenant, ids).values())
