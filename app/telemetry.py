"""What this process measured: HTTP latency, draft latency and embedding throughput, as Prometheus
histograms in a registry each app builds for itself (`AppState.telemetry`), never a global one.

These are per process: scrape every API and worker process. Figures that every process shares
(accounts, drafts, the queue) are read from the database at scrape time instead (`app.metrics`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from prometheus_client import CollectorRegistry, Histogram, start_http_server
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from retrieval.protocols import Embedder
from retrieval.store import embedder_name

# Requests answered from memory take milliseconds; imports and searches under load take seconds.
HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
# An offline draft takes a fraction of a second to seconds; an LLM draft tens of seconds to minutes.
DRAFT_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0)
EMBED_SECONDS_BUCKETS = (0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
EMBED_TEXTS_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096, 16384)
UNMATCHED_ROUTE = "<unmatched>"  # scanners probing random paths must not grow a series per path


class Telemetry:
    """The histograms of one process, in their own registry."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.http_seconds = Histogram(
            "planwright_http_request_duration_seconds",
            "Time to answer an HTTP request, by method, route template and status class.",
            ["method", "route", "status_class"],
            buckets=HTTP_BUCKETS,
            registry=self.registry,
        )
        self.draft_seconds = Histogram(
            "planwright_draft_duration_seconds",
            "Time from claiming a draft to settling it, by kind, engine and the status it settled in.",
            ["kind", "engine", "status"],
            buckets=DRAFT_BUCKETS,
            registry=self.registry,
        )
        self.embed_seconds = Histogram(
            "planwright_embed_call_duration_seconds",
            "Time one embedder call took (imports and queries alike).",
            buckets=EMBED_SECONDS_BUCKETS,
            registry=self.registry,
        )
        self.embed_texts = Histogram(
            "planwright_embed_call_texts",
            "Texts in one embedder call; rate of its _sum over the duration's _sum is texts per second.",
            buckets=EMBED_TEXTS_BUCKETS,
            registry=self.registry,
        )

    def observe_http(self, method: str, route: str, status: int, seconds: float) -> None:
        self.http_seconds.labels(method, route, f"{status // 100}xx").observe(seconds)

    def observe_draft(self, kind: str, engine: str, status: str, seconds: float) -> None:
        self.draft_seconds.labels(kind, engine, status).observe(seconds)

    def observe_embedding(self, texts: int, seconds: float) -> None:
        self.embed_texts.observe(texts)
        self.embed_seconds.observe(seconds)


class ObservedEmbedder:
    """An embedder that reports each call's size and time to `observe`; it keeps the wrapped one's
    name, so a store built with it checks against the same collection metadata."""

    def __init__(self, inner: Embedder, observe: Callable[[int, float], None]) -> None:
        self._inner = inner
        self._observe = observe
        self.name = embedder_name(inner)

    @property
    def inner(self) -> Embedder:
        return self._inner

    @property
    def dimension(self) -> int:
        return self._inner.dimension

    def embed(self, texts: list[str]) -> list[list[float]]:
        started = time.perf_counter()
        vectors = self._inner.embed(texts)
        self._observe(len(texts), time.perf_counter() - started)
        return vectors

    def __getattr__(self, name: str) -> Any:
        # Other entry points the wrapped embedder has (e.g. `embed_array`) are timed the same way.
        attribute = getattr(self._inner, name)
        if not name.startswith("embed") or not callable(attribute):
            return attribute

        def timed(texts: list[str], *args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            result = attribute(texts, *args, **kwargs)
            self._observe(len(texts), time.perf_counter() - started)
            return result

        return timed


class HttpMetrics:
    """ASGI middleware: times every HTTP request into the app's `Telemetry`, labelled by the route
    template the router matched (`/v1/drafts/{draft_id}`), never the raw path."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client gets when the app raises before answering

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        finally:
            telemetry = _telemetry_of(scope)
            if telemetry is not None:
                route = getattr(scope.get("route"), "path", None) or UNMATCHED_ROUTE
                telemetry.observe_http(scope["method"], route, status, time.perf_counter() - started)


def _telemetry_of(scope: Scope) -> Telemetry | None:
    """The running app's telemetry (built with its state in the lifespan); None before it started."""
    state = getattr(getattr(scope.get("app"), "state", None), "planwright", None)
    return getattr(state, "telemetry", None)


def serve_metrics(registry: CollectorRegistry, host: str, port: int) -> Callable[[], None]:
    """Serve `registry` at http://host:port/metrics from a background thread (for `planwright worker`,
    which has no HTTP of its own); returns what stops it. The registry holds this process's
    histograms only, which name no tenant, so the port asks for no credential."""
    server, thread = start_http_server(port, addr=host, registry=registry)

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(5)

    return stop
