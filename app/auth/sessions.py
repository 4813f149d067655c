"""Reviewer sessions for the UI, independent of how the reviewer proved who they are.

The browser holds a random token; the database holds only its SHA-256, so neither a stolen
database row nor the cookie reveals an API key or a password. Each session has its own CSRF token, an idle
timeout and an absolute one.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from app.auth import repository
from app.auth.models import UiSession
from app.auth.service import Principal, Role, hash_key
from app.db import utcnow

# `last_seen_at` moves at most once a minute, so reading pages does not write on every request.
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class Timeouts:
    idle: timedelta
    absolute: timedelta


@dataclass(frozen=True)
class ActiveSession:
    principal: Principal
    csrf_token: str
    expires_at: datetime


def open_session(session: Session, principal: Principal, timeouts: Timeouts) -> tuple[str, ActiveSession]:
    """Start a session for a principal: the token for the cookie, and the session."""
    now = utcnow()
    repository.delete_expired_sessions(session, now, now - timeouts.idle)
    token = secrets.token_urlsafe(32)
    row = UiSession(
        id=hash_key(token),
        tenant=principal.tenant,
        principal=principal.name,
        roles=sorted(str(r) for r in principal.roles),
        key_id=principal.key_id,
        user_id=principal.user_id,
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        last_seen_at=now,
        expires_at=now + timeouts.absolute,
    )
    session.add(row)
    return token, _active(row)


def find_session(session: Session, token: str, timeouts: Timeouts) -> ActiveSession | None:
    """The live session a cookie's token names; an expired one is ended and gives None."""
    row = repository.get_session(session, hash_key(token))
    if row is None:
        return None
    now = utcnow()
    last_seen = row.last_seen_at
    if row.expires_at <= now or last_seen + timeouts.idle <= now:
        session.delete(row)
        return None
    if now - last_seen >= min(TOUCH_EVERY, timeouts.idle / 2):
        row.last_seen_at = now
    return _active(row)


def end_session(session: Session, token: str) -> None:
    repository.delete_session(session, hash_key(token))


def _active(row: UiSession) -> ActiveSession:
    principal = Principal(
        tenant=row.tenant,
        name=row.principal,
        roles=frozenset(Role(r) for r in row.roles),
        key_id=row.key_id,
        user_id=row.user_id,
    )
    return ActiveSession(principal=principal, csrf_token=row.csrf_token, expires_at=row.expires_at)
