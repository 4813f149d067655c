"""Importing an account bundle: records and sources into SQL, chunks into the vector store."""

from __future__ import annotations

import errno
import hashlib
import json
import time
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session, sessionmaker

from app.accounts import repository as accounts
from app.accounts.models import Account
from app.db import transaction, utcnow
from app.ids import new_id
from app.plans import repository as plan_store
from app.sources.models import CrmRecordRow, SourceRow
from app.uploads import human_bytes
from plans.models import AccountPlan
from plans.vocabulary import DraftKind
from retrieval.bundle import BundleError, load_bundle
from retrieval.chunking import chunk_source
from retrieval.evidence import Bundle, ImportIssue, Source, SourceType
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
    drafts_queued: list[str] = Field(
        default_factory=list, description="Ids of the drafts this import started at once (the CLI's `import`)."
    )
    drafts_due_at: datetime | None = Field(
        default=None,
        description="When the drafts of `affected_kinds` are queued: after the account's quiet period, unless "
        "more evidence arrives first (API imports and pushes). Recorded with the import, so never lost.",
    )
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
    max_evidence_bytes: int | None = None,
) -> ImportReport:
    """Upsert everything in the bundle; unchanged evidence is left alone, so a re-import is a no-op.

    A note or call whose text is over `max_evidence_bytes` (UTF-8) is skipped and reported."""
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
    sources = _within(bundle.sources, max_evidence_bytes, report.skipped)
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

    for source in sources:
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
            source_row.imported_at = utcnow()  # new content is new evidence (agents/decisions.py)
            report.sources.updated += 1
            changed_source_types.add(str(source.type))
        else:
            report.sources.unchanged += 1
    session.flush()

    chunks = [chunk for source in sources for chunk in chunk_source(source)]
    types = {source.id: str(source.type) for source in sources}
    report.chunks_embedded = store.upsert(tenant, account.id, chunks, source_types=types, progress=progress)
    report.affected_kinds = affected_kinds(changed_sobjects, changed_source_types)
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def _within(sources: list[Source], max_bytes: int | None, skipped: list[str]) -> list[Source]:
    """The sources to import; a note or call over `max_bytes` of text goes to `skipped` instead.

    One such file would otherwise hold the write lock and the embedder for minutes, for evidence no
    reviewer reads whole."""
    if max_bytes is None:
        return sources
    kept = []
    for source in sources:
        size = len(source.text.encode())
        if source.type != SourceType.crm and size > max_bytes:
            issue = ImportIssue(
                path=source.origin or source.id,
                message=f"{human_bytes(size)} of text, over the limit of {human_bytes(max_bytes)} "
                f"for one {source.type}; skipped",
            )
            skipped.append(str(issue))
        else:
            kept.append(source)
    return kept


def import_folder(
    sessions: sessionmaker[Session],
    store: ChunkStore,
    tenant: str,
    folder: Path,
    root: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    max_evidence_bytes: int | None = None,
    after: Callable[[Session, ImportReport], None] | None = None,
) -> ImportReport:
    """Read a bundle folder and import it in one transaction; `root` names the account's Account Id.
    `after` runs in that transaction once the import is done (e.g. to record the drafts it asks for)."""
    bundle = load_bundle(folder, root)
    with transaction(sessions) as session:
        report = import_bundle(session, store, tenant, bundle, progress, max_evidence_bytes)
        if after is not None:
            after(session, report)
        return report


class UnsafeArchive(ValueError):
    """A zip that cannot be unpacked as it is: a member escapes the folder, clashes, is misnamed or unreadable."""


class ArchiveTooLarge(ValueError):
    """A zip that holds, or unpacks to, more than its limits allow."""


@dataclass(frozen=True)
class ZipLimits:
    """What an uploaded zip may hold: members (files and folders), bytes per unpacked file, bytes in all."""

    members: int
    member_bytes: int
    total_bytes: int


# A bundle's text compresses perhaps 5-20 to 1; zeros compress over 1,000 to 1. Small files are
# exempt, so a short file of repeated lines is never taken for a bomb.
MAX_COMPRESSION_RATIO = 100
_RATIO_EXEMPT_BYTES = 1 << 20
# Linux and macOS file systems take 255 bytes per name; a bundle's paths are far shorter in all.
_NAME_MAX = 255
_PATH_MAX = 1024


