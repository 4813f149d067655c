from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile

from app.deps import Integration, Reader, SessionDep, StateDep
from app.problems import Problem, not_found
from app.sources import repository
from app.sources.schemas import SourcePublic
from app.sources.service import ImportReport, UnsafeArchive, extract_bundle_zip, import_folder
from retrieval.bundle import BundleError

router = APIRouter(prefix="/v1", tags=["sources"])

MAX_UPLOAD_BYTES = 200 * 1024 * 1024


@router.get("/sources/{source_id}", response_model=SourcePublic)
def get_source(source_id: str, session: SessionDep, principal: Reader) -> SourcePublic:
    """One piece of evidence, as cited by changes."""
    row = repository.get(session, principal.tenant, source_id)
    if row is None:
        raise not_found("Source", source_id)
    return SourcePublic.model_validate(row, from_attributes=True)


@router.post("/import", response_model=ImportReport)
def import_bundle_zip(
    state: StateDep,
    principal: Integration,
    bundle: Annotated[UploadFile, File(description="A zip of one account bundle folder.")],
    root: Annotated[
        str | None,
        Form(description="The account's Account Id, when the bundle holds several top-level Accounts."),
    ] = None,
) -> ImportReport:
    """Import an uploaded account bundle; re-importing the same bundle changes nothing.

    Evidence that changed queues a draft of each kind it affects, after a short quiet period
    per account, and a new draft supersedes an older pending one of the same kind.
    """
    with tempfile.TemporaryDirectory(prefix="planwright-import-") as tmp:
        archive = Path(tmp) / "bundle.zip"
        size = 0
        with archive.open("wb") as out:
            while chunk := bundle.file.read(1 << 20):
                size += len(chunk)
                if size > MAX_UPLOAD_BYTES:
                    raise Problem(413, "Bundle too large", f"The limit is {MAX_UPLOAD_BYTES >> 20} MiB.")
                out.write(chunk)
        try:
            folder = extract_bundle_zip(archive, Path(tmp) / "bundle")
            report = import_folder(state.sessions, state.store, principal.tenant, folder, root or None)
        except zipfile.BadZipFile as exc:
            raise Problem(422, "Not a zip file", "Upload the bundle folder as a .zip.") from exc
        except BundleError as exc:
            # The per-file issues usually say why (every record skipped, a file unreadable).
            raise Problem(
                422, "Bundle cannot be imported", str(exc), issues=[str(issue) for issue in exc.issues]
            ) from exc
        except UnsafeArchive as exc:
            raise Problem(422, "Bundle cannot be imported", str(exc)) from exc
    if state.settings.auto_draft and report.affected_kinds:
        state.scheduler.evidence_changed(principal.tenant, report.account_id, report.affected_kinds)
    return report
