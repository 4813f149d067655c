"""Bad input is a 4xx problem+json that says what is wrong, an internal failure is a logged 500 that
names its request id, and every answer carries an X-Request-ID."""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from app.accounts.models import Account
from app.db import transaction
from app.pagination import encode_cursor
from app.settings import Settings
from app.state import AppState
from app.webhooks import service as webhooks
from tests.app.support import Keys, imported_and_drafted, upload, wait_for_draft

PROBLEM_JSON = "application/problem+json"
HOOK = {"url": "https://hooks.example.com/planwright", "events": ["draft.ready", "plan.updated"]}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Events are recorded with their deliveries pending, and never sent."""
    return settings.model_copy(update={"webhooks_enabled": False})


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["title"] and body["request_id"] == response.headers["x-request-id"]
    return body


def _accept_first_change(client: TestClient, draft: dict[str, Any], headers: dict[str, str]) -> Any:
    decision = {"change_id": draft["changes"][0]["id"], "action": "accept"}
    body = {"version": draft["version"], "decisions": [decision]}
    return client.post(f"/v1/drafts/{draft['id']}/decisions", json=body, headers=headers)


def _paginated(client: TestClient, keys: Keys) -> list[str]:
    hook = client.post("/v1/webhooks", json=HOOK, headers=Keys.header(keys.integration)).json()
    return ["/v1/accounts", "/v1/drafts", "/v1/audit-log", f"/v1/webhooks/{hook['id']}/deliveries"]


@pytest.mark.parametrize(
    "cursor",
    ["é", "Zm9v€", "YWJj=", "not base64!", encode_cursor("\x00"), encode_cursor("acc_1; drop table accounts")],
    ids=["non-ascii", "non-ascii-tail", "padded", "not-base64", "nul-id", "not-an-id"],
)
def test_a_cursor_no_page_handed_out_is_a_400_on_every_paginated_endpoint(
    client: TestClient, keys: Keys, cursor: str
) -> None:
    for path in _paginated(client, keys):
        response = client.get(path, params={"cursor": cursor}, headers=Keys.header(keys.admin))

        body = _problem(response, 400)
        assert body["title"] == "Invalid cursor" and "next_cursor" in body["detail"], path
        assert body["errors"][0]["loc"] == ["query", "cursor"]


@pytest.mark.parametrize("last_id", ["abc", "drf_18ed5", "99999999999999999999999"])
def test_the_audit_log_refuses_a_cursor_that_is_not_a_row_number(client: TestClient, keys: Keys, last_id: str) -> None:
    response = client.get("/v1/audit-log", params={"cursor": encode_cursor(last_id)}, headers=Keys.header(keys.admin))

    assert _problem(response, 400)["title"] == "Invalid cursor"


def test_pages_still_follow_their_own_cursors(client: TestClient, keys: Keys) -> None:
    report, draft = imported_and_drafted(client, keys)
    reviewer = Keys.header(keys.reviewer)
    for change in draft["changes"][:2]:
        decision = {"change_id": change["id"], "action": "reject"}
        version = client.get(f"/v1/drafts/{draft['id']}", headers=reviewer).json()["version"]
        answer = client.post(
            f"/v1/drafts/{draft['id']}/decisions", json={"version": version, "decisions": [decision]}, headers=reviewer
        )
        assert answer.status_code == 200, answer.text

    first = client.get("/v1/audit-log", params={"limit": 1}, headers=reviewer).json()
    second = client.get("/v1/audit-log", params={"limit": 1, "cursor": first["next_cursor"]}, headers=reviewer)

    assert second.status_code == 200 and second.json()["items"][0]["id"] > first["items"][0]["id"]


def test_a_nul_character_in_an_id_a_filter_or_a_body_is_a_422_on_every_database(
    client: TestClient, keys: Keys
) -> None:
    admin = Keys.header(keys.admin)
    report = upload(client, keys.integration)

    answers = [
        client.get("/v1/accounts/a%00b", headers=admin),
        client.get("/v1/drafts", params={"account_id": "\x00"}, headers=admin),
        client.post("/v1/webhooks", json={**HOOK, "description": "bad\x00"}, headers=admin),
        client.post(f"/v1/accounts/{report['account_id']}/notes", json={"text": "hello\x00"}, headers=admin),
    ]

    for answer in answers:
        assert "NUL" in _problem(answer, 422)["detail"], answer.request.url
    assert client.get("/v1/webhooks", headers=admin).json() == [], "nothing of a refused request is stored"


def test_an_unhandled_error_is_a_logged_problem_500_naming_its_request_id(
    client: TestClient, keys: Keys, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*_: Any, **__: Any) -> None:
        raise RuntimeError("connection to /srv/planwright/secret.db lost")

    monkeypatch.setattr("app.accounts.repository.page", broken)

    with caplog.at_level(logging.ERROR, logger="app.problems"):
        response = client.get("/v1/accounts", headers={**Keys.header(keys.admin), "X-Request-ID": "trace-42.a"})

    body = _problem(response, 500)
    assert body["title"] == "Internal error" and body["type"] == "about:blank"
    assert body["request_id"] == "trace-42.a" and "trace-42.a" in body["detail"]
    assert "secret" not in response.text and "Traceback" not in response.text and "RuntimeError" not in response.text
    (record,) = [r for r in caplog.records if "trace-42.a" in r.getMessage()]
    assert record.exc_info is not None and "secret.db" in str(record.exc_info[1])


@pytest.mark.parametrize("offered", ["", "two words", "x" * 200, 'quote"d', "é"])
def test_every_answer_carries_a_request_id_and_an_unfit_one_is_replaced(client: TestClient, offered: str) -> None:
    headers = {"X-Request-ID": offered.encode()} if offered else {}

    answers = [client.get("/healthz", headers=headers), client.get("/v1/accounts", headers=headers)]

    for answer in answers:
        assert re.fullmatch(r"[0-9a-f]{32}", answer.headers["x-request-id"]), answer.headers
    assert answers[1].json()["request_id"] == answers[1].headers["x-request-id"]


def test_a_markdown_export_of_an_account_with_any_id_downloads(
    client: TestClient, app_state: AppState, keys: Keys
) -> None:
    reviewer = Keys.header(keys.reviewer)
    report = upload(client, keys.integration)
    started = client.post(f"/v1/accounts/{report['account_id']}/drafts", json={"kind": "qbr_brief"}, headers=reviewer)
    draft = wait_for_draft(client, keys.reviewer, started.json()["id"])
    _accept_first_change(client, draft, reviewer).raise_for_status()
    with transaction(app_state.sessions) as session:  # an id as a CRM may spell it, quotes and line breaks included
        external = 'Ünïcode-账户/"x"\r\n'
        session.execute(update(Account).where(Account.id == report["account_id"]).values(external_id=external))

    exported = client.get(f"/v1/accounts/{report['account_id']}/plan/qbr-brief.md", headers=reviewer)

    assert exported.status_code == 200, exported.text
    disposition = exported.headers["content-disposition"]
    assert disposition.startswith('inline; filename="qbr-brief-_n_code-____x___-v2.md"; ')
    assert disposition.endswith("filename*=UTF-8''qbr-brief-%C3%9Cn%C3%AFcode-%E8%B4%A6%E6%88%B7%2F%22x%22%0D%0A-v2.md")


def test_rotating_the_secret_of_a_webhook_deleted_meanwhile_is_a_404(
    client: TestClient, app_state: AppState, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    plugin = Keys.header(keys.integration)
    hook = client.post("/v1/webhooks", json=HOOK, headers=plugin).json()
    read = webhooks.endpoint_or_404

    def read_then_lose_the_race(*args: Any) -> Any:
        row = read(*args)
        with transaction(app_state.sessions) as other:  # the DELETE commits between our read and our write
            other.delete(read(other, row.tenant, row.id))
        return row

    monkeypatch.setattr(webhooks, "endpoint_or_404", read_then_lose_the_race)

    rotated = client.post(f"/v1/webhooks/{hook['id']}/rotate-secret", headers=plugin)

    assert _problem(rotated, 404)["title"] == "Webhook not found"
    monkeypatch.undo()
    assert client.get("/v1/webhooks", headers=plugin).json() == []


_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _submit(client: TestClient, path: str, page: str, data: dict[str, str]) -> Any:
    """Post a UI form as the browser would, with the page's CSRF token when it carries one."""
    token = _CSRF.search(page)
    fields = {**data, **({"csrf_token": token.group(1)} if token else {})}
    return client.post(path, data=fields, headers={"Origin": "http://testserver"})