def extract_bundle_zip(archive: Path | IO[bytes], into: Path, limits: ZipLimits) -> Path:
    """Unpack an uploaded bundle zip within `limits` and return the folder that holds `crm/`.

    Every member is checked against the zip's directory before anything is written, then the bytes
    actually unpacked are counted (the directory's sizes are not trusted). Errors name the member by
    its path inside the zip, never by where it was unpacked; what was written is the caller's to remove."""
    root = into.resolve()
    with zipfile.ZipFile(archive) as zf:
        infos = zf.infolist()
        if len(infos) > limits.members:
            raise ArchiveTooLarge(f"the zip holds {len(infos):,} files and folders; the limit is {limits.members:,}")
        members = [(member, _target(member, root)) for member in infos]
        _check_directory(members, root, limits)
        unpacked = 0
        for member, target in members:
            unpacked += _unpack(zf, member, target, limits.total_bytes - unpacked, limits)
    candidates = sorted(p.parent for p in root.rglob("crm") if p.is_dir())
    if not candidates:
        raise BundleError("the zip holds no crm/ folder; zip the bundle folder itself")
    return min(candidates, key=lambda p: len(p.parts))


def _target(member: zipfile.ZipInfo, root: Path) -> Path:
    name = member.filename
    encoded = name.encode("utf-8", "surrogateescape")
    if len(encoded) > _PATH_MAX or any(len(part) > _NAME_MAX for part in encoded.split(b"/")):
        raise UnsafeArchive(
            f"zip member {name!r} has too long a name: at most {_NAME_MAX} bytes per folder or file name "
            f"and {_PATH_MAX:,} in all"
        )
    target = (root / name).resolve()
    if not target.is_relative_to(root):
        raise UnsafeArchive(f"zip member {name!r} escapes the bundle folder")
    if target == root and not member.is_dir():
        raise UnsafeArchive(f"zip member {name!r} has no file name")
    return target


def _check_directory(members: list[tuple[zipfile.ZipInfo, Path]], root: Path, limits: ZipLimits) -> None:
    """Refuse from the zip's own directory, before writing: encryption, sizes, ratios, file/folder clashes."""
    files: dict[Path, str] = {}
    folders: set[Path] = set()
    declared = 0
    for member, target in members:
        if member.flag_bits & 0x1:
            raise UnsafeArchive(f"zip member {member.filename!r} is encrypted; zip the bundle without a password")
        _check_size(member, member.file_size, limits)
        declared += member.file_size
        if declared > limits.total_bytes:
            raise _too_much(limits)
        folders.update(parent for parent in target.parents if parent.is_relative_to(root))
        if member.is_dir():
            folders.add(target)
        else:
            files[target] = member.filename
    if clashes := sorted(set(files) & folders):
        raise UnsafeArchive(f"zip member {files[clashes[0]]!r} is a file, and other members have it as their folder")


def _unpack(zf: zipfile.ZipFile, member: zipfile.ZipInfo, target: Path, room: int, limits: ZipLimits) -> int:
    """Write one member, counting the bytes as they come; returns how many were written."""
    written = 0
    try:
        if member.is_dir():
            target.mkdir(parents=True, exist_ok=True)
            return 0
        target.parent.mkdir(parents=True, exist_ok=True)
        with zf.open(member) as source, target.open("wb") as out:
            while block := source.read(1 << 16):
                written += len(block)
                _check_size(member, written, limits)
                if written > room:
                    raise _too_much(limits)
                out.write(block)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
        raise UnsafeArchive(f"zip member {member.filename!r} cannot be unpacked: {exc}") from exc
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise
        # str(exc) would name the server's temporary folder; the reason alone does not.
        raise UnsafeArchive(f"zip member {member.filename!r} cannot be unpacked: {exc.strerror}") from exc
    return written


def _check_size(member: zipfile.ZipInfo, size: int, limits: ZipLimits) -> None:
    if size > limits.member_bytes:
        raise ArchiveTooLarge(
            f"zip member {member.filename!r} unpacks to more than {human_bytes(limits.member_bytes)}, "
            "the limit for one file"
        )
    if size > _RATIO_EXEMPT_BYTES and size > MAX_COMPRESSION_RATIO * max(member.compress_size, 1):
        raise ArchiveTooLarge(
            f"zip member {member.filename!r} unpacks to over {MAX_COMPRESSION_RATIO} times its compressed size "
            f"({human_bytes(member.compress_size)}); a bundle's files never compress that well, a zip bomb's do"
        )


def _too_much(limits: ZipLimits) -> ArchiveTooLarge:
    return ArchiveTooLarge(f"the zip unpacks to more than {human_bytes(limits.total_bytes)} in all, the limit")
