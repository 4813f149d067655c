"""API keys: issue, authenticate. A key belongs to one tenant and carries roles."""

from __future__ import annotations

import hashlib
import secrets
from enum import StrEnum

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import ApiKey
from app.ids import new_id


class Role(StrEnum):
    admin = "admin"
    reviewer = "reviewer"
    integration = "integration"


class Principal(BaseModel):
    """Who is calling: the tenant every read and write is scoped to, and what they may do."""

    tenant: str
    name: str
    roles: frozenset[Role]

    def has_any(self, *roles: Role) -> bool:
        return Role.admin in self.roles or any(r in self.roles for r in roles)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def issue_key(session: Session, tenant: str, name: str, roles: list[Role], key: str | None = None) -> str:
    """Store a new key (or the given one) and return its plaintext, which is never stored."""
    plaintext = key or f"pw_{secrets.token_urlsafe(24)}"
    existing = session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_key(plaintext)))
    if existing is None:
        session.add(
            ApiKey(
                id=new_id("key"),
                tenant=tenant,
                name=name,
                key_hash=hash_key(plaintext),
                roles=[str(r) for r in roles],
            )
        )
    elif existing.tenant != tenant:
        raise ValueError("that key already belongs to another tenant")
    return plaintext


def authenticate(session: Session, key: str) -> Principal | None:
    row = session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_key(key), ApiKey.revoked_at.is_(None)))
    if row is None:
        return None
    return Principal(tenant=row.tenant, name=row.name, roles=frozenset(Role(r) for r in row.roles))
