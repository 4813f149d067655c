from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UtcDateTime, utcnow


class ApiKey(Base):
    """A key belongs to one tenant and carries roles; only its SHA-256 is stored."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(100), index=True)
    name: Mapped[str] = mapped_column(String(200))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    roles: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)


class UiSession(Base):
    """A signed-in reviewer in the UI. The cookie holds a random token; only its SHA-256 is the id.

    The row records who signed in, not how they proved it: `key_id` is the API key the session
    was opened with, if any, so that revoking the key ends the session; `user_id` the reviewer
    account that signed in with a password, if any.
    """

    __tablename__ = "ui_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(100))
    principal: Mapped[str] = mapped_column(String(200))
    roles: Mapped[list[str]] = mapped_column(JSON)
    key_id: Mapped[str | None] = mapped_column(ForeignKey("api_keys.id"), index=True, default=None)
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), index=True, default=None)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class User(Base):
    """A reviewer account of one tenant: signs in to the UI with email and password (argon2id hash only)."""

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(100), index=True)
    # Unique across tenants, so that signing in needs no tenant: the email alone finds the account.
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)


class LoginThrottle(Base):
    """Failed sign-ins per email, whether or not the email has an account (so the lockout reveals nothing)."""

    __tablename__ = "login_throttle"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the normalized email
    failures: Mapped[int] = mapped_column(Integer, default=0)
    first_failure_at: Mapped[datetime] = mapped_column(UtcDateTime())
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
