"""Processes die: kill -9 of a real `planwright serve` loses nothing a client was told is done."""

from __future__ import annotations

import http.server
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
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


class Process:
    """A `planwright` command in its own process, on a database that outlives it."""

    def __init__(self, env: dict[str, str], *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "app.cli", *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )

    def kill_9(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(30)


class Server(Process):
    """`planwright serve` on a free loopback port, once it answers."""

    def __init__(self, env: dict[str, str]) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        super().__init__(env, "serve", "--port", str(self.port))
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
def servers() -> Iterator[list[Process]]:
    started: list[Process] = []
    yield started
    for server in started:
        server.stop()


def _drafts(server: Server) -> list[dict[str, Any]]:
    return server.request("GET", "/v1/drafts", params={"status": "pending_review"}).json()["items"]  # type: ignore[no-any-return]


def test_an_import_acknowledged_just_before_a_kill_9_is_still_drafted(
    server_env: dict[str, str], servers: list[Process]
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


@pytest.fixture
def model_that_hangs_once() -> Iterator[tuple[str, list[float]]]:
    """An OpenAI-compatible endpoint whose first request never gets an answer (the process asking
    is killed meanwhile) and whose later ones get a 503, so the draft falls back to the offline engine."""
    asked: list[float] = []
    release = threading.Event()

    class Model(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (the standard library's name)
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            asked.append(time.monotonic())
            if len(asked) == 1:
                release.wait(120)
                return
            self.send_response(503)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *_args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Model)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1", asked
    release.set()
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("who", ["worker", "api"])
def test_a_process_killed_mid_draft_leaves_a_draft_that_completes_exactly_once(
    server_env: dict[str, str],
    servers: list[Process],
    model_that_hangs_once: tuple[str, list[float]],
    who: str,
) -> None:
    model_url, asked = model_that_hangs_once
    env = {
        **server_env,
        "PLANWRIGHT_AUTO_DRAFT": "false",
        "PLANWRIGHT_DRAFT_EXECUTION": "worker" if who == "worker" else "inprocess",
        "PLANWRIGHT_DRAFT_LEASE_S": "2",
        "PLANWRIGHT_WORKER_POLL_INTERVAL_S": "0.3",
        "PLANWRIGHT_OPENAI_BASE_URL": model_url,
        "PLANWRIGHT_OPENAI_MODEL": "test-model",
        "PLANWRIGHT_LLM_STRUCTURED_OUTPUT": "json_mode",
        "PLANWRIGHT_LLM_TIMEOUT_S": "90",
        "PLANWRIGHT_LLM_MAX_RETRIES": "0",
        "PLANWRIGHT_LLM_FALLBACK_TO_OFFLINE": "true",
    }
    api = Server(env)
    servers.append(api)
    bundle = {"bundle": ("b.zip", zip_bundle(MINI_BUNDLE), "application/zip")}
    account = api.request("POST", "/v1/import", files=bundle).json()["account_id"]
    first = Process(env, "worker") if who == "worker" else api
    servers.append(first)
    draft = api.request("POST", f"/v1/accounts/{account}/drafts", json={"kind": "stakeholder_map", "engine": "openai"})
    assert draft.status_code == 202, draft.text
    _wait(lambda: len(asked) == 1, "the first process to ask the model")

    first.kill_9()  # mid-draft: it holds the draft's lease and waits on the model
    second = Process(env, "worker") if who == "worker" else Server(env)
    servers.append(second)
    reader = api if who == "worker" else second
    assert isinstance(reader, Server)
    _wait(lambda: reader.request("GET", f"/v1/drafts/{draft.json()['id']}").json()["status"] != "running",
          "the draft to be taken over and finished")  # fmt: skip

    finished = reader.request("GET", f"/v1/drafts/{draft.json()['id']}").json()
    assert finished["status"] == "pending_review" and finished["changes"], finished
    assert finished["engine"] == "offline" and "HTTP 503 from the model endpoint" in finished["warnings"][0]
    assert len(asked) == 2  # the dead process's question, then the survivor's: drafted once more, not twice
    drafts = reader.request("GET", "/v1/drafts", params={"status": "pending_review"}).json()["items"]
    assert [d["id"] for d in drafts] == [draft.json()["id"]]


def _wait(condition: Callable[[], bool], what: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)
