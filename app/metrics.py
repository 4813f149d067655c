"""Prometheus metrics read from the database at scrape time.

The database is the one place every API process and worker writes to, so counting there gives
the same answer whichever process is scraped, with no instrumentation spread through the code.

Who sees what: the operator's METRICS_TOKEN sees every tenant, accounts labelled by tenant; a
tenant's admin key sees that tenant's figures only; anyone else gets 401, unless METRICS_PUBLIC
opens the endpoint, and then they see totals with no tenant named.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any, TypeVar

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, sessionmaker

from app.accounts.models import Account
from app.auth.service import Role, authenticate
from app.db import utcnow
from app.drafts.models import DecisionRow, DraftRow, DraftTriggerRow
from app.problems import Problem
from app.settings import Settings
from app.webhooks.models import WebhookDeliveryRow

_Query = TypeVar("_Query", bound=Select)  # type: ignore[type-arg]


class PlanwrightCollector(Collector):
    """Every tenant's figures, or one tenant's (`tenant`); accounts are counted per tenant name
    only with `name_tenants`, else as one total."""

    def __init__(self, sessions: sessionmaker[Session], tenant: str | None = None, name_tenants: bool = True) -> None:
        self._sessions = sessions
        self._tenant = tenant
        self._name_tenants = name_tenants

    def _scoped(self, query: _Query, table: Any) -> _Query:
        return query if self._tenant is None else query.where(table.tenant == self._tenant)

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        with self._sessions() as session:
            if self._name_tenants:
                accounts = GaugeMetricFamily("planwright_accounts", "Accounts per tenant.", labels=["tenant"])
                query = self._scoped(select(Account.tenant, func.count()).group_by(Account.tenant), Account)
                for tenant, count in session.execute(query):
                    accounts.add_metric([tenant], count)
            else:
                total = session.scalar(self._scoped(select(func.count()).select_from(Account), Account))
                accounts = GaugeMetricFamily("planwright_accounts", "Accounts of all tenants.", value=total or 0)
            yield accounts

            drafts = GaugeMetricFamily(
                "planwright_drafts", "Drafts by kind, engine and status.", labels=["kind", "engine", "status"]
            )
            usage = {
                name: CounterMetricFamily(f"planwright_draft_{name}", help_, labels=["kind", "engine"])
                for name, help_ in (
                    ("prompt_tokens", "LLM prompt tokens spent on drafts."),
                    ("completion_tokens", "LLM completion tokens spent on drafts."),
                    ("llm_calls", "LLM calls made by drafts."),
                    ("cost_usd", "LLM cost of drafts in USD."),
                    ("latency_seconds", "Wall time spent drafting."),
                )
            }
            totals: dict[tuple[str, str], dict[str, float]] = {}
            rows = session.execute(
                self._scoped(select(DraftRow.kind, DraftRow.engine, DraftRow.status, DraftRow.usage), DraftRow)
            )
            counts: dict[tuple[str, str, str], int] = {}
            for kind, engine, status, draft_usage in rows:
                counts[(kind, engine, status)] = counts.get((kind, engine, status), 0) + 1
                bucket = totals.setdefault((kind, engine), {})
                for field in ("prompt_tokens", "completion_tokens", "llm_calls", "cost_usd"):
                    bucket[field] = bucket.get(field, 0.0) + float((draft_usage or {}).get(field, 0) or 0)
                latency = float((draft_usage or {}).get("latency_ms", 0) or 0) / 1000
                bucket["latency_seconds"] = bucket.get("latency_seconds", 0.0) + latency
            for labels, count in sorted(counts.items()):
                drafts.add_metric(list(labels), count)
            yield drafts
            for (kind, engine), bucket in sorted(totals.items()):
                for name, family in usage.items():
                    family.add_metric([kind, engine], bucket.get(name, 0.0))
            yield from usage.values()

            decisions = CounterMetricFamily(
                "planwright_review_decisions", "Review decisions by action.", labels=["action"]
            )
            by_action = self._scoped(select(DecisionRow.action, func.count()).group_by(DecisionRow.action), DecisionRow)
            for action, count in session.execute(by_action):
                decisions.add_metric([action], count)
            yield decisions

            deliveries = GaugeMetricFamily(
                "planwright_webhook_deliveries", "Webhook deliveries by status.", labels=["status"]
            )
            for status, count in session.execute(
                self._scoped(
                    select(WebhookDeliveryRow.status, func.count()).group_by(WebhookDeliveryRow.status),
                    WebhookDeliveryRow,
                )
            ):
                deliveries.add_metric([status], count)
            yield deliveries
            yield from self._queue(session)

    def _queue(self, session: Session) -> Iterator[GaugeMetricFamily]:
        """The drafting queue: drafts waiting for a process to claim them (none holds an unexpired
        lease), drafts being drafted, the age of the oldest waiting one, and evidence triggers in
        their quiet period."""
        now = utcnow()
        waiting = (DraftRow.status == "running") & (DraftRow.lease_until.is_(None) | (DraftRow.lease_until < now))
        depth = GaugeMetricFamily(
            "planwright_draft_queue_depth", "Running drafts by state: queued (unclaimed) or drafting.", labels=["state"]
        )
        running = session.scalar(self._scoped(select(func.count()).where(DraftRow.status == "running"), DraftRow))
        queued = session.scalar(self._scoped(select(func.count()).where(waiting), DraftRow))
        depth.add_metric(["queued"], queued or 0)
        depth.add_metric(["drafting"], (running or 0) - (queued or 0))
        yield depth
        oldest = session.scalar(self._scoped(select(func.min(DraftRow.created_at)).where(waiting), DraftRow))
        yield GaugeMetricFamily(
            "planwright_draft_queue_oldest_age_seconds",
            "Age of the oldest queued draft (0 when none waits).",
            value=max((now - oldest).total_seconds(), 0.0) if oldest is not None else 0.0,
        )
        triggers = session.scalar(self._scoped(select(func.count()).select_from(DraftTriggerRow), DraftTriggerRow))
        yield GaugeMetricFamily(
            "planwright_draft_triggers_pending",
            "Accounts x kinds with new evidence waiting for their quiet period before a draft is queued.",
            value=triggers or 0,
        )


def metrics_registry(
    sessions: sessionmaker[Session], tenant: str | None = None, name_tenants: bool = True
) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(PlanwrightCollector(sessions, tenant, name_tenants))
    return registry


def render(registry: CollectorRegistry) -> bytes:
    return generate_latest(registry)


def scrape(
    sessions: sessionmaker[Session],
    operator_view: CollectorRegistry,
    settings: Settings,
    authorization: str | None,
    process: CollectorRegistry | None = None,
) -> bytes:
    """The metrics this caller may see; 401 without a credential (unless METRICS_PUBLIC), 403 for a
    key that is not an admin's. The `process` histograms (latencies, embedding) name no tenant and
    mix every tenant's work, so the metrics token and public scrapes see them and a tenant's admin does not."""
    extra = render(process) if process is not None else b""
    key = authorization[7:].strip() if authorization and authorization.lower().startswith("bearer ") else ""
    token = settings.metrics_token
    if key and token is not None and secrets.compare_digest(key.encode(), token.get_secret_value().encode()):
        return render(operator_view) + extra
    if key:
        with sessions() as session:
            principal = authenticate(session, key)
        if principal is not None:
            if Role.admin not in principal.roles:
                raise Problem(403, "Forbidden", "Metrics need an admin key or the metrics token.")
            return render(metrics_registry(sessions, tenant=principal.tenant))
    if settings.metrics_public:
        return render(metrics_registry(sessions, name_tenants=False)) + extra
    raise Problem(401, "Unauthorized", "Send `Authorization: Bearer <admin api key or metrics token>`.")
