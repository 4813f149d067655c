"""Idempotency keys: a retried write with the same key gets the first response back."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.db import Base, utcnow
from app.problems import Problem


class IdempotencyRow(Base):
    __tablename__ = "idempotency_keys"

    tenant: Mapped[str] = mapped_column(String(100), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    body: Mapped[Any] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class IdempotencyConflict(Exception):
    """The key was used before with a different request."""


def replayed(session: Session, tenant: str, key: str | None, fingerprint: str) -> IdempotencyRow | None:
    """The stored response of an earlier request with this key, if any; 422 if the key was used otherwise."""
    if not key:
        return None
    try:
        return recall(session, tenant, key, fingerprint)
    except IdempotencyConflict as exc:
        raise Problem(422, "Idempotency key reused", "That key was used with a different request.") from exc


def request_fingerprint(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + body).hexdigest()


def recall(session: Session, tenant: str, key: str, fingerprint: str) -> IdempotencyRow | None:
    row = session.scalar(select(IdempotencyRow).where(IdempotencyRow.tenant == tenant, IdempotencyRow.key == key))
    if row is not None and row.request_hash != fingerprint:
        raise IdempotencyConflict(key)
    return row


def remember(session: Session, tenant: str, key: str, fingerprint: str, status_code: int, body: Any) -> None:
    session.add(IdempotencyRow(tenant=tenant, key=key, request_hash=fingerprint, status_code=status_code, body=body))
