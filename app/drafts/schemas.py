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


class ConflictPublic(BaseModel):
    """An earlier decision a re-proposed change goes against, on evidence newer than the decision."""

    decided_at: datetime
    action: Action
    actor: str
    comment: str | None = None
    about: str = Field(default="", description="What of the change goes against it, e.g. `Stance champion`.")
    newer_source_ids: list[str] = Field(description="The cited sources newer than the decision.")
    message: str = Field(description="`conflicts with your decision of 1 Oct 2026 (rejected by …: '…')`")


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
    conflicts: list[ConflictPublic] = Field(
        default_factory=list,
        description="Earlier decisions this change goes against: it is proposed again only on newer evidence.",
    )
    choice: Literal["accept", "reject"] | None = Field(
        default=None, description="A reviewer's choice kept undecided (carried over from a superseded draft)."
    )
    choice_comment: str | None = None
    chosen_by: str | None = None
    carried_from: str | None = Field(default=None, description="The superseded draft this change's choice came from.")


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
    superseded_by: str | None = Field(default=None, description="The newer draft that replaced this one.")
    changes: list[ChangePublic]
    overlap: list[OverlapPublic] = Field(
        default_factory=list,
        description="Only in the answer to decisions sent with `on_stale: apply_undecided`: those not applied "
        "because someone decided (or edited) their change first.",
    )


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


class OverlapPublic(BaseModel):
    change_id: str
    action: Literal["accept", "reject", "edit", "edited"] = Field(
        description="What the other reviewer did; `edited`: saved an edit, not decided."
    )
    actor: str
    at: datetime | None
    comment: str | None
    yours: DecisionIn


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
    on_stale: Literal["conflict", "apply_undecided"] = Field(
        default="conflict",
        description="On a stale `version`: `conflict` answers 409; `apply_undecided` applies the decisions on "
        "changes nobody decided or edited since, and answers with the rest as `overlap`.",
    )


class AuditEntry(BaseModel):
    id: int
    account_id: str
    draft_id: str
    change_id: str
    action: Action | Literal["undo", "revert"] = Field(
        description="accept, reject or edit; `undo` when a bulk decision was undone (the change is pending again), "
        "`revert` when the plan was reverted to a version before this decision (the change stays decided)."
    )
    after: dict[str, Any] | None
    comment: str | None
    actor: str
    plan_version: int
    created_at: datetime


class AuditPage(BaseModel):
    items: list[AuditEntry]
    next_cursor: str | None
