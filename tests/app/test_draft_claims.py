"""A draft is run by exactly one process: claims with a lease, `planwright worker`, and resuming
at start, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select
from typer.testing import CliRunner

from app.accounts.models import Account
from app.cli import cli
from app.db import transaction
from app.drafts import service
from app.drafts.models import DraftRow
from app.drafts.service import DraftLimits, claim_draft, claimable_draft_ids, execute_draft, request_draft
from app.drafts.worker import DraftWorker, run_until_signalled, worker_for
from app.main import create_app
from app.settings import Settings
from app.state import AppState
from plans.vocabulary import DraftKind
from tests.app.support import Keys, draft_row, upload

T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
LEASE = timedelta(minutes=10)


@pytest.fixture
def worker_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"draft_execution": "worker"})


@pytest.fixture
def worker_client(worker_settings: Settings, state_factory: Callable[[Settings], AppState]) -> Iterator[TestClient]:
    with TestClient(create_app(worker_settings, state_factory=state_factory)) as test_client:
        yield test_client


def _state(client: TestClient) -> AppState:
    return client.app.state.planwright  # type: ignore[attr-defined,no-any-return]


def _post_draft(client: TestClient, keys: Keys, account_id: str, kind: str = "stakeholder_map") -> str:
    started = client.post(
        f"/v1/accounts/{account_id}/drafts", json={"kind": kind}, headers=Keys.header(keys.integration)
    )
    assert started.status_code == 202, started.text
    return started.json()["id"]  # type: ignore[no-any-return]


def _unrun_draft(client: TestClient) -> tuple[AppState, str]:
    """A draft recorded as running that nobody has claimed (a worker-mode API process leaves it so)."""
    keys = Keys(_state(client), "acme-sales")
    account_id = upload(client, keys.integration)["account_id"]
    return _state(client), _post_draft(client, keys, account_id)


def _row(state: AppState, draft_id: str) -> DraftRow:
    return draft_row(state, draft_id)


def _claim(state: AppState, draft_id: str, claimer: str, now: datetime) -> bool:
    with transaction(state.sessions) as session:
        return claim_draft(session, draft_id, claimer, now, now + LEASE)


def test_two_claimers_racing_for_a_draft_exactly_one_wins(worker_client: TestClient) -> None:
    state, draft_id = _unrun_draft(worker_client)
    start = threading.Barrier(4)
    won: dict[str, bool] = {}

    def race(claimer: str) -> None:
        start.wait()
        won[claimer] = _claim(state, draft_id, claimer, T0)

    threads = [threading.Thread(target=race, args=(f"process-{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    winners = [claimer for claimer, ok in won.items() if ok]
    assert len(won) == 4 and len(winners) == 1
    assert _row(state, draft_id).claimed_by == winners[0]


def test_two_processes_executing_one_draft_draft_it_once(worker_client: TestClient) -> None:
    state, draft_id = _unrun_draft(worker_client)
    start = threading.Barrier(2)
    settled: list[bool] = []

    def execute() -> None:
        start.wait()
        settled.append(execute_draft(state.sessions, state.store, draft_id))

    threads = [threading.Thread(target=execute) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(settled) == [False, True]
    draft = _row(state, draft_id)
    assert draft.status == "pending_review" and draft.changes and draft.lease_until is None


def test_an_expired_lease_is_claimable_again(worker_client: TestClient) -> None:
    state, draft_id = _unrun_draft(worker_client)
    assert _claim(state, draft_id, "crashed-process", T0)

    assert not _claim(state, draft_id, "other-process", T0 + LEASE - timedelta(seconds=1))
    with state.sessions() as session:
        assert draft_id not in claimable_draft_ids(session, T0 + LEASE - timedelta(seconds=1))
        assert draft_id in claimable_draft_ids(session, T0 + LEASE + timedelta(seconds=1))
    assert _claim(state, draft_id, "other-process", T0 + LEASE + timedelta(seconds=1))
    assert _row(state, draft_id).claimed_by == "other-process"


@pytest.mark.parametrize("outcome", ["result", "failure"])
def test_a_process_that_lost_its_claim_stores_nothing(
    worker_client: TestClient, monkeypatch: pytest.MonkeyPatch, outcome: str
) -> None:
    state, draft_id = _unrun_draft(worker_client)
    real_run_draft = service.run_draft

    def slow_run_draft(*args: Any, **kwargs: Any) -> Any:
        # This process drafts past its lease; another one takes the draft over meanwhile.
        assert _claim(state, draft_id, "other-process", T0 + LEASE + timedelta(seconds=1))
        if outcome == "failure":
            raise RuntimeError("the model went away")
        return real_run_draft(*args, **kwargs)

    monkeypatch.setattr(service, "run_draft", slow_run_draft)

    limits = DraftLimits(lease_s=LEASE.total_seconds())
    settled = execute_draft(state.sessions, state.store, draft_id, limits=limits, clock=lambda: T0)

    assert settled is False
    draft = _row(state, draft_id)
    assert (draft.status, draft.claimed_by, draft.changes, draft.error) == ("running", "other-process", [], None)


def test_in_worker_mode_a_posted_draft_waits_for_the_worker(worker_client: TestClient) -> None:
    state, draft_id = _unrun_draft(worker_client)
    keys = Keys(state, "acme-sales")
    state.runner.wait_idle()
    assert state.runner.resume_interrupted() == 0  # a worker-mode API process never runs drafts

    assert worker_client.get(f"/v1/drafts/{draft_id}", headers=Keys.header(keys.reviewer)).json()["status"] == (
        "running"
    )
    worker = worker_for(state)
    try:
        assert worker.drain() == 1
        assert worker.drain() == 0
    finally:
        worker.close()
    body = worker_client.get(f"/v1/drafts/{draft_id}", headers=Keys.header(keys.reviewer)).json()
    assert body["status"] == "pending_review" and body["changes"]


def test_in_worker_mode_evidence_triggers_only_record_drafts(
    worker_settings: Settings, state_factory: Callable[[Settings], AppState]
) -> None:
    auto = worker_settings.model_copy(update={"auto_draft": True, "auto_draft_delay_s": 60.0})
    with TestClient(create_app(auto, state_factory=state_factory)) as client:
        state = _state(client)
        upload(client, Keys(state, "acme-sales").integration)
        queued = state.scheduler.flush()
        state.runner.wait_idle()

        assert queued and {_row(state, d).status for d in queued} == {"running"}
        worker = worker_for(state)
        try:
            assert worker.drain() == len(queued)
        finally:
            worker.close()
        assert {_row(state, d).status for d in queued} <= {"pending_review", "decided"}


def test_planwright_worker_once_runs_what_the_api_recorded(
    worker_settings: Settings,
    state_factory: Callable[[Settings], AppState],
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with TestClient(create_app(worker_settings, state_factory=state_factory)) as client:
        _, draft_id = _unrun_draft(client)
    monkeypatch.setenv("PLANWRIGHT_DATABASE_URL", database_url)
    monkeypatch.setenv("PLANWRIGHT_DATA_DIR", str(worker_settings.data_dir))
    monkeypatch.setenv("PLANWRIGHT_EMBEDDER", "hashing")

    first = CliRunner().invoke(cli, ["worker", "--once"])
    again = CliRunner().invoke(cli, ["worker", "--once"])

    assert first.exit_code == 0, first.output
    assert "drafts run: 1" in first.output
    assert "drafts run: 0" in again.output
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            assert conn.scalar(select(DraftRow.status).where(DraftRow.id == draft_id)) == "pending_review"
    finally:
        engine.dispose()


def test_the_worker_stops_on_sigterm_after_the_draft_in_hand(worker_client: TestClient) -> None:
    state, draft_id = _unrun_draft(worker_client)

    def run_then_get_stopped(draft: str) -> bool:
        os.kill(os.getpid(), signal.SIGTERM)
        return state.runner.run(draft)

    before = signal.getsignal(signal.SIGTERM)
    worker = DraftWorker(state.sessions, run_then_get_stopped, poll_interval_s=3600)
    try:
        run_until_signalled(worker)  # returns only because SIGTERM stopped it
    finally:
        worker.close()
    assert _row(state, draft_id).status == "pending_review"
    assert signal.getsignal(signal.SIGTERM) == before


def test_resuming_at_start_leaves_drafts_another_process_holds(client: TestClient, app_state: AppState) -> None:
    account_id = upload(client, Keys(app_state, "acme-sales").integration)["account_id"]
    now = datetime.now(UTC)
    with transaction(app_state.sessions) as session:
        account = session.get(Account, account_id)
        assert account is not None
        held, expired, never_claimed = (
            request_draft(session, account, kind, "offline", "test").id
            for kind in (DraftKind.stakeholder_map, DraftKind.whitespace, DraftKind.qbr_brief)
        )
        assert claim_draft(session, held, "live-process", now, now + LEASE)
        assert claim_draft(session, expired, "crashed-process", now - 2 * LEASE, now - LEASE)

    assert app_state.runner.resume_interrupted() == 2
    app_state.runner.wait_idle()

    assert (_row(app_state, held).status, _row(app_state, held).claimed_by) == ("running", "live-process")
    assert _row(app_state, expired).status != "running"
    assert _row(app_state, never_claimed).status != "running"


def test_a_draft_is_drafted_once_even_when_another_process_resumes_it(client: TestClient, app_state: AppState) -> None:
    keys = Keys(app_state, "acme-sales")
    account_id = upload(client, keys.integration)["account_id"]
    draft_id = _post_draft(client, keys, account_id)
    app_state.runner.wait_idle()

    # A second API process starting now finds nothing to resume, and running the draft again is a no-op.
    assert app_state.runner.resume_interrupted() == 0
    assert app_state.runner.run(draft_id) is False
    assert _row(app_state, draft_id).status == "pending_review"


def test_worker_drain_skips_a_draft_it_cannot_claim(worker_client: TestClient) -> None:
    state, draft_id = _unrun_draft(worker_client)
    assert _claim(state, draft_id, "other-process", datetime.now(UTC))
    ran: list[str] = []

    def run(draft: str) -> bool:
        ran.append(draft)
        return True

    worker = DraftWorker(state.sessions, run)
    try:
        assert worker.drain() == 0
    finally:
        worker.close()
    assert ran == []
