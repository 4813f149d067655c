from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, UtcDateTime, utcnow


class DraftRow(Base):
    """A drafting run and its provenance; its changes wait in the review queue."""

    __tablename__ = "drafts"
    # The queue's query: one tenant's drafts of a status, in id order (cursor paging).
    __table_args__ = (Index("ix_drafts_tenant_status_id", "tenant", "status", "id"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(100), index=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    engine: Mapped[str] = mapped_column(String(20))
    as_of: Mapped[date | None] = mapped_column(Date, default=None)
    base_plan_version: Mapped[int | None] = mapped_column(Integer, default=None)
    usage: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prompt_version: Mapped[str | None] = mapped_column(String(60), default=None)
    retrieved_source_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    warnings: Mapped[list[str]] = mapped_column(JSON, default=list)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    requested_by: Mapped[str] = mapped_column(String(200), default="system")
    # Who runs a `running` draft, until when: another process may claim it once the lease runs out.
    claimed_by: Mapped[str | None] = mapped_column(String(100), default=None)
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    # How many times a process claimed it: a draft that keeps being interrupted is failed, not resumed forever.
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    # The newer draft of the same kind that replaced this one in the queue; its undecided work was carried there.
    superseded_by: Mapped[str | None] = mapped_column(String(40), default=None)

    changes: Mapped[list[DraftChangeRow]] = relationship(
        back_populates="draft", order_by="DraftChangeRow.position", cascade="all, delete-orphan"
    )


class DraftTriggerRow(Base):
    """New evidence for an account: draft `kind` once the account has been quiet until `not_before`.

    Written in the import's own transaction, so evidence a client was told is imported is drafted
    even when the process dies during the quiet period.
    """

    __tablename__ = "draft_triggers"

    tenant: Mapped[str] = mapped_column(String(100), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), primary_key=True)
    not_before: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    # The first change not yet drafted: a stream of changes postpones the draft up to a limit, not forever.
    first_at: Mapped[datetime] = mapped_column(UtcDateTime())


class DraftChangeRow(Base):
    __tablename__ = "draft_changes"

    draft_id: Mapped[str] = mapped_column(ForeignKey("drafts.id"), primary_key=True)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    change: Mapped[dict[str, Any]] = mapped_column(JSON)
    issues: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    decision: Mapped[str | None] = mapped_column(String(10), default=None)
    decided_after: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    # A reviewer's edit saved before deciding: accepting the change then applies this payload instead.
    edited_after: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    edited_by: Mapped[str | None] = mapped_column(String(200), default=None)
    edited_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    confidence: Mapped[float] = mapped_column(Float, default=1.0)
    # Earlier decisions this change goes against on newer evidence (agents.results.DecisionConflict, as JSON).
    conflicts: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # A reviewer's choice kept undecided: carried over from a draft this one superseded, shown pre-selected.
    choice: Mapped[str | None] = mapped_column(String(10), default=None)
    choice_comment: Mapped[str | None] = mapped_column(Text, default=None)
    chosen_by: Mapped[str | None] = mapped_column(String(200), default=None)
    carried_from: Mapped[str | None] = mapped_column(String(40), default=None)
    # When the choice was saved as the reviewer made it (app/ui/choices.py), rather than kept from an overlap.
    choice_saved_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)

    draft: Mapped[DraftRow] = relationship(back_populates="changes")


class DecisionRow(Base):
    """The append-only audit log of review decisions: who decided what, when, and the result."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant: Mapped[str] = mapped_column(String(100), index=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    draft_id: Mapped[str] = mapped_column(ForeignKey("drafts.id"), index=True)
    change_id: Mapped[str] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(10))
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    comment: Mapped[str | None] = mapped_column(Text, default=None)
    actor: Mapped[str] = mapped_column(String(200))
    # The reviewer account that decided in the UI; None for API keys.
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), default=None)
    plan_version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class BulkDecisionRow(Base):
    """One "Accept all verified" or "Reject all": which changes it decided and the plan versions around it, so it
    can be undone (app/drafts/bulk.py)."""

    __tablename__ = "bulk_decisions"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(100), index=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    draft_id: Mapped[str] = mapped_column(ForeignKey("drafts.id"), index=True)
    action: Mapped[str] = mapped_column(String(20))  # accept_verified or reject_all
    change_ids: Mapped[list[str]] = mapped_column(JSON)
    actor: Mapped[str] = mapped_column(String(200))
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), default=None)
    plan_version_before: Mapped[int] = mapped_column(Integer)
    plan_version_after: Mapped[int] = mapped_column(Integer)  # the same as before when nothing was accepted
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    undone_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    undone_by: Mapped[str | None] = mapped_column(String(200), default=None)
    undo_plan_version: Mapped[int | None] = mapped_column(Integer, default=None)
