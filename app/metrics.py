"""Prometheus metrics read from the database at scrape time.

The database is the one place every API process and worker writes to, so counting there gives
the same answer whichever process is scraped, with no instrumentation spread through the code.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.accounts.models import Account
from app.drafts.models import DecisionRow, DraftRow
from app.webhooks.models import WebhookDeliveryRow


class PlanwrightCollector(Collector):
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        with self._sessions() as session:
            accounts = GaugeMetricFamily("planwright_accounts", "Accounts per tenant.", labels=["tenant"])
            for tenant, count in session.execute(select(Account.tenant, func.count()).group_by(Account.tenant)):
                accounts.add_metric([tenant], count)
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
            rows = session.execute(select(DraftRow.kind, DraftRow.engine, DraftRow.status, DraftRow.usage))
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
            for action, count in session.execute(select(DecisionRow.action, func.count()).group_by(DecisionRow.action)):
                decisions.add_metric([action], count)
            yield decisions

            deliveries = GaugeMetricFamily(
                "planwright_webhook_deliveries", "Webhook deliveries by status.", labels=["status"]
            )
            for status, count in session.execute(
                select(WebhookDeliveryRow.status, func.count()).group_by(WebhookDeliveryRow.status)
            ):
                deliveries.add_metric([status], count)
            yield deliveries


def metrics_registry(sessions: sessionmaker[Session]) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(PlanwrightCollector(sessions))
    return registry


def render(registry: CollectorRegistry) -> bytes:
    return generate_latest(registry)
