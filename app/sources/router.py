from __future__ import annotations

import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Annotated, Any

from fastapi import APIRouter, Header, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile as StarletteUpload

from app.db import transaction
from app.deps import Integration, Reader, SessionDep, StateDep
from app.drafts.service import account_or_404
from app.idempotency import remember, replayed, request_fingerprint
from app.problems import Problem, not_found, problems
from app.sources import repository
from app.sources.ingest import NoteIn, RecordBatch, note_file, push_files, push_records
from app.sources.schemas import SourcePublic
from app.sources.service import (
    ArchiveTooLarge,
    ImportReport,
    UnsafeArchive,
    ZipLimits,
    extract_bundle_zip,
    import_folder,
)
from app.uploads import read_body, read_form
from retrieval.bundle import BundleError

router = APIRouter(prefix="/v1", tags=["sources"])


@router.get("/sources/{source_id}", response_model=SourcePublic, responses=problems(404))
def get_source(source_id: str, session: SessionDep, principal: Reader) -> SourcePublic:
    """One piece of evidence, as cited by changes."""
    row = repository.get(session, principal.tenant, source_id)
    if row is None:
        raise not_found("Source", source_id)
    return SourcePublic.model_validate(row, from_attributes=True)


_BUNDLE_FORM: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["bundle"],
                    "properties": {
                        "bundle": {
                            "type": "string",
                            "format": "binary",
                            "description": "A zip of one account bundle folder.",
                        },
                        "root": {
                            "type": "string",
                            "description": "The account's Account Id, when the bundle holds several top-level "
                            "Accounts.",
                        },
                    },
                }
            }
        },
    }
}


@router.post("/import", response_model=ImportReport, openapi_extra=_BUNDLE_FORM, responses=problems(400, 413))
async def import_bundle_zip(request: Request, state: StateDep, principal: Integration) -> ImportReport:
    """Import an uploaded account bundle; re-importing the same bundle changes nothing.

    Evidence that changed queues a draft of each kind it affects, after a short quiet period
    per account, and a new draft supersedes an older pending one of the same kind. An upload over
    the size limits (the zip, or what it unpacks to) is refused with 413 and imports nothing; a
    note or call over the evidence limit is skipped and reported.
    """
    form = await read_form(request, state.settings.max_upload_bytes)
    try:
        bundle = form.get("bundle")
        if not isinstance(bundle, StarletteUpload):
            raise Problem(422, "No bundle", "Send the bundle zip as a multipart `bundle` field.")
        root = form.get("root")
        report = await run_in_threadpool(
            _import_zip, state, principal.tenant, bundle.file, root if isinstance(root, str) and root else None
        )
    finally:
        await form.close()
    return report


def _import_zip(state: StateDep, tenant: str, archive: IO[bytes], root: str | None) -> ImportReport:
    settings = state.settings
    limits = ZipLimits(settings.max_zip_members, settings.max_zip_member_bytes, settings.max_unzipped_bytes)
    with tempfile.TemporaryDirectory(prefix="planwright-import-") as tmp:
        folder = Path(tmp) / "bundle"
        try:
            folder = extract_bundle_zip(archive, folder, limits)
            return import_folder(
                state.sessions,
                state.store,
                tenant,
                folder,
                root,
                max_evidence_bytes=settings.max_evidence_file_bytes,
                after=_drafts_asked_for(state, tenant),
            )
        except zipfile.BadZipFile as exc:
            raise Problem(422, "Not a zip file", "Upload the bundle folder as a .zip.") from exc
        except ArchiveTooLarge as exc:
            raise Problem(413, "Bundle too large", str(exc)) from exc
        except BundleError as exc:
            # The per-file issues usually say why (every record skipped, a file unreadable).
            raise Problem(
                422,
                "Bundle cannot be imported",
                _in_bundle(str(exc), folder, Path(tmp)),
                issues=[str(issue) for issue in exc.issues],
            ) from exc
        except UnsafeArchive as exc:
            raise Problem(422, "Bundle cannot be imported", str(exc)) from exc


def _in_bundle(message: str, folder: Path, tmp: Path) -> str:
    """The message with the server's temporary folder left out: paths are the bundle's own."""
    for path in (folder, tmp.resolve(), tmp):
        message = message.replace(f"{path}/", "").replace(str(path), "the bundle")
    return message


def _pushed(
    state: StateDep, tenant: str, account_id: str, key: str | None, fingerprint: str, push: Callable[..., ImportReport]
) -> JSONResponse:
    """Run one push in a transaction, honouring Idempotency-Key, and queue the drafts it affects."""
    with transaction(state.sessions) as session:
        if (earlier := replayed(session, tenant, key, fingerprint)) is not None:
            return JSONResponse(earlier.body, status_code=earlier.status_code)
        account = account_or_404(session, tenant, account_id)
        report = push(session, account)
        _drafts_asked_for(state, tenant)(session, report)
        body = report.model_dump(mode="json")
        if key:
            remember(session, tenant, key, fingerprint, 200, body)
    return JSONResponse(body)


