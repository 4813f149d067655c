"""/metrics after real requests, a real import and a real draft: the histograms and the queue gauges."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from app.drafts.worker import worker_for
from app.main import create_app
from app.settings import Settings
from app.state import AppState
from tests.app.chroma_server import ChromaServer, free_port
from tests.app.support import Keys, upload, wait_for_draft

TOKEN = {"Authorization": "Bearer scrape-me"}
DETAIL = "/v1/drafts/{draft_id}"


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of a scrape, by name and labels."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(scraped: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float:
    return scraped.get((name, frozenset(labels.items())), 0.0)


def _client(settings: Settings, state_factory: Callable[[Settings], AppState], **changes: object) -> TestClient:
    changes = {"metrics_token": SecretStr("scrape-me"), **changes}
    return TestClient(create_app(settings.model_copy(update=changes), state_factory=state_factory))


@pytest.fixture
def scraped_client(settings: Settings, state_factory: Callable[[Settings], AppState]) -> Iterator[TestClient]:
    with _client(settings, state_factory) as test_client:
        yield test_client


def test_http_draft_and_embedding_histograms_after_real_requests_and_a_real_draft(scraped_client: TestClient) -> None:
    client = scraped_client
    keys = Keys(client.app.state.planwright, "acme-sales")  # type: ignore[attr-defined]
    report = upload(client, keys.integration)
    started = client.post(
        f"/v1/accounts/{report['account_id']}/drafts", json={"kind": "whitespace"}, headers=Keys.header(keys.reviewer)
    )
    draft = wait_for_draft(client, keys.reviewer, started.json()["id"])
    for _ in range(3):  # wait_for_draft read it once already: four 200s in all
        assert client.get(f"/v1/drafts/{draft['id']}", headers=Keys.header(keys.reviewer)).status_code == 200
    assert client.get("/v1/drafts/no-such-draft", headers=Keys.header(keys.reviewer)).status_code == 404
    assert client.get("/no/such/path/1234").status_code == 404
    searched = client.get(f"/v1/accounts/{report['account_id']}/search", params={"q": "renewal"},
                          headers=Keys.header(keys.reviewer))  # fmt: skip
    assert searched.status_code == 200

    scraped = samples(client.get("/metrics", headers=TOKEN).text)

    http = "planwright_http_request_duration_seconds"
    assert value(scraped, f"{http}_count", method="GET", route=DETAIL, status_class="2xx") == 4
    assert value(scraped, f"{http}_count", method="GET", route=DETAIL, status_class="4xx") == 1
    assert value(scraped, f"{http}_count", method="POST", route="/v1/import", status_class="2xx") == 1
    assert value(scraped, f"{http}_count", method="GET", route="<unmatched>", status_class="4xx") == 1
    assert value(scraped, f"{http}_bucket", method="GET", route=DETAIL, status_class="2xx", le="+Inf") == 4
    assert value(scraped, f"{http}_sum", method="GET", route=DETAIL, status_class="2xx") > 0
    routes = {dict(labels).get("route") for (name, labels) in scraped if name.startswith(http)}
    assert not any(draft["id"] in str(route) or "1234" in str(route) for route in routes)  # templates, not paths

    assert draft["status"] == "pending_review"
    drafts = "planwright_draft_duration_seconds"
    labels = {"kind": "whitespace", "engine": "offline", "status": "pending_review"}
    assert value(scraped, f"{drafts}_count", **labels) == 1
    assert value(scraped, f"{drafts}_sum", **labels) > 0

    # The import embedded its chunks, the draft and the search embedded their queries.
    texts = value(scraped, "planwright_embed_call_texts_sum")
    calls = value(scraped, "planwright_embed_call_duration_seconds_count")
    assert report["chunks_embedded"] > 0 and texts > report["chunks_embedded"]
    assert calls >= 3 and value(scraped, "planwright_embed_call_texts_count") == calls
    assert value(scraped, "planwright_embed_call_duration_seconds_sum") > 0

    assert value(scraped, "planwright_draft_queue_depth", state="queued") == 0
    assert value(scraped, "planwright_draft_queue_depth", state="drafting") == 0
    assert value(scraped, "planwright_draft_queue_oldest_age_seconds") == 0


def test_the_queue_depth_and_oldest_age_come_from_sql_and_a_worker_drains_them(
    settings: Settings, state_factory: Callable[[Settings], AppState]
) -> None:
    with _client(settings, state_factory, draft_execution="worker") as client:
        state: AppState = client.app.state.planwright  # type: ignore[attr-defined]
        keys = Keys(state, "acme-sales")
        account = upload(client, keys.integration)["account_id"]
        for kind in ("stakeholder_map", "qbr_brief"):
            posted = client.post(
                f"/v1/accounts/{account}/drafts", json={"kind": kind}, headers=Keys.header(keys.reviewer)
            )
            assert posted.status_code == 202

        waiting = samples(client.get("/metrics", headers=TOKEN).text)
        drafter = worker_for(state)  # what `planwright worker` runs
        try:
            assert drafter.drain() == 2
        finally:
            drafter.close()
        drained = samples(client.get("/metrics", headers=TOKEN).text)
        admin_view = client.get("/metrics", headers=Keys.header(keys.admin)).text

    assert value(waiting, "planwright_draft_queue_depth", state="queued") == 2
    assert 0 < value(waiting, "planwright_draft_queue_oldest_age_seconds") < 600
    assert value(drained, "planwright_draft_queue_depth", state="queued") == 0
    assert value(drained, "planwright_draft_queue_oldest_age_seconds") == 0
    for kind in ("stakeholder_map", "qbr_brief"):
        labels = {"kind": kind, "engine": "offline", "status": "pending_review"}
        assert value(drained, "planwright_draft_duration_seconds_count", **labels) == 1
    # A tenant's admin sees its own queue, but not the process's histograms, which mix every tenant's work.
    assert "planwright_draft_queue_depth" in admin_view
    assert "planwright_http_request_duration_seconds" not in admin_view


def test_a_planwright_worker_serves_its_draft_histogram_on_its_metrics_port(
    settings: Settings, state_factory: Callable[[Settings], AppState], chroma_server: ChromaServer, tmp_path: Path
) -> None:
    """The scaled deployment: an API process records the draft, a real `planwright worker` runs it."""
    shared = {"chroma_url": chroma_server.url, "draft_execution": "worker"}
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLANWRIGHT_")}
    env.update(
        PLANWRIGHT_DATA_DIR=str(tmp_path / "worker-data"),
        PLANWRIGHT_DATABASE_URL=settings.resolved_database_url,
        PLANWRIGHT_CHROMA_URL=chroma_server.url,
        PLANWRIGHT_EMBEDDER="hashing",
        PLANWRIGHT_DRAFT_EXECUTION="worker",
        PLANWRIGHT_WORKER_POLL_INTERVAL_S="0.2",
        PLANWRIGHT_WEBHOOKS_ENABLED="false",
    )
    with _client(settings, state_factory, **shared) as client:
        keys = Keys(client.app.state.planwright, "acme-sales")  # type: ignore[attr-defined]
        account = upload(client, keys.integration)["account_id"]
        posted = client.post(
            f"/v1/accounts/{account}/drafts", json={"kind": "qbr_brief"}, headers=Keys.header(keys.reviewer)
        )
        worker = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "worker", "--metrics-port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            labels = {"kind": "qbr_brief", "engine": "offline", "status": "pending_review"}
            deadline, scraped = time.monotonic() + 60, {}
            while value(scraped, "planwright_draft_duration_seconds_count", **labels) < 1:
                assert worker.poll() is None, worker.stderr.read().decode()[-2000:]  # type: ignore[union-attr]
                assert time.monotonic() < deadline, "the worker did not report the draft in 60 s"
                time.sleep(0.2)
                try:
                    scraped = samples(httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2).text)
                except httpx.HTTPError:
                    continue
            draft = client.get(f"/v1/drafts/{posted.json()['id']}", headers=Keys.header(keys.reviewer)).json()
        finally:
            worker.terminate()
            worker.wait(30)

    assert worker.returncode == 0
    assert draft["status"] == "pending_review"
    assert value(scraped, "planwright_draft_duration_seconds_sum", **labels) > 0
    assert value(scraped, "planwright_embed_call_texts_sum") > 0  # the draft's retrieval queries
    assert "planwright_accounts" not in str(scraped)  # the port shows process histograms, no tenant's figures
