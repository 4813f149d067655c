from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import Account


def get(session: Session, tenant: str, account_id: str) -> Account | None:
    return session.scalar(select(Account).where(Account.tenant == tenant, Account.id == account_id))


def get_by_external_id(session: Session, tenant: str, external_id: str) -> Account | None:
    return session.scalar(select(Account).where(Account.tenant == tenant, Account.external_id == external_id))


def page(session: Session, tenant: str, after: str | None, limit: int) -> list[Account]:
    query = select(Account).where(Account.tenant == tenant).order_by(Account.id).limit(limit)
    if after:
        query = query.where(Account.id > after)
    return list(session.scalars(query))


def find(session: Session, tenant: str, ident: str) -> Account | None:
    """An account by our id or by its Salesforce Id, for the CLI."""
    return get(session, tenant, ident) or get_by_external_id(session, tenant, ident)