def _drafts_asked_for(state: StateDep, tenant: str) -> Callable[[Session, ImportReport], None]:
    """Records, in the import's own transaction, the drafts its changed evidence asks for: once the
    client has its 200, a crash can delay those drafts but not lose them."""

    def record(session: Session, report: ImportReport) -> None:
        if state.settings.auto_draft and report.affected_kinds:
            report.drafts_due_at = state.scheduler.evidence_changed(
                session, tenant, report.account_id, report.affected_kinds
            )

    return record


@router.post("/accounts/{account_id}/records", response_model=ImportReport, responses=problems(404, 409, 413))
async def push_account_records(
    account_id: str,
    request: Request,
    state: StateDep,
    principal: Integration,
    idempotency_key: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    """Upsert Salesforce-shaped records by Id and delete records by Id, in one account.

    Body: `{"records": [{"attributes": {"type": "Contact"}, "Id": "003…", …}], "deleted": ["003…"]}`.
    A malformed batch is rejected whole (422 naming each bad record); nothing of it is written.
    """
    raw = await read_body(request, state.settings.max_push_bytes)
    try:
        batch = RecordBatch.model_validate_json(raw)
    except ValidationError as exc:
        errors = [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        raise Problem(422, "Malformed records", errors[0], errors=errors) from exc
    fingerprint = request_fingerprint("POST", request.url.path, raw)
    return await run_in_threadpool(
        _pushed, state, principal.tenant, account_id, idempotency_key, fingerprint,
        lambda session, account: push_records(session, state.store, principal.tenant, account, batch),
    )  # fmt: skip


@router.post(
    "/accounts/{account_id}/notes", response_model=ImportReport, responses=problems(400, 404, 409, 413, 415)
)
async def push_note(
    account_id: str,
    request: Request,
    state: StateDep,
    principal: Integration,
    idempotency_key: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    """Add or update one note: JSON `{"text", "title"?, "date"?, "author"?, "id"?}` (Markdown text), or a
    multipart `file` in any note format a bundle accepts (.md, .txt, .eml, .docx)."""
    return await _push_file(account_id, request, state, principal.tenant, idempotency_key, "notes")


@router.post(
    "/accounts/{account_id}/calls", response_model=ImportReport, responses=problems(400, 404, 409, 413, 415)
)
async def push_call(
    account_id: str,
    request: Request,
    state: StateDep,
    principal: Integration,
    idempotency_key: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    """Add or update one call: a multipart `file` in any transcript format a bundle accepts, and an
    optional `sidecar` field holding its JSON (`{"id", "date", "title", "attendees"}`)."""
    return await _push_file(account_id, request, state, principal.tenant, idempotency_key, "calls")


async def _push_file(
    account_id: str, request: Request, state: StateDep, tenant: str, key: str | None, kind: str
) -> JSONResponse:
    limit = state.settings.max_push_bytes
    with tempfile.TemporaryDirectory(prefix="planwright-push-") as tmp:
        folder = Path(tmp)
        (folder / kind).mkdir()
        if request.headers.get("content-type", "").startswith("application/json"):
            if kind != "notes":
                raise Problem(415, "Upload a file", "A call is uploaded as a multipart `file`.")
            raw = await read_body(request, limit)
            try:
                note = NoteIn.model_validate_json(raw)
            except ValidationError as exc:
                raise Problem(422, "Malformed note", str(exc.errors()[0]["msg"])) from exc
            (folder / kind / f"{note.id or 'note'}.md").write_text(note_file(note), encoding="utf-8")
        else:
            form = await read_form(request, limit)
            try:
                upload = form.get("file")
                if not isinstance(upload, StarletteUpload) or not upload.filename:
                    raise Problem(422, "No file", f"Send the {kind[:-1]} as a multipart `file` field.")
                name = Path(upload.filename).name
                content = await upload.read()
                sidecar = form.get("sidecar")
            finally:
                await form.close()
            (folder / kind / name).write_bytes(content)
            sidecar_text = sidecar if isinstance(sidecar, str) else ""
            if kind == "calls" and sidecar_text.strip():
                (folder / kind / f"{Path(name).stem}.json").write_text(sidecar_text, encoding="utf-8")
            raw = name.encode() + b"\0" + content + b"\0" + sidecar_text.encode()
        fingerprint = request_fingerprint("POST", request.url.path, raw)
        cap = state.settings.max_evidence_file_bytes
        return await run_in_threadpool(
            _pushed, state, tenant, account_id, key, fingerprint,
            lambda session, account: push_files(session, state.store, tenant, account, folder, kind, cap),
        )  # fmt: skip
