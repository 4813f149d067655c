"""Revert a plan to an older version from its history page: a confirmation page that shows what the revert takes
away, then a new version with the older content (app/plans/revert.py)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.auth.service import Role
from app.deps import SessionDep, StateDep
from app.drafts import service as drafts
from app.plans import repository as plan_store
from app.plans.revert import revert_plan
from app.problems import Problem
from app.ui.router import UiPrincipal, _page, csrf_protect
from plans.history import summarize_change
from plans.revert import difference, same_content

router = APIRouter(prefix="/ui", include_in_schema=False, dependencies=[Depends(csrf_protect)])

VersionNumber = Annotated[int, Query(ge=1, le=2**31 - 1)]


@router.get("/accounts/{account_id}/plan/revert", response_class=HTMLResponse)
def confirm_revert(
    request: Request, account_id: str, session: SessionDep, principal: UiPrincipal, to: VersionNumber
) -> HTMLResponse:
    """What reverting the plan to version `to` would change, with the button that does it."""
    if not principal.has_any(Role.reviewer):
        raise Problem(403, "Forbidden", "Reverting the plan needs the reviewer role.")
    account = drafts.account_or_404(session, principal.tenant, account_id)
    current = plan_store.latest(session, account.id)
    target = plan_store.get_version(session, account.id, to)
    if target is None:
        raise Problem(404, "Plan version not found", f"Version {to} does not exist.")
    if to >= current.version:
        raise Problem(422, "Nothing to revert to", f"Version {to} is not older than the current v{current.version}.")
    found = difference(current, target)
    return _page(
        request,
        "revert_confirm.html",
        principal=principal,
        account=account,
        current=current.version,
        to=to,
        lines=found.removed + [summarize_change(c) for c in found.changes],
        same=same_content(current, target),
    )


@router.post("/accounts/{account_id}/plan/revert")
def revert(
    account_id: str,
    state: StateDep,
    principal: UiPrincipal,
    to: Annotated[int, Form(ge=1, le=2**31 - 1)],
    seen: Annotated[int, Form(ge=1, le=2**31 - 1)],
) -> Response:
    """Save the plan's next version with version `to`'s content; `seen` is the version the confirmation showed."""
    if not principal.has_any(Role.reviewer):
        raise Problem(403, "Forbidden", "Reverting the plan needs the reviewer role.")
    plan_url = f"/ui/accounts/{account_id}/plan"
    try:
        with state.sessions() as session, session.begin():
            done = revert_plan(
                session, principal.tenant, account_id, to, seen, principal.name, user_id=principal.user_id
            )
    except Problem as exc:
        if exc.status == 404:
            raise
        return RedirectResponse(f"{plan_url}?{urlencode({'error': exc.detail or exc.title})}#history", 303)
    query = urlencode({"reverted": done.version, "to": done.reverted_to, "taken_back": done.taken_back})
    return RedirectResponse(f"{plan_url}?{query}#history", status_code=303)
