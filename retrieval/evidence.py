"""Evidence about an account as parsed from a bundle: CRM records, sources, chunks."""

from __future__ import annotations

import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class SourceType(StrEnum):
    crm = "crm"
    note = "note"
    call = "call"


class CrmRecord(BaseModel):
    """One Salesforce record: its sObject type, its Id and its fields as the REST API returned them."""

    model_config = ConfigDict(frozen=True)

    type: str
    id: str
    fields: dict[str, Any]

    def get(self, field: str, default: Any = None) -> Any:
        return self.fields.get(field, default)


class Source(BaseModel):
    """One piece of evidence with a stable id; chunk texts and citation quotes are substrings of `text`."""

    model_config = ConfigDict(frozen=True)

    id: str
    type: SourceType
    title: str
    date: datetime.date | None = None
    text: str
    metadata: dict[str, Any] = Field(default_factory=dict)
    origin: str = ""  # the bundle-relative file it came from


class Chunk(BaseModel):
    """A retrievable slice of a source. `text == source.text[start:end]`."""

    model_config = ConfigDict(frozen=True)

    id: str
    source_id: str
    text: str
    start: int
    end: int
    locator: str
    metadata: dict[str, Any] = Field(default_factory=dict)


class ImportIssue(BaseModel):
    """Something in a bundle that could not be read; the rest of the bundle still imports."""

    model_config = ConfigDict(frozen=True)

    path: str
    line: int | None = None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


class Bundle(BaseModel):
    """Everything read from one account bundle folder."""

    account: CrmRecord
    records: list[CrmRecord]
    sources: list[Source]
    issues: list[ImportIssue] = Field(default_factory=list)

    @property
    def units(self) -> list[CrmRecord]:
        return [r for r in self.records if r.type == "Account" and r.get("ParentId") == self.account.id]

    def of_type(self, sobject: str) -> list[CrmRecord]:
        return [r for r in self.records if r.type == sobject]


class Hit(BaseModel):
    """One retrieval result."""

    model_config = ConfigDict(frozen=True)

    chunk_id: str
    source_id: str
    text: str
    locator: str
    score: float
