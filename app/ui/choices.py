"""Each choice saved as the reviewer makes it: review.js posts a change's accept/reject and comment here the moment
they change, so a reload, a crash or another browser shows them again; the page's Submit applies them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form
from fastapi.responses import JSONResponse

from app.auth.service import Role
from app.deps import StateDep
from app.drafts.choices import MAX_COMMENT, save_choice
from app.problems import Problem
from app.ui.router import UiPrincipal, csrf_protect

router = APIRouter(prefix="/ui", include_in_schema=False, dependencies=[Depends(csrf_protect)])


def _problem(exc: Problem) -> JSONResponse:
    body: dict[str, Any] = {"type": "about:blank", "title": exc.title, "status": exc.status, "detail": exc.detail}
    return JSONResponse({**body, **exc.extra}, status_code=exc.status, media_type="application/problem+json")


@router.post("/drafts/{draft_id}/choices")
def save(
    draft_id: str,
    state: StateDep,
    principal: UiPrincipal,
    change_id: Annotated[str, Form(max_length=40)],
    choice: Annotated[str, Form(max_length=10)] = "",
    comment: Annotated[str, Form(max_length=MAX_COMMENT + 100)] = "",
) -> JSONResponse:
    """Keep one change's choice and comment; answered in JSON (problem+json on a refusal), which review.js
    announces."""
    try:
        if not principal.has_any(Role.reviewer):
            raise Problem(403, "Forbidden", "Choosing needs the reviewer role.")
        with state.sessions() as session, session.begin():
            saved = save_choice(session, principal.tenant, principal.name, draft_id, change_id, choice or None, comment)
    except Problem as exc:
        return _problem(exc)
    what = f"{saved.choice} saved" if saved.choice else "no choice yet"
    return JSONResponse(
        {
            "change_id": saved.change_id,
            "choice": saved.choice,
            "comment": saved.comment,
            "chosen_by": saved.chosen_by,
            "saved_at": saved.saved_at.isoformat(),
            "message": what + (", with your comment" if saved.comment else ""),
        }
    )
