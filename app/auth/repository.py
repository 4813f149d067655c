"""Queries over API keys, reviewer accounts and UI sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from app.accounts.models import Account
from app.auth.models import ApiKey, LoginThrottle, UiSession, User


def key_by_hash(session: Session, key_hash: str) -> ApiKey | None:
    return session.scalar(select(ApiKey).where(ApiKey.key_hash == key_hash))


def get_key(session: Session, tenant: str, key_id: str) -> ApiKey | None:
    return session.scalar(select(ApiKey).where(ApiKey.tenant == tenant, ApiKey.id == key_id))


def keys_page(session: Session, tenant: str, after: str | None, limit: int) -> list[ApiKey]:
    query = select(ApiKey).where(ApiKey.tenant == tenant).order_by(ApiKey.id).limit(limit)
    if after:
        query = query.where(ApiKey.id > after)
    return list(session.scalars(query))


def get_session(session: Session, session_id: str) -> UiSession | None:
    return session.get(UiSession, session_id)


def delete_session(session: Session, session_id: str) -> None:
    session.execute(delete(UiSession).where(UiSession.id == session_id))


def delete_sessions_of_key(session: Session, key_id: str) -> int:
    return session.execute(delete(UiSession).where(UiSession.key_id == key_id)).rowcount  # type: ignore[attr-defined,no-any-return]


def delete_sessions_of_user(session: Session, user_id: str) -> None:
    session.execute(delete(UiSession).where(UiSession.user_id == user_id))


def delete_expired_sessions(session: Session, now: datetime, idle_since: datetime) -> None:
    session.execute(delete(UiSession).where(or_(UiSession.expires_at <= now, UiSession.last_seen_at <= idle_since)))


def user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email))


def users_of(session: Session, tenant: str) -> list[User]:
    return list(session.scalars(select(User).where(User.tenant == tenant).order_by(User.email)))


def tenant_known(session: Session, tenant: str) -> bool:
    """Whether anything lives in the tenant yet: an API key, an account or a user."""
    return any(
        session.scalar(select(model.id).where(model.tenant == tenant).limit(1)) is not None
        for model in (ApiKey, Account, User)
    )


def throttle(session: Session, throttle_id: str) -> LoginThrottle | None:
    return session.get(LoginThrottle, throttle_id)


def delete_stale_throttles(session: Session, now: datetime, window_start: datetime) -> None:
    """Forget failures older than the window that hold no lock, so guessed emails do not pile up."""
    session.execute(
        delete(LoginThrottle).where(
            LoginThrottle.first_failure_at < window_start,
            or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until <= now),
        )
    )


def clear_throttle(session: Session, throttle_id: str) -> None:
    session.execute(delete(LoginThrottle).where(LoginThrottle.id == throttle_id))
