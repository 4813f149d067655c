"""New evidence queues drafts by itself, and a newer draft supersedes an older pending one."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.db import transaction
from app.drafts.repository import due_triggers, record_triggers, take_trigger
from app.main import create_app
from app.settings import Settings
from app.state import AppState
from tests.app.support import MINI_BUNDLE, Keys, upload, wait_for_draft


@pytest.fixture
def auto_client(settings: Settings, state_factory: Callable[[Settings], AppState]) -> Iterator[TestClient]:
    # A long quiet period: the test decides when it ends by flushing the scheduler.
    auto = settings.model_copy(update={"auto_draft": True, "auto_draft_delay_s": 60.0})
    with TestClient(create_app(auto, state_factory=state_factory)) as test_client:
        yield test_client


def _state(client: TestClient) -> AppState:
    return client.app.state.planwright  # type: ignore[attr-defined,no-any-return]


def _drafts(client: TestClient, key: str, **params: str) -> list[dict]:
    return client.get("/v1/drafts", params=params, headers=Keys.header(key)).json()["items"]  # type: ignore[no-any-return]


def test_importing_evidence_queues_one_draft_per_kind_after_the_quiet_period(
    auto_client: TestClient, tmp_path: Path
) -> None:
    keys = Keys(_state(auto_client), "acme-sales")
    report = upload(auto_client, keys.integration)
    upload(auto_client, keys.integration)  # a retry inside the quiet period adds nothing

    assert report["affected_kinds"]
    assert _drafts(auto_client, keys.reviewer) == []  # still waiting for the account to go quiet
    queued = _state(auto_client).scheduler.flush()
    _state(auto_client).runner.wait_idle()

    drafts = _drafts(auto_client, keys.reviewer)
    assert sorted(d["id"] for d in drafts) == sorted(queued)
    assert len({d["kind"] for d in drafts}) == len(drafts)
    assert "stakeholder_map" in {d["kind"] for d in drafts}


def test_a_reimport_without_changes_queues_nothing(auto_client: TestClient) -> None:
    keys = Keys(_state(auto_client), "acme-sales")
    upload(auto_client, keys.integration)
    _state(auto_client).scheduler.flush()
    _state(auto_client).runner.wait_idle()
    before = _drafts(auto_client, keys.reviewer)

    again = upload(auto_client, keys.integration)

    assert again["affected_kinds"] == []
    assert _state(auto_client).scheduler.flush() == []
    assert _drafts(auto_client, keys.reviewer) == before


def test_a_new_note_supersedes_the_pending_stakeholder_draft(auto_client: TestClient, tmp_path: Path) -> None:
    keys = Keys(_state(auto_client), "acme-sales")
    bundle = tmp_path / "bundle"
    shutil.copytree(MINI_BUNDLE, bundle)
    upload(auto_client, keys.integration, bundle)
    _state(auto_client).scheduler.flush()
    _state(auto_client).runner.wait_idle()
    first = next(d for d in _drafts(auto_client, keys.reviewer) if d["kind"] == "stakeholder_map")

    (bundle / "notes" / "2026-03-20-follow-up.md").write_text(
        "---\nid: note-follow-up\ndate: 2026-03-20\nauthor: Sam Lee\ntitle: Follow-up\n---\n\n"
        "# Follow-up\n\nProcurement wants the revised quote by Friday.\n"
    )
    report = upload(auto_client, keys.integration, bundle)
    assert "stakeholder_map" in report["affected_kinds"]
    _state(auto_client).scheduler.flush()
    _state(auto_client).runner.wait_idle()

    stakeholder_drafts = {d["id"]: d["status"] for d in _drafts(auto_client, keys.reviewer, kind="stakeholder_map")}
    assert stakeholder_drafts[first["id"]] == "superseded"
    assert sorted(stakeholder_drafts.values()) == ["pending_review", "superseded"]
    stale = auto_client.post(
        f"/v1/drafts/{first['id']}/decisions",
        json={"version": first["version"], "decisions": [{"change_id": "any", "action": "reject"}]},
        headers=Keys.header(keys.reviewer),
    )
    assert stale.status_code == 409


def test_requesting_a_second_draft_of_a_kind_supersedes_the_first(client: TestClient, keys: Keys) -> None:
    report = upload(client, keys.integration)
    url = f"/v1/accounts/{report['account_id']}/drafts"
    first = client.post(url, json={"kind": "stakeholder_map"}, headers=Keys.header(keys.integration)).json()
    wait_for_draft(client, keys.reviewer, first["id"])
    second = client.post(url, json={"kind": "stakeholder_map"}, headers=Keys.header(keys.integration)).json()
    wait_for_draft(client, keys.reviewer, second["id"])

    assert client.get(f"/v1/drafts/{first['id']}", headers=Keys.header(keys.reviewer)).json()["status"] == "superseded"
    assert (
        client.get(f"/v1/drafts/{second['id']}", headers=Keys.header(keys.reviewer)).json()["status"]
        == "pending_review"
    )


def test_a_stream_of_changes_postpones_drafts_up_to_the_maximum_wait_not_forever(
    client: TestClient, keys: Keys, app_state: AppState
) -> None:
    account = upload(client, keys.integration)["account_id"]
    t0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    due = []
    for seconds in (0, 8, 16, 24):  # a plugin pushing every 8 s; the quiet period is 10 s
        with transaction(app_state.sessions) as session:
            due.append(record_triggers(session, "acme-sales", account, ["stakeholder_map"],
                                       t0 + timedelta(seconds=seconds), quiet_s=10, max_wait_s=20))  # fmt: skip

    assert [(d - t0).total_seconds() for d in due] == [10, 18, 20, 20]
    with transaction(app_state.sessions) as session:
        (trigger,) = due_triggers(session, t0 + timedelta(seconds=20))
        assert take_trigger(session, trigger)
    with transaction(app_state.sessions) as session:  # the next change starts a new wait
        again = record_triggers(session, "acme-sales", account, ["stakeholder_map"],
                                t0 + timedelta(seconds=30), quiet_s=10, max_wait_s=20)  # fmt: skip
    assert (again - t0).total_seconds() == 40
