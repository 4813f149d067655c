"""Drafts share the service fairly and never hang: leases renewed, time limits, retry caps, per-tenant turns."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.accounts.models import Account
from app.db import transaction
from app.drafts import service
from app.drafts.models import DraftRow
from app.drafts.service import DraftLimits, claim_draft, execute_draft, request_draft
from app.main import create_app
from app.settings import Settings
from app.state import AppState
from plans.vocabulary import DraftKind
from tests.app.support import Keys, draft_row, upload


def _state(client: TestClient) -> AppState:
    return client.app.state.planwright  # type: ignore[attr-defined,no-any-return]


def _new_drafts(state: AppState, account_id: str, *kinds: DraftKind) -> list[str]:
    with transaction(state.sessions) as session:
        account = session.get(Account, account_id)
        assert account is not None
        return [request_draft(session, account, kind, "offline", "test").id for kind in kinds]


def _row(state: AppState, draft_id: str) -> DraftRow:
    return draft_row(state, draft_id)


def _slow_agent(monkeypatch: pytest.MonkeyPatch, seconds: float, during: Callable[[], None] = lambda: None) -> None:
    real = service.run_draft

    def slowly(*args: Any, **kwargs: Any) -> Any:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            during()
            time.sleep(0.05)
        return real(*args, **kwargs)

    monkeypatch.setattr(service, "run_draft", slowly)


@pytest.fixture
def account(client: TestClient, keys: Keys) -> str:
    return str(upload(client, keys.integration)["account_id"])


def test_a_draft_running_past_its_lease_keeps_it_and_nobody_else_takes_it(
    app_state: AppState, account: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    (draft_id,) = _new_drafts(app_state, account, DraftKind.stakeholder_map)
    stolen: list[bool] = []

    def try_to_take_it() -> None:
        with transaction(app_state.sessions) as session:
            now = datetime.now(UTC)
            stolen.append(claim_draft(session, draft_id, "another-process", now, now + timedelta(seconds=1)))

    _slow_agent(monkeypatch, 8.0, during=try_to_take_it)  # four leases long

    # A lease of two seconds, renewed every third of it: a loaded CI machine (two test workers, PostgreSQL, a local
    # LLM server on both cores in the other worker) once let a half-second lease, and once a one-second lease, lapse
    # between renewals.
    settled = execute_draft(app_state.sessions, app_state.store, draft_id, limits=DraftLimits(lease_s=2.0))

    assert settled and stolen and not any(stolen)
    draft = _row(app_state, draft_id)
    assert (draft.status, draft.attempts, draft.lease_until) == ("pending_review", 1, None)


def test_a_draft_over_its_time_limit_is_failed_with_the_reason_and_its_late_result_dropped(
    app_state: AppState, account: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    (draft_id,) = _new_drafts(app_state, account, DraftKind.whitespace)
    _slow_agent(monkeypatch, 1.5)

    settled = execute_draft(
        app_state.sessions, app_state.store, draft_id, limits=DraftLimits(lease_s=5, time_limit_s=0.5)
    )

    assert settled is False  # the time limit settled it, not the agent
    draft = _row(app_state, draft_id)
    assert draft.status == "failed" and "time limit (0.5 s)" in (draft.error or "") and draft.changes == []


def test_a_draft_whose_runners_keep_dying_is_failed_not_resumed_forever(app_state: AppState, account: str) -> None:
    (draft_id,) = _new_drafts(app_state, account, DraftKind.qbr_brief)
    start = datetime.now(UTC) - timedelta(hours=1)
    for crash in range(3):  # three processes claimed it and died: their leases ran out
        with transaction(app_state.sessions) as session:
            at = start + timedelta(minutes=10 * crash)
            assert claim_draft(session, draft_id, f"crashed-{crash}", at, at + timedelta(minutes=1))

    settled = execute_draft(app_state.sessions, app_state.store, draft_id, limits=DraftLimits(max_attempts=3))

    draft = _row(app_state, draft_id)
    assert settled and draft.status == "failed" and draft.attempts == 4
    assert draft.error == (
        "the draft was started 3 times and never finished (the process running it stopped each time); "
        "it is not retried: request it again"
    )


@pytest.fixture
def one_at_a_time(settings: Settings, state_factory: Callable[[Settings], AppState]) -> Iterator[TestClient]:
    fair = settings.model_copy(update={"draft_tenant_concurrency": 1})
    with TestClient(create_app(fair, state_factory=state_factory)) as test_client:
        yield test_client


def test_one_tenant_waits_its_turn_while_another_tenant_drafts(one_at_a_time: TestClient) -> None:
    state = _state(one_at_a_time)
    busy = str(upload(one_at_a_time, Keys(state, "busy-tenant").integration)["account_id"])
    quiet = str(upload(one_at_a_time, Keys(state, "quiet-tenant").integration)["account_id"])
    held, waiting = _new_drafts(state, busy, DraftKind.stakeholder_map, DraftKind.whitespace)
    (other,) = _new_drafts(state, quiet, DraftKind.stakeholder_map)
    now = datetime.now(UTC)
    with transaction(state.sessions) as session:  # another process is drafting for busy-tenant
        assert claim_draft(session, held, "other-process", now, now + timedelta(minutes=5))

    assert state.runner.submit(waiting).result(30) is False
    assert state.runner.submit(other).result(30) is True  # the other tenant is not held up
    assert _row(state, waiting).status == "running" and _row(state, waiting).claimed_by is None

    with transaction(state.sessions) as session:  # the other process finishes its draft
        session.get(DraftRow, held).status = "pending_review"  # type: ignore[union-attr]
    state.runner.wait_idle(30)

    assert _row(state, waiting).status == "pending_review"


def test_the_sweeper_resumes_a_dead_processs_draft_without_a_restart(
    settings: Settings, state_factory: Callable[[Settings], AppState]
) -> None:
    sweeping = settings.model_copy(update={"draft_sweep_interval_s": 0.2})
    with TestClient(create_app(sweeping, state_factory=state_factory)) as client:
        state = _state(client)
        account_id = str(upload(client, Keys(state, "acme-sales").integration)["account_id"])
        (draft_id,) = _new_drafts(state, account_id, DraftKind.stakeholder_map)
        now = datetime.now(UTC)
        with transaction(state.sessions) as session:  # claimed by a process that then died
            assert claim_draft(session, draft_id, "dead-process", now, now + timedelta(seconds=1))

        deadline = time.monotonic() + 30
        while _row(state, draft_id).status == "running" and time.monotonic() < deadline:
            time.sleep(0.2)

        draft = _row(state, draft_id)
        assert draft.status == "pending_review" and draft.attempts == 2
