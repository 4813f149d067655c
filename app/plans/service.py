"""What the plan page shows beside the plan: where each fact came from, what each version changed, the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select, true, tuple_
from sqlalchemy.orm import Session

from app.accounts.models import Account
from app.drafts.models import DecisionRow, DraftChangeRow
from app.drafts.repository import standing
from app.plans import repository as plan_store
from app.plans.models import PlanVersionRow
from app.problems import Problem, not_found
from app.sources import repository as sources
from plans.history import version_summary
from plans.models import AccountPlan, Change, Citation, QbrBrief
from plans.orgchart import recently_added
from plans.qbr_export import Audience, QbrDocument, qbr_document
from plans.render import brief_citations


@dataclass(frozen=True)
class Provenance:
    """The decision that put a plan fact where it is, and the evidence the change cited."""

    target: str
    citations: tuple[Citation, ...]
    rationale: str
    action: str  # accept or edit
    actor: str
    decided_at: datetime
    comment: str | None
    draft_id: str
    plan_version: int


def provenance(session: Session, tenant: str, account_id: str, up_to_version: int) -> dict[str, Provenance]:
    """For each plan target (a stakeholder, a cell, the brief), the newest accepted or edited change that set it."""
    rows = session.execute(
        select(DecisionRow, DraftChangeRow.change)
        .join(
            DraftChangeRow,
            and_(DraftChangeRow.draft_id == DecisionRow.draft_id, DraftChangeRow.id == DecisionRow.change_id),
        )
        .where(
            DecisionRow.tenant == tenant,
            DecisionRow.account_id == account_id,
            DecisionRow.action.in_(("accept", "edit")),
            DecisionRow.plan_version <= up_to_version,
            standing(),
        )
        .order_by(DecisionRow.id)
    )
    found: dict[str, Provenance] = {}
    for decision, stored in rows:
        change = Change.model_validate(stored)
        found[change.target] = Provenance(
            target=change.target,
            citations=change.citations,
            rationale=change.rationale,
            action=decision.action,
            actor=decision.actor,
            decided_at=decision.created_at,
            comment=decision.comment,
            draft_id=decision.draft_id,
            plan_version=decision.plan_version,
        )
    return found


@dataclass(frozen=True)
class HistoryRow:
    version: int
    created_at: datetime
    created_by: str
    draft_id: str | None
    changes: list[str]


def history(rows: list[PlanVersionRow]) -> list[HistoryRow]:
    """Each version, newest first, with what it changed against the one before it."""
    ordered = sorted(rows, key=lambda r: r.version)
    out = []
    before: AccountPlan | None = None
    for row in ordered:
        plan = AccountPlan.model_validate(row.plan)
        changes = version_summary(before, plan) if before is not None else ["Plan started"]
        changes = [*reverted_line(row), *changes]
        out.append(HistoryRow(row.version, row.created_at, row.created_by, row.draft_id, changes))
        before = plan
    return out[::-1]


def reverted_line(row: PlanVersionRow) -> list[str]:
    """A revert's first history line: which version it went back to, and why."""
    if row.reverted_to is None:
        return []
    return [f"Reverted to v{row.reverted_to}" + (f" ({row.note})" if row.note else "")]


def new_stakeholders(rows: list[PlanVersionRow], shown: int) -> set[str]:
    """People added to the map in the 90 days before the shown version (the first map is the baseline)."""
    upto = sorted((r for r in rows if r.version <= shown), key=lambda r: r.version)
    if not upto:
        return set()
    versions = [(r.created_at, {s["key"] for s in r.plan.get("stakeholders", [])}) for r in upto]
    return recently_added(versions, upto[-1].created_at)


@dataclass(frozen=True)
class AuditItem:
    """One line of the tenant's audit log: a review decision, or a plan version saved."""

    kind: str  # "decision" or "version"
    at: datetime
    account_id: str
    account_name: str
    actor: str
    plan_version: int
    draft_id: str | None
    change: Change | None = None
    action: str | None = None
    comment: str | None = None
    decision_id: int = 0
    after: dict[str, Any] | None = None  # a decision's applied payload: an edit's, as the reviewer made it
    changes: tuple[str, ...] = ()

    def sort_key(self) -> tuple[datetime, bool, int, str, int]:
        """Newest first; at one instant a version before the decisions that made it, then by id."""
        version = self.kind == "version"
        return (self.at, version, self.decision_id, self.account_id if version else "", self.plan_version)


