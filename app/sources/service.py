"""Importing an account bundle: records and sources into SQL, chunks into the vector store."""

from __future__ import annotations

import hashlib
import json
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session, sessionmaker

from app.accounts import repository as accounts
from app.accounts.models import Account
from app.db import transaction
from app.ids import new_id
from app.plans import repository as plan_store
from app.sources.models import CrmRecordRow, SourceRow
from plans.models import AccountPlan
from plans.vocabulary import DraftKind
from retrieval.bundle import BundleError, load_bundle
from retrieval.chunking import chunk_source
from retrieval.evidence import Bundle
from retrieval.store import ChunkStore


class Counts(BaseModel):
    added: int = 0
    updated: int = 0
    unchanged: int = 0


class ImportReport(BaseModel):
    account_id: str
    external_id: str
    name: str
    account_created: bool
    records: Counts = Field(default_factory=Counts)
    sources: Counts = Field(default_factory=Counts)
    chunks_embedded: int = 0
    skipped: list[str] = Field(default_factory=list, description="Files or records not imported, and why.")
    affected_kinds: list[DraftKind] = Field(
        default_factory=list, description="Draft kinds whose evidence changed; each gets a new draft."
    )
    drafts_queued: list[str] = Field(default_factory=list, description="Ids of the drafts this import queued.")
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.affected_kinds)


# Which evidence can move which part of the plan. Notes and calls can move anything.
_KINDS_BY_SOBJECT: dict[str, set[DraftKind]] = {
    "Contact": {DraftKind.stakeholder_map, DraftKind.qbr_brief},
    "OpportunityContactRole": {DraftKind.stakeholder_map, DraftKind.qbr_brief},
    "Task": {DraftKind.stakeholder_map, DraftKind.qbr_brief},
    "Event": {DraftKind.stakeholder_map, DraftKind.qbr_brief},
    "Account": {DraftKind.whitespace, DraftKind.qbr_brief},
    "Product2": {DraftKind.whitespace, DraftKind.qbr_brief},
    "Asset": {DraftKind.whitespace, DraftKind.qbr_brief},
    "Opportunity": {DraftKind.whitespace, DraftKind.qbr_brief},
    "OpportunityLineItem": {DraftKind.whitespace, DraftKind.qbr_brief},
    "OpportunityCompetitor": {DraftKind.whitespace, DraftKind.qbr_brief},
    "Case": {DraftKind.qbr_brief},
}
_ALL_KINDS = set(DraftKind)


def affected_kinds(sobjects: set[str], source_types: set[str]) -> list[DraftKind]:
    kinds: set[DraftKind] = set()
    for sobject in sobjects:
        kinds |= _KINDS_BY_SOBJECT.get(sobject, {DraftKind.qbr_brief})
    if source_types & {"note", "call"}:
        kinds = set(_ALL_KINDS)
    return [k for k in DraftKind if k in kinds]


def _digest(value: object) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


def import_bundle(
    session: Session,
    store: ChunkStore,
    tenant: str,
    bundle: Bundle,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Upsert everything in the bundle; unchanged evidence is left alone, so a re-import is a no-op."""
    started = time.perf_counter()
    account = accounts.get_by_external_id(session, tenant, bundle.account.id)
    created = account is None
    name = str(bundle.account.get("Name") or bundle.account.id)
    if account is None:
        account = Account(id=new_id("acc"), tenant=tenant, external_id=bundle.account.id, name=name)
        session.add(account)
        session.flush()
        plan_store.save(session, account.id, AccountPlan(version=1), "import", None)
    elif account.name != name:
        account.name = name

    report = ImportReport(
        account_id=account.id,
        external_id=account.external_id,
        name=account.name,
        account_created=created,
        skipped=[str(issue) for issue in bundle.issues],
    )
    changed_sobjects: set[str] = set()
    changed_source_types: set[str] = set()
    for record in bundle.records:
        digest = _digest(record.fields)
        row = session.get(CrmRecordRow, (tenant, record.id))
        if row is None:
            session.add(
                CrmRecordRow(
                    tenant=tenant,
                    id=record.id,
                    account_id=account.id,
                    sobject=record.type,
                    fields=record.fields,
                    content_hash=digest,
                )
            )
            report.records.added += 1
            changed_sobjects.add(record.type)
        elif row.content_hash != digest or row.account_id != account.id:
            row.fields, row.content_hash, row.sobject = record.fields, digest, record.type
            row.account_id = account.id
            report.records.updated += 1
            changed_sobjects.add(record.type)
        else:
            report.records.unchanged += 1

    for source in bundle.sources:
        digest = _digest([source.title, source.date, source.text, source.metadata])
        source_row = session.get(SourceRow, (tenant, source.id))
        if source_row is None:
            session.add(
                SourceRow(
                    tenant=tenant,
                    id=source.id,
                    account_id=account.id,
                    type=str(source.type),
                    title=source.title,
                    date=source.date,
                    text=source.text,
                    meta=source.metadata,
                    origin=source.origin,
                    content_hash=digest,
                )
            )
            report.sources.added += 1
            changed_source_types.add(str(source.type))
        elif source_row.content_hash != digest or source_row.account_id != account.id:
            source_row.title, source_row.date, source_row.text = source.title, source.date, source.text
            source_row.meta, source_row.origin, source_row.content_hash = source.metadata, source.origin, digest
            source_row.type, source_row.account_id = str(source.type), account.id
            report.sources.updated += 1
            changed_source_types.add(str(source.type))
        else:
            report.sources.unchanged += 1
    session.flush()

    chunks = [chunk for source in bundle.sources for chunk in chunk_source(source)]
    types = {source.id: str(source.type) for source in bundle.sources}
    report.chunks_embedded = store.upsert(tenant, account.id, chunks, source_types=types, progress=progress)
    report.affected_kinds = affected_kinds(changed_sobjects, changed_source_types)
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def import_folder(
    sessions: sessionmaker[Session],
    store: ChunkStore,
    tenant: str,
    folder: Path,
    root: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Read a bundle folder and import it in one transaction; `root` names the account's Account Id."""
    bundle = load_bundle(folder, root)
    with transaction(sessions) as session:
        return import_bundle(session, store, tenant, bundle, progress)


class UnsafeArchive(ValueError):
    """A zip whose members would land outside the folder it is extracted to."""


def extract_bundle_zip(archive: Path, into: Path) -> Path:
    """Unpack an uploaded bundle zip safely and return the folder that holds `crm/`."""
    with zipfile.ZipFile(archive) as zf:
        root = into.resolve()
        for member in zf.infolist():
            target = (root / member.filename).resolve()
            if not target.is_relative_to(root):
                raise UnsafeArchive(f"zip member {member.filename!r} escapes the bundle folder")
        zf.extractall(root)
    candidates = sorted(p.parent for p in root.rglob("crm") if p.is_dir())
    if not candidates:
        raise BundleError("the zip holds no crm/ folder; zip the bundle folder itself")
    return min(candidates, key=lambda p: len(p.parts))
