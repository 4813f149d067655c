"""The server-rendered review UI: the queue, a draft's changes with evidence, the plan."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Depends, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import Account
from app.accounts.router import export_qbr_brief
from app.auth import users
from app.auth.service import Principal, Role, authenticate
from app.auth.sessions import ActiveSession, Timeouts, end_session, find_session, open_session
from app.db import transaction, utcnow
from app.deps import SessionDep, StateDep
from app.drafts import repository as drafts_repo
from app.drafts import service as drafts
from app.drafts.bulk import BULK_ACTIONS, latest_bulk, plan_bulk, record_bulk
from app.drafts.choices import keep_choices
from app.drafts.models import DecisionRow, DraftChangeRow, DraftRow
from app.drafts.schemas import ChangePublic, DecisionIn
from app.drafts.views import draft_public, draft_summaries
from app.plans import repository as plan_store
from app.problems import Problem, current_request_id
from app.security import SAFE_METHODS, same_origin
from app.settings import Settings
from app.sources import repository as sources
from app.ui import edits, qbr_review, triage, whitespace_review
from plans.definitions import FIELD_DEFINITIONS, VALUE_DEFINITIONS, define
from plans.diff import changed_fields
from plans.models import PAYLOAD_MODEL, AccountPlan, Change, Stakeholder, WhitespaceCell
from plans.render import (
    FIELD_LABELS,
    describe_change,
    format_value,
    stakeholder_label,
)
from plans.vocabulary import DraftKind

SESSION_COOKIE = "planwright_session"
LOGIN_CSRF_COOKIE = "planwright_login_csrf"
LEGACY_KEY_COOKIE = "planwright_key"  # releases before server-side sessions kept the API key itself here
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")
STATIC = Path(__file__).parent / "static"

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.globals["stakeholder_label"] = stakeholder_label
templates.env.globals["define"] = define

# The ? legend's vocabulary: the definitions plans/ holds once (the tooltips and the README use the same).
LEGEND: list[tuple[str, str, list[tuple[str, str]]]] = [
    (
        FIELD_LABELS[name],
        FIELD_DEFINITIONS[name],
        [(str(value).replace("_", " "), meaning) for value, meaning in VALUE_DEFINITIONS[name].items()],
    )
    for name in ("stance", "strength", "buying_role", "status")
]


class LoginRequired(Exception):
    """Raised by UI pages without a valid session; answered with a redirect to the login form."""


async def redirect_to_login(_request: Request, _exc: Exception) -> Response:
    return RedirectResponse("/ui/login", status_code=303)


def error_page(request: Request, status: int, title: str, detail: str | None) -> Response:
    """An error on a UI route as a page of the UI (the API's answer is problem+json)."""
    active: ActiveSession | None = getattr(request.state, "ui_session", None)
    return templates.TemplateResponse(
        request,
        "error.html",
        {
            "status": status,
            "title": title,
            "detail": detail,
            "request_id": current_request_id(),
            "principal": active.principal if active else None,
            "csrf_token": active.csrf_token if active else None,
        },
        status_code=status,
    )


def _timeouts(settings: Settings) -> Timeouts:
    return Timeouts(
        idle=timedelta(seconds=settings.session_idle_timeout_s), absolute=timedelta(seconds=settings.session_max_age_s)
    )


def current_session(request: Request, state: StateDep) -> ActiveSession | None:
    """The session the request's cookie names, if it is live; looked up once per request."""
    if not hasattr(request.state, "ui_session"):
        token = request.cookies.get(SESSION_COOKIE)
        found = None
        if token:
            with transaction(state.sessions) as session:
                found = find_session(session, token, _timeouts(state.settings))
        request.state.ui_session = found
    return request.state.ui_session  # type: ignore[no-any-return]


async def csrf_protect(request: Request, state: StateDep) -> None:
    """A state-changing UI request must come from a page of this site (Origin check) and carry the CSRF
    token of the form it came from: the session's, or the sign-in form's (a double-submit cookie, so
    nobody can sign a victim in as someone else)."""
    if request.method in SAFE_METHODS:
        return
    public_url = state.settings.public_url
    if not same_origin(request, str(public_url) if public_url else None):
        raise Problem(403, "Forbidden", "This form was not sent from this site: its Origin is missing or foreign.")
    sent = (await request.form()).get("csrf_token")
    if request.url.path == "/ui/login":
        expected = request.cookies.get(LOGIN_CSRF_COOKIE)
    else:
        active = await run_in_threadpool(current_session, request, state)
        if active is None:
            raise LoginRequired
        expected = active.csrf_token
    if not isinstance(sent, str) or not expected or not secrets.compare_digest(sent.encode(), expected.encode()):
        raise Problem(403, "Forbidden", "The form's CSRF token is missing or wrong; reload the page and send it again.")


router = APIRouter(prefix="/ui", include_in_schema=False, dependencies=[Depends(csrf_protect)])


def ui_principal(request: Request, state: StateDep) -> Principal:
    active = current_session(request, state)
    if active is None:
        raise LoginRequired
    return active.principal


UiPrincipal = Annotated[Principal, Depends(ui_principal)]


def _page(request: Request, name: str, **context: Any) -> HTMLResponse:
    active: ActiveSession | None = getattr(request.state, "ui_session", None)
    context.setdefault("csrf_token", active.csrf_token if active else None)
    return templates.TemplateResponse(request, name, context)


def _cookie_kwargs(request: Request, settings: Settings, path: str = "/") -> dict[str, Any]:
    secure = request.url.scheme == "https" or (
        settings.public_url is not None and settings.public_url.scheme == "https"
    )
    return {"path": path, "secure": secure, "httponly": True, "samesite": "lax"}


@router.get("/static/planwright.css", response_class=FileResponse)
def stylesheet() -> FileResponse:
    return FileResponse(STATIC / "planwright.css", media_type="text/css", headers={"Cache-Control": "max-age=3600"})


@router.get("/static/review.js", response_class=FileResponse)
def review_script() -> FileResponse:
    """The draft page's keyboard shortcuts and progress; the page works without it."""
    return FileResponse(STATIC / "review.js", media_type="text/javascript", headers={"Cache-Control": "max-age=3600"})


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, state: StateDep, error: str | None = None) -> HTMLResponse:
    token = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not _TOKEN.fullmatch(token):
        token = secrets.token_urlsafe(32)
    response = _page(request, "login.html", error=error, csrf_token=token)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, **_cookie_kwargs(request, state.settings, "/ui/login"))
    return response