def _decisions(
    session: Session, tenant: str, before: tuple[datetime, str, str] | None, limit: int
) -> list[AuditItem]:
    query = (
        select(DecisionRow, DraftChangeRow.change, Account.name)
        .join(
            DraftChangeRow,
            and_(DraftChangeRow.draft_id == DecisionRow.draft_id, DraftChangeRow.id == DecisionRow.change_id),
        )
        .join(Account, Account.id == DecisionRow.account_id)
        .where(DecisionRow.tenant == tenant)
        .order_by(DecisionRow.created_at.desc(), DecisionRow.id.desc())
        .limit(limit)
    )
    if before is not None:
        at, kind, last = before
        # Ties on the timestamp: decisions sort after versions, and among themselves by id.
        tie = DecisionRow.id < int(last) if kind == "decision" else true()
        query = query.where(or_(DecisionRow.created_at < at, and_(DecisionRow.created_at == at, tie)))
    return [
        AuditItem(
            kind="decision",
            at=row.created_at,
            account_id=row.account_id,
            account_name=name,
            actor=row.actor,
            plan_version=row.plan_version,
            draft_id=row.draft_id,
            change=Change.model_validate(stored),
            action=row.action,
            comment=row.comment,
            decision_id=row.id,
            after=row.after,
        )
        for row, stored, name in session.execute(query)
    ]


def _versions(session: Session, tenant: str, before: tuple[datetime, str, str] | None, limit: int) -> list[AuditItem]:
    query = (
        select(PlanVersionRow, Account.name)
        .join(Account, Account.id == PlanVersionRow.account_id)
        .where(Account.tenant == tenant)
        .order_by(PlanVersionRow.created_at.desc(), PlanVersionRow.account_id.desc(), PlanVersionRow.version.desc())
        .limit(limit)
    )
    if before is not None:
        at, kind, last = before
        if kind == "version":
            account_id, version = last.rsplit(":", 1)
            tie = tuple_(PlanVersionRow.account_id, PlanVersionRow.version) < tuple_(account_id, int(version))
            query = query.where(or_(PlanVersionRow.created_at < at, and_(PlanVersionRow.created_at == at, tie)))
        else:  # versions sort before decisions at the same instant: a cursor on a decision passed them
            query = query.where(PlanVersionRow.created_at < at)
    items = []
    for row, name in session.execute(query):
        previous = session.get(PlanVersionRow, (row.account_id, row.version - 1))
        plan = AccountPlan.model_validate(row.plan)
        changes = version_summary(AccountPlan.model_validate(previous.plan), plan) if previous else ["Plan started"]
        changes = [*reverted_line(row), *changes]
        items.append(
            AuditItem(
                kind="version",
                at=row.created_at,
                account_id=row.account_id,
                account_name=name,
                actor=row.created_by,
                plan_version=row.version,
                draft_id=row.draft_id,
                changes=tuple(changes),
            )
        )
    return items


def cursor_of(item: AuditItem) -> str:
    last = str(item.decision_id) if item.kind == "decision" else f"{item.account_id}:{item.plan_version}"
    return f"{item.at.isoformat()}|{item.kind}|{last}"


def parse_cursor(cursor: str | None) -> tuple[datetime, str, str] | None:
    if not cursor:
        return None
    try:
        at, kind, last = cursor.split("|", 2)
        parsed = datetime.fromisoformat(at)
        if kind not in ("decision", "version") or parsed.tzinfo is None:
            raise ValueError(kind)
        if kind == "decision":
            int(last)
        else:
            int(last.rsplit(":", 1)[1])
    except (ValueError, IndexError):
        return None
    return parsed, kind, last


def audit_log(session: Session, tenant: str, cursor: str | None, limit: int) -> tuple[list[AuditItem], str | None]:
    """The tenant's decisions and plan versions, newest first, a page at a time; (items, the next page's cursor)."""
    before = parse_cursor(cursor)
    merged = _decisions(session, tenant, before, limit + 1) + _versions(session, tenant, before, limit + 1)
    merged.sort(key=AuditItem.sort_key, reverse=True)
    page = merged[:limit]
    return page, cursor_of(page[-1]) if len(merged) > limit else None


def accepted_brief(
    session: Session, tenant: str, account: Account, version: int | None
) -> tuple[AccountPlan, QbrBrief, dict[str, str]]:
    """(the plan version, its accepted brief, the titles of the sources it cites); 404 when there is no brief."""
    plan = plan_store.get_version(session, account.id, version or account.plan_version)
    if plan is None:
        raise not_found("Plan version", str(version))
    if plan.qbr_brief is None:
        raise Problem(404, "No QBR brief", f"Plan version {plan.version} holds no accepted QBR brief yet.")
    cited = [citation.source_id for citation in brief_citations(plan.qbr_brief)]
    return plan, plan.qbr_brief, {sid: row.title for sid, row in sources.titles(session, tenant, cited).items()}


def qbr_export(session: Session, tenant: str, account: Account, version: int | None, audience: Audience) -> QbrDocument:
    """The accepted brief of a plan version as a document for `audience`; 404 when there is none."""
    plan, brief, titles = accepted_brief(session, tenant, account, version)
    return qbr_document(
        brief,
        account.name,
        plan.version,
        source_titles=titles,
        people=[s.name for s in plan.stakeholders],
        audience=audience,
    )
