"""The draft page's per-claim form for a QBR brief: save the reviewer's choices as the change's edit, and accept the
brief so made. A form with a mistake, or sent on a stale draft, comes back as the page with everything typed."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from app.auth.service import Role
from app.deps import StateDep
from app.drafts import service as drafts
from app.problems import Problem
from app.ui import qbr_review
from app.ui.router import STATIC, UiPrincipal, csrf_protect, review, templates
from plans.brief_review import Choice, diff_briefs
from plans.models import Change, QbrBrief

router = APIRouter(prefix="/ui", include_in_schema=False, dependencies=[Depends(csrf_protect)])

MAX_COMMENT = 2000

# The plan page's "Copy for the customer" renders the customer-facing document (plan.html has what it needs).
templates.env.globals["customer_brief"] = qbr_review.customer_brief


@router.get("/static/review-inline.js", response_class=FileResponse)
def inline_script() -> FileResponse:
    """Deciding a whitespace cell in the matrix, the brief's unsaved claim choices, and copying the brief."""
    return FileResponse(
        STATIC / "review-inline.js", media_type="text/javascript", headers={"Cache-Control": "max-age=3600"}
    )


class _Invalid(Exception):
    def __init__(self, message: str | None = None) -> None:
        super().__init__(message)
        self.message = message


def _again(
    request: Request,
    state: StateDep,
    principal: Any,
    draft_id: str,
    typed: tuple[dict[str, Choice] | None, dict[str, str], str],
    message: str,
    status: int,
) -> Response:
    """The draft page again, its brief showing what the reviewer sent and what to fix (announced)."""
    request.state.qbr_form = typed
    with state.sessions() as session, session.begin():
        page = review(request, draft_id, session, principal, error=message)
    page.status_code = status
    return page


@router.post("/drafts/{draft_id}/changes/{change_id}/claims")
async def save_claims(
    request: Request, draft_id: str, change_id: str, state: StateDep, principal: UiPrincipal
) -> Response:
    """Keep or drop, and reword, each claim of a proposed QBR brief; `then=accept` also accepts the brief so made
    (with `comment`), else the choices are saved on the change until it is decided."""
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    if not principal.has_any(Role.reviewer):
        raise Problem(403, "Forbidden", "Reviewing needs the reviewer role.")
    version = form.get("version", "")
    if not (version.isascii() and version.isdigit() and len(version) <= 9):
        raise Problem(422, "Invalid version", "The form's `version` must be the draft's version number.")
    accept = form.get("then") == "accept"
    comment = form.get("comment", "").strip()
    typed: tuple[dict[str, Choice] | None, dict[str, str], str] = (None, {}, comment)
    try:
        with state.sessions() as session, session.begin():
            draft = drafts.get_draft(session, principal.tenant, draft_id)
            row = next((r for r in draft.changes if r.id == change_id), None)
            if row is None:
                raise Problem(404, "Change not found", f"Draft {draft_id} has no change {change_id!r}.")
            change = Change.model_validate(row.change)
            if not qbr_review.is_brief(change):
                raise Problem(422, "Not a QBR brief", f"Change {change_id} is not a QBR brief: decide it on its card.")
            assert isinstance(change.after, QbrBrief)
            current = change.before if isinstance(change.before, QbrBrief) else None
            choices, errors = qbr_review.parse_choices(diff_briefs(current, change.after), form)
            typed = (choices, errors, comment)
            if len(comment) > MAX_COMMENT:
                raise _Invalid(f"Keep the comment under {MAX_COMMENT} characters.")
            if errors:
                raise _Invalid()
            brief = qbr_review.edited_brief(change, choices)
            after = brief.model_dump(mode="json") if brief != change.after else None
            draft = drafts.save_edit(
                session, principal.tenant, principal.name, draft_id, change_id, int(version), after
            )
            if accept:
                decision = drafts.accepting(row, comment or None)
                drafts.decide(
                    session, principal.tenant, principal.name, draft_id, draft.version, [decision], principal.user_id
                )
            account_id = draft.account_id
    except _Invalid as exc:
        count = len(typed[1])
        message = exc.message or (
            f"{count} claim{'s' if count != 1 else ''} to fix before the brief can be saved; nothing was saved."
        )
        return _again(request, state, principal, draft_id, typed, message, 422)
    except Problem as exc:
        if exc.status in (403, 404) or typed[0] is None:
            raise
        message = f"{exc.detail or exc.title} Your claim choices are below, not saved."
        return _again(request, state, principal, draft_id, typed, message, exc.status)
    if accept:
        return RedirectResponse(f"/ui/accounts/{account_id}/plan#qbr", status_code=303)
    return RedirectResponse(f"/ui/drafts/{draft_id}?saved=claims#qbr-review", status_code=303)
