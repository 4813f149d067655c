"""The draft page's bulk decisions: a confirmation step that works without JavaScript ("Accept all verified" and
"Reject all" say what they will do before doing it), and the Undo of a bulk just committed."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.accounts.models import Account
from app.auth.service import Role
from app.deps import SessionDep, StateDep
from app.drafts import service as drafts
from app.drafts.bulk import BULK_ACTIONS, BulkAction, plan_bulk, undo_bulk
from app.problems import Problem
from app.ui import triage
from app.ui.router import UiPrincipal, _page, _target_label, csrf_protect
from plans.models import Change

router = APIRouter(prefix="/ui", include_in_schema=False, dependencies=[Depends(csrf_protect)])


@router.get("/drafts/{draft_id}/bulk", response_class=HTMLResponse)
def confirm_bulk(
    request: Request,
    draft_id: str,
    session: SessionDep,
    principal: UiPrincipal,
    action: Annotated[BulkAction, Query()],
    error: Annotated[str | None, Query(max_length=300)] = None,
) -> HTMLResponse:
    """What "Accept all verified" or "Reject all" would decide, with the button that does it."""
    if not principal.has_any(Role.reviewer):
        raise Problem(403, "Forbidden", "Reviewing needs the reviewer role.")
    draft = drafts.get_draft(session, principal.tenant, draft_id)
    if draft.status != "pending_review":
        raise Problem(409, "Draft is not open for review", f"Draft {draft.id} is {draft.status}.")
    planned = plan_bulk(list(draft.changes), action)
    rows = {row.id: row for row in draft.changes}

    def line(change_id: str) -> str:
        change = Change.model_validate(rows[change_id].change)
        return triage.heading(change, _target_label(change))

    return _page(
        request,
        "bulk_confirm.html",
        principal=principal,
        draft=draft,
        account=session.get(Account, draft.account_id),
        action=action,
        label=BULK_ACTIONS[action],
        bulk=[(line(d.change_id), d.action, d.comment) for d in planned.decisions if d.change_id not in planned.chosen],
        own=[(line(d.change_id), d.action, d.comment) for d in planned.decisions if d.change_id in planned.chosen],
        left=[line(row.id) for row in planned.left],
        error=error,
    )


@router.post("/drafts/{draft_id}/bulk/{bulk_id}/undo")
def undo(draft_id: str, bulk_id: str, state: StateDep, principal: UiPrincipal) -> Response:
    """Undo a bulk decision; the draft page says what happened, or why it could not be undone."""
    if not principal.has_any(Role.reviewer):
        raise Problem(403, "Forbidden", "Reviewing needs the reviewer role.")
    try:
        with state.sessions() as session, session.begin():
            done = undo_bulk(session, principal.tenant, principal.name, draft_id, bulk_id, principal.user_id)
            query = {"undone": done.pending_again}
            if done.plan_version is not None:
                query |= {"plan": done.plan_version, "reverted_to": done.reverted_to or 0}
    except Problem as exc:
        if exc.status == 404:
            raise
        return RedirectResponse(f"/ui/drafts/{draft_id}?{urlencode({'error': exc.detail or exc.title})}", 303)
    return RedirectResponse(f"/ui/drafts/{draft_id}?{urlencode(query)}", status_code=303)
