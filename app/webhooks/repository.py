from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.webhooks.models import WebhookDeliveryRow, WebhookEndpointRow, WebhookEventRow


def endpoints(session: Session, tenant: str) -> list[WebhookEndpointRow]:
    query = select(WebhookEndpointRow).where(WebhookEndpointRow.tenant == tenant).order_by(WebhookEndpointRow.id)
    return list(session.scalars(query))


def endpoint(session: Session, tenant: str, endpoint_id: str) -> WebhookEndpointRow | None:
    return session.scalar(
        select(WebhookEndpointRow).where(WebhookEndpointRow.tenant == tenant, WebhookEndpointRow.id == endpoint_id)
    )


def deliveries_page(
    session: Session, tenant: str, endpoint_id: str, *, before: str | None, limit: int
) -> list[WebhookDeliveryRow]:
    """Newest first; `before` is the id the previous page ended on."""
    query = (
        select(WebhookDeliveryRow)
        .where(WebhookDeliveryRow.tenant == tenant, WebhookDeliveryRow.endpoint_id == endpoint_id)
        .order_by(WebhookDeliveryRow.id.desc())
        .limit(limit)
    )
    if before:
        query = query.where(WebhookDeliveryRow.id < before)
    return list(session.scalars(query))


def due_delivery_ids(session: Session, now: datetime, limit: int) -> list[str]:
    query = (
        select(WebhookDeliveryRow.id)
        .where(WebhookDeliveryRow.status == "pending", WebhookDeliveryRow.next_attempt_at <= now)
        .order_by(WebhookDeliveryRow.next_attempt_at, WebhookDeliveryRow.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def event(session: Session, event_id: str) -> WebhookEventRow | None:
    return session.get(WebhookEventRow, event_id)


def claim(session: Session, delivery_id: str, now: datetime, lease_until: datetime) -> bool:
    """Take a due delivery for one attempt. The WHERE re-checks that it is still pending and due,
    so when several processes race for it exactly one UPDATE matches a row; the lease moves
    `next_attempt_at` ahead so a crashed sender's claim becomes due again once it runs out."""
    result = session.execute(
        update(WebhookDeliveryRow)
        .where(
            WebhookDeliveryRow.id == delivery_id,
            WebhookDeliveryRow.status == "pending",
            WebhookDeliveryRow.next_attempt_at <= now,
        )
        .values(
            attempts=WebhookDeliveryRow.attempts + 1,
            next_attempt_at=lease_until,
            last_attempt_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]


def settle(
    session: Session,
    delivery_id: str,
    attempt: int,
    *,
    status: str,
    next_attempt_at: datetime | None,
    status_code: int | None,
    error: str | None,
    delivered_at: datetime | None,
) -> bool:
    """Record how attempt number `attempt` went, unless another claim has taken the row since."""
    result = session.execute(
        update(WebhookDeliveryRow)
        .where(WebhookDeliveryRow.id == delivery_id, WebhookDeliveryRow.attempts == attempt)
        .values(
            status=status,
            next_attempt_at=next_attempt_at,
            last_status_code=status_code,
            last_error=error,
            delivered_at=delivered_at,
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]
