"""API keys: issue, authenticate, list, revoke. A key belongs to one tenant and carries roles."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from enum import StrEnum

from pydantic import BaseModel
from sqlalchemy.orm import Session

from app.auth import repository
from app.auth.models import ApiKey
from app.db import utcnow
from app.ids import new_id
from app.problems import not_found

# `last_used_at` is kept to the minute, so a busy key costs one write a minute, not one a request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class Role(StrEnum):
    admin = "admin"
    reviewer = "reviewer"
    integration = "integration"


class Principal(BaseModel):
    """Who is calling: the tenant every read and write is scoped to, and what they may do."""

    tenant: str
    name: str
    roles: frozenset[Role]
    key_id: str | None = None
    user_id: str | None = None  # a reviewer account signed in with a password, rather than an API key

    def has_any(self, *roles: Role) -> bool:
        return Role.admin in self.roles or any(r in self.roles for r in roles)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _store(session: Session, tenant: str, name: str, roles: list[Role], plaintext: str) -> ApiKey:
    row = ApiKey(id=new_id("key"), tenant=tenant, name=name, key_hash=hash_key(plaintext), roles=list(map(str, roles)))
    session.add(row)
    return row


def create_key(session: Session, tenant: str, name: str, roles: list[Role]) -> tuple[ApiKey, str]:
    """A new random key: its row, and its plaintext, which is never stored."""
    plaintext = f"pw_{secrets.token_urlsafe(24)}"
    row = _store(session, tenant, name, roles, plaintext)
    session.flush()
    return row, plaintext


def issue_key(session: Session, tenant: str, name: str, roles: list[Role], key: str | None = None) -> str:
    """Store a new key (or the given one) and return its plaintext, which is never stored."""
    if key is None:
        return create_key(session, tenant, name, roles)[1]
    existing = repository.key_by_hash(session, hash_key(key))
    if existing is None:
        _store(session, tenant, name, roles, key)
    elif existing.tenant != tenant:
        raise ValueError("that key already belongs to another tenant")
    return key


def authenticate(session: Session, key: str, *, record_use: bool = False) -> Principal | None:
    """The principal a key stands for, or None when it is unknown or revoked."""
    row = repository.key_by_hash(session, hash_key(key))
    if row is None or row.revoked_at is not None:
        return None
    now = utcnow()
    if record_use and (row.last_used_at is None or now - row.last_used_at >= LAST_USED_RESOLUTION):
        row.last_used_at = now
    return Principal(tenant=row.tenant, name=row.name, roles=frozenset(Role(r) for r in row.roles), key_id=row.id)


def revoke_key(session: Session, tenant: str, key_id: str) -> ApiKey:
    """Revoke a key of the tenant: it is refused from now on and the UI sessions opened with it end."""
    row = repository.get_key(session, tenant, key_id)
    if row is None:
        raise not_found("API key", key_id)
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    repository.delete_sessions_of_key(session, row.id)
    return row
