from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, UrlConstraints, field_validator

from app.webhooks.targets import redact

EventType = Literal["draft.ready", "draft.failed", "plan.updated"]
EVENT_TYPES: tuple[EventType, ...] = ("draft.ready", "draft.failed", "plan.updated")

WebhookUrl = Annotated[AnyHttpUrl, UrlConstraints(max_length=2000, allowed_schemes=["http", "https"])]


class WebhookCreate(BaseModel):
    url: WebhookUrl = Field(
        description="Where to POST events: http or https, no `user:password@`, a publicly routable host."
    )
    events: list[EventType] = Field(min_length=1, description="The event types to receive.")
    description: str | None = Field(default=None, max_length=500)

    @field_validator("events")
    @classmethod
    def _unique(cls, events: list[EventType]) -> list[EventType]:
        return list(dict.fromkeys(events))


class WebhookPublic(BaseModel):
    """An endpoint as listed: never its secret."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    url: str
    events: list[EventType]
    description: str | None
    created_at: datetime

    @field_validator("url")
    @classmethod
    def _without_credentials(cls, url: str) -> str:
        # Such URLs are refused now, but rows stored before that may still hold them.
        return redact(url)


class WebhookCreated(WebhookPublic):
    secret: str = Field(description="The signing secret; shown only here. Verify `Planwright-Signature` with it.")


class SecretRotated(BaseModel):
    id: str
    secret: str = Field(description="The new signing secret; shown only here.")
    previous_secret_expires_at: datetime = Field(
        description="Until then every delivery carries a second `v1=` signature made with the old secret."
    )


class DeliveryPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    event_id: str
    event_type: EventType
    status: Literal["pending", "delivered", "failed"]
    attempts: int
    last_status_code: int | None
    last_error: str | None
    last_attempt_at: datetime | None
    next_attempt_at: datetime | None = Field(description="When the next attempt is due; null once settled.")
    delivered_at: datetime | None
    created_at: datetime

    @field_validator("last_error")
    @classmethod
    def _without_receiver_text(cls, error: str | None) -> str | None:
        # Older releases appended the receiver's answer or the exception's text after ": ". What
        # is recorded now never contains ": ", so this only cuts such tails from stored rows.
        return error.split(": ", 1)[0] if error else error


class DeliveryPage(BaseModel):
    items: list[DeliveryPublic]
    next_cursor: str | None
