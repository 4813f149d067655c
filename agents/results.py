"""What a drafting run hands back: the checked changes, their provenance and what they cost."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from plans.models import Change
from plans.vocabulary import DraftKind


class Usage(BaseModel):
    """Tokens, LLM calls, cost and wall time of one draft; all zero but latency for the offline engine."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    llm_calls: int = 0
    cost_usd: float = 0.0
    latency_ms: float = 0.0


class VerificationIssue(BaseModel):
    """One reason a change cannot be trusted as drafted; `code` is one of `ISSUE_CODES`."""

    code: str
    message: str


ISSUE_CODES = (
    "no_citation",
    "unknown_source",
    "foreign_source",
    "quote_not_verbatim",
    "unknown_person",
    "bad_vocabulary",
    "invalid_payload",
    "target_mismatch",
    "instruction_as_evidence",
)


class DecisionConflict(BaseModel):
    """A reviewer's earlier decision that a re-proposed change goes against, on evidence newer than it."""

    decided_at: datetime
    action: str
    actor: str
    comment: str | None = None
    about: str = ""  # what of the change goes against it: "Stance champion", "add Jane Doe"
    newer_source_ids: list[str] = Field(default_factory=list)
    message: str  # "conflicts with your decision of 1 Oct 2026 (rejected by Dana Whitfield: 'she left in May')"


class CheckedChange(BaseModel):
    """A proposed change with what the verifier found wrong with it (nothing, when verified), and the earlier
    decisions it conflicts with (see agents/decisions.py)."""

    change: Change
    issues: list[VerificationIssue] = Field(default_factory=list)
    conflicts: list[DecisionConflict] = Field(default_factory=list)

    @property
    def verified(self) -> bool:
        return not self.issues


class DraftResult(BaseModel):
    """One drafting run: its changes (failing ones kept, with their issues) and its provenance."""

    kind: DraftKind
    engine: str
    changes: list[CheckedChange] = Field(default_factory=list)
    usage: Usage = Field(default_factory=Usage)
    retrieved_source_ids: list[str] = Field(default_factory=list)
    prompt_version: str | None = None
    warnings: list[str] = Field(default_factory=list)

    @property
    def verified_changes(self) -> list[Change]:
        return [checked.change for checked in self.changes if checked.verified]
