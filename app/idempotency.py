"""Idempotency keys: a retried write with the same key gets the first response back."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.db import Base, UtcDateTime, utcnow
from app.problems import Problem


class IdempotencyRow(Base):
    __tablename__ = "idempotency_keys"

    tenant: Mapped[str] = mapped_column(String(100), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    body: Mapped[Any] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class IdempotencyConflict(Exception):
    """The key was used before with a different request."""


PENDING = 0  # the status of a key claimed by a request still being processed


def replayed(session: Session, tenant: str, key: str | None, fingerprint: str) -> IdempotencyRow | None:
    """The stored response of an earlier request with this key, if any; else the key is claimed for this one.

    The claim is a row written in the request's own transaction: a concurrent request with the same
    key waits for it and gets 409 (retry to get the stored response), and a request that fails
    rolls its claim back with everything else. A key used with a different request is a 422.
    """
    if not key:
        return None
    try:
        earlier = recall(session, tenant, key, fingerprint)
    except IdempotencyConflict as exc:
        raise Problem(422, "Idempotency key reused", "That key was used with a different request.") from exc
    if earlier is not None and earlier.status_code != PENDING:
        return earlier
    session.add(IdempotencyRow(tenant=tenant, key=key, request_hash=fingerprint, status_code=PENDING, body={}))
    try:
        session.flush()
    except IntegrityError as exc:
        raise Problem(
            409,
            "Request in progress",
            "Another request with this Idempotency-Key was being processed; retry to get its response.",
        ) from exc
    return None


def request_fingerprint(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + body).hexdigest()


def recall(session: Session, tenant: str, key: str, fingerprint: str) -> IdempotencyRow | None:
    row = session.scalar(select(IdempotencyRow).where(IdempotencyRow.tenant == tenant, IdempotencyRow.key == key))
    if row is not None and row.request_hash != fingerprint:
        raise IdempotencyConflict(key)
    return row


def remember(session: Session, tenant: str, key: str, fingerprint: str, status_code: int, body: Any) -> None:
    """Store the response for the key this request claimed (or a new key)."""
    row = session.get(IdempotencyRow, (tenant, key))
    if row is None:
        row = IdempotencyRow(tenant=tenant, key=key, request_hash=fingerprint, status_code=status_code, body=body)
        session.add(row)
    else:
        row.status_code, row.body = status_code, body
