"""What reading one CRM file gives, whatever its format: records, what was skipped, and what the
file says about the rest of the export. Every format module of `retrieval.sources` returns these."""

from __future__ import annotations

from dataclasses import dataclass, field

from retrieval.evidence import CrmRecord, Source


class CrmFileError(ValueError):
    """A CRM file that cannot be read at all; `line` is where the problem is, if known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class RecordProblem:
    """One record of a readable file that had to be skipped (or a note about the file)."""

    line: int | None
    message: str


@dataclass(frozen=True)
class Page:
    """A query result that says more records exist than this file holds."""

    sobject: str
    total_size: int
    next_records_url: str | None


@dataclass
class CrmFile:
    """What one CRM file holds: its records, what was skipped, and whether it is one page of more."""

    records: list[CrmRecord] = field(default_factory=list)
    problems: list[RecordProblem] = field(default_factory=list)
    pages: list[Page] = field(default_factory=list)
    plan: bool = False
    # Records this file implies rather than holds (a HubSpot deal's contacts): another file may hold them.
    implied: set[str] = field(default_factory=set)
    # What people wrote, carried inside CRM records (a HubSpot note's or email's body): read as notes.
    sources: list[Source] = field(default_factory=list)