@router.post("/login")
def login(
    request: Request,
    state: StateDep,
    email: Annotated[str | None, Form(max_length=400)] = None,
    password: Annotated[str | None, Form(max_length=4096)] = None,
    api_key: Annotated[str | None, Form(max_length=400)] = None,
) -> Response:
    """Sign in with email and password, or with an API key (administrators, integrations); the browser
    gets a session cookie that holds a random token, never the key or the password."""
    error, status = None, 200
    with transaction(state.sessions) as session:
        if api_key is not None:
            principal = authenticate(session, api_key.strip(), record_use=True)
            if principal is None:
                error = "That key is unknown or revoked."
        else:
            attempt = users.sign_in(session, email or "", password or "")
            principal = attempt.principal
            if attempt.locked_until is not None:
                error = f"Too many failed sign-ins for this email: try again after {attempt.locked_until:%H:%M} UTC."
                status = 429
            elif principal is None:
                error = "That email and password do not match an account."
        if principal is not None:
            if earlier := request.cookies.get(SESSION_COOKIE):
                end_session(session, earlier)
            token, _ = open_session(session, principal, _timeouts(state.settings))
    if principal is None:
        form = _page(
            request, "login.html", error=error, email=email or "", csrf_token=request.cookies[LOGIN_CSRF_COOKIE]
        )
        form.status_code = status
        return form
    response = RedirectResponse("/ui", status_code=303)
    cookie = _cookie_kwargs(request, state.settings)
    response.set_cookie(SESSION_COOKIE, token, max_age=int(state.settings.session_max_age_s), **cookie)
    response.delete_cookie(LOGIN_CSRF_COOKIE, **{**cookie, "path": "/ui/login"})
    response.delete_cookie(LEGACY_KEY_COOKIE, **cookie)
    return response


@router.post("/logout")
def logout(request: Request, state: StateDep) -> Response:
    """End the session on the server, then forget the cookie."""
    with transaction(state.sessions) as session:
        end_session(session, request.cookies[SESSION_COOKIE])
    response = RedirectResponse("/ui/login", status_code=303)
    cookie = _cookie_kwargs(request, state.settings)
    response.delete_cookie(SESSION_COOKIE, **cookie)
    response.delete_cookie(LEGACY_KEY_COOKIE, **cookie)
    return response


