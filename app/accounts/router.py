from __future__ import annotations

import re
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Header, Path, Query
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from app.accounts import repository as accounts
from app.accounts.schemas import (
    AccountPage,
    AccountPublic,
    PlanPublic,
    PlanVersionSummary,
    SearchHit,
    SearchResults,
)
from app.db import transaction
from app.deps import Drafter, Reader, SessionDep, StateDep
from app.drafts import service as drafts
from app.drafts.schemas import DraftAccepted, DraftCreate
from app.idempotency import remember, replayed, request_fingerprint
from app.pagination import decode_cursor, encode_cursor
from app.plans import repository as plan_store
from app.plans import service as plans
from app.plans.exports import FORMATS
from app.plans.models import PlanVersionRow
from app.problems import Problem, not_found, problems
from plans.qbr_export import Audience, QbrDocument
from plans.render import qbr_markdown
from retrieval.hybrid import HybridRetriever

router = APIRouter(prefix="/v1/accounts", tags=["accounts"])

Version = Annotated[int, Path(ge=1, le=2**31 - 1, description="A plan version number.")]


@router.get("", response_model=AccountPage, responses=problems(400))
def list_accounts(
    session: SessionDep,
    principal: Reader,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> AccountPage:
    """The tenant's accounts with their current plan version."""
    rows = accounts.page(session, principal.tenant, decode_cursor(cursor), limit + 1)
    items = [AccountPublic.model_validate(r, from_attributes=True) for r in rows[:limit]]
    return AccountPage(items=items, next_cursor=encode_cursor(rows[limit - 1].id) if len(rows) > limit else None)


@router.get("/{account_id}", response_model=AccountPublic, responses=problems(404))
def get_account(account_id: str, session: SessionDep, principal: Reader) -> AccountPublic:
    """One account."""
    account = drafts.account_or_404(session, principal.tenant, account_id)
    return AccountPublic.model_validate(account, from_attributes=True)


def _plan_public(account_id: str, row: PlanVersionRow) -> PlanPublic:
    return PlanPublic(
        account_id=account_id,
        created_at=row.created_at,
        created_by=row.created_by,
        draft_id=row.draft_id,
        **row.plan,
    )


@router.get("/{account_id}/plan", response_model=PlanPublic, responses=problems(404))
def get_plan(account_id: str, session: SessionDep, principal: Reader) -> PlanPublic:
    """The accepted plan at its newest version."""
    account = drafts.account_or_404(session, principal.tenant, account_id)
    row = session.get(PlanVersionRow, (account.id, account.plan_version))
    if row is None:
        raise not_found("Plan version", str(account.plan_version))
    return _plan_public(account.id, row)


@router.get("/{account_id}/plan/versions", response_model=list[PlanVersionSummary], responses=problems(404))
def list_plan_versions(account_id: str, session: SessionDep, principal: Reader) -> list[PlanVersionSummary]:
    """The plan's history, newest first."""
    account = drafts.account_or_404(session, principal.tenant, account_id)
    return [PlanVersionSummary.model_validate(r, from_attributes=True) for r in plan_store.history(session, account.id)]


@router.get("/{account_id}/plan/versions/{version}", response_model=PlanPublic, responses=problems(404))
def get_plan_version(account_id: str, version: Version, session: SessionDep, principal: Reader) -> PlanPublic:
    """A past version of the plan."""
    account = drafts.account_or_404(session, principal.tenant, account_id)
    row = session.get(PlanVersionRow, (account.id, version))
    if row is None:
        raise not_found("Plan version", str(version))
    return _plan_public(account.id, row)


@router.get(
    "/{account_id}/plan/qbr-brief.md",
    response_class=PlainTextResponse,
    deprecated=True,
    responses={
        200: {"content": {"text/markdown": {"schema": {"type": "string"}}}},
        **problems(404, descriptions={404: "No such account or plan version, or no accepted QBR brief yet."}),
    },
)
def export_qbr_brief(
    account_id: str,
    session: SessionDep,
    principal: Reader,
    version: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> PlainTextResponse:
    """The accepted QBR brief as Markdown, every claim footnoted to its quoted source and its source's id, internal
    notes included. Superseded by `GET /v1/accounts/{id}/qbr.md`, which names sources without CRM Ids and leaves
    internal-only notes out unless asked."""
    account = drafts.account_or_404(session, principal.tenant, account_id)
    plan, brief, titles = plans.accepted_brief(session, principal.tenant, account, version)
    markdown = qbr_markdown(brief, titles, title=f"{account.name} — QBR brief (plan v{plan.version})")
    filename = f"qbr-brief-{account.external_id}-v{plan.version}.md"
    return PlainTextResponse(
        markdown,
        media_type="text/markdown; charset=utf-8",
        headers={"Content-Disposition": inline_disposition(filename)},
    )


QBR_FORMATS = {name: media_type for name, (media_type, _) in FORMATS.items()}


@router.get(
    "/{account_id}/qbr.{fmt}",
    response_class=Response,
    responses={
        200: {
            "description": "The brief as a file to hand out.",
            "content": {media_type.split(";")[0]: {} for media_type in QBR_FORMATS.values()},
        },
        **problems(404, descriptions={404: "No such account or plan version, or no accepted QBR brief yet."}),
    },
)
def export_qbr(
    account_id: str,
    fmt: Annotated[Literal["md", "pdf", "pptx"], Path(description="md, pdf or pptx")],
    session: SessionDep,
    principal: Reader,
    version: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    audience: Annotated[Audience, Query(description="customer leaves internal-only notes out")] = Audience.customer,
) -> Response:
    """The accepted QBR brief as Markdown (one H1), PDF or PowerPoint, with no raw CRM Ids. The customer-facing
    version (the default) leaves out internal-only notes — risks about people, stances, pricing and discounts —
    and says how many; `audience=internal` keeps them, marked."""
    account = drafts.account_or_404(session, principal.tenant, account_id)
    return qbr_file(plans.qbr_export(session, principal.tenant, account, version, audience), fmt)


def qbr_file(document: QbrDocument, fmt: str) -> Response:
    """The document written as `fmt`, as a download named for the account and version (never a CRM Id)."""
    media_type, write = FORMATS[fmt]
    disposition = inline_disposition(document.filename(fmt)).replace("inline;", "attachment;", 1)
    return Response(write(document), media_type=media_type, headers={"Content-Disposition": disposition})


def inline_disposition(filename: str) -> str:
    """`Content-Disposition: inline` naming the file in ASCII for every client (anything else becomes `_`)
    and exactly, in UTF-8, for those that read RFC 6266's `filename*`: an account's external id may hold
    any character, and a header must be Latin-1 without quotes or line breaks."""
    fallback = re.sub(r"[^A-Za-z0-9._-]", "_", filename)
    return f"inline; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


@router.get("/{account_id}/search", response_model=SearchResults, responses=problems(404))
def search(
    account_id: str,
    session: SessionDep,
    state: StateDep,
    principal: Reader,
    q: Annotated[str, Query(min_length=1, max_length=1000)],
    k: Annotated[int, Query(ge=1, le=50)] = 8,
) -> SearchResults:
    """Hybrid retrieval over one account's evidence, for plugins and debugging."""
    account = drafts.account_or_404(session, principal.tenant, account_id)
    hits = HybridRetriever(state.store, principal.tenant, account.id).search(q, k)
    return SearchResults(query=q, hits=[SearchHit.model_validate(h.model_dump()) for h in hits])


@router.post("/{account_id}/drafts", status_code=202, response_model=DraftAccepted, responses=problems(404, 409))
def create_draft(
    account_id: str,
    body: DraftCreate,
    state: StateDep,
    principal: Drafter,
    idempotency_key: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    """Start a draft of one kind; it runs in the background and lands in the review queue."""
    fingerprint = request_fingerprint("POST", f"/v1/accounts/{account_id}/drafts", body.model_dump_json().encode())
    with transaction(state.sessions) as session:
        if (earlier := replayed(session, principal.tenant, idempotency_key, fingerprint)) is not None:
            return JSONResponse(earlier.body, status_code=earlier.status_code)
        account = drafts.account_or_404(session, principal.tenant, account_id)
        engine = body.engine or state.settings.default_engine
        if engine == "openai" and state.chat_model is None:
            raise Problem(
                422, "Engine not configured", "The openai engine needs PLANWRIGHT_OPENAI_API_KEY or _BASE_URL."
            )
        draft = drafts.request_draft(session, account, body.kind, engine, principal.name, body.as_of)
        payload = DraftAccepted(id=draft.id, status="running").model_dump(mode="json")
        if idempotency_key:
            remember(session, principal.tenant, idempotency_key, fingerprint, 202, payload)
    state.runner.submit(draft.id)
    return JSONResponse(payload, status_code=202, headers={"Location": f"/v1/drafts/{draft.id}"})
