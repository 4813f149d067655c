"""Loading an account bundle folder (crm/, notes/, calls/) into a Bundle.

Only a bundle that is unusable as a whole raises BundleError. Any other problem is
confined to its file: the file is skipped and an ImportIssue names it (and its line,
where known); a CRM record without an Id or a type is skipped alone. `expected.json`
and unknown folders are ignored. Records and sources come in a stable order: CRM
records by file name then file order, then notes, then calls, each by file name.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from retrieval.evidence import Bundle, CrmRecord, ImportIssue, Source
from retrieval.notes import NoteError, NoteProblem, parse_note
from retrieval.salesforce import record_labels, render_record
from retrieval.sources.crm import read_crm
from retrieval.sources.email_note import EmailError, parse_email
from retrieval.sources.folders import bundle_files
from retrieval.sources.outlook_msg import parse_msg
from retrieval.sources.text import Undecodable, decode
from retrieval.sources.word_note import WordError, parse_docx
from retrieval.transcripts import CallFormat, Sidecar, TranscriptError, is_gong, parse_call, parse_sidecar

BINARY_NOTES = {".docx": parse_docx, ".msg": parse_msg}
NOTE_SUFFIXES = (".md", ".markdown", ".txt", ".eml", ".msg", ".docx")
CALL_FORMATS: dict[str, CallFormat] = {".vtt": "vtt", ".srt": "srt", ".txt": "txt", ".sbv": "sbv"}


class BundleError(Exception):
    """The folder is unusable as an account bundle; `issues` holds the file problems seen so far."""

    def __init__(self, message: str, issues: Sequence[ImportIssue] = ()) -> None:
        super().__init__(message)
        self.issues = list(issues)


class _Unreadable(Exception):
    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


def load_bundle(folder: Path, root: str | None = None) -> Bundle:
    """Read one account bundle; BundleError if it lacks crm/ or its account cannot be told.

    The account is `root` (an Account Id in the bundle) when given, else the top of the bundle's
    hierarchy (`_parent_account`)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise BundleError(f"bundle folder not found: {folder}")
    crm_dir = folder / "crm"
    if not crm_dir.is_dir():
        raise BundleError(f"{folder} is not a bundle: it has no crm/ folder of Salesforce JSON")

    issues: list[ImportIssue] = []
    narrative: list[Source] = []
    records, origins = read_crm(crm_dir, folder, issues, narrative)
    account = _root_account(folder, records, root, issues) if root else _parent_account(folder, records, issues)

    labels = record_labels(records)
    sources = [render_record(r, labels, origins[r.id]) for r in records]
    sources += narrative
    sources += load_notes(folder, issues)
    sources += load_calls(folder, issues)
    return Bundle(account=account, records=records, sources=_unique(sources, issues), issues=issues)


def _root_account(folder: Path, records: list[CrmRecord], root: str, issues: list[ImportIssue]) -> CrmRecord:
    found = next((r for r in records if r.type == "Account" and r.id == root), None)
    if found is None:
        accounts = ", ".join(f"{r.id} ({r.get('Name')})" for r in records if r.type == "Account") or "none"
        raise BundleError(
            f"{folder} has no Account {root!r} to import as the account; its Accounts: {accounts}", issues
        )
    return found


def _parent_account(folder: Path, records: list[CrmRecord], issues: list[ImportIssue]) -> CrmRecord:
    """The Account the bundle is about: the one at the top of the bundle's hierarchy.

    Its ParentId is empty or points outside the bundle (a strategic account under a global HQ the
    export left out). Another company's Account that a stray Contact brought along is also at a
    top, so among several tops the one with child Accounts (units) in the bundle wins, then the one
    most records point at.
    """
    accounts = [r for r in records if r.type == "Account"]
    ids = {a.id for a in accounts}
    tops = [a for a in accounts if not a.get("ParentId") or a.get("ParentId") not in ids]
    if len(tops) > 1:
        with_units = [a for a in tops if any(u.get("ParentId") == a.id for u in accounts)]
        tops = with_units or tops
    if len(tops) > 1:
        pointing = {a.id: sum(1 for r in records if r.get("AccountId") == a.id) for a in tops}
        most = max(pointing.values())
        if list(pointing.values()).count(most) == 1:
            tops = [a for a in tops if pointing[a.id] == most]
    if len(tops) == 1:
        return tops[0]
    if not tops:
        raise BundleError(
            f"{folder} has no parent Account: the bundle needs one Account whose ParentId is empty "
            "or points outside the bundle",
            issues,
        )
    found = ", ".join(f"{p.id} ({p.get('Name')})" for p in tops)
    raise BundleError(
        f"{folder} has {len(tops)} top-level Accounts ({found}) and none of them stands out (units, records): "
        "name the account with --root <AccountId> (the API's `root` field), or export one hierarchy per bundle",
        issues,
    )


