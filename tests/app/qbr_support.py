"""A QBR brief draft that replaces an accepted brief with new, changed, unchanged and removed claims."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from app.accounts.models import Account
from app.db import transaction
from app.plans import repository as plan_store
from app.state import AppState
from plans.models import Claim, QbrBrief
from tests.app.support import DEMO_BUNDLES, Keys, upload, wait_for_draft

REWORDED = "ARR is about $1.5M across seven active assets."  # the plan's wording of the drafted first summary claim
RETIRED = "Quarterly steering meetings moved to Hamburg."  # a claim the plan holds and the draft no longer does


def _draft(client: TestClient, keys: Keys, account_id: str) -> dict[str, Any]:
    started = client.post(
        f"/v1/accounts/{account_id}/drafts", json={"kind": "qbr_brief"}, headers=Keys.header(keys.integration)
    )
    assert started.status_code == 202, started.text
    return wait_for_draft(client, keys.reviewer, started.json()["id"])


def replacing_brief_draft(client: TestClient, state: AppState, keys: Keys) -> tuple[dict[str, Any], QbrBrief]:
    """Import the demo account, put a brief in its plan that differs from what the drafter writes (the first summary
    claim reworded, the first value claim missing, one extra claim), and draft the brief again: (that draft, the
    plan's brief)."""
    report = upload(client, keys.integration, DEMO_BUNDLES / "meridian-logistics")
    account_id = report["account_id"]
    first = _draft(client, keys, account_id)
    drafted = QbrBrief.model_validate(first["changes"][0]["after"])
    summary = list(drafted.summary)
    summary[0] = summary[0].model_copy(update={"text": REWORDED})
    current = drafted.model_copy(
        update={
            "summary": tuple(summary),
            "value_delivered": drafted.value_delivered[1:],
            "asks_and_next_steps": (*drafted.asks_and_next_steps, Claim(text=RETIRED, citations=summary[0].citations)),
        }
    )
    with transaction(state.sessions) as session:
        account = session.get(Account, account_id)
        assert account is not None
        plan = plan_store.latest(session, account_id)
        plan_store.save(
            session,
            account_id,
            plan.model_copy(update={"version": plan.version + 1, "qbr_brief": current}),
            "test",
            None,
        )
        account.plan_version = plan.version + 1
    return _draft(client, keys, account_id), current