def _accounts(session: Session, tenant: str) -> dict[str, Account]:
    return {a.id: a for a in session.scalars(select(Account).where(Account.tenant == tenant).order_by(Account.name))}


QUEUE_STATUSES = ["pending_review", "running", "decided", "failed", "superseded", ""]


@router.get("", response_class=HTMLResponse)
def queue(
    request: Request,
    session: SessionDep,
    principal: UiPrincipal,
    status: str = "pending_review",
    account: str = "",
    kind: str = "",
    age: str = "",
    group: str = "",
) -> HTMLResponse:
    """The review queue: most urgent first (a QBR or renewal within 30 days, then the most important undecided
    change), filtered and grouped by account, kind and age."""
    ages = {key: label for key, label, _ in triage.AGE_BUCKETS}
    kinds = [k.value for k in DraftKind]
    for name, value, allowed in (
        ("status", status, QUEUE_STATUSES),
        ("kind", kind, ["", *kinds]),
        ("age", age, ["", *ages]),
        ("group", group, ["", *triage.GROUPS]),
    ):
        if value not in allowed:
            raise Problem(
                422, "Invalid filter", f"`{name}` must be one of: {', '.join(a or '(any)' for a in allowed)}."
            )
    accounts = _accounts(session, principal.tenant)
    today = utcnow().date()
    rows = [
        r
        for r in drafts_repo.page(session, principal.tenant, after=None, limit=500, status=status or None)
        if (not account or r.account_id == account)
        and (not kind or r.kind == kind)
        and (not age or triage.age_bucket(r.created_at.date(), today) == age)
    ]
    undecided = drafts_repo.undecided_changes(session, [r.id for r in rows if r.status == "pending_review"])
    records = sources.records_of_types(
        session, principal.tenant, {r.account_id for r in rows}, ("Opportunity", "Event")
    )
    milestones = {a: triage.next_milestone(found, today) for a, found in records.items()}
    entries = [
        triage.queue_entry(
            summary,
            accounts[row.account_id].name if row.account_id in accounts else row.account_id,
            row.requested_by,
            [Change.model_validate(c) for c in undecided.get(row.id, [])],
            milestones.get(row.account_id),
            today,
        )
        for row, summary in zip(rows, draft_summaries(session, rows), strict=True)
    ]
    active = [
        (label, text, request.url.remove_query_params(key))
        for key, label, text in (
            ("account", "account", accounts[account].name if account in accounts else account),
            ("kind", "kind", kind.replace("_", " ")),
            ("age", "created", ages.get(age, "")),
            ("group", "grouped by", group),
        )
        if request.query_params.get(key)
    ]
    return _page(
        request,
        "queue.html",
        principal=principal,
        groups=triage.group_entries(entries, group),
        count=len(entries),
        accounts=accounts,
        status=status,
        statuses=QUEUE_STATUSES,
        filters={"account": account, "kind": kind, "age": age, "group": group},
        kinds=kinds,
        ages=ages,
        active=active,
        soon_days=triage.SOON_DAYS,
        today=today,
        groups_by=triage.GROUPS,
        impact_labels=triage.IMPACT_LABELS,
    )


@router.get("/drafts/{draft_id}", response_class=HTMLResponse)
def review(
    request: Request, draft_id: str, session: SessionDep, principal: UiPrincipal, error: str | None = None
) -> HTMLResponse:
    row = drafts.get_draft(session, principal.tenant, draft_id)
    draft = draft_public(row)
    account = session.get(Account, row.account_id)
    cited = [c.source_id for ch in draft.changes for c in ch.citations]
    decided = drafts_repo.decisions_of(session, principal.tenant, draft_id)
    cards = []
    changes = []
    for change_row, public in zip(row.changes, draft.changes, strict=True):
        change = Change.model_validate(change_row.change)
        changes.append(change)
        cards.append(_card(change, change_row, public, decided.get(change.id)))
    source_rows = sources.titles(session, principal.tenant, cited)
    base = plan_store.get_version(session, row.account_id, row.base_plan_version or 1) or AccountPlan()
    return _page(
        request,
        "review.html",
        principal=principal,
        draft=draft,
        account=account,
        cards=[cards[i] for i in triage.by_impact(changes)],
        summary=triage.summarize(changes, base, row.kind),
        decided_count=sum(1 for c in row.changes if c.decision is not None),
        legend=LEGEND,
        sources=source_rows,
        error=error,
        can_decide=principal.has_any(Role.reviewer) and draft.status == "pending_review",
        matrix=whitespace_review.matrix(base, row, changes, source_rows) if row.kind == "whitespace" else None,
        qbr=qbr_review.for_page(request, session, principal.tenant, row),
        bulk=latest_bulk(session, principal.tenant, draft_id),
        can_undo=principal.has_any(Role.reviewer),
        bulk_labels=BULK_ACTIONS,
    )


