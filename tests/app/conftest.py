"""App fixtures: a service on a fresh database per test (SQLite file or a PostgreSQL database
cloned from a migrated template), an embedded Chroma under tmp_path, and API keys per role."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from app.db import make_engine
from app.main import create_app
from app.migrate import upgrade
from app.settings import Settings
from app.state import AppState, build_state
from retrieval.embedders import HashingEmbedder
from tests.app.chroma_server import ChromaServer
from tests.app.support import Keys

PG_ADMIN_URL = os.environ.get("PLANWRIGHT_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
# Under pytest-xdist each worker (gw0, gw1, ...) names its own databases, so no worker ever clones,
# drops or waits on another's; "main" when the suite runs in one process.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")


def _postgres_available() -> bool:
    try:
        with create_engine(PG_ADMIN_URL).connect() as conn:
            conn.execute(text("select 1"))
        return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A database migrated once per session (once per xdist worker); every test of that worker clones it."""
    if not _postgres_available():
        if os.environ.get("PLANWRIGHT_TEST_REQUIRE_POSTGRES"):
            pytest.fail(f"PostgreSQL is required but not reachable at {PG_ADMIN_URL}")
        pytest.skip(
            f"PostgreSQL not reachable at {PG_ADMIN_URL}; CI sets PLANWRIGHT_TEST_REQUIRE_POSTGRES=1, "
            "so there the PostgreSQL half of the app tests always runs"
        )
    name = f"pw_template_{WORKER}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}")
    upgrade(engine)
    engine.dispose()
    yield name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'planwright.db'}"
        return
    template = request.getfixturevalue("pg_template")
    name = f"pw_test_{WORKER}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        embedder="hashing",
        draft_workers=2,
        draft_tenant_concurrency=2,
        draft_sweep_interval_s=3600,  # sweeps once, at start; tests that need the sweeper sweep themselves
        auto_draft=False,
    )


@pytest.fixture
def state_factory() -> Callable[[Settings], AppState]:
    return lambda s: build_state(s, embedder=HashingEmbedder())


@pytest.fixture
def client(settings: Settings, state_factory: Callable[[Settings], AppState]) -> Iterator[TestClient]:
    with TestClient(create_app(settings, state_factory=state_factory)) as test_client:
        yield test_client


@pytest.fixture
def app_state(client: TestClient) -> AppState:
    return client.app.state.planwright  # type: ignore[attr-defined,no-any-return]


@pytest.fixture
def keys(app_state: AppState) -> Keys:
    return Keys(app_state, "acme-sales")


@pytest.fixture
def other_keys(app_state: AppState) -> Keys:
    return Keys(app_state, "other-tenant")


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[ChromaServer]:
    """A real `chroma run` on a free loopback port, stopped after the test."""
    server = ChromaServer(tmp_path / "chroma-server")
    yield server
    server.stop()
