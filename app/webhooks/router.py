from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Response
from fastapi.responses import JSONResponse

from app.deps import Integration, SessionDep, StateDep
from app.idempotency import remember, replayed, request_fingerprint
from app.pagination import decode_cursor, encode_cursor
from app.problems import problems
from app.webhooks import repository, service
from app.webhooks.schemas import (
    DeliveryPage,
    DeliveryPublic,
    SecretRotated,
    WebhookCreate,
    WebhookCreated,
    WebhookPublic,
)

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])


@router.post("", status_code=201, response_model=WebhookCreated, responses=problems(409))
def create_webhook(
    body: WebhookCreate,
    session: SessionDep,
    state: StateDep,
    principal: Integration,
    idempotency_key: Annotated[str | None, Header()] = None,
) -> Any:
    """Register a receiver for `draft.ready`, `draft.failed` and `plan.updated` events.

    The URL must be http(s), without `user:password@`, on a publicly routable host (an install
    may allow private ones); anything else is a 422. The response holds the signing secret; it
    is shown only here (rotate it to get a new one). A retry with the same `Idempotency-Key`
    gets the first response back.
    """
    fingerprint = request_fingerprint("POST", "/v1/webhooks", body.model_dump_json().encode())
    if (earlier := replayed(session, principal.tenant, idempotency_key, fingerprint)) is not None:
        return JSONResponse(earlier.body, status_code=earlier.status_code)
    row = service.create_endpoint(
        session, principal.tenant, principal.name, body, allow_private=state.settings.webhook_allow_private
    )
    created = WebhookCreated.model_validate(row)
    if idempotency_key:
        remember(session, principal.tenant, idempotency_key, fingerprint, 201, created.model_dump(mode="json"))
    return created


@router.get("", response_model=list[WebhookPublic])
def list_webhooks(session: SessionDep, principal: Integration) -> list[WebhookPublic]:
    """The tenant's webhook endpoints, without their secrets."""
    return [WebhookPublic.model_validate(r) for r in repository.endpoints(session, principal.tenant)]


@router.delete("/{webhook_id}", status_code=204, response_class=Response, responses=problems(404))
def delete_webhook(webhook_id: str, session: SessionDep, principal: Integration) -> Response:
    """Remove an endpoint; deliveries still pending for it are dropped."""
    service.delete_endpoint(session, principal.tenant, webhook_id)
    return Response(status_code=204)


@router.post("/{webhook_id}/rotate-secret", response_model=SecretRotated, responses=problems(404))
def rotate_secret(webhook_id: str, session: SessionDep, principal: Integration) -> SecretRotated:
    """Issue a new signing secret. For 24 hours deliveries carry two `v1=` signatures, one made
    with the new secret and one with the old, so the receiver can switch without losing events."""
    row = service.rotate_secret(session, principal.tenant, webhook_id)
    assert row.previous_secret_expires_at is not None
    return SecretRotated(id=row.id, secret=row.secret, previous_secret_expires_at=row.previous_secret_expires_at)


@router.get("/{webhook_id}/deliveries", response_model=DeliveryPage, responses=problems(400, 404))
def list_deliveries(
    webhook_id: str,
    session: SessionDep,
    principal: Integration,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> DeliveryPage:
    """Recent deliveries to this endpoint, newest first: status, attempts, the last answer, the next retry."""
    endpoint = service.endpoint_or_404(session, principal.tenant, webhook_id)
    rows = repository.deliveries_page(
        session, principal.tenant, endpoint.id, before=decode_cursor(cursor), limit=limit + 1
    )
    return DeliveryPage(
        items=[DeliveryPublic.model_validate(r) for r in rows[:limit]],
        next_cursor=encode_cursor(rows[limit - 1].id) if len(rows) > limit else None,
    )
