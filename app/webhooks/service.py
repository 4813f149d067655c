"""Webhook endpoints and events: register receivers, and record events in the outbox in the
caller's transaction so an event is sent exactly when the change that caused it commits."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.db import as_utc, utcnow
from app.drafts.models import DraftRow
from app.ids import new_id
from app.problems import Problem, not_found
from app.webhooks import repository, targets
from app.webhooks.models import WebhookDeliveryRow, WebhookEndpointRow, WebhookEventRow
from app.webhooks.schemas import EventType, WebhookCreate

# Waits after the 1st, 2nd, ... failed attempt; the last one repeats if more attempts are allowed.
RETRY_DELAYS = (
    timedelta(seconds=10),
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
)
ROTATION_GRACE = timedelta(hours=24)

# Set on a session that recorded an event, so the deliverer is woken once the transaction commits.
EVENTS_RECORDED = "planwright.webhook_events_recorded"


def new_secret() -> str:
    return f"whsec_{secrets.token_urlsafe(32)}"


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after `attempts` failed attempts."""
    return RETRY_DELAYS[min(attempts, len(RETRY_DELAYS)) - 1]


def create_endpoint(
    session: Session, tenant: str, actor: str, body: WebhookCreate, *, allow_private: bool
) -> WebhookEndpointRow:
    url = str(body.url)
    try:
        targets.check_url(url, allow_private=allow_private)
    except targets.TargetRefused as exc:
        raise Problem(
            422,
            "Webhook URL refused",
            f"{exc}. Webhooks go only to http(s) URLs without credentials on publicly routable hosts.",
            errors=[{"loc": ["body", "url"], "msg": str(exc), "type": "url_refused"}],
        ) from exc
    row = WebhookEndpointRow(
        id=new_id("whk"),
        tenant=tenant,
        url=url,
        events=list(body.events),
        description=body.description,
        secret=new_secret(),
        created_by=actor,
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return row


def endpoint_or_404(session: Session, tenant: str, endpoint_id: str) -> WebhookEndpointRow:
    row = repository.endpoint(session, tenant, endpoint_id)
    if row is None:
        raise not_found("Webhook", endpoint_id)
    return row


def delete_endpoint(session: Session, tenant: str, endpoint_id: str) -> None:
    """Remove the endpoint; its deliveries, sent or not, go with it."""
    session.delete(endpoint_or_404(session, tenant, endpoint_id))
    session.flush()


def rotate_secret(session: Session, tenant: str, endpoint_id: str) -> WebhookEndpointRow:
    """A new secret signs from now on; the old one signs alongside it for ROTATION_GRACE."""
    row = endpoint_or_404(session, tenant, endpoint_id)
    row.previous_secret = row.secret
    row.previous_secret_expires_at = utcnow() + ROTATION_GRACE
    row.secret = new_secret()
    try:
        session.flush()
    except StaleDataError as exc:  # deleted by a request that committed after we read the row
        raise not_found("Webhook", endpoint_id) from exc
    return row


def signing_secrets(endpoint: WebhookEndpointRow, now: datetime) -> list[str]:
    """The current secret, then the previous one while its grace period lasts."""
    keys = [endpoint.secret]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret and expires is not None and expires > now:
        keys.append(endpoint.previous_secret)
    return keys


def record_event(session: Session, tenant: str, type_: EventType, data: dict[str, Any]) -> WebhookEventRow | None:
    """Put an event in the outbox with one pending delivery per subscribed endpoint, inside the
    caller's transaction. Nothing is stored when no endpoint of the tenant wants this type."""
    subscribers = [e for e in repository.endpoints(session, tenant) if type_ in e.events]
    if not subscribers:
        return None
    now = utcnow()
    event_id = new_id("evt")
    event = WebhookEventRow(
        id=event_id,
        tenant=tenant,
        type=type_,
        payload={"id": event_id, "type": type_, "created": _iso(now), "tenant": tenant, "data": data},
        created_at=now,
    )
    session.add(event)
    session.flush()
    for endpoint in subscribers:
        session.add(
            WebhookDeliveryRow(
                id=new_id("dlv"),
                tenant=tenant,
                endpoint_id=endpoint.id,
                event_id=event_id,
                event_type=type_,
                status="pending",
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
        )
    session.flush()
    session.info[EVENTS_RECORDED] = True
    return event


def draft_ready(session: Session, draft: DraftRow) -> WebhookEventRow | None:
    return record_event(
        session,
        draft.tenant,
        "draft.ready",
        {
            "draft_id": draft.id,
            "account_id": draft.account_id,
            "kind": draft.kind,
            "change_count": len(draft.changes),
            "url": f"/v1/drafts/{draft.id}",
        },
    )


def draft_failed(session: Session, draft: DraftRow) -> WebhookEventRow | None:
    return record_event(
        session,
        draft.tenant,
        "draft.failed",
        {
            "draft_id": draft.id,
            "account_id": draft.account_id,
            "kind": draft.kind,
            "error": draft.error,
            "url": f"/v1/drafts/{draft.id}",
        },
    )


def plan_updated(
    session: Session,
    draft: DraftRow,
    version: int,
    previous_version: int,
    accepted_change_ids: list[str],
    edited_change_ids: list[str],
    actor: str,
) -> WebhookEventRow | None:
    return record_event(
        session,
        draft.tenant,
        "plan.updated",
        {
            "account_id": draft.account_id,
            "version": version,
            "previous_version": previous_version,
            "draft_id": draft.id,
            "accepted_change_ids": accepted_change_ids,
            "edited_change_ids": edited_change_ids,
            "actor": actor,
            "url": f"/v1/accounts/{draft.account_id}/plan/versions/{version}",
        },
    )


def _iso(moment: datetime) -> str:
    return as_utc(moment).isoformat().replace("+00:00", "Z")
