"""The long-lived clients of one service process, built once and closed once."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx
from langchain_core.language_models import BaseChatModel
from prometheus_client import CollectorRegistry
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from agents.field_map import CrmFieldMap
from agents.llm import LlmConfig, make_chat_model
from app.auth.keycache import KeyCache
from app.auth.service import Role, issue_key
from app.db import make_engine, make_sessionmaker, transaction
from app.drafts.runner import DraftRunner
from app.drafts.service import DraftLimits
from app.drafts.sweeper import DraftSweeper
from app.drafts.triggers import DraftScheduler
from app.metrics import metrics_registry
from app.migrate import upgrade
from app.readiness import Check, dependency_checks
from app.settings import Settings
from app.telemetry import ObservedEmbedder, Telemetry
from app.webhooks.deliverer import USER_AGENT, WebhookDeliverer
from retrieval.embedders import load_embedder
from retrieval.protocols import Embedder
from retrieval.store import ChunkStore


@dataclass
class AppState:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    embedder: Embedder
    store: ChunkStore
    runner: DraftRunner
    scheduler: DraftScheduler
    sweeper: DraftSweeper
    llm: LlmConfig
    chat_model: BaseChatModel | None
    webhooks: WebhookDeliverer
    metrics: CollectorRegistry
    telemetry: Telemetry = field(default_factory=Telemetry)
    api_keys: KeyCache = field(default_factory=lambda: KeyCache(0))
    readiness: list[Check] = field(default_factory=list)
    probe_http: httpx.Client | None = None

    def close(self) -> None:
        self.sweeper.close()
        self.scheduler.close()
        self.runner.close()
        self.webhooks.close()
        self.store.close()
        self.engine.dispose()
        if self.probe_http is not None:
            self.probe_http.close()


def draft_limits(settings: Settings) -> DraftLimits:
    return DraftLimits(
        lease_s=settings.draft_lease_s,
        max_attempts=settings.draft_max_attempts,
        time_limit_s=settings.draft_time_limit_s,
        tenant_concurrency=settings.draft_tenant_concurrency,
    )


def llm_config(settings: Settings) -> LlmConfig:
    return LlmConfig(
        model=settings.openai_model,
        base_url=settings.openai_base_url,
        api_key=settings.openai_api_key,
        timeout_s=settings.llm_timeout_s,
        max_retries=settings.llm_max_retries,
        fallback_to_offline=settings.llm_fallback_to_offline,
        structured_output=settings.llm_structured_output,
        context_tokens=settings.llm_context_tokens,
        max_output_tokens=settings.llm_max_output_tokens,
        price_per_million_input=settings.llm_price_per_million_input,
        price_per_million_output=settings.llm_price_per_million_output,
    )


def build_state(
    settings: Settings,
    *,
    embedder: Embedder | None = None,
    chat_model: BaseChatModel | None = None,
    migrate: bool = True,
    webhook_http: httpx.Client | None = None,
) -> AppState:
    """Build the clients; the webhook deliverer is made here and started by the app's lifespan."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.resolved_database_url)
    if migrate:
        upgrade(engine)
    sessions = make_sessionmaker(engine)
    telemetry = Telemetry()
    embedder = ObservedEmbedder(embedder or load_embedder(settings.embedder), telemetry.observe_embedding)
    if settings.chroma_url:
        store = ChunkStore.http(settings.chroma_url, embedder)
    else:
        store = ChunkStore.persistent(settings.chroma_path, embedder)
    probe_http = httpx.Client(follow_redirects=False)
    if settings.bootstrap_api_key:
        with transaction(sessions) as session:
            issue_key(session, settings.bootstrap_tenant, "bootstrap", [Role.admin], settings.bootstrap_api_key)
    llm = llm_config(settings)
    if chat_model is None and settings.llm_enabled:
        chat_model = make_chat_model(llm)
    if settings.default_engine == "openai" and chat_model is None:
        raise ValueError(
            "PLANWRIGHT_DEFAULT_ENGINE=openai needs PLANWRIGHT_OPENAI_API_KEY or PLANWRIGHT_OPENAI_BASE_URL"
        )
    runner = DraftRunner(
        sessions,
        store,
        settings.draft_workers,
        chat_model=chat_model,
        llm=llm,
        field_map=CrmFieldMap.load(settings.crm_field_map),
        in_process=settings.draft_execution == "inprocess",
        limits=draft_limits(settings),
        observe=telemetry.observe_draft,
    )
    scheduler = DraftScheduler(sessions, runner.submit, settings.default_engine, settings.auto_draft_delay_s)
    sweeper = DraftSweeper(scheduler, runner, settings.draft_sweep_interval_s)
    webhooks = WebhookDeliverer(
        sessions,
        webhook_http or httpx.Client(follow_redirects=False, headers={"User-Agent": USER_AGENT}),
        timeout_s=settings.webhook_timeout_s,
        max_attempts=settings.webhook_max_attempts,
        poll_interval_s=settings.webhook_poll_interval_s,
        owns_http=webhook_http is None,
        allow_private=settings.webhook_allow_private,
    )
    return AppState(
        settings,
        engine,
        sessions,
        embedder,
        store,
        runner,
        scheduler,
        sweeper,
        llm,
        chat_model,
        webhooks,
        metrics_registry(sessions),
        telemetry=telemetry,
        api_keys=KeyCache(settings.api_key_cache_ttl_s),
        readiness=dependency_checks(engine, settings.chroma_url, settings.chroma_path, probe_http),
        probe_http=probe_http,
    )
