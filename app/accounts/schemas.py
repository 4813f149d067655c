from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from plans.models import QbrBrief, Stakeholder, WhitespaceCell


class AccountPublic(BaseModel):
    id: str
    external_id: str
    name: str
    plan_version: int


class AccountPage(BaseModel):
    items: list[AccountPublic]
    next_cursor: str | None


class PlanPublic(BaseModel):
    account_id: str
    version: int
    stakeholders: list[Stakeholder]
    whitespace: list[WhitespaceCell]
    qbr_brief: QbrBrief | None
    created_at: datetime | None = None
    created_by: str | None = None
    draft_id: str | None = None


class PlanVersionSummary(BaseModel):
    version: int
    created_at: datetime
    created_by: str
    draft_id: str | None


class SearchHit(BaseModel):
    chunk_id: str
    source_id: str
    text: str
    locator: str
    score: float


class SearchResults(BaseModel):
    query: str
    hits: list[SearchHit]
