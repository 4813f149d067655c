"""Every table of the service, imported in one place for Alembic and for create-all in tools."""

from app.accounts.models import Account
from app.auth.models import ApiKey, LoginThrottle, UiSession, User
from app.db import Base
from app.drafts.models import BulkDecisionRow, DecisionRow, DraftChangeRow, DraftRow
from app.idempotency import IdempotencyRow
from app.plans.models import PlanVersionRow
from app.sources.models import CrmRecordRow, SourceRow
from app.webhooks.models import WebhookDeliveryRow, WebhookEndpointRow, WebhookEventRow

__all__ = [
    "Account",
    "ApiKey",
    "Base",
    "BulkDecisionRow",
    "CrmRecordRow",
    "DecisionRow",
    "DraftChangeRow",
    "DraftRow",
    "IdempotencyRow",
    "LoginThrottle",
    "PlanVersionRow",
    "SourceRow",
    "UiSession",
    "User",
    "WebhookDeliveryRow",
    "WebhookEndpointRow",
    "WebhookEventRow",
]
