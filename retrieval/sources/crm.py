"""A bundle's crm/ folder, in whatever shapes its files come: every file, subfolders included,
read by its format, then checked as a whole (tree-export references, paged results)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from retrieval.evidence import CrmRecord, ImportIssue, Source
from retrieval.sources.folders import bundle_files
from retrieval.sources.hubspot import is_hubspot, is_hubspot_csv, parse_hubspot, parse_hubspot_csv
from retrieval.sources.records import CrmFile, CrmFileError, Page
from retrieval.sources.salesforce_csv import parse_csv
from retrieval.sources.salesforce_json import load_json, parse_salesforce
from retrieval.sources.salesforce_report import is_report, parse_report
from retrieval.sources.text import Undecodable, decode

CRM_SUFFIXES = (".json", ".csv")


def read_crm(
    crm_dir: Path, folder: Path, issues: list[ImportIssue], narrative: list[Source] | None = None
) -> tuple[list[CrmRecord], dict[str, str]]:
    """Every record under `crm_dir` (by path, then file order) and the file each came from; what people
    wrote inside CRM records (HubSpot notes, emails, call notes) is added to `narrative` as notes."""
    by_id: dict[str, CrmRecord] = {}  # in the order first read
    origins: dict[str, str] = {}
    pages: list[tuple[str, Page]] = []
    implied: set[str] = set()
    for path in bundle_files(crm_dir, CRM_SUFFIXES, folder, issues, recursive=True):
        origin = path.relative_to(folder).as_posix()
        try:
            decoded = decode(path.read_bytes())
            parsed = (
                _parse_csv(decoded.text, path.stem)
                if path.suffix.lower() == ".csv"
                else _parse_json(decoded.text, path.stem)
            )
        except (Undecodable, CrmFileError) as exc:
            issues.append(ImportIssue(path=origin, line=exc.line, message=f"{exc}; file skipped"))
            continue
        if decoded.guessed:
            issues.append(ImportIssue(path=origin, message=f"not UTF-8; read as {decoded.encoding}"))
        issues += [ImportIssue(path=origin, line=p.line, message=p.message) for p in parsed.problems]
        pages += [(origin, page) for page in parsed.pages]
        if narrative is not None:
            narrative += [source.model_copy(update={"origin": origin}) for source in parsed.sources]
        _keep(parsed, origin, by_id, origins, issues, implied)
        implied |= parsed.implied
    records = resolve_references(list(by_id.values()))
    issues += check_pages(pages, records)
    return records, origins


def _keep(
    parsed: CrmFile,
    origin: str,
    by_id: dict[str, CrmRecord],
    origins: dict[str, str],
    issues: list[ImportIssue],
    implied: set[str],
) -> None:
    """Add the file's records. A record one file implies (a HubSpot deal's contact) and another
    holds (the association with its role label) is one record, completed silently; any other
    repeat is reported and skipped."""
    for record in parsed.records:
        kept = by_id.get(record.id)
        if kept is not None:
            agree = all(kept.fields.get(name, value) == value for name, value in record.fields.items())
            if kept.type == record.type and agree and (record.id in parsed.implied or record.id in implied):
                by_id[record.id] = kept.model_copy(update={"fields": {**kept.fields, **record.fields}})
                continue
            issues.append(
                ImportIssue(
                    path=origin,
                    message=f"{record.type} {record.id} was already read from {origins[record.id]}; duplicate skipped",
                )
            )
            continue
        origins[record.id] = origin
        by_id[record.id] = record


def _parse_json(text: str, stem: str) -> CrmFile:
    """A HubSpot API response, else Salesforce JSON in any of its shapes; the text is parsed once."""
    data = load_json(text)
    return parse_hubspot(data, stem) if is_hubspot(data) else parse_salesforce(data, text)


def _parse_csv(text: str, stem: str) -> CrmFile:
    """A Data Loader export, a Salesforce report export (field labels), or a HubSpot view export."""
    header = next(csv.reader(io.StringIO(text)), [])
    if is_hubspot_csv(header):
        return parse_hubspot_csv(text, stem)
    if is_report(header):
        return parse_report(text)
    return parse_csv(text, stem)


def resolve_references(records: list[CrmRecord]) -> list[CrmRecord]:
    """The records with tree-export lookups ("@AccountRef1") replaced by the referenced record's id."""
    ids = {record.id for record in records}

    def resolved(value: object) -> object:
        return value[1:] if isinstance(value, str) and value.startswith("@") and value[1:] in ids else value

    return [
        record.model_copy(update={"fields": {name: resolved(value) for name, value in record.fields.items()}})
        if any(resolved(value) is not value for value in record.fields.values())
        else record
        for record in records
    ]


def check_pages(pages: list[tuple[str, Page]], records: list[CrmRecord]) -> list[ImportIssue]:
    """A page that announces more records than the folder holds of its object is a truncated export."""
    issues = []
    for origin, page in pages:
        held = sum(1 for record in records if record.type == page.sobject)
        if held < page.total_size:
            where = f" (the rest is at {page.next_records_url})" if page.next_records_url else ""
            issues.append(
                ImportIssue(
                    path=origin,
                    message=f"truncated: the query result has {page.total_size} {page.sobject} records and the "
                    f"bundle holds {held}{where}; export the remaining pages too (or use `sf data query "
                    "--bulk`)",
                )
            )
    return issues