def load_notes(folder: Path, issues: list[ImportIssue]) -> list[Source]:
    """Every note under `folder`/notes, in any format it accepts; what cannot be read goes to `issues`."""
    sources: list[Source] = []
    for path in bundle_files(folder / "notes", NOTE_SUFFIXES, folder, issues):
        origin = _relative(path, folder)
        problems: list[NoteProblem] = []
        try:
            if path.suffix.lower() in BINARY_NOTES:
                sources.append(BINARY_NOTES[path.suffix.lower()](path.read_bytes(), path.stem, origin))
                continue
            text = _read_text(path, folder, issues)
            if path.suffix.lower() == ".eml":
                sources.append(parse_email(text, path.stem, origin))
            else:
                sources.append(parse_note(text, path.stem, origin, problems))
            issues += [ImportIssue(path=origin, line=p.line, message=p.message) for p in problems]
        except (_Unreadable, NoteError, EmailError, WordError) as exc:
            issues.append(ImportIssue(path=origin, line=exc.line, message=f"{exc}; note skipped"))
    return sources


def load_calls(folder: Path, issues: list[ImportIssue]) -> list[Source]:
    """Every call under `folder`/calls (transcripts, sidecars, Gong exports); what cannot be read goes to `issues`."""
    calls_dir = folder / "calls"
    paths = bundle_files(calls_dir, (*CALL_FORMATS, ".json"), folder, issues)
    transcripts = [p for p in paths if p.suffix.lower() in CALL_FORMATS]
    stems = {p.stem for p in transcripts}
    exports = [p for p in paths if p.suffix.lower() == ".json" and p.stem not in stems and _is_gong(p)]
    for orphan in (p for p in paths if p.suffix.lower() == ".json" and p.stem not in stems and p not in exports):
        issues.append(
            ImportIssue(
                path=_relative(orphan, folder),
                message="sidecar without a .vtt, .srt, .sbv or .txt transcript of the same name; ignored",
            )
        )

    sources: list[Source] = []
    for path in exports:
        origin = _relative(path, folder)
        try:
            sources.append(parse_call(_read_text(path, folder, issues), "gong", path.stem, None, origin))
        except (_Unreadable, TranscriptError) as exc:
            issues.append(ImportIssue(path=origin, line=exc.line, message=f"{exc}; call skipped"))
    for path in transcripts:
        origin = _relative(path, folder)
        sidecar_path = path.with_suffix(".json")
        sidecar: Sidecar | None = None
        if sidecar_path.is_file():
            problems: list[TranscriptError] = []
            try:
                sidecar = parse_sidecar(_read_text(sidecar_path, folder, issues), problems)
                issues += [
                    ImportIssue(path=_relative(sidecar_path, folder), line=p.line, message=str(p)) for p in problems
                ]
            except (_Unreadable, TranscriptError) as exc:
                issues.append(
                    ImportIssue(
                        path=_relative(sidecar_path, folder),
                        line=exc.line,
                        message=f"{exc}; call {origin} skipped",
                    )
                )
                continue
        try:
            fmt = CALL_FORMATS[path.suffix.lower()]
            sources.append(parse_call(_read_text(path, folder, issues), fmt, path.stem, sidecar, origin))
        except (_Unreadable, TranscriptError) as exc:
            issues.append(ImportIssue(path=origin, line=exc.line, message=f"{exc}; call skipped"))
    return sources


def _is_gong(path: Path) -> bool:
    try:
        return is_gong(decode(path.read_bytes()).text)
    except Undecodable:
        return False


def _unique(sources: Iterable[Source], issues: list[ImportIssue]) -> list[Source]:
    seen: dict[str, str] = {}
    kept: list[Source] = []
    for source in sources:
        if source.id in seen:
            issues.append(
                ImportIssue(
                    path=source.origin,
                    message=f"source id {source.id!r} is taken by {seen[source.id]}; skipped",
                )
            )
            continue
        seen[source.id] = source.origin
        kept.append(source)
    return kept


def _read_text(path: Path, folder: Path, issues: list[ImportIssue]) -> str:
    """The file's text, whatever its encoding (retrieval.sources.text), line endings normalized to \\n;
    an encoding that had to be guessed is reported."""
    try:
        decoded = decode(path.read_bytes())
    except Undecodable as exc:
        raise _Unreadable(str(exc), exc.line) from exc
    if decoded.guessed:
        issues.append(ImportIssue(path=_relative(path, folder), message=f"not UTF-8; read as {decoded.encoding}"))
    return decoded.text


def _relative(path: Path, folder: Path) -> str:
    return path.relative_to(folder).as_posix()
