"""Readiness: whether this process can serve requests now, i.e. its database and vector store answer.

`/healthz` says the process is up (restart it if not); `/readyz` says whether to send it traffic.
A load balancer or orchestrator takes a process out of rotation while a dependency is away and
puts it back when it answers again; nothing in the process needs restarting.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import Engine, text

log = logging.getLogger(__name__)

PROBE_TIMEOUT_S = 2.0


@dataclass(frozen=True)
class Check:
    name: str
    probe: Callable[[], None]


def database_check(engine: Engine) -> Check:
    def probe() -> None:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    return Check("database", probe)


def chroma_server_check(url: str, http: httpx.Client) -> Check:
    """The Chroma server's own heartbeat: cheap, and independent of any collection."""
    heartbeat = url.rstrip("/") + "/api/v2/heartbeat"

    def probe() -> None:
        http.get(heartbeat, timeout=PROBE_TIMEOUT_S).raise_for_status()

    return Check("vector_store", probe)


def run_checks(checks: list[Check]) -> dict[str, str]:
    """Each check's outcome: "ok", or what failed (the error's kind only: no URLs or credentials)."""
    results: dict[str, str] = {}
    for check in checks:
        try:
            check.probe()
        except Exception as exc:  # any failure of a dependency means not ready; its kind says which
            log.warning("readiness: %s is not answering: %s", check.name, exc)
            results[check.name] = f"failed: {_kind_of(exc)}"
        else:
            results[check.name] = "ok"
    return results


def _kind_of(exc: Exception) -> str:
    if isinstance(exc, httpx.HTTPStatusError):
        return f"HTTP {exc.response.status_code}"
    return type(exc).__name__


def embedded_store_check(path: Path) -> Check:
    """The embedded store runs in this process; it answers while its folder is there."""

    def probe() -> None:
        if not path.is_dir():
            raise FileNotFoundError("the embedded vector store's folder is gone")

    return Check("vector_store", probe)


def dependency_checks(engine: Engine, chroma_url: str | None, chroma_path: Path, http: httpx.Client) -> list[Check]:
    """What a process needs to serve: its database, and its vector store (a Chroma server or the embedded one)."""
    store = chroma_server_check(chroma_url, http) if chroma_url else embedded_store_check(chroma_path)
    return [database_check(engine), store]
