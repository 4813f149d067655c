"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import FastAPI, Header
from fastapi.responses import JSONResponse, RedirectResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST

from app.accounts.router import router as accounts_router
from app.auth.router import router as keys_router
from app.deps import StateDep
from app.drafts.router import router as drafts_router
from app.metrics import scrape
from app.openapi import install_openapi
from app.outages import install_outage_handler
from app.problems import install_problem_handlers, problem_response, problems
from app.readiness import run_checks
from app.security import SecurityHeaders
from app.settings import Settings
from app.sources.router import router as sources_router
from app.state import AppState, build_state
from app.telemetry import HttpMetrics
from app.ui.bulk import router as bulk_router
from app.ui.choices import router as choices_router
from app.ui.plan_pages import router as plan_pages_router
from app.ui.qbr_claims import router as qbr_claims_router
from app.ui.revert import router as revert_router
from app.ui.router import LoginRequired, error_page, redirect_to_login
from app.ui.router import router as ui_router
from app.webhooks.router import router as webhooks_router


def create_app(
    settings: Settings | None = None, *, state_factory: Callable[[Settings], AppState] | None = None
) -> FastAPI:
    """Build the service. Clients are made in the lifespan, never at import time."""
    settings = settings or Settings()
    factory = state_factory or build_state

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state = factory(settings)
        app.state.planwright = state
        state.sweeper.start()  # at once, then every draft_sweep_interval_s: resumes what a stopped process left
        if settings.webhooks_enabled:
            state.webhooks.start()
        try:
            yield
        finally:
            state.close()

    app = FastAPI(
        title="Planwright",
        version="0.1.0",
        description="Keeps strategic account plans current: drafts stakeholder map, whitespace "
        "and QBR updates from account evidence, for a SAM to review.",
        lifespan=lifespan,
    )
    install_problem_handlers(app, html_pages={"/ui": error_page})  # /v1 keeps problem+json
    install_openapi(app)
    app.add_middleware(SecurityHeaders)  # outermost of ours: every answer gets the headers, errors included
    install_outage_handler(app)
    app.add_middleware(HttpMetrics)  # outermost: times every answer, the 500s of the middlewares inside included
    app.add_exception_handler(LoginRequired, redirect_to_login)
    app.include_router(accounts_router)
    app.include_router(drafts_router)
    app.include_router(keys_router)
    app.include_router(sources_router)
    app.include_router(plan_pages_router)
    app.include_router(qbr_claims_router)
    app.include_router(choices_router)
    app.include_router(bulk_router)
    app.include_router(revert_router)
    app.include_router(ui_router)
    app.include_router(webhooks_router)

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/ui")

    @app.get("/healthz", tags=["operations"])
    def healthz() -> dict[str, str]:
        """Liveness: the process is up."""
        return {"status": "ok"}

    @app.get(
        "/readyz",
        tags=["operations"],
        responses=problems(503, descriptions={503: "Not ready: `checks` names what does not answer."}),
    )
    def readyz(state: StateDep) -> JSONResponse:
        """Readiness: 200 when the database and the vector store answer, else 503 naming the one that does not.
        Point a load balancer's or orchestrator's health check here, and liveness at /healthz."""
        checks = run_checks(state.readiness)
        if all(outcome == "ok" for outcome in checks.values()):
            return JSONResponse({"status": "ok", "checks": checks})
        failed = ", ".join(name for name, outcome in checks.items() if outcome != "ok")
        response = problem_response(503, "Not ready", f"Not answering: {failed}.", "/readyz", checks=checks)
        response.headers["Retry-After"] = "5"
        return response

    @app.get(
        "/metrics",
        tags=["operations"],
        response_class=Response,
        responses={200: {"content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}}}, **problems(401, 403)},
    )
    def metrics(state: StateDep, authorization: Annotated[str | None, Header()] = None) -> Response:
        """Prometheus metrics: accounts, drafts by kind/engine/status, tokens and cost, decisions,
        webhook deliveries, the draft queue's depth and oldest age; with the token or when public, this
        process's latency histograms (HTTP by route, drafts by kind and engine) and embedding throughput.
        `Authorization: Bearer <PLANWRIGHT_METRICS_TOKEN>` sees every tenant;
        a tenant's admin API key sees that tenant's; with PLANWRIGHT_METRICS_PUBLIC anyone sees
        totals without tenant names."""
        text = scrape(state.sessions, state.metrics, state.settings, authorization, state.telemetry.registry)
        return Response(text, media_type=CONTENT_TYPE_LATEST)

    return app
