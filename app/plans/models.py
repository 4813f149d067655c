from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UtcDateTime, utcnow


class PlanVersionRow(Base):
    """Every accepted version of an account's plan is kept; the newest is the plan."""

    __tablename__ = "plan_versions"

    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200), default="system")
    draft_id: Mapped[str | None] = mapped_column(String(40), default=None)
    # A version that restores an older one's content (a revert, or the undo of a bulk accept): which, and why.
    reverted_to: Mapped[int | None] = mapped_column(Integer, default=None)
    note: Mapped[str | None] = mapped_column(Text, default=None)