@pytest.mark.parametrize("version", ["abc", "1.5", "²", "99999999999999999999"])
def test_a_ui_decision_with_a_version_that_is_not_a_number_is_a_422(
    client: TestClient, keys: Keys, version: str
) -> None:
    _, draft = imported_and_drafted(client, keys)
    signed_in = _submit(client, "/ui/login", client.get("/ui/login").text, {"api_key": keys.reviewer})
    assert signed_in.status_code == 200, signed_in.text
    path = f"/ui/drafts/{draft['id']}"
    form = {"version": version, f"action_{draft['changes'][0]['id']}": "reject"}

    answer = _submit(client, f"{path}/decisions", client.get(path).text, form)

    assert answer.status_code == 422 and answer.headers["content-type"].startswith("text/html")  # a UI page
    assert "must be the draft&#39;s version number" in answer.text
    assert client.get(f"/v1/drafts/{draft['id']}", headers=Keys.header(keys.reviewer)).json()["version"] == 1


def _timestamps(value: Any, found: list[str], where: str = "") -> list[str]:
    """Every ISO 8601 date-time string in a JSON document (`where` is its path)."""
    if isinstance(value, dict):
        for key, item in value.items():
            _timestamps(item, found, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _timestamps(item, found, f"{where}[{index}]")
    elif isinstance(value, str) and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?.*", value):
        found.append(f"{where}={value}")
    return found


def test_every_timestamp_the_api_returns_is_in_utc_with_its_offset(client: TestClient, keys: Keys) -> None:
    reviewer, plugin = Keys.header(keys.reviewer), Keys.header(keys.integration)
    hook = client.post("/v1/webhooks", json=HOOK, headers=plugin).json()
    report, draft = imported_and_drafted(client, keys)
    account = report["account_id"]
    decided = _accept_first_change(client, draft, reviewer)
    documents = {
        "created webhook": hook,
        "decided draft": decided.json(),
        "draft": client.get(f"/v1/drafts/{draft['id']}", headers=reviewer).json(),
        "queue": client.get("/v1/drafts", headers=reviewer).json(),
        "audit log": client.get("/v1/audit-log", headers=reviewer).json(),
        "plan": client.get(f"/v1/accounts/{account}/plan", headers=reviewer).json(),
        "plan history": client.get(f"/v1/accounts/{account}/plan/versions", headers=reviewer).json(),
        "plan version": client.get(f"/v1/accounts/{account}/plan/versions/2", headers=reviewer).json(),
        "webhooks": client.get("/v1/webhooks", headers=plugin).json(),
        "rotated": client.post(f"/v1/webhooks/{hook['id']}/rotate-secret", headers=plugin).json(),
        "deliveries": client.get(f"/v1/webhooks/{hook['id']}/deliveries", headers=plugin).json(),
        "keys": client.get("/v1/keys", headers=Keys.header(keys.admin)).json(),
    }

    found = {name: _timestamps(document, []) for name, document in documents.items()}

    assert all(found.values()), f"every family returns timestamps: {found}"
    for name, stamps in found.items():
        for stamp in stamps:
            moment = datetime.fromisoformat(stamp.split("=", 1)[1])
            assert moment.utcoffset() is not None and moment.utcoffset().total_seconds() == 0, (name, stamp)
