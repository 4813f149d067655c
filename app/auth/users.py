"""Reviewer accounts: create them, and sign them in with email and password.

Passwords are stored as argon2id hashes only. A failed sign-in says the same thing, and costs the
same time, whether or not the email has an account; failures are counted per email in the
database (so every API process sees them), and after `MAX_FAILURES` in `FAILURE_WINDOW` the email
is locked for `LOCKOUT`, account or not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import case
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from app.auth import repository
from app.auth.models import LoginThrottle, User
from app.auth.service import Principal, Role, hash_key
from app.db import utcnow
from app.ids import new_id

USER_ROLES = (Role.reviewer, Role.admin)
MIN_PASSWORD = 12
MAX_PASSWORD = 256  # argon2 hashes any length, but nobody needs a megabyte password and it costs to read
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
LOCKOUT = timedelta(minutes=15)
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
# The handful of long passwords every breach list starts with; length does the rest (NIST SP 800-63B).
_COMMON = {"password1234", "123456789012", "qwertyuiopas", "passwordpassword", "letmeinletmein", "planwright123"}

_hasher = PasswordHasher()


class UserError(ValueError):
    """Input a person must fix: the message says what and how."""


@dataclass(frozen=True)
class SignIn:
    """A sign-in's outcome: the principal, or None with `locked_until` set when the email is locked."""

    principal: Principal | None
    locked_until: datetime | None = None


def normalize_email(email: str) -> str:
    return email.strip().lower()


def check_email(email: str) -> str:
    normalized = normalize_email(email)
    if not normalized:
        raise UserError("An email is required.")
    if len(normalized) > 320 or not _EMAIL.fullmatch(normalized):
        raise UserError(f"{email.strip()!r} is not an email address.")
    return normalized


def check_password(password: str, email: str) -> None:
    """Refuse empty, short, overlong and easily guessed passwords, saying which rule failed."""
    if not password:
        raise UserError("A password is required.")
    if len(password) < MIN_PASSWORD:
        raise UserError(f"The password is too short: use at least {MIN_PASSWORD} characters.")
    if len(password) > MAX_PASSWORD:
        raise UserError(f"The password is too long: use at most {MAX_PASSWORD} characters.")
    lowered = password.lower()
    local = normalize_email(email).split("@", 1)[0]
    if len(set(password)) < 4 or lowered in _COMMON or lowered in (normalize_email(email), local):
        raise UserError("The password is too easy to guess: use a passphrase of a few unrelated words.")


def create_user(
    session: Session,
    tenant: str,
    email: str,
    password: str,
    role: Role = Role.reviewer,
    name: str | None = None,
    *,
    new_tenant: bool = False,
) -> User:
    """Store a reviewer account; UserError names the first thing wrong with the input."""
    normalized = check_email(email)
    if role not in USER_ROLES:
        raise UserError(f"A user's role is {' or '.join(USER_ROLES)}, not {role!r}.")
    if not tenant.strip():
        raise UserError("A tenant is required.")
    if not new_tenant and not repository.tenant_known(session, tenant):
        raise UserError(
            f"Unknown tenant {tenant!r}: it has no API keys, accounts or users yet (check the spelling, "
            "or pass --new-tenant to start it)."
        )
    if repository.user_by_email(session, normalized) is not None:
        raise UserError(f"{normalized} already has an account.")
    check_password(password, normalized)
    user = User(
        id=new_id("usr"),
        tenant=tenant,
        email=normalized,
        name=(name or "").strip() or normalized,
        role=str(role),
        password_hash=_hasher.hash(password),
    )
    session.add(user)
    session.flush()
    return user


def set_password(session: Session, user: User, password: str) -> None:
    """Give an account a new password; the sessions it had signed in end."""
    check_password(password, user.email)
    user.password_hash = _hasher.hash(password)
    repository.delete_sessions_of_user(session, user.id)


@cache
def _decoy_hash() -> str:
    """A hash to verify against when the email has no account, so that answer takes as long as a wrong password."""
    return _hasher.hash("no account has this password")


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def principal_of(user: User) -> Principal:
    return Principal(tenant=user.tenant, name=user.name, roles=frozenset({Role(user.role)}), user_id=user.id)


def sign_in(session: Session, email: str, password: str, now: datetime | None = None) -> SignIn:
    """Check an email and password; every failure, account or not, counts towards the email's lockout."""
    now = now or utcnow()
    normalized = normalize_email(email)
    throttle_id = hash_key(normalized)
    throttled = repository.throttle(session, throttle_id)
    if throttled is not None and throttled.locked_until is not None and throttled.locked_until > now:
        return SignIn(None, throttled.locked_until)
    user = repository.user_by_email(session, normalized) if normalized else None
    ok = _verify(user.password_hash if user else _decoy_hash(), password[: MAX_PASSWORD * 4])
    if user is None or not ok:
        return SignIn(None, _count_failure(session, throttle_id, now))
    repository.clear_throttle(session, throttle_id)
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    user.last_login_at = now
    return SignIn(principal_of(user))


def _count_failure(session: Session, throttle_id: str, now: datetime) -> datetime | None:
    """Count a failed sign-in in one upsert (two at once both count); the lock time once it reaches the limit."""
    repository.delete_stale_throttles(session, now, now - FAILURE_WINDOW)
    table = LoginThrottle.__table__
    fresh = table.c.first_failure_at > now - FAILURE_WINDOW
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(LoginThrottle).values(id=throttle_id, failures=1, first_failure_at=now, locked_until=None)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["id"],
            set_={
                "failures": case((fresh, table.c.failures + 1), else_=1),
                "first_failure_at": case((fresh, table.c.first_failure_at), else_=now),
                "locked_until": None,
            },
        )
    )
    row = repository.throttle(session, throttle_id)
    assert row is not None
    session.refresh(row)
    if row.failures >= MAX_FAILURES:
        row.locked_until = now + LOCKOUT
        row.failures = 0
        return row.locked_until
    return None