def _card(change: Change, row: DraftChangeRow, public: ChangePublic, decision: DecisionRow | None) -> dict[str, Any]:
    """A change as its card shows it: the value a reviewer's edit made (decided or saved), marked as edited,
    in place of the drafted one; and who decided, when, with what comment."""
    edit = row.decided_after if row.decision == "edit" else row.edited_after if row.decision is None else None
    shown = change.model_copy(update={"after": PAYLOAD_MODEL[change.kind].model_validate(edit)}) if edit else change
    edited_fields = changed_fields(change.after, shown.after)
    edited_labels = {FIELD_LABELS.get(name, name) for name, _, _ in edited_fields}
    drafted = {FIELD_LABELS.get(name, name): format_value(old) for name, old, _ in edited_fields}
    brief = qbr_review.is_brief(change)  # reviewed claim by claim (app/ui/qbr_review.py), not as a field table
    rows = [] if brief else describe_change(shown)
    label = _target_label(shown)
    return {
        "change": public,
        "rows": rows,
        "label": label,
        "heading": triage.heading(change, label),
        "impact": triage.IMPACT_LABELS[triage.impact(shown)],
        "evidence": triage.split_evidence(() if brief else change.citations, [r[0] for r in rows]),
        "brief": brief,
        "edited": edited_labels if edit else set(),
        "drafted": drafted,
        "pending_edit": row.edited_by if row.decision is None and row.edited_after else None,
        "edited_at": row.edited_at,
        "decision": decision,
        "editable": edits.payload_model(change) is not None,
        "saved_at": row.choice_saved_at,
    }


def _target_label(change: Change) -> str:
    payload = change.after or change.before
    if payload is None:
        return change.target
    if isinstance(payload, Stakeholder):
        return stakeholder_label(payload)
    if isinstance(payload, WhitespaceCell):
        return f"{payload.product} × {payload.unit}"
    return "QBR brief"


@router.post("/drafts/{draft_id}/decisions")
async def decide(request: Request, draft_id: str, state: StateDep, principal: UiPrincipal) -> Response:
    form = await request.form()
    if not principal.has_any(Role.reviewer):
        raise Problem(403, "Forbidden", "Reviewing needs the reviewer role.")
    bulk = str(form.get("bulk") or "")
    if bulk and bulk not in BULK_ACTIONS:
        raise Problem(422, "Invalid bulk action", f"`bulk` must be one of: {', '.join(BULK_ACTIONS)}.")
    with state.sessions() as session, session.begin():
        row = drafts.get_draft(session, principal.tenant, draft_id)
        changes = list(row.changes)
    chosen = {c.id: (_text(form, f"action_{c.id}"), _text(form, f"comment_{c.id}")) for c in changes}
    if bulk and form.get("confirmed") != "yes":  # first say what it would do; the page's choices are kept meanwhile
        keep_choices(state.sessions, principal.tenant, principal.name, draft_id, chosen)
        return RedirectResponse(f"/ui/drafts/{draft_id}/bulk?{urlencode({'action': bulk})}", status_code=303)
    decisions: list[DecisionIn] = []
    if bulk:  # every undecided change: the reviewer's own choices stand, the bulk decides the rest
        decisions = plan_bulk(changes, bulk, chosen).decisions
    # Every change the page offered, decided since or not: a choice on a change someone else decided first is
    # shown beside their decision rather than dropped.
    for change in changes if not bulk else ():
        action = form.get(f"action_{change.id}")
        comment = str(form.get(f"comment_{change.id}") or "").strip() or None
        if action == "accept":
            decisions.append(drafts.accepting(change, comment))
        elif action == "reject":
            decisions.append(DecisionIn(change_id=change.id, action=action, comment=comment))
    if not decisions:
        return RedirectResponse(
            f"/ui/drafts/{draft_id}?error=Choose+accept+or+reject+for+at+least+one+change", status_code=303
        )
    version = str(form.get("version", ""))
    if not (version.isascii() and version.isdigit() and len(version) <= 9):
        raise Problem(422, "Invalid version", "The form's `version` must be the draft's version number.")
    try:
        with state.sessions() as session, session.begin():
            draft = drafts.decide(
                session, principal.tenant, principal.name, draft_id, int(version), decisions, principal.user_id
            )
            plan_before, plan_after = session.info.get(drafts.PLAN_CHANGE, (0, 0))
            if bulk:
                record_bulk(session, draft, bulk, decisions, principal.name, principal.user_id)
    except Problem as exc:
        if exc.status != 409:
            return RedirectResponse(f"/ui/drafts/{draft_id}?error={exc.detail or exc.title}", status_code=303)
        if bulk and exc.title == "Stale draft version":  # decided in part since it was confirmed: confirm anew
            again = {"action": bulk, "error": "Someone decided on this draft since you confirmed; check again."}
            return RedirectResponse(f"/ui/drafts/{draft_id}/bulk?{urlencode(again)}", status_code=303)
        seen_edits = {c.id: str(form.get(f"edit_{c.id}") or "") for c in changes}
        return _after_conflict(state, principal, draft_id, decisions, seen_edits)
    # The reviewer stays on the draft, which says what was decided and where the plan is now.
    accepted = sum(1 for d in decisions if d.action != "reject")
    result = {"decided": len(decisions), "accepted": accepted, "rejected": len(decisions) - accepted}
    if plan_after != plan_before:
        result["plan"] = plan_after
    return RedirectResponse(f"/ui/drafts/{draft_id}?{urlencode(result)}", status_code=303)


