"""A database that goes away for a moment, a disk that fills: clients get an answer to act on, never a 500."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from chromadb.api.models.Collection import Collection
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.state import AppState
from tests.app.conftest import PG_ADMIN_URL
from tests.app.support import MINI_BUNDLE, Keys, upload, zip_bundle


def _admin(sql: str) -> None:
    engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(sql))
    finally:
        engine.dispose()


@contextmanager
def outage(database_url: str) -> Iterator[None]:
    """PostgreSQL refuses new connections to the service's database and drops the open ones."""
    name = make_url(database_url).database
    _admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
    _admin(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")
    try:
        yield
    finally:
        _admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_requests_during_an_outage_get_503_and_the_next_ones_succeed_without_a_restart(
    client: TestClient, keys: Keys, database_url: str
) -> None:
    account = upload(client, keys.integration)["account_id"]
    reviewer = Keys.header(keys.reviewer)
    assert client.get(f"/v1/accounts/{account}", headers=reviewer).status_code == 200

    with outage(database_url):
        during = client.get(f"/v1/accounts/{account}", headers=reviewer)

    assert during.status_code == 503, during.text
    assert during.headers["content-type"] == "application/problem+json"
    assert during.headers["retry-after"] == "5"
    assert during.json()["title"] == "Database unavailable"
    after = client.get(f"/v1/accounts/{account}", headers=reviewer)
    assert after.status_code == 200 and after.json()["id"] == account


def test_a_full_vector_store_disk_imports_nothing_says_so_and_a_later_import_completes(
    client: TestClient, keys: Keys, app_state: AppState, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_upsert = Collection.upsert  # the fault is injected where Chroma writes
    writes: list[int] = []

    def fills_the_disk(self: Collection, **kwargs: Any) -> None:
        writes.append(len(kwargs["ids"]))
        if len(writes) == 1:
            real_upsert(self, **kwargs)  # the first batch lands, then the disk is full
            return
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(app_state.store, "_batch_size", lambda: 2)
    monkeypatch.setattr(Collection, "upsert", fills_the_disk)
    full = client.post("/v1/import", headers=Keys.header(keys.integration),
                       files={"bundle": ("b.zip", zip_bundle(MINI_BUNDLE), "application/zip")})  # fmt: skip

    assert full.status_code == 507 and full.headers["content-type"] == "application/problem+json"
    assert "disk is full" in full.json()["detail"] and "nothing was imported" in full.json()["detail"]
    assert client.get("/v1/accounts", headers=Keys.header(keys.reviewer)).json()["items"] == []

    monkeypatch.setattr(Collection, "upsert", real_upsert)  # space was freed
    again = upload(client, keys.integration)
    assert again["account_created"] and again["sources"]["added"] > 0
    hits = client.get(f"/v1/accounts/{again['account_id']}/search", params={"q": "renewal", "k": 3},
                      headers=Keys.header(keys.reviewer)).json()["hits"]  # fmt: skip
    assert hits
