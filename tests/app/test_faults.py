"""Processes die: kill -9 of a real `planwright serve` loses nothing a client was told is done."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.app.support import MINI_BUNDLE, zip_bundle

KEY = "pw_fault_test_admin_key"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """`planwright serve` in its own process, on a database that outlives it."""

    def __init__(self, env: dict[str, str]) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--port", str(self.port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited: {self.process.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("the server did not come up in 60 s")

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.request(method, self.url + path, headers={"Authorization": f"Bearer {KEY}"}, timeout=60, **kwargs)

    def kill_9(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(30)


@pytest.fixture
def server_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLANWRIGHT_")}
    env.update(
        PLANWRIGHT_DATA_DIR=str(tmp_path / "data"),
        PLANWRIGHT_EMBEDDER="hashing",
        PLANWRIGHT_BOOTSTRAP_API_KEY=KEY,
        PLANWRIGHT_BOOTSTRAP_TENANT="fault-tenant",
        PLANWRIGHT_AUTO_DRAFT="true",
        PLANWRIGHT_AUTO_DRAFT_DELAY_S="3",
        PLANWRIGHT_DRAFT_SWEEP_INTERVAL_S="0.5",
        PLANWRIGHT_WEBHOOKS_ENABLED="false",
    )
    return env


@pytest.fixture
def servers() -> Iterator[list[Server]]:
    started: list[Server] = []
    yield started
    for server in started:
        server.stop()


def _drafts(server: Server) -> list[dict[str, Any]]:
    return server.request("GET", "/v1/drafts", params={"status": "pending_review"}).json()["items"]  # type: ignore[no-any-return]


def test_an_import_acknowledged_just_before_a_kill_9_is_still_drafted(
    server_env: dict[str, str], servers: list[Server]
) -> None:
    first = Server(server_env)
    servers.append(first)
    bundle = {"bundle": ("b.zip", zip_bundle(MINI_BUNDLE), "application/zip")}
    imported = first.request("POST", "/v1/import", files=bundle)
    assert imported.status_code == 200, imported.text
    report = imported.json()
    assert report["affected_kinds"] and report["drafts_due_at"]

    first.kill_9()  # inside the 3 s quiet period: no draft was queued yet
    second = Server(server_env)
    servers.append(second)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(_drafts(second)) < len(report["affected_kinds"]):
        time.sleep(0.5)

    drafts = _drafts(second)
    assert sorted(d["kind"] for d in drafts) == sorted(report["affected_kinds"])
    again = second.request("POST", "/v1/import", files=bundle)
    assert again.json()["affected_kinds"] == []  # the evidence is in, and so are its drafts