def _text(form: Any, name: str) -> str | None:
    return str(form.get(name) or "").strip() or None


def _after_conflict(
    state: StateDep, principal: Principal, draft_id: str, decisions: list[DecisionIn], seen_edits: dict[str, str]
) -> Response:
    """Someone changed the draft while the reviewer worked: keep everything they chose. On a newer version, apply
    the decisions nobody overlapped and show the overlap; on a superseded draft, carry the choices (and comments)
    over to its successor and open it."""
    try:
        with state.sessions() as session, session.begin():
            draft = drafts.get_draft(session, principal.tenant, draft_id)
            if draft.status == "superseded":
                carried = drafts.carry_choices(session, principal.tenant, principal.name, draft_id, decisions)
                query = urlencode(
                    {"carried": carried.carried, "from": draft_id, "not_carried": len(carried.not_carried)}
                )
                return RedirectResponse(f"/ui/drafts/{carried.successor.id}?{query}", status_code=303)
            outcome = drafts.decide_undecided(
                session, principal.tenant, principal.name, draft_id, decisions, principal.user_id, seen_edits
            )
    except Problem as exc:
        return RedirectResponse(f"/ui/drafts/{draft_id}?{urlencode({'error': exc.detail or exc.title})}", 303)
    query = urlencode({"applied": len(outcome.applied), "overlap": len(outcome.overlap)})
    return RedirectResponse(f"/ui/drafts/{draft_id}?{query}", status_code=303)


def _editable_change(
    session: Session, principal: Principal, draft_id: str, change_id: str
) -> tuple[DraftRow, DraftChangeRow]:
    if not principal.has_any(Role.reviewer):
        raise Problem(403, "Forbidden", "Editing a change needs the reviewer role.")
    draft = drafts.get_draft(session, principal.tenant, draft_id)
    row = next((r for r in draft.changes if r.id == change_id), None)
    if row is None:
        raise Problem(404, "Change not found", f"Draft {draft_id} has no change {change_id!r}.")
    if draft.status != "pending_review" or row.decision is not None:
        raise Problem(409, "Already decided", f"Change {change_id} is decided, or the draft is {draft.status}.")
    if edits.payload_model(Change.model_validate(row.change)) is None:
        raise Problem(422, "Not editable here", "A QBR brief is edited claim by claim on its draft page.")
    return draft, row


