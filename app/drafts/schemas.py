"""API shapes of drafts, their changes and review decisions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from plans.models import Citation
from plans.vocabulary import ChangeKind, DraftKind

DraftStatus = Literal["running", "pending_review", "decided", "superseded", "failed"]
Action = Literal["accept", "reject", "edit"]


class DraftCreate(BaseModel):
    kind: DraftKind
    engine: Literal["offline", "openai"] | None = Field(
        default=None, description="Defaults to the service's configured engine."
    )
    as_of: date | None = Field(
        default=None,
        description="The date relationship recency is measured from; defaults to the newest evidence.",
    )


class DraftAccepted(BaseModel):
    id: str
    status: DraftStatus


class VerificationIssuePublic(BaseModel):
    code: str
    message: str


class ChangePublic(BaseModel):
    id: str
    kind: ChangeKind
    target: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    rationale: str
    citations: list[Citation]
    confidence: float
    verified: bool = Field(description="False when the verifier found a problem; see issues.")
    issues: list[VerificationIssuePublic]
    decision: Action | None
    decided_after: dict[str, Any] | None = None


class UsagePublic(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    llm_calls: int = 0
    cost_usd: float = 0.0
    latency_ms: float = 0.0


class DraftPublic(BaseModel):
    id: str
    account_id: str
    kind: DraftKind
    status: DraftStatus
    version: int
    engine: str
    as_of: date | None
    base_plan_version: int | None
    usage: UsagePublic
    prompt_version: str | None
    retrieved_source_ids: list[str]
    warnings: list[str]
    error: str | None
    created_at: datetime
    updated_at: datetime
    changes: list[ChangePublic]


class DraftSummary(BaseModel):
    id: str
    account_id: str
    kind: DraftKind
    status: DraftStatus
    version: int
    engine: str
    change_count: int
    undecided_count: int
    created_at: datetime


class DraftPage(BaseModel):
    items: list[DraftSummary]
    next_cursor: str | None


class DecisionIn(BaseModel):
    change_id: str
    action: Action
    after: dict[str, Any] | None = Field(default=None, description="The edited payload, with action=edit.")
    comment: str | None = None


class DecisionsIn(BaseModel):
    version: int = Field(ge=1, le=2**31 - 1, description="The draft version the reviewer saw; a stale one gets 409.")
    decisions: list[DecisionIn] = Field(min_length=1)


class AuditEntry(BaseModel):
    id: int
    account_id: str
    draft_id: str
    change_id: str
    action: Action
    after: dict[str, Any] | None
    comment: str | None
    actor: str
    plan_version: int
    created_at: datetime


class AuditPage(BaseModel):
    items: list[AuditEntry]
    next_cursor: str | None
