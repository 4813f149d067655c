"""Webhooks: endpoints per tenant, events recorded with the change that causes them, signed
deliveries to a real receiver on loopback, retries on an injected clock, no double sends, and
targets limited to public addresses unless private ones are allowed."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.accounts.models import Account
from app.db import transaction, utcnow
from app.drafts.service import execute_draft, request_draft
from app.main import create_app
from app.settings import Settings
from app.state import AppState, build_state
from app.webhooks import repository as webhook_rows
from app.webhooks import service as webhooks
from app.webhooks import targets
from app.webhooks.models import WebhookDeliveryRow, WebhookEndpointRow, WebhookEventRow
from app.webhooks.service import as_utc
from app.webhooks.signing import verify
from plans.vocabulary import DraftKind
from retrieval.embedders import HashingEmbedder
from tests.app.support import Keys, upload, wait_for_draft


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict[str, Any]:
        return json.loads(self.body)  # type: ignore[no-any-return]


class Receiver:
    """A CRM plugin's webhook endpoint: records every request and answers with the next queued
    status, with `body` and, when set, a `Location` header."""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.statuses: list[int] = []
        self.body = b"ok"
        self.location: str | None = None
        self._arrived = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server naming
                body = self.rfile.read(int(self.headers["Content-Length"]))
                # Recorded before answering, so a sender that has its answer finds the request here.
                with receiver._arrived:
                    receiver.requests.append(Received(self.path, dict(self.headers.items()), body))
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                    receiver._arrived.notify_all()
                self.send_response(status)
                self.send_header("Content-Length", str(len(receiver.body)))
                if receiver.location:
                    self.send_header("Location", receiver.location)
                self.end_headers()
                self.wfile.write(receiver.body)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        return self._server.server_port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/planwright"

    def wait_for(self, count: int, timeout: float = 30.0) -> list[Received]:
        with self._arrived:
            assert self._arrived.wait_for(lambda: len(self.requests) >= count, timeout), self.requests
            return list(self.requests)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def allow_private() -> bool:
    """The test receiver listens on 127.0.0.1, so most tests allow private targets; the tests of
    the default refuse them with `@pytest.mark.parametrize("allow_private", [False])`."""
    return True


@pytest.fixture
def settings(settings: Settings, allow_private: bool) -> Settings:
    """Nothing is sent in the background: each test drives the deliverer with run_once(now=...)."""
    return settings.model_copy(
        update={
            "webhooks_enabled": False,
            "webhook_max_attempts": 3,
            "webhook_timeout_s": 5,
            "webhook_allow_private": allow_private,
        }
    )


@pytest.fixture
def webhook_http() -> Iterator[httpx.Client]:
    # A client that would follow redirects: the deliverer must refuse to, whatever client it is given.
    with httpx.Client(follow_redirects=True) as http:
        yield http


@pytest.fixture
def state_factory(webhook_http: httpx.Client) -> Callable[[Settings], AppState]:
    return lambda s: build_state(s, embedder=HashingEmbedder(), webhook_http=webhook_http)


def _register(client: TestClient, key: str, url: str, events: list[str]) -> dict[str, Any]:
    response = client.post("/v1/webhooks", json={"url": url, "events": events}, headers=Keys.header(key))
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def _draft(client: TestClient, keys: Keys) -> dict[str, Any]:
    report = upload(client, keys.integration)
    started = client.post(
        f"/v1/accounts/{report['account_id']}/drafts",
        json={"kind": "stakeholder_map"},
        headers=Keys.header(keys.integration),
    )
    return wait_for_draft(client, keys.reviewer, started.json()["id"])


def _deliveries(client: TestClient, key: str, webhook_id: str, **params: Any) -> dict[str, Any]:
    response = client.get(f"/v1/webhooks/{webhook_id}/deliveries", params=params, headers=Keys.header(key))
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def _signed_at(request: Received) -> int:
    return int(request.headers["Planwright-Signature"].split(",")[0].removeprefix("t="))


# --- endpoints ---------------------------------------------------------------------------------


def test_a_registered_endpoint_shows_its_secret_once(client: TestClient, keys: Keys) -> None:
    created = _register(client, keys.integration, "https://crm.example.com/hooks", ["draft.ready", "plan.updated"])

    assert created["id"].startswith("whk_")
    assert created["secret"].startswith("whsec_") and len(created["secret"]) > 40
    assert created["url"] == "https://crm.example.com/hooks"
    listed = client.get("/v1/webhooks", headers=Keys.header(keys.admin)).json()
    assert [w["id"] for w in listed] == [created["id"]]
    assert "secret" not in listed[0]
    assert listed[0]["events"] == ["draft.ready", "plan.updated"]


@pytest.mark.parametrize(
    "body",
    [
        {"url": "ftp://crm.example.com/hooks", "events": ["draft.ready"]},
        {"url": "javascript:alert(1)", "events": ["draft.ready"]},
        {"url": "crm.example.com/hooks", "events": ["draft.ready"]},
        {"url": "https://crm.example.com/hooks", "events": []},
        {"url": "https://crm.example.com/hooks", "events": ["draft.exploded"]},
    ],
)
def test_bad_urls_and_events_are_422_problems(client: TestClient, keys: Keys, body: dict[str, Any]) -> None:
    response = client.post("/v1/webhooks", json=body, headers=Keys.header(keys.integration))

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert client.get("/v1/webhooks", headers=Keys.header(keys.integration)).json() == []


def test_reviewers_cannot_manage_webhooks(client: TestClient, keys: Keys) -> None:
    response = client.get("/v1/webhooks", headers=Keys.header(keys.reviewer))
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"


def test_another_tenant_cannot_see_touch_or_receive_a_tenants_webhooks(
    client: TestClient, keys: Keys, other_keys: Keys, receiver: Receiver
) -> None:
    ours = _register(client, keys.integration, receiver.url, ["draft.ready"])
    theirs = _register(client, other_keys.integration, receiver.url + "/other", ["draft.ready"])
    other = Keys.header(other_keys.admin)

    assert [w["id"] for w in client.get("/v1/webhooks", headers=other).json()] == [theirs["id"]]
    assert client.delete(f"/v1/webhooks/{ours['id']}", headers=other).status_code == 404
    assert client.post(f"/v1/webhooks/{ours['id']}/rotate-secret", headers=other).status_code == 404
    assert client.get(f"/v1/webhooks/{ours['id']}/deliveries", headers=other).status_code == 404

    draft = _draft(client, keys)
    client.app.state.planwright.webhooks.run_once()  # type: ignore[attr-defined]

    assert [r.path for r in receiver.requests] == ["/hooks/planwright"]
    assert receiver.requests[0].json["data"]["draft_id"] == draft["id"]
    assert _deliveries(client, other_keys.integration, theirs["id"])["items"] == []


def test_a_deleted_endpoint_is_gone_with_its_pending_deliveries(
    client: TestClient, app_state: AppState, keys: Keys, receiver: Receiver
) -> None:
    hook = _register(client, keys.integration, receiver.url, ["draft.ready"])
    _draft(client, keys)

    assert client.delete(f"/v1/webhooks/{hook['id']}", headers=Keys.header(keys.integration)).status_code == 204
    assert client.delete(f"/v1/webhooks/{hook['id']}", headers=Keys.header(keys.integration)).status_code == 404
    assert app_state.webhooks.run_once() == 0
    assert receiver.requests == []


def test_a_retried_registration_with_the_same_idempotency_key_creates_one_endpoint(
    client: TestClient, keys: Keys
) -> None:
    headers = {**Keys.header(keys.integration), "Idempotency-Key": "register-1"}
    body = {"url": "https://crm.example.com/hooks", "events": ["plan.updated"]}

    first = client.post("/v1/webhooks", json=body, headers=headers)
    retry = client.post("/v1/webhooks", json=body, headers=headers)

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert len(client.get("/v1/webhooks", headers=Keys.header(keys.integration)).json()) == 1


# --- events and delivery -----------------------------------------------------------------------


def test_a_draft_landing_in_review_sends_a_signed_draft_ready(
    client: TestClient, app_state: AppState, keys: Keys, receiver: Receiver
) -> None:
    hook = _register(client, keys.integration, receiver.url, ["draft.ready"])
    draft = _draft(client, keys)

    assert app_state.webhooks.run_once() == 1

    [request] = receiver.requests
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Planwright-Event"] == "draft.ready"
    assert request.headers["Planwright-Delivery"].startswith("dlv_")
    assert verify(hook["secret"], request.headers["Planwright-Signature"], request.body)
    assert not verify(hook["secret"], request.headers["Planwright-Signature"], request.body + b" ")
    event = request.json
    assert event["type"] == "draft.ready" and event["id"].startswith("evt_")
    assert event["tenant"] == "acme-sales"
    assert datetime.fromisoformat(event["created"]) <= utcnow()
    assert event["data"] == {
        "draft_id": draft["id"],
        "account_id": draft["account_id"],
        "kind": "stakeholder_map",
        "change_count": len(draft["changes"]),
        "url": f"/v1/drafts/{draft['id']}",
    }
    [delivery] = _deliveries(client, keys.integration, hook["id"])["items"]
    assert delivery["id"] == request.headers["Planwright-Delivery"]
    assert (delivery["status"], delivery["attempts"], delivery["last_status_code"]) == ("delivered", 1, 200)
    assert delivery["next_attempt_at"] is None
    assert app_state.webhooks.run_once(now=utcnow() + timedelta(days=1)) == 0
    assert len(receiver.requests) == 1


def test_accepting_a_change_sends_plan_updated_with_the_new_version(
    client: TestClient, app_state: AppState, keys: Keys, receiver: Receiver
) -> None:
    hook = _register(client, keys.integration, receiver.url, ["plan.updated"])
    draft = _draft(client, keys)
    assert app_state.webhooks.run_once() == 0  # not subscribed to draft.ready
    accepted = next(c for c in draft["changes"] if c["verified"])
    rejected = next(c for c in draft["changes"] if c["id"] != accepted["id"])

    response = client.post(
        f"/v1/drafts/{draft['id']}/decisions",
        json={
            "version": draft["version"],
            "decisions": [
                {"change_id": accepted["id"], "action": "accept"},
                {"change_id": rejected["id"], "action": "reject"},
            ],
        },
        headers=Keys.header(keys.reviewer),
    )
    assert response.status_code == 200, response.text
    assert app_state.webhooks.run_once() == 1

    [request] = receiver.requests
    assert request.headers["Planwright-Event"] == "plan.updated"
    assert verify(hook["secret"], request.headers["Planwright-Signature"], request.body)
    assert request.json["data"] == {
        "account_id": draft["account_id"],
        "version": 2,
        "previous_version": 1,
        "draft_id": draft["id"],
        "accepted_change_ids": [accepted["id"]],
        "edited_change_ids": [],
        "actor": "acme-sales-reviewer",
        "url": f"/v1/accounts/{draft['account_id']}/plan/versions/2",
    }


def test_rejecting_everything_makes_no_plan_version_and_sends_nothing(
    client: TestClient, app_state: AppState, keys: Keys, receiver: Receiver
) -> None:
    _register(client, keys.integration, receiver.url, ["plan.updated"])
    draft = _draft(client, keys)

    response = client.post(
        f"/v1/drafts/{draft['id']}/decisions",
        json={"version": draft["version"], "decisions": [{"change_id": draft["changes"][0]["id"], "action": "reject"}]},
        headers=Keys.header(keys.reviewer),
    )

    assert response.status_code == 200
    assert app_state.webhooks.run_once() == 0
    assert receiver.requests == []


def test_a_stale_decision_rolls_back_and_sends_nothing(
    client: TestClient, app_state: AppState, keys: Keys, receiver: Receiver
) -> None:
    _register(client, keys.integration, receiver.url, ["plan.updated"])
    draft = _draft(client, keys)
    change = next(c for c in draft["changes"] if c["verified"])

    stale = client.post(
        f"/v1/drafts/{draft['id']}/decisions",
        json={"version": draft["version"] + 1, "decisions": [{"change_id": change["id"], "action": "accept"}]},
        headers=Keys.header(keys.reviewer),
    )

    assert stale.status_code == 409
    assert app_state.webhooks.run_once(now=utcnow() + timedelta(days=1)) == 0
    assert receiver.requests == []
    with app_state.sessions() as session:
        assert session.scalar(select(func.count()).select_from(WebhookEventRow)) == 0


def test_an_event_recorded_in_a_transaction_that_rolls_back_is_never_sent(
    client: TestClient, app_state: AppState, keys: Keys, receiver: Receiver
) -> None:
    _register(client, keys.integration, receiver.url, ["plan.updated"])

    with pytest.raises(RuntimeError), transaction(app_state.sessions) as session:
        assert webhooks.record_event(session, "acme-sales", "plan.updated", {"version": 9}) is not None
        raise RuntimeError("the plan change failed after the event was recorded")

    assert app_state.webhooks.run_once(now=utcnow() + timedelta(days=1)) == 0
    assert receiver.requests == []


def test_a_failed_draft_sends_draft_failed(
    client: TestClient, app_state: AppState, keys: Keys, receiver: Receiver
) -> None:
    hook = _register(client, keys.integration, receiver.url, ["draft.failed"])
    account_id = upload(client, keys.integration)["account_id"]
    with transaction(app_state.sessions) as session:
        account = session.get(Account, account_id)
        assert account is not None
        # No chat model is configured, so a draft on the openai engine fails when it runs.
        draft_id = request_draft(session, account, DraftKind.stakeholder_map, "openai", "test").id
    execute_draft(app_state.sessions, app_state.store, draft_id)

    assert app_state.webhooks.run_once() == 1
    [request] = receiver.requests
    assert verify(hook["secret"], request.headers["Planwright-Signature"], request.body)
    data = request.json["data"]
    assert (data["draft_id"], data["account_id"], data["kind"]) == (draft_id, account_id, "stakeholder_map")
    assert "openai engine is not configured" in data["error"]


def test_a_receiver_answering_500_is_retried_with_backoff_then_given_up(
    client: TestClient, app_state: AppState, keys: Keys, receiver: Receiver
) -> None:
    hook = _register(client, keys.integration, receiver.url, ["draft.ready"])
    receiver.statuses = [500, 503, 500, 500]
    _draft(client, keys)
    t0 = utcnow()

    assert app_state.webhooks.run_once(now=t0) == 1
    [pending] = _deliveries(client, keys.integration, hook["id"])["items"]
    assert (pending["status"], pending["attempts"], pending["last_status_code"]) == ("pending", 1, 500)
    assert pending["last_error"] == "HTTP 500 Internal Server Error"
    assert as_utc(datetime.fromisoformat(pending["next_attempt_at"])) == t0 + timedelta(seconds=10)

    assert app_state.webhooks.run_once(now=t0 + timedelta(seconds=9)) == 0
    assert app_state.webhooks.run_once(now=t0 + timedelta(seconds=10)) == 1
    assert app_state.webhooks.run_once(now=t0 + timedelta(seconds=69)) == 0
    assert app_state.webhooks.run_once(now=t0 + timedelta(seconds=70)) == 1  # the third of three attempts
    assert app_state.webhooks.run_once(now=t0 + timedelta(days=1)) == 0

    [failed] = _deliveries(client, keys.integration, hook["id"])["items"]
    assert (failed["status"], failed["attempts"], failed["last_status_code"]) == ("failed", 3, 500)
    assert failed["next_attempt_at"] is None
    first, second, third = receiver.requests
    assert first.body == second.body == third.body
    assert {r.headers["Planwright-Delivery"] for r in receiver.requests} == {failed["id"]}
    # Each attempt is signed afresh at the time it is sent.
    assert [_signed_at(r) - _signed_at(first) for r in receiver.requests] == [0, 10, 70]
    for request in receiver.requests:
        assert verify(hook["secret"], request.headers["Planwright-Signature"], request.body, now=_signed_at(request))


def test_a_retry_that_succeeds_is_delivered(
    client: TestClient, app_state: AppState, keys: Keys, receiver: Receiver
) -> None:
    hook = _register(client, keys.integration, receiver.url, ["draft.ready"])
    receiver.statuses = [500]
    _draft(client, keys)
    t0 = utcnow()

    app_state.webhooks.run_once(now=t0)
    app_state.webhooks.run_once(now=t0 + timedelta(seconds=10))

    [delivery] = _deliveries(client, keys.integration, hook["id"])["items"]
    assert (delivery["status"], delivery["attempts"], delivery["last_status_code"]) == ("delivered", 2, 200)
    assert delivery["last_error"] is None
    assert len(receiver.requests) == 2


def test_an_unreachable_receiver_is_recorded_and_retried(client: TestClient, app_state: AppState, keys: Keys) -> None:
    closed = Receiver()
    url = closed.url
    closed.close()
    hook = _register(client, keys.integration, url, ["draft.ready"])
    _draft(client, keys)

    assert app_state.webhooks.run_once() == 1

    [delivery] = _deliveries(client, keys.integration, hook["id"])["items"]
    assert (delivery["status"], delivery["attempts"], delivery["last_status_code"]) == ("pending", 1, None)
    assert delivery["last_error"] == "connection refused"


def test_a_claimed_delivery_cannot_be_claimed_again(
    client: TestClient, app_state: AppState, keys: Keys, receiver: Receiver
) -> None:
    _register(client, keys.integration, receiver.url, ["draft.ready"])
    _draft(client, keys)
    now = utcnow()
    lease = now + timedelta(minutes=1)
    with app_state.sessions() as session:
        [delivery_id] = webhook_rows.due_delivery_ids(session, now, 10)

    claims = []
    for _ in range(2):  # two service processes that both saw the delivery due
        with transaction(app_state.sessions) as session:
            claims.append(webhook_rows.claim(session, delivery_id, now, lease))

    assert claims == [True, False]
    assert app_state.webhooks.run_once(now=now) == 0
    # A sender that died mid-attempt loses its claim when the lease runs out.
    assert app_state.webhooks.run_once(now=lease) == 1
    with app_state.sessions() as session:
        row = session.get(WebhookDeliveryRow, delivery_id)
        assert row is not None and (row.status, row.attempts) == ("delivered", 2)


def test_after_rotation_deliveries_are_signed_with_the_new_and_the_old_secret(
    client: TestClient, app_state: AppState, keys: Keys, receiver: Receiver
) -> None:
    hook = _register(client, keys.integration, receiver.url, ["draft.ready"])
    rotated = client.post(f"/v1/webhooks/{hook['id']}/rotate-secret", headers=Keys.header(keys.integration))
    assert rotated.status_code == 200
    new_secret = rotated.json()["secret"]
    assert new_secret != hook["secret"]
    _draft(client, keys)

    app_state.webhooks.run_once()
    [request] = receiver.requests
    assert request.headers["Planwright-Signature"].count("v1=") == 2
    assert verify(new_secret, request.headers["Planwright-Signature"], request.body)
    assert verify(hook["secret"], request.headers["Planwright-Signature"], request.body)

    _draft(client, keys)  # a second draft of the same kind, after the grace period
    app_state.webhooks.run_once(now=utcnow() + webhooks.ROTATION_GRACE + timedelta(minutes=1))
    late = receiver.requests[1]
    assert late.headers["Planwright-Signature"].count("v1=") == 1
    assert verify(new_secret, late.headers["Planwright-Signature"], late.body, now=_signed_at(late))
    assert not verify(hook["secret"], late.headers["Planwright-Signature"], late.body, now=_signed_at(late))


def test_deliveries_page_newest_first_with_a_cursor(
    client: TestClient, app_state: AppState, keys: Keys, receiver: Receiver
) -> None:
    hook = _register(client, keys.integration, receiver.url, ["draft.ready", "plan.updated"])
    draft = _draft(client, keys)
    change = next(c for c in draft["changes"] if c["verified"])
    client.post(
        f"/v1/drafts/{draft['id']}/decisions",
        json={"version": draft["version"], "decisions": [{"change_id": change["id"], "action": "accept"}]},
        headers=Keys.header(keys.reviewer),
    )
    app_state.webhooks.run_once()

    first = _deliveries(client, keys.integration, hook["id"], limit=1)
    second = _deliveries(client, keys.integration, hook["id"], limit=1, cursor=first["next_cursor"])

    assert [d["event_type"] for d in first["items"] + second["items"]] == ["plan.updated", "draft.ready"]
    assert second["next_cursor"] is None
    assert [r.headers["Planwright-Event"] for r in receiver.requests] == ["draft.ready", "plan.updated"]


def test_the_service_delivers_in_the_background_when_enabled(
    settings: Settings, state_factory: Callable[[Settings], AppState], receiver: Receiver
) -> None:
    enabled = settings.model_copy(update={"webhooks_enabled": True})
    with TestClient(create_app(enabled, state_factory=state_factory)) as client:
        keys = Keys(client.app.state.planwright, "acme-sales")  # type: ignore[attr-defined]
        hook = _register(client, keys.integration, receiver.url, ["draft.ready"])
        draft = _draft(client, keys)

        [request] = receiver.wait_for(1)

    assert request.json["data"]["draft_id"] == draft["id"]
    assert verify(hook["secret"], request.headers["Planwright-Signature"], request.body)


# --- targets: public addresses only, unless allowed --------------------------------------------

PUBLIC_NAME = "hooks.crm.example.com"


@pytest.fixture
def resolved(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Every name the deliverer resolves answers with `resolved.addresses`; the lookups are recorded.
    Any other lookup of a name (rather than a numeric address) fails the test: no real DNS."""
    lookups: list[tuple[str, int]] = []
    real_getaddrinfo = socket.getaddrinfo

    def fake_resolve(host: str, port: int) -> list[str]:
        lookups.append((host, port))
        return list(fake_resolve.addresses)  # type: ignore[attr-defined]

    def numeric_only(host: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(host, bytes):
            host = host.decode()
        if targets.ip_literal(host) is None:
            raise AssertionError(f"{host!r} was resolved outside targets.resolve")
        return real_getaddrinfo(host, *args, **kwargs)

    fake_resolve.addresses = ["127.0.0.1"]  # type: ignore[attr-defined]
    monkeypatch.setattr(targets, "resolve", fake_resolve)
    monkeypatch.setattr(socket, "getaddrinfo", numeric_only)
    return lookups


def _answer_with(monkeypatch: pytest.MonkeyPatch, addresses: list[str]) -> None:
    monkeypatch.setattr(targets.resolve, "addresses", addresses)


REFUSED_AT_CREATE = [
    ("http://169.254.169.254/latest/meta-data/", "address 169.254.169.254 is link-local"),
    ("http://127.0.0.1:6379/", "address 127.0.0.1 is loopback"),
    ("http://[::1]/hooks", "address ::1 is loopback"),
    ("http://10.0.0.5/hooks", "address 10.0.0.5 is private"),
    ("http://192.168.1.20/hooks", "address 192.168.1.20 is private"),
    ("http://172.16.0.1/hooks", "address 172.16.0.1 is private"),
    ("http://100.64.0.1/hooks", "address 100.64.0.1 is shared address space"),
    ("http://0.0.0.0:8000/", "address 0.0.0.0 is unspecified"),
    ("http://224.0.0.1/", "address 224.0.0.1 is multicast"),
    ("http://2130706433/", "address 127.0.0.1 is loopback"),
    ("http://0x7f000001/", "address 127.0.0.1 is loopback"),
    ("http://0177.0.0.1/", "address 127.0.0.1 is loopback"),
    ("http://127.1/", "address 127.0.0.1 is loopback"),
    ("http://[::ffff:127.0.0.1]/", "is loopback (it embeds 127.0.0.1)"),
    ("http://[::ffff:169.254.169.254]/", "is link-local (it embeds 169.254.169.254)"),
    ("http://[fe80::1]/", "address fe80::1 is link-local"),
    ("http://[fd00::1]/", "address fd00::1 is private"),
    ("http://localhost:8000/hooks", "host localhost is a local name"),
    ("http://LOCALHOST./hooks", "host localhost is a local name"),
    ("http://admin.localhost/", "host admin.localhost is a local name"),
    ("http://printer.local/", "host printer.local is a local name"),
    ("http://metadata.google.internal/computeMetadata/v1/", "host metadata.google.internal is a local name"),
    ("https://user:hunter2@crm.example.com/hooks", "must not carry credentials"),
    ("https://hunter2@crm.example.com/hooks", "must not carry credentials"),
]


@pytest.mark.parametrize("allow_private", [False])
@pytest.mark.parametrize(("url", "why"), REFUSED_AT_CREATE)
def test_urls_that_reach_internal_addresses_are_refused_at_registration(
    client: TestClient, keys: Keys, url: str, why: str
) -> None:
    response = client.post(
        "/v1/webhooks", json={"url": url, "events": ["draft.ready"]}, headers=Keys.header(keys.integration)
    )

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["title"] == "Webhook URL refused"
    assert why in problem["detail"]
    assert problem["errors"][0]["loc"] == ["body", "url"]
    assert "hunter2" not in response.text
    assert client.get("/v1/webhooks", headers=Keys.header(keys.integration)).json() == []


@pytest.mark.parametrize("allow_private", [False])
@pytest.mark.parametrize(
    ("addresses", "error"),
    [
        (["127.0.0.1"], "address 127.0.0.1 is loopback; not delivered"),
        (["93.184.216.34", "10.0.0.5"], "address 10.0.0.5 is private; not delivered"),
        (
            ["::ffff:169.254.169.254"],
            "address ::ffff:a9fe:a9fe is link-local (it embeds 169.254.169.254); not delivered",
        ),
    ],
)
def test_a_public_name_that_resolves_to_an_internal_address_is_not_delivered(
    client: TestClient,
    app_state: AppState,
    keys: Keys,
    receiver: Receiver,
    resolved: list[tuple[str, int]],
    monkeypatch: pytest.MonkeyPatch,
    addresses: list[str],
    error: str,
) -> None:
    url = f"http://{PUBLIC_NAME}:{receiver.port}/hooks/planwright"
    hook = _register(client, keys.integration, url, ["draft.ready"])
    _answer_with(monkeypatch, addresses)
    _draft(client, keys)
    t0 = utcnow()

    assert app_state.webhooks.run_once(now=t0) == 1

    assert resolved == [(PUBLIC_NAME, receiver.port)]
    [pending] = _deliveries(client, keys.integration, hook["id"])["items"]
    assert (pending["status"], pending["attempts"], pending["last_status_code"]) == ("pending", 1, None)
    assert pending["last_error"] == error
    # Refusals follow the usual backoff and give up after the last attempt.
    assert app_state.webhooks.run_once(now=t0 + timedelta(seconds=10)) == 1
    assert app_state.webhooks.run_once(now=t0 + timedelta(seconds=70)) == 1
    assert app_state.webhooks.run_once(now=t0 + timedelta(days=1)) == 0
    [failed] = _deliveries(client, keys.integration, hook["id"])["items"]
    assert (failed["status"], failed["attempts"], failed["last_error"]) == ("failed", 3, error)
    assert receiver.requests == []


def test_with_private_targets_allowed_a_name_is_delivered_to_the_address_it_resolved_to(
    client: TestClient, app_state: AppState, keys: Keys, receiver: Receiver, resolved: list[tuple[str, int]]
) -> None:
    url = f"http://{PUBLIC_NAME}:{receiver.port}/hooks/planwright"
    hook = _register(client, keys.integration, url, ["draft.ready"])
    _draft(client, keys)

    assert app_state.webhooks.run_once() == 1

    # Resolved once, by targets.resolve; the HTTP client connected to that address (a second
    # lookup of the name would have failed the test) and still named the host.
    assert resolved == [(PUBLIC_NAME, receiver.port)]
    [request] = receiver.requests
    assert request.headers["Host"] == f"{PUBLIC_NAME}:{receiver.port}"
    assert request.path == "/hooks/planwright"
    [delivery] = _deliveries(client, keys.integration, hook["id"])["items"]
    assert (delivery["status"], delivery["last_status_code"]) == ("delivered", 200)


@pytest.mark.parametrize("allow_private", [False])
def test_by_default_a_stored_loopback_url_is_not_delivered(
    client: TestClient, app_state: AppState, keys: Keys, receiver: Receiver
) -> None:
    hook = _store_endpoint(app_state, receiver.url)
    _draft(client, keys)

    assert app_state.webhooks.run_once() == 1

    [delivery] = _deliveries(client, keys.integration, hook)["items"]
    assert delivery["last_error"] == "address 127.0.0.1 is loopback; not delivered"
    assert receiver.requests == []


def test_a_stored_url_with_credentials_is_listed_without_them_and_not_delivered(
    client: TestClient, app_state: AppState, keys: Keys, receiver: Receiver
) -> None:
    hook = _store_endpoint(app_state, f"http://planwright:hunter2@127.0.0.1:{receiver.port}/hooks/planwright")
    _draft(client, keys)

    listed = client.get("/v1/webhooks", headers=Keys.header(keys.integration))
    assert [w["url"] for w in listed.json()] == [receiver.url]
    assert "hunter2" not in listed.text

    assert app_state.webhooks.run_once() == 1
    deliveries = client.get(f"/v1/webhooks/{hook}/deliveries", headers=Keys.header(keys.integration))
    [delivery] = deliveries.json()["items"]
    assert delivery["last_error"].startswith("the URL must not carry credentials")
    assert "hunter2" not in deliveries.text
    assert receiver.requests == []


def test_answers_recorded_by_an_older_release_are_not_shown(
    client: TestClient, app_state: AppState, keys: Keys
) -> None:
    hook = _store_endpoint(app_state, "https://crm.example.com/hooks")
    with transaction(app_state.sessions) as session:
        webhooks.record_event(session, "acme-sales", "draft.ready", {})
    with transaction(app_state.sessions) as session:
        [delivery] = session.scalars(select(WebhookDeliveryRow)).all()
        delivery.last_error = "HTTP 500: -ERR requirepass hunter2"

    response = client.get(f"/v1/webhooks/{hook}/deliveries", headers=Keys.header(keys.integration))

    assert [d["last_error"] for d in response.json()["items"]] == ["HTTP 500"]
    assert "hunter2" not in response.text


def test_the_delivery_log_never_shows_what_the_receiver_answered(
    client: TestClient, app_state: AppState, keys: Keys, receiver: Receiver
) -> None:
    hook = _register(client, keys.integration, receiver.url, ["draft.ready"])
    receiver.statuses = [500]
    receiver.body = b"-ERR wrong number of arguments\r\nrequirepass hunter2\r\n"
    _draft(client, keys)

    assert app_state.webhooks.run_once() == 1

    response = client.get(f"/v1/webhooks/{hook['id']}/deliveries", headers=Keys.header(keys.integration))
    [delivery] = response.json()["items"]
    assert (delivery["last_status_code"], delivery["last_error"]) == (500, "HTTP 500 Internal Server Error")
    assert "hunter2" not in response.text and "ERR" not in response.text


def test_a_redirect_is_not_followed(client: TestClient, app_state: AppState, keys: Keys, receiver: Receiver) -> None:
    hook = _register(client, keys.integration, receiver.url, ["draft.ready"])
    receiver.statuses = [302]
    receiver.location = f"http://127.0.0.1:{receiver.port}/internal/admin"
    _draft(client, keys)

    assert app_state.webhooks.run_once() == 1

    assert [r.path for r in receiver.requests] == ["/hooks/planwright"]
    [delivery] = _deliveries(client, keys.integration, hook["id"])["items"]
    assert (delivery["status"], delivery["last_status_code"]) == ("pending", 302)
    assert delivery["last_error"] == "HTTP 302 Found (redirects are not followed)"


@pytest.mark.parametrize("allow_private", [False])
def test_a_public_target_is_sent_to_its_vetted_address_with_its_name_for_tls(
    settings: Settings, resolved: list[tuple[str, int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(204)

    _answer_with(monkeypatch, ["93.184.216.34", "2606:2800:220:1::1"])
    with _client_sending_with(settings, httpx.MockTransport(answer)) as (client, keys):
        hook = _register(client, keys.integration, f"https://{PUBLIC_NAME}/hooks?x=1", ["draft.ready"])
        _draft(client, keys)
        assert client.app.state.planwright.webhooks.run_once() == 1  # type: ignore[attr-defined]
        [delivery] = _deliveries(client, keys.integration, hook["id"])["items"]

    [request] = sent
    assert str(request.url) == "https://93.184.216.34/hooks?x=1"
    assert request.headers["Host"] == PUBLIC_NAME
    assert request.extensions["sni_hostname"] == PUBLIC_NAME
    assert request.headers["Connection"] == "close"
    assert (delivery["status"], delivery["last_status_code"]) == ("delivered", 204)


@pytest.mark.parametrize(
    ("failure", "error"),
    [
        (httpx.ConnectTimeout("timed out connecting to 10.9.8.7:6379"), "timed out"),
        (httpx.ReadTimeout("read timed out from 10.9.8.7:6379"), "timed out"),
        (httpx.RemoteProtocolError("illegal status line: b'-ERR unknown command'"), "the answer was not valid HTTP"),
        (httpx.ReadError("[Errno 104] Connection reset by peer 10.9.8.7"), "connection lost"),
    ],
)
def test_network_errors_are_logged_by_kind_without_detail(
    settings: Settings, receiver: Receiver, failure: httpx.HTTPError, error: str
) -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise failure

    with _client_sending_with(settings, httpx.MockTransport(fail)) as (client, keys):
        hook = _register(client, keys.integration, receiver.url, ["draft.ready"])
        _draft(client, keys)
        client.app.state.planwright.webhooks.run_once()  # type: ignore[attr-defined]
        [delivery] = _deliveries(client, keys.integration, hook["id"])["items"]

    assert (delivery["status"], delivery["last_status_code"], delivery["last_error"]) == ("pending", None, error)


def _store_endpoint(app_state: AppState, url: str) -> str:
    """An endpoint stored before URLs were vetted, as an older release could have."""
    with transaction(app_state.sessions) as session:
        row = WebhookEndpointRow(
            id="whk_legacy",
            tenant="acme-sales",
            url=url,
            events=["draft.ready"],
            secret=webhooks.new_secret(),
            created_by="test",
            created_at=utcnow(),
        )
        session.add(row)
    return row.id


@contextmanager
def _client_sending_with(settings: Settings, transport: httpx.BaseTransport) -> Iterator[tuple[TestClient, Keys]]:
    with httpx.Client(transport=transport, follow_redirects=True) as http:
        app = create_app(
            settings, state_factory=lambda s: build_state(s, embedder=HashingEmbedder(), webhook_http=http)
        )
        with TestClient(app) as client:
            yield client, Keys(client.app.state.planwright, "acme-sales")  # type: ignore[attr-defined]
