"""Log lines carry the request id and the draft id, as text or JSON (PLANWRIGHT_LOG_FORMAT)."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from app.logs import LogFormat, log_handler
from app.main import create_app
from app.settings import Settings
from app.state import build_state
from retrieval.embedders import HashingEmbedder
from tests.app.chroma_server import free_port
from tests.app.support import MINI_BUNDLE, Keys, upload, wait_for_draft, zip_bundle


@pytest.fixture
def captured() -> Iterator[Callable[[LogFormat], io.StringIO]]:
    """Send every logger's INFO lines to a string, in the format asked for."""
    root = logging.getLogger()
    added: list[logging.Handler] = []
    level = root.level

    def capture(log_format: LogFormat) -> io.StringIO:
        stream = io.StringIO()
        handler = log_handler(log_format, stream)
        root.addHandler(handler)
        added.append(handler)
        root.setLevel(logging.INFO)
        return stream

    yield capture
    for handler in added:
        root.removeHandler(handler)
    root.setLevel(level)


def test_a_draft_logs_its_id_and_the_id_of_the_request_that_started_it(
    client: TestClient, keys: Keys, captured: Callable[[LogFormat], io.StringIO]
) -> None:
    stream = captured("json")
    account = upload(client, keys.integration)["account_id"]
    started = client.post(
        f"/v1/accounts/{account}/drafts",
        json={"kind": "stakeholder_map"},
        headers={**Keys.header(keys.reviewer), "X-Request-ID": "req-draft-1"},
    )
    draft = wait_for_draft(client, keys.reviewer, started.json()["id"])

    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    settled = [line for line in lines if line["logger"] == "app.drafts.runner"]
    assert settled, lines
    assert settled[-1]["draft_id"] == draft["id"] and settled[-1]["request_id"] == "req-draft-1"
    assert settled[-1]["engine"] == "offline" and settled[-1]["level"] == "INFO"
    assert "settled as pending_review" in settled[-1]["message"]


def test_a_request_logs_its_id_as_text_by_default_and_as_json_when_asked(
    tmp_path: Path, captured: Callable[[LogFormat], io.StringIO]
) -> None:
    """The closed-port database makes /readyz log a warning inside the request."""
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/planwright",
        embedder="hashing",
    )
    assert settings.log_format == "text"
    text, as_json = captured("text"), captured("json")
    app = create_app(settings, state_factory=lambda s: build_state(s, embedder=HashingEmbedder(), migrate=False))
    with TestClient(app) as client:
        assert client.get("/readyz", headers={"X-Request-ID": "req-ready-1"}).status_code == 503

    [line] = [line for line in text.getvalue().splitlines() if "readiness" in line]
    assert " WARNING app.readiness [request=req-ready-1] readiness: database is not answering" in line
    [entry] = [json.loads(line) for line in as_json.getvalue().splitlines() if "readiness" in line]
    assert entry["request_id"] == "req-ready-1" and entry["level"] == "WARNING" and "draft_id" not in entry
    assert entry["logger"] == "app.readiness" and entry["time"].endswith("+00:00")


def _serve(env: dict[str, str], stderr: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    with stderr.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--port", str(port)], env=env, stdout=sink, stderr=sink
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, stderr.read_text()[-2000:]
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise AssertionError("planwright serve did not come up in 60 s")


def test_planwright_serve_with_log_format_json_writes_json_lines_with_request_and_draft_ids(tmp_path: Path) -> None:
    key = "pw_log_test_admin_key"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLANWRIGHT_")}
    env.update(
        PLANWRIGHT_DATA_DIR=str(tmp_path / "data"),
        PLANWRIGHT_EMBEDDER="hashing",
        PLANWRIGHT_BOOTSTRAP_API_KEY=key,
        PLANWRIGHT_AUTO_DRAFT="false",
        PLANWRIGHT_WEBHOOKS_ENABLED="false",
        PLANWRIGHT_LOG_FORMAT="json",
        PLANWRIGHT_LOG_LEVEL="INFO",
    )
    stderr = tmp_path / "serve.log"
    process, url = _serve(env, stderr)
    try:
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=60) as http:
            bundle = {"bundle": ("b.zip", zip_bundle(MINI_BUNDLE), "application/zip")}
            account = http.post("/v1/import", files=bundle, headers={"X-Request-ID": "req-import"}).json()["account_id"]
            started = http.post(
                f"/v1/accounts/{account}/drafts", json={"kind": "whitespace"}, headers={"X-Request-ID": "req-draft"}
            )
            draft_id = started.json()["id"]
            deadline = time.monotonic() + 60
            while http.get(f"/v1/drafts/{draft_id}").json()["status"] == "running":
                assert time.monotonic() < deadline, "the draft did not finish in 60 s"
                time.sleep(0.2)
    finally:
        process.terminate()
        process.wait(30)

    raw = stderr.read_text().splitlines()
    entries: list[dict[str, Any]] = [json.loads(line) for line in raw]  # every line is one JSON object
    assert entries and all({"time", "level", "logger", "message"} <= entry.keys() for entry in entries)
    access = [e for e in entries if e["logger"] == "uvicorn.access"]
    assert any(e["request_id"] == "req-import" and "/v1/import" in e["message"] for e in access)
    assert all(e.get("request_id") for e in access)  # every line logged during a request names it
    [settled] = [e for e in entries if e["logger"] == "app.drafts.runner"]
    assert settled["draft_id"] == draft_id and settled["request_id"] == "req-draft"
    assert any(e["logger"] == "uvicorn.error" and "Application startup complete" in e["message"] for e in entries)