def _edit_page(
    request: Request,
    session: Session,
    principal: Principal,
    draft: DraftRow,
    row: DraftChangeRow,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The edit form, filled with the saved edit or the drafted value, or with what the reviewer typed."""
    change = Change.model_validate(row.change)
    model = edits.payload_model(change)
    assert model is not None and change.after is not None
    changes = [Change.model_validate(r.change) for r in draft.changes]
    people = edits.people_of(plan_store.latest(session, draft.account_id), changes)
    shown = values if values is not None else (row.edited_after or change.after.model_dump(mode="json"))
    response = _page(
        request,
        "edit.html",
        principal=principal,
        draft=draft,
        account=session.get(Account, draft.account_id),
        change=change,
        label=_target_label(change),
        fixed=[(FIELD_LABELS.get(n, n), getattr(change.after, n)) for n in edits.FIXED[model]],
        fields=edits.form_fields(model, shown, people, errors),
        errors=errors or {},
        error=error,
        edited=row.edited_after is not None,
    )
    response.status_code = status_code
    return response


@router.get("/drafts/{draft_id}/changes/{change_id}/edit", response_class=HTMLResponse)
def edit_form(
    request: Request, draft_id: str, change_id: str, session: SessionDep, principal: UiPrincipal
) -> HTMLResponse:
    draft, row = _editable_change(session, principal, draft_id, change_id)
    return _edit_page(request, session, principal, draft, row)


@router.post("/drafts/{draft_id}/changes/{change_id}/edit")
async def save_edit(
    request: Request, draft_id: str, change_id: str, state: StateDep, principal: UiPrincipal
) -> Response:
    """Save an edit of one change (or discard it); the change is decided later with the others on the page.
    Invalid input comes back as the form, with what was typed and each error announced."""
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    version = form.get("version", "")
    if not (version.isascii() and version.isdigit() and len(version) <= 9):
        raise Problem(422, "Invalid version", "The form's `version` must be the draft's version number.")
    with state.sessions() as session:
        try:
            with session.begin():
                draft, row = _editable_change(session, principal, draft_id, change_id)
                change = Change.model_validate(row.change)
                model = edits.payload_model(change)
                assert model is not None and change.after is not None
                changes = [Change.model_validate(r.change) for r in draft.changes]
                people = edits.people_of(plan_store.latest(session, draft.account_id), changes)
                after: dict[str, Any] | None = None
                if not form.get("discard"):
                    after, typed, errors = edits.parse_form(model, change.after, form, people)
                    if errors:
                        return _edit_page(request, session, principal, draft, row, typed, errors, status_code=422)
                drafts.save_edit(session, principal.tenant, principal.name, draft_id, change_id, int(version), after)
        except Problem as exc:  # a stale form, most often: show it again with what was typed
            with session.begin():
                draft, row = _editable_change(session, principal, draft_id, change_id)
                model = edits.payload_model(Change.model_validate(row.change))
                assert model is not None
                typed = {k: form.get(k, "") for k in edits.EDITABLE[model]}
                message = f"{exc.detail or exc.title} Your edit is below, not saved."
                return _edit_page(request, session, principal, draft, row, typed, error=message, status_code=exc.status)
    return RedirectResponse(f"/ui/drafts/{draft_id}#change-{change_id}", status_code=303)


# The plan's own pages (the plan, its diffs, the audit log, the QBR downloads) are in app/ui/plan_pages.py.


@router.get("/accounts/{account_id}/plan/qbr-brief.md", response_class=PlainTextResponse)
def plan_qbr_brief(
    account_id: str, session: SessionDep, principal: UiPrincipal, version: int | None = None
) -> PlainTextResponse:
    """The plan page's Markdown export: the API's, for the signed-in reviewer (/v1 takes no cookie)."""
    return export_qbr_brief(account_id, session, principal, version)


def _back_link(request: Request) -> str:
    """Where the page was opened from, when that is a UI page of this site; else the queue."""
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc == request.url.netloc and (referer.path == "/ui" or referer.path.startswith("/ui/")):
        return referer.path + (f"?{referer.query}" if referer.query else "")
    return "/ui"


@router.get("/sources/{source_id}", response_class=HTMLResponse)
def source_page(
    request: Request, source_id: str, session: SessionDep, principal: UiPrincipal, quote: str | None = None
) -> HTMLResponse:
    row = sources.get(session, principal.tenant, source_id)
    if row is None:
        raise Problem(404, "Source not found", f"No source {source_id!r} in this tenant.")
    before, match, after = row.text, "", ""
    if quote and quote in row.text:
        i = row.text.index(quote)
        before, match, after = row.text[:i], quote, row.text[i + len(quote) :]
    return _page(
        request,
        "source.html",
        principal=principal,
        source=row,
        before=before,
        match=match,
        after=after,
        back=_back_link(request),
    )
