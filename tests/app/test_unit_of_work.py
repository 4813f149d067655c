"""A 2xx means the write is committed: what a client can read when the response starts is final."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect, select, table, text

from app.main import create_app
from app.settings import Settings
from app.state import AppState
from tests.app.support import MINI_BUNDLE, Keys, zip_bundle

Scope = dict[str, Any]


class CommittedAtResponseStart:
    """ASGI wrapper: when a write's 2xx response starts, fingerprint the database as another connection sees it."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.at_response: list[tuple[str, str, int, str]] = []
        self.reading: Callable[[], str] = self.fingerprint

    @property
    def state(self) -> AppState:
        return self.app.state.planwright  # type: ignore[no-any-return]

    def draft_count(self) -> str:
        """How many drafts exist: unlike the rows themselves, the draft worker does not change it."""
        with self.state.sessions.kw["bind"].connect() as connection:
            return str(connection.execute(text("SELECT count(*) FROM drafts")).scalar())

    def fingerprint(self) -> str:
        """Every row of every table, from a fresh connection: only committed data shows."""
        digest = hashlib.sha256()
        engine = self.state.sessions.kw["bind"]
        with engine.connect() as connection:
            for name in sorted(inspect(connection).get_table_names()):
                if name == "alembic_version":
                    continue
                rows = connection.execute(select(text("*")).select_from(table(name))).all()
                digest.update(name.encode() + repr(sorted(map(repr, rows))).encode())
        return digest.hexdigest()

    async def __call__(self, scope: Scope, receive: Callable[..., Any], send: Callable[..., Any]) -> None:
        if scope["type"] != "http" or scope["method"] == "GET":
            await self.app(scope, receive, send)
            return

        async def observed(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start" and message["status"] < 300:
                self.at_response.append((scope["method"], scope["path"], message["status"], self.reading()))
            await send(message)

        await self.app(scope, receive, observed)


@pytest.fixture
def observed(settings: Settings, state_factory: Callable[[Settings], AppState]) -> Iterator[tuple[TestClient, Any]]:
    wrapper = CommittedAtResponseStart(create_app(settings, state_factory=state_factory))
    with TestClient(wrapper) as test_client:
        yield test_client, wrapper


def test_every_write_is_committed_before_its_2xx_is_sent(observed: tuple[TestClient, Any]) -> None:
    client, probe = observed
    keys = Keys(probe.state, "acme-sales")
    plugin, reviewer = Keys.header(keys.integration), Keys.header(keys.reviewer)

    def write(method: str, path: str, headers: dict[str, str], **kwargs: Any) -> Any:
        response = client.request(method, path, headers=headers, **kwargs)
        assert response.status_code < 300, response.text
        *_, at_response = probe.at_response[-1]
        assert at_response == probe.reading(), f"{method} {path} answered before its write was committed"
        return response.json() if response.content else None

    bundle = {"bundle": ("b.zip", zip_bundle(MINI_BUNDLE), "application/zip")}
    account = write("POST", "/v1/import", plugin, files=bundle)
    webhook = {"url": "https://hooks.example.com/h", "events": ["plan.updated"]}
    hook = write("POST", "/v1/webhooks", plugin, json=webhook)
    write("POST", f"/v1/webhooks/{hook['id']}/rotate-secret", plugin)
    write("DELETE", f"/v1/webhooks/{hook['id']}", plugin)
    write("POST", f"/v1/accounts/{account['account_id']}/notes", plugin, json={"text": "Priya now runs procurement."})
    probe.reading = probe.draft_count  # the draft starts running as soon as it is committed
    draft = write("POST", f"/v1/accounts/{account['account_id']}/drafts", plugin, json={"kind": "stakeholder_map"})
    probe.state.runner.wait_idle(60)
    probe.reading = probe.fingerprint
    detail = client.get(f"/v1/drafts/{draft['id']}", headers=reviewer).json()
    change = detail["changes"][0]["id"]
    write("POST", f"/v1/drafts/{draft['id']}/decisions", reviewer,
          json={"version": detail["version"], "decisions": [{"change_id": change, "action": "reject"}]})  # fmt: skip

    assert len(probe.at_response) == 7
