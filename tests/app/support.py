"""Helpers for app tests: keys per role, bundle upload, waiting for drafts."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient

from app.auth.service import Role, issue_key
from app.db import transaction
from app.drafts.models import DraftRow
from app.state import AppState

MINI_BUNDLE = Path(__file__).parents[1] / "retrieval" / "fixtures" / "mini_bundle"
DEMO_BUNDLES = Path(__file__).parents[2] / "evals" / "datasets" / "demo"
UI_ORIGIN = {"Origin": "http://testserver"}  # what a browser sends with a form of TestClient's site
_CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


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


def csrf_token(html: str) -> str:
    """The CSRF token a UI page's forms carry."""
    found = _CSRF_FIELD.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def ui_login(client: TestClient, key: str) -> str:
    """Sign in through the login form as a browser does (the form's token, this site's Origin);
    returns the session's CSRF token, for `ui_post`."""
    form = client.get("/ui/login")
    page = client.post("/ui/login", data={"api_key": key, "csrf_token": csrf_token(form.text)}, headers=UI_ORIGIN)
    assert page.status_code == 200 and page.url.path == "/ui", page.text
    return csrf_token(page.text)


def ui_post(client: TestClient, path: str, token: str, data: dict[str, str] | None = None) -> httpx.Response:
    """Submit a UI form as a browser does: with the session's CSRF token, from this site's Origin."""
    return client.post(path, data={**(data or {}), "csrf_token": token}, headers=UI_ORIGIN)


def ui_decide(client: TestClient, token: str, draft: dict[str, Any], **actions: str) -> httpx.Response:
    """Submit the review form of a draft: `change_id="accept"` or `"reject"` for each change decided."""
    form = {"version": str(draft["version"]), **{f"action_{change_id}": a for change_id, a in actions.items()}}
    return ui_post(client, f"/ui/drafts/{draft['id']}/decisions", token, form)
