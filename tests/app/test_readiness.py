"""/readyz answers 200 only while the database and the vector store answer, on real dependencies."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from app.cli import cli
from app.main import create_app
from app.settings import Settings
from app.state import AppState, build_state
from retrieval.embedders import HashingEmbedder
from tests.app.chroma_server import ChromaServer, free_port
from tests.app.test_database_outage import outage


def _not_ready(response: object, failed: str) -> dict[str, str]:
    assert response.status_code == 503, response.text  # type: ignore[attr-defined]
    assert response.headers["content-type"] == "application/problem+json"  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert body["title"] == "Not ready" and failed in body["detail"]
    assert body["checks"][failed].startswith("failed: ")
    return body["checks"]  # type: ignore[no-any-return]


def test_ready_when_the_database_and_the_embedded_store_answer(client: TestClient) -> None:
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "vector_store": "ok"}}
    assert client.get("/healthz").status_code == 200


def test_a_database_on_a_closed_port_is_503_naming_the_database(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/planwright",
        embedder="hashing",
        auto_draft=False,
    )
    app = create_app(settings, state_factory=lambda s: build_state(s, embedder=HashingEmbedder(), migrate=False))
    with TestClient(app) as client:
        response = client.get("/readyz")
        alive = client.get("/healthz")

    checks = _not_ready(response, "database")
    assert checks == {"database": "failed: OperationalError", "vector_store": "ok"}
    assert response.headers["retry-after"] == "5"
    assert "127.0.0.1" not in response.text  # says which dependency, not where it lives
    assert alive.status_code == 200  # the process is alive: restarting it would not help


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_postgresql_that_refuses_connections_is_503_and_ready_again_after(
    client: TestClient, database_url: str
) -> None:
    assert client.get("/readyz").status_code == 200

    with outage(database_url):
        during = client.get("/readyz")

    _not_ready(during, "database")
    assert client.get("/readyz").status_code == 200


def test_a_stopped_chroma_server_is_503_naming_the_vector_store_and_ready_again_once_it_is_back(
    settings: Settings, state_factory: Callable[[Settings], AppState], chroma_server: ChromaServer
) -> None:
    app = create_app(settings.model_copy(update={"chroma_url": chroma_server.url}), state_factory=state_factory)
    with TestClient(app) as client:
        before = client.get("/readyz")
        chroma_server.stop()
        during = client.get("/readyz")
        chroma_server.start()
        after = client.get("/readyz")

    assert before.status_code == 200, before.text
    assert _not_ready(during, "vector_store")["database"] == "ok"
    assert after.status_code == 200, after.text


def test_planwright_ready_exits_0_when_both_answer_and_1_naming_a_database_on_a_closed_port(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chroma_server: ChromaServer
) -> None:
    """What the worker's container health check runs."""
    monkeypatch.setenv("PLANWRIGHT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PLANWRIGHT_CHROMA_URL", chroma_server.url)
    monkeypatch.delenv("PLANWRIGHT_DATABASE_URL", raising=False)
    ready = CliRunner().invoke(cli, ["ready"])
    monkeypatch.setenv("PLANWRIGHT_DATABASE_URL", f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/planwright")
    refused = CliRunner().invoke(cli, ["ready"])
    chroma_server.stop()
    monkeypatch.delenv("PLANWRIGHT_DATABASE_URL")
    no_store = CliRunner().invoke(cli, ["ready"])

    assert ready.exit_code == 0 and ready.output == "database: ok\nvector_store: ok\n", ready.output
    assert refused.exit_code == 1 and "database: failed: OperationalError" in refused.output
    assert no_store.exit_code == 1 and "vector_store: failed: ConnectError" in no_store.output
