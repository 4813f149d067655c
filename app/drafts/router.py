from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query
from fastapi.responses import JSONResponse, Response
from sqlalchemy import Connection

from app.deps import Reader, Reviewer, SessionDep, StateDep
from app.drafts import repository, service
from app.drafts.schemas import (
    AuditEntry,
    AuditPage,
    DecisionsIn,
    DraftPage,
    DraftPublic,
    DraftStatus,
    OverlapPublic,
)
from app.drafts.views import draft_public, summary_page
from app.idempotency import remember, replayed, request_fingerprint
from app.pagination import decode_cursor, decode_row_cursor, encode_cursor
from app.problems import Problem, not_found, problems
from app.reads import answer
from plans.vocabulary import DraftKind

router = APIRouter(prefix="/v1", tags=["drafts"])


@router.get("/drafts", response_model=DraftPage, responses=problems(400))
async def list_drafts(
    state: StateDep,
    principal: Reader,
    status: DraftStatus | None = None,
    account_id: str | None = None,
    kind: DraftKind | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Response:
    """The review queue, oldest first; filter by status, account and kind."""
    after = decode_cursor(cursor)

    def read(connection: Connection) -> DraftPage:
        rows = repository.summaries(
            connection,
            principal.tenant,
            after=after,
            limit=limit + 1,
            status=status,
            account_id=account_id,
            kind=str(kind) if kind else None,
        )
        return summary_page(rows, limit)

    return await answer(state, read)


@router.get("/drafts/{draft_id}", response_model=DraftPublic, responses=problems(404))
async def get_draft(draft_id: str, state: StateDep, principal: Reader) -> Response:
    """One draft with its changes, their citations, verification and decisions."""

    def read(connection: Connection) -> DraftPublic:
        draft = repository.draft_detail(connection, principal.tenant, draft_id)
        if draft is None:
            raise not_found("Draft", draft_id)
        return draft_public(draft)

    return await answer(state, read)


@router.post("/drafts/{draft_id}/decisions", response_model=DraftPublic, responses=problems(404, 409))
def decide(
    draft_id: str,
    body: DecisionsIn,
    session: SessionDep,
    principal: Reviewer,
    if_match: Annotated[str | None, Header()] = None,
    idempotency_key: Annotated[str | None, Header()] = None,
) -> Any:
    """Accept, edit or reject changes; accepted and edited ones become a new plan version.

    The body's `version` (or an `If-Match` header holding it) must be the draft's current
    version; a stale one gets 409 so two reviewers never overwrite each other. A retry with the
    same `Idempotency-Key` gets the first response back instead of a 409. With `on_stale: apply_undecided`, a
    stale version applies the decisions on changes nobody decided or edited since and answers with the others as
    `overlap` (who decided them, how, with what comment); a superseded draft's 409 names its `superseded_by`.
    """
    fingerprint = request_fingerprint("POST", f"/v1/drafts/{draft_id}/decisions", body.model_dump_json().encode())
    if (earlier := replayed(session, principal.tenant, idempotency_key, fingerprint)) is not None:
        return JSONResponse(earlier.body, status_code=earlier.status_code)
    if if_match is not None and if_match.strip('"W/ ') != str(body.version):
        raise Problem(409, "Stale draft version", "If-Match and the body's version disagree.")
    current = service.get_draft(session, principal.tenant, draft_id)
    if body.on_stale == "apply_undecided" and current.status == "pending_review" and current.version != body.version:
        outcome = service.decide_undecided(session, principal.tenant, principal.name, draft_id, body.decisions)
        draft = draft_public(outcome.draft)
        draft.overlap = [
            OverlapPublic(change_id=o.change_id, action=o.action, actor=o.actor, at=o.at, comment=o.comment,  # type: ignore[arg-type]
                          yours=o.yours)
            for o in outcome.overlap
        ]
    else:
        draft = draft_public(
            service.decide(session, principal.tenant, principal.name, draft_id, body.version, body.decisions)
        )
    if idempotency_key:
        remember(session, principal.tenant, idempotency_key, fingerprint, 200, draft.model_dump(mode="json"))
    return draft


@router.get("/audit-log", response_model=AuditPage, responses=problems(400))
def audit_log(
    session: SessionDep,
    principal: Reader,
    account_id: str | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> AuditPage:
    """Every review decision, append-only: who decided what, when, and the plan version it made."""
    rows = repository.audit_page(
        session, principal.tenant, after=decode_row_cursor(cursor), limit=limit + 1, account_id=account_id
    )
    return AuditPage(
        items=[AuditEntry.model_validate(r, from_attributes=True) for r in rows[:limit]],
        next_cursor=encode_cursor(str(rows[limit - 1].id)) if len(rows) > limit else None,
    )
