"""The plan's pages in the review UI: the plan (org chart, whitespace heatmap, brief, history), a diff between
two versions, the tenant's audit log, and the QBR brief's downloads."""

from __future__ import annotations

import hashlib
import re
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from app.accounts.router import qbr_file
from app.deps import SessionDep
from app.drafts import service as drafts
from app.plans import repository as plan_store
from app.plans import service as plans
from app.plans.models import PlanVersionRow
from app.problems import Problem
from app.sources import repository as sources
from app.ui import qbr_review
from app.ui.router import UiPrincipal, _page, csrf_protect
from app.ui.whitespace_review import STATUS_ORDER
from plans.history import summarize_change
from plans.models import AccountPlan, stakeholder_target, whitespace_target
from plans.orgchart import STANCE_STYLE, STRENGTH_BARS, layout_org_chart
from plans.qbr_export import Audience, internal_reason, qbr_document
from plans.render import brief_citations, brief_sections, describe_change
from plans.revert import difference
from plans.totals import dollars, whitespace_totals
from plans.vocabulary import Stance

router = APIRouter(prefix="/ui", include_in_schema=False, dependencies=[Depends(csrf_protect)])

Version = Annotated[int | None, Query(ge=1, le=2**31 - 1)]


def anchor(key: str) -> str:
    """A fragment id for a plan fact: readable, and unique even where two keys slug alike."""
    slug = re.sub(r"[^a-z0-9]+", "-", key.lower()).strip("-")[:40]
    return f"f-{slug}-{hashlib.sha1(key.encode()).hexdigest()[:6]}"


def _version_row(session: SessionDep, account_id: str, version: int) -> PlanVersionRow:
    row = session.get(PlanVersionRow, (account_id, version))
    if row is None:
        raise Problem(404, "Plan version not found", f"Version {version} does not exist.")
    return row


@router.get("/accounts/{account_id}/plan", response_class=HTMLResponse)
def plan_page(
    request: Request, account_id: str, session: SessionDep, principal: UiPrincipal, version: Version = None
) -> HTMLResponse:
    account = drafts.account_or_404(session, principal.tenant, account_id)
    row = _version_row(session, account.id, version or account.plan_version)
    plan = AccountPlan.model_validate(row.plan)
    rows = plan_store.history(session, account.id)
    chart = layout_org_chart(plan.stakeholders, plans.new_stakeholders(rows, plan.version))
    provenance = plans.provenance(session, principal.tenant, account.id, plan.version)
    people = [s.name for s in plan.stakeholders]
    cited = [c.source_id for p in provenance.values() for c in p.citations]
    left_out = 0
    if plan.qbr_brief is not None:
        cited += [c.source_id for c in brief_citations(plan.qbr_brief)]
        left_out = qbr_document(plan.qbr_brief, account.name, plan.version, source_titles={}, people=people).left_out
    return _page(
        request,
        "plan.html",
        principal=principal,
        account=account,
        plan=plan,
        row=row,
        chart=chart,
        stance_style={s.value: STANCE_STYLE[s] for s in Stance},
        strength_bars=STRENGTH_BARS,
        provenance=provenance,
        stakeholder_target=stakeholder_target,
        whitespace_target=whitespace_target,
        titles={sid: r.title for sid, r in sources.titles(session, principal.tenant, cited).items()},
        history=plans.history(rows),
        units=sorted({c.unit for c in plan.whitespace}),
        products=sorted({c.product for c in plan.whitespace}),
        cells={(c.product, c.unit): c for c in plan.whitespace},
        totals=whitespace_totals(plan.whitespace),
        statuses=STATUS_ORDER,
        dollars=dollars,
        anchor=anchor,
        brief_sections=brief_sections,
        internal_reason=internal_reason,
        people=people,
        left_out=left_out,
    )


@router.get("/accounts/{account_id}/plan/diff", response_class=HTMLResponse)
def plan_diff(
    request: Request,
    account_id: str,
    session: SessionDep,
    principal: UiPrincipal,
    from_version: Annotated[int, Query(alias="from", ge=1, le=2**31 - 1)],
    to_version: Annotated[int, Query(alias="to", ge=1, le=2**31 - 1)],
) -> HTMLResponse:
    """What changed between any two versions of the plan, older to newer whichever order they are given in."""
    account = drafts.account_or_404(session, principal.tenant, account_id)
    older, newer = sorted((from_version, to_version))
    before = AccountPlan.model_validate(_version_row(session, account.id, older).plan)
    after = AccountPlan.model_validate(_version_row(session, account.id, newer).plan)
    try:  # a revert may remove what the older version had (plans/revert.py)
        found = difference(before, after)
    except ValueError as exc:
        raise Problem(422, "Versions not comparable", str(exc)) from exc
    entries: list[dict[str, Any]] = [{"summary": line, "rows": [], "kind": "removed"} for line in found.removed]
    entries += [
        {"summary": summarize_change(c), "rows": describe_change(c), "kind": c.kind.value} for c in found.changes
    ]
    return _page(
        request,
        "plan_diff.html",
        principal=principal,
        account=account,
        older=older,
        newer=newer,
        entries=entries,
        versions=[r.version for r in plan_store.history(session, account.id)],
    )


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    session: SessionDep,
    principal: UiPrincipal,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> HTMLResponse:
    """The tenant's audit log: every review decision and every plan version saved, newest first."""
    if cursor and plans.parse_cursor(cursor) is None:
        raise Problem(400, "Invalid cursor", "The cursor parameter is not one this page handed out.")
    items, next_cursor = plans.audit_log(session, principal.tenant, cursor, limit)
    return _page(
        request,
        "audit.html",
        principal=principal,
        items=items,
        next_cursor=next_cursor,
        summarize=summarize_change,
        claim_summary=qbr_review.summarize_decision,
    )


@router.get("/accounts/{account_id}/plan/qbr.{fmt}")
def download_qbr(
    account_id: str,
    fmt: Literal["md", "pdf", "pptx"],
    session: SessionDep,
    principal: UiPrincipal,
    version: Version = None,
    audience: Audience = Audience.customer,
) -> Response:
    """The plan page's QBR downloads: the API's export, for the signed-in reviewer (/v1 takes no cookie)."""
    account = drafts.account_or_404(session, principal.tenant, account_id)
    return qbr_file(plans.qbr_export(session, principal.tenant, account, version, audience), fmt)
