"""Helpers for app tests: keys per role, bundle upload, waiting for drafts."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from app.auth.service import Role, issue_key
from app.db import transaction
from app.drafts.models import DraftRow
from app.state import AppState

MINI_BUNDLE = Path(__file__).parents[1] / "retrieval" / "fixtures" / "mini_bundle"
DEMO_BUNDLES = Path(__file__).parents[2] / "evals" / "datasets" / "demo"


class Keys:
    """Bearer headers for one tenant's keys, by role."""

    def __init__(self, state: AppState, tenant: str) -> None:
        with transaction(state.sessions) as session:
            self.admin = issue_key(session, tenant, f"{tenant}-admin", [Role.admin])
            self.reviewer = issue_key(session, tenant, f"{tenant}-reviewer", [Role.reviewer])
            self.integration = issue_key(session, tenant, f"{tenant}-plugin", [Role.integration])

    @staticmethod
    def header(key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}"}


def zip_bundle(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, Path(folder.name) / path.relative_to(folder))
    return buffer.getvalue()


def upload(client: TestClient, key: str, folder: Path = MINI_BUNDLE) -> dict[str, Any]:
    response = client.post(
        "/v1/import",
        headers=Keys.header(key),
        files={"bundle": ("bundle.zip", zip_bundle(folder), "application/zip")},
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def wait_for_draft(client: TestClient, key: str, draft_id: str, timeout: float = 60.0) -> dict[str, Any]:
    """Wait for the in-process worker to finish, then read the draft as a client would."""
    client.app.state.planwright.runner.wait_idle(timeout)  # type: ignore[attr-defined]
    body = client.get(f"/v1/drafts/{draft_id}", headers=Keys.header(key)).json()
    assert body["status"] != "running", body
    return body  # type: ignore[no-any-return]


def imported_and_drafted(
    client: TestClient, keys: Keys, kind: str = "stakeholder_map"
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Import the mini bundle, draft one kind, and return (import report, finished draft)."""
    report = upload(client, keys.integration)
    started = client.post(
        f"/v1/accounts/{report['account_id']}/drafts", json={"kind": kind}, headers=Keys.header(keys.integration)
    )
    assert started.status_code == 202, started.text
    return report, wait_for_draft(client, keys.reviewer, started.json()["id"])


def draft_row(state: AppState, draft_id: str) -> DraftRow:
    """The draft as stored, its changes loaded."""
    with state.sessions() as session:
        draft = session.get(DraftRow, draft_id)
        assert draft is not None
        _ = list(draft.changes)
        return draft
