"""Drafting and review: request a draft, run the agent, record decisions, apply what is accepted."""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from langchain_core.language_models import BaseChatModel
from pydantic import ValidationError
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, aliased, sessionmaker

from agents.context import AccountEvidence
from agents.decisions import DecisionMemory, PriorDecision
from agents.drafting import run_draft
from agents.field_map import CrmFieldMap
from agents.llm import DraftFailed, LlmConfig
from agents.results import DraftResult
from app.accounts import repository as accounts
from app.accounts.models import Account
from app.db import transaction, utcnow
from app.drafts import repository
from app.drafts.models import DecisionRow, DraftChangeRow, DraftRow
from app.drafts.schemas import DecisionIn
from app.ids import new_id
from app.plans import repository as plan_store
from app.problems import Problem, not_found
from app.sources import repository as sources
from app.webhooks import service as webhooks
from plans.apply import ConflictError, InvalidChangeError, apply_changes
from plans.models import PAYLOAD_MODEL, Change, target_of
from plans.vocabulary import DraftKind
from retrieval.evidence import Source, SourceType
from retrieval.hybrid import HybridRetriever
from retrieval.store import ChunkStore

log = logging.getLogger(__name__)

OPEN_STATUSES = ("running", "pending_review")
NOT_OURS = "draft %s is no longer ours (taken over, or failed at its time limit); %s is dropped"
DEFAULT_LEASE_S = 600.0
PLAN_CHANGE = "planwright.plan_change"  # session.info: (plan version before, after) of the last decide()


@dataclass(frozen=True)
class DraftLimits:
    """How drafts share a service: leases, retries after interruptions, run time, and per-tenant concurrency."""

    lease_s: float = DEFAULT_LEASE_S  # a claim lasts this long unless renewed; renewed while the draft runs
    max_attempts: int = 3  # claims before a draft that never finishes is failed instead of resumed again
    time_limit_s: float = 1800.0  # a draft still running after this is failed with that reason
    tenant_concurrency: int = 1  # drafts of one tenant running at once, so one tenant cannot hold every worker

    @property
    def renew_every_s(self) -> float:
        return min(self.lease_s / 3, 30.0)


def request_draft(
    session: Session,
    account: Account,
    kind: DraftKind,
    engine: str,
    requested_by: str,
    as_of: date | None = None,
) -> DraftRow:
    draft = DraftRow(
        id=new_id("drf"),
        tenant=account.tenant,
        account_id=account.id,
        kind=str(kind),
        status="running",
        engine=engine,
        as_of=as_of,
        requested_by=requested_by,
    )
    session.add(draft)
    session.flush()
    return draft


def default_as_of(evidence: list[Source]) -> date:
    """Recency is measured from the newest conversation we hold (a note or a call), never from the
    future: CRM dates such as an opportunity's CloseDate look ahead and say nothing about recency."""
    today = utcnow().date()
    spoken = [s.date for s in evidence if s.date and s.type in (SourceType.note, SourceType.call)]
    return min(max(spoken, default=today), today)


def new_claimer() -> str:
    """A claim's owner: the process, plus a nonce so each claim (even by the same process) is its own."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(4)}"


def _claimable(now: datetime) -> Any:
    return (DraftRow.status == "running") & or_(DraftRow.lease_until.is_(None), DraftRow.lease_until < now)


def _tenant_has_room(now: datetime, tenant_concurrency: int) -> Any:
    others = aliased(DraftRow)
    running = (
        select(func.count())
        .where(others.tenant == DraftRow.tenant, others.status == "running", others.lease_until >= now)
        .scalar_subquery()
    )
    return running < tenant_concurrency


def claim_draft(
    session: Session,
    draft_id: str,
    claimer: str,
    now: datetime,
    lease_until: datetime,
    tenant_concurrency: int | None = None,
) -> bool:
    """Take a running draft to execute. The WHERE re-checks that it is running, nobody holds an
    unexpired lease on it and (with `tenant_concurrency`) its tenant has room, so when processes
    race exactly one UPDATE matches; a crashed claimer's draft becomes claimable again once its
    lease runs out. Every claim counts as an attempt."""
    condition = _claimable(now)
    if tenant_concurrency is not None:
        condition = condition & _tenant_has_room(now, tenant_concurrency)
    result = session.execute(
        update(DraftRow)
        .where(DraftRow.id == draft_id, condition)
        .values(claimed_by=claimer, lease_until=lease_until, attempts=DraftRow.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]


def renew_claim(session: Session, draft_id: str, claimer: str, lease_until: datetime) -> bool:
    """Extend `claimer`'s lease on a draft it is still running; False once it lost the draft."""
    result = session.execute(
        update(DraftRow)
        .where(DraftRow.id == draft_id, DraftRow.status == "running", DraftRow.claimed_by == claimer)
        .values(lease_until=lease_until)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]


def release_claim(session: Session, draft_id: str, claimer: str) -> bool:
    """End `claimer`'s lease so it can settle the draft, if it still holds it. Run first in the
    transaction that settles: the UPDATE locks the row, so no claim slips in before the commit."""
    result = session.execute(
        update(DraftRow)
        .where(DraftRow.id == draft_id, DraftRow.status == "running", DraftRow.claimed_by == claimer)
        .values(lease_until=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]


def claimable_draft_ids(session: Session, now: datetime, limit: int | None = None) -> list[str]:
    """Running drafts nobody holds, oldest first."""
    query = select(DraftRow.id).where(_claimable(now)).order_by(DraftRow.created_at, DraftRow.id).limit(limit)
    return list(session.scalars(query))


def is_claimable(session: Session, draft_id: str, now: datetime) -> bool:
    return session.scalar(select(DraftRow.id).where(DraftRow.id == draft_id, _claimable(now))) is not None


class LeaseKeeper:
    """While a draft's agent works, renews the claim every `renew_every_s`, and fails the draft once it has
    run for `time_limit_s` (the agent's late result is then dropped, as for any lost claim)."""

    def __init__(
        self, sessions: sessionmaker[Session], draft_id: str, claimer: str, limits: DraftLimits,
        clock: Callable[[], datetime],
    ) -> None:  # fmt: skip
        self._sessions = sessions
        self._draft_id = draft_id
        self._claimer = claimer
        self._limits = limits
        self._clock = clock
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._keep, name=f"lease-{draft_id}", daemon=True)

    def __enter__(self) -> LeaseKeeper:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _keep(self) -> None:
        deadline = time.monotonic() + self._limits.time_limit_s
        while not self._stop.wait(min(self._limits.renew_every_s, max(deadline - time.monotonic(), 0.0))):
            try:
                if time.monotonic() >= deadline:
                    limit = self._limits.time_limit_s
                    reason = f"the draft ran longer than its time limit ({limit:g} s) and was stopped"
                    fail_claimed(self._sessions, self._draft_id, self._claimer, reason)
                    return
                with transaction(self._sessions) as session:
                    lease_until = self._clock() + timedelta(seconds=self._limits.lease_s)
                    if not renew_claim(session, self._draft_id, self._claimer, lease_until):
                        return
            except Exception:  # the database may be briefly away: the lease lasts until the next try
                log.exception("could not renew the lease on draft %s", self._draft_id)


def fail_claimed(
    sessions: sessionmaker[Session], draft_id: str, claimer: str, reason: str, usage: dict[str, Any] | None = None
) -> bool:
    """Settle a draft `claimer` holds as failed, with the reason a reviewer reads; False if it lost the claim."""
    with transaction(sessions) as session:
        if not release_claim(session, draft_id, claimer):
            log.warning(NOT_OURS, draft_id, "its failure")
            return False
        draft = session.get(DraftRow, draft_id)
        assert draft is not None
        draft.status, draft.error, draft.updated_at = "failed", reason, utcnow()
        if usage is not None:
            draft.usage = usage
        webhooks.draft_failed(session, draft)
    return True


def execute_draft(
    sessions: sessionmaker[Session],
    store: ChunkStore,
    draft_id: str,
    *,
    chat_model: BaseChatModel | None = None,
    llm: LlmConfig | None = None,
    field_map: CrmFieldMap | None = None,
    limits: DraftLimits | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> bool:
    """Claim a draft in `running` state, run the agent and store its result; failures mark it failed.

    Returns whether this call settled the draft. It does nothing when the draft is not running,
    another process holds it or its tenant has no room, and drops its result if its claim was
    taken over meanwhile. A draft claimed more than `max_attempts` times (its runners kept dying)
    is failed rather than run again."""
    limits = limits or DraftLimits()
    claimer = new_claimer()
    with transaction(sessions) as session:
        now = clock()
        lease_until = now + timedelta(seconds=limits.lease_s)
        if not claim_draft(session, draft_id, claimer, now, lease_until, limits.tenant_concurrency):
            return False
        draft = session.get(DraftRow, draft_id)
        assert draft is not None
        attempts = draft.attempts
        account = session.get(Account, draft.account_id)
        assert account is not None
        records = sources.records_of(session, draft.tenant, account.id)
        evidence_sources = sources.sources_of(session, draft.tenant, account.id)
        plan = plan_store.latest(session, account.id)
        memory = decision_memory(session, draft.tenant, account.id)
        as_of = draft.as_of or default_as_of(evidence_sources)
        parent = next((r for r in records if r.id == account.external_id), None)
        tenant, account_id, kind, engine = draft.tenant, account.id, draft.kind, draft.engine
    if attempts > limits.max_attempts:
        reason = (
            f"the draft was started {attempts - 1} times and never finished (the process running it stopped "
            "each time); it is not retried: request it again"
        )
        return fail_claimed(sessions, draft_id, claimer, reason)

    try:
        with LeaseKeeper(sessions, draft_id, claimer, limits, clock):
            if parent is None:
                raise ValueError(f"the account's own CRM record {account.external_id} was never imported")
            evidence = AccountEvidence(
                tenant=tenant,
                account_id=account_id,
                account=parent,
                records=records,
                sources={s.id: s for s in evidence_sources},
                as_of=as_of,
                field_map=field_map or CrmFieldMap(),
            )
            retriever = HybridRetriever(store, tenant, account_id)
            if engine == "openai" and chat_model is None:
                raise DraftFailed("the openai engine is not configured: set PLANWRIGHT_OPENAI_API_KEY or _BASE_URL")
            result = run_draft(
                DraftKind(kind), evidence, plan, retriever, engine=engine, chat_model=chat_model, llm=llm,
                memory=memory,
            )  # fmt: skip
    except Exception as exc:  # a failed draft is recorded for the reviewer, never lost
        if isinstance(exc, DraftFailed):
            log.warning("draft %s failed: %s", draft_id, exc.reason)
            return fail_claimed(sessions, draft_id, claimer, exc.reason, exc.usage.model_dump(mode="json"))
        log.exception("draft %s failed", draft_id)
        return fail_claimed(sessions, draft_id, claimer, f"{type(exc).__name__}: {exc}")

    with transaction(sessions) as session:
        if not release_claim(session, draft_id, claimer):
            log.warning(NOT_OURS, draft_id, "its result")
            return False
        draft = session.get(DraftRow, draft_id)
        assert draft is not None
        _store_result(draft, result, as_of, plan.version)
        if draft.status == "pending_review":
            supersede_older(session, draft)
        if draft.status == "pending_review":
            webhooks.draft_ready(session, draft)
    return True


def _store_result(draft: DraftRow, result: DraftResult, as_of: date, plan_version: int) -> None:
    seen: set[str] = set()
    for position, checked in enumerate(result.changes):
        change = checked.change
        if change.id in seen:
            continue
        seen.add(change.id)
        draft.changes.append(
            DraftChangeRow(
                id=change.id,
                position=position,
                change=change.model_dump(mode="json"),
                issues=[issue.model_dump(mode="json") for issue in checked.issues],
                conflicts=[conflict.model_dump(mode="json") for conflict in checked.conflicts],
                confidence=change.confidence,
            )
        )
    draft.usage = result.usage.model_dump(mode="json")
    draft.prompt_version = result.prompt_version
    draft.retrieved_source_ids = list(result.retrieved_source_ids)
    draft.warnings = list(result.warnings)
    draft.engine = result.engine
    draft.as_of = as_of
    draft.base_plan_version = plan_version
    draft.status = "pending_review" if draft.changes else "decided"
    draft.updated_at = utcnow()


def decision_memory(session: Session, tenant: str, account_id: str) -> DecisionMemory:
    """What a new draft of the account must remember: every decision on its earlier drafts, and when each source
    got its current content (agents/decisions.py says what they make a draft do)."""
    decisions = []
    for decision, row in repository.account_decisions(session, tenant, account_id):
        change = Change.model_validate(row.change)
        after = PAYLOAD_MODEL[change.kind].model_validate(decision.after) if decision.after is not None else None
        decisions.append(
            PriorDecision(
                change=change,
                action=decision.action,  # type: ignore[arg-type]
                actor=decision.actor,
                decided_at=decision.created_at,
                comment=decision.comment,
                after=after,
            )
        )
    return DecisionMemory(decisions, sources.imported_times(session, tenant, account_id))


def supersede_older(session: Session, draft: DraftRow) -> None:
    """Only the newest pending draft of a kind stays in the queue; older ones are superseded, and what a reviewer
    left on their undecided changes (a saved edit, a kept choice and its comment) moves to the same change of the
    newer draft (same id: the same proposal), which the older one then names as `superseded_by`."""
    rivals = session.scalars(
        select(DraftRow).where(
            DraftRow.tenant == draft.tenant,
            DraftRow.account_id == draft.account_id,
            DraftRow.kind == draft.kind,
            DraftRow.status == "pending_review",
            DraftRow.id != draft.id,
        )
    )
    for rival in rivals:
        older, newer = (rival, draft) if rival.id < draft.id else (draft, rival)
        older.status, older.updated_at, older.superseded_by = "superseded", utcnow(), newer.id
        carry_over(older, newer)


def carry_over(older: DraftRow, newer: DraftRow, choices: dict[str, DecisionIn] | None = None, actor: str = "") -> int:
    """Move undecided work from `older` to the same changes of `newer`: saved edits and kept choices, and the
    reviewer's `choices` (by change id) when given. A change the newer draft proposes differently gets nothing:
    the reviewer never saw it. Returns how many changes got something."""
    rows = {row.id: row for row in newer.changes if row.decision is None}
    carried = 0
    for old in older.changes:
        row = rows.get(old.id)
        choice = (choices or {}).get(old.id)
        if row is None or old.decision is not None:
            continue
        moved = False
        if old.edited_after is not None and row.edited_after is None:
            row.edited_after, row.edited_by, row.edited_at = old.edited_after, old.edited_by, old.edited_at
            moved = True
        if choice is not None:
            row.choice, row.choice_comment, row.chosen_by = choice.action, choice.comment, actor
            if choice.action == "edit" and choice.after is not None:
                row.choice = "accept"
                row.edited_after, row.edited_by, row.edited_at = choice.after, actor, utcnow()
            moved = True
        elif old.choice is not None and row.choice is None:
            row.choice, row.choice_comment, row.chosen_by = old.choice, old.choice_comment, old.chosen_by
            moved = True
        if moved:
            row.carried_from = older.id
            carried += 1
    return carried


def get_draft(session: Session, tenant: str, draft_id: str) -> DraftRow:
    draft = session.scalar(select(DraftRow).where(DraftRow.tenant == tenant, DraftRow.id == draft_id))
    if draft is None:
        raise not_found("Draft", draft_id)
    return draft


def decide(
    session: Session,
    tenant: str,
    actor: str,
    draft_id: str,
    version: int,
    decisions: list[DecisionIn],
    user_id: str | None = None,
) -> DraftRow:
    """Record decisions on a draft's changes and apply accepted and edited ones as a new plan version.

    `actor` is who decided as the audit log names them; `user_id` their reviewer account, if they have one."""
    # Locks in one order, account then draft, and FOR NO KEY UPDATE, which a row's foreign-key readers
    # (a new draft, change or decision pointing at it) do not wait for: no deadlock with drafts settling.
    draft = get_draft(session, tenant, draft_id)
    account = session.get(Account, draft.account_id, with_for_update={"key_share": True})
    assert account is not None
    _check_open(draft, version)
    if not repository.claim_version(session, tenant, draft.id, version):
        session.refresh(draft)  # someone decided between our read and our write: say what it is now
        _check_open(draft, version)
    session.refresh(draft)
    _check_open(draft, version + 1)
    rows = {row.id: row for row in draft.changes}
    to_apply: list[Change] = []
    seen: set[str] = set()
    for decision in decisions:
        row = rows.get(decision.change_id)
        if row is None:
            raise Problem(422, "Unknown change", f"Draft {draft_id} has no change {decision.change_id!r}.")
        if decision.change_id in seen or row.decision is not None:
            raise Problem(409, "Change already decided", f"Change {decision.change_id} is already decided.")
        seen.add(decision.change_id)
        change = Change.model_validate(row.change)
        if decision.action == "accept":
            if row.issues:
                raise Problem(
                    422,
                    "Change failed verification",
                    f"Change {row.id} did not verify ({row.issues[0]['message']}); edit it or reject it.",
                )
            to_apply.append(change)
        elif decision.action == "edit":
            to_apply.append(_edited(change, decision.after))

    # Drafts of one account are decided one at a time (the account lock above): the plan version read
    # here is the one we extend.
    plan = plan_store.latest(session, account.id)
    try:
        new_plan = apply_changes(plan, to_apply)
    except ConflictError as exc:
        raise Problem(409, "Change conflicts with the plan", str(exc)) from exc
    except InvalidChangeError as exc:
        raise Problem(422, "Change cannot be applied", str(exc)) from exc
    session.info[PLAN_CHANGE] = (plan.version, new_plan.version)  # a bulk decision keeps them to undo it
    if new_plan.version != plan.version:
        plan_store.save(session, account.id, new_plan, actor, draft.id)
        account.plan_version = new_plan.version
        account.updated_at = utcnow()
        webhooks.plan_updated(
            session,
            draft,
            new_plan.version,
            plan.version,
            accepted_change_ids=[c.id for c in to_apply],
            edited_change_ids=[d.change_id for d in decisions if d.action == "edit"],
            actor=actor,
        )

    edited = {c.id: c for c in to_apply}
    for decision in decisions:
        row = rows[decision.change_id]
        after = edited[row.id].after if decision.action == "edit" else None
        row.decision = decision.action
        row.decided_after = after.model_dump(mode="json") if after is not None else None
        row.choice = row.choice_comment = row.chosen_by = None  # a kept choice is spent once the change is decided
        row.choice_saved_at = None
        session.add(
            DecisionRow(
                tenant=tenant,
                account_id=account.id,
                draft_id=draft.id,
                change_id=row.id,
                action=decision.action,
                after=row.decided_after,
                comment=decision.comment,
                actor=actor,
                user_id=user_id,
                plan_version=new_plan.version,
            )
        )
    if all(row.decision is not None for row in draft.changes):
        draft.status = "decided"
    session.flush()
    return draft


@dataclass(frozen=True)
class Overlap:
    """A change someone else decided (or edited) after the reviewer loaded the draft: what they did, who, when."""

    change_id: str
    action: str  # accept, reject, edit; or "edited" for an edit saved but not decided
    actor: str
    at: datetime | None
    comment: str | None
    yours: DecisionIn


@dataclass(frozen=True)
class Outcome:
    """What became of a reviewer's decisions sent on a stale version: applied, and overlapping (not applied)."""

    draft: DraftRow
    applied: list[DecisionIn]
    overlap: list[Overlap]


def decide_undecided(
    session: Session,
    tenant: str,
    actor: str,
    draft_id: str,
    decisions: list[DecisionIn],
    user_id: str | None = None,
    seen_edits: dict[str, str] | None = None,
) -> Outcome:
    """Apply the decisions on changes nobody decided since the reviewer loaded the draft, at its current version;
    the others are the overlap, returned with who decided them and how. With `seen_edits` (change id → the
    `edit_marker` the reviewer's page showed), a change whose saved edit changed since is overlap too: accepting it
    would apply an edit the reviewer never saw. Without it, an accept of a change holding a saved edit is overlap.
    The reviewer's choice and comment on each overlapping change are kept on it (`choice`, `chosen_by`), so the page
    can show them beside what the other reviewer did: nothing they wrote is lost."""
    draft = get_draft(session, tenant, draft_id)
    _check_open(draft, draft.version)
    rows = {row.id: row for row in draft.changes}
    decided = repository.decisions_of(session, tenant, draft_id)
    applied: list[DecisionIn] = []
    overlap: list[Overlap] = []
    for decision in decisions:
        row = rows.get(decision.change_id)
        if row is None:
            raise Problem(422, "Unknown change", f"Draft {draft_id} has no change {decision.change_id!r}.")
        if row.decision is not None:
            by = decided.get(row.id)
            overlap.append(
                Overlap(
                    row.id, row.decision, by.actor if by else "someone", by.created_at if by else None,
                    by.comment if by else None, decision,
                )  # fmt: skip
            )
            continue
        changed = edit_marker(row) != seen_edits.get(row.id, "") if seen_edits is not None else True
        if changed and decision.action != "edit" and row.edited_after is not None:
            overlap.append(Overlap(row.id, "edited", row.edited_by or "someone", row.edited_at, None, decision))
            continue
        applied.append(decision)
    if applied:
        draft = decide(session, tenant, actor, draft_id, draft.version, applied, user_id)
    for kept in overlap:
        row = rows[kept.change_id]
        row.choice = "reject" if kept.yours.action == "reject" else "accept"
        row.choice_comment, row.chosen_by, row.carried_from = kept.yours.comment, actor, None
        row.choice_saved_at = None  # kept from the overlap, so the page says why it was not applied
    session.flush()
    return Outcome(draft, applied, overlap)


def edit_marker(row: DraftChangeRow) -> str:
    """What a page showed of a change's saved edit, to tell later whether it changed since: '' for none."""
    return f"{row.edited_by}@{row.edited_at.isoformat()}" if row.edited_after is not None and row.edited_at else ""


@dataclass(frozen=True)
class Carried:
    """Choices sent to a superseded draft, kept on its successor: how many were carried, and which were not."""

    successor: DraftRow
    carried: int
    not_carried: list[str]  # change ids the successor does not propose the same way


def successor_of(session: Session, tenant: str, draft: DraftRow) -> DraftRow | None:
    """The open draft that replaced `draft`, following the chain of drafts superseded since."""
    seen = {draft.id}
    while draft.superseded_by and draft.superseded_by not in seen:
        draft = get_draft(session, tenant, draft.superseded_by)
        seen.add(draft.id)
    return draft if draft.status == "pending_review" and len(seen) > 1 else None


def carry_choices(session: Session, tenant: str, actor: str, draft_id: str, decisions: list[DecisionIn]) -> Carried:
    """Keep a reviewer's choices on a draft superseded while they worked as undecided choices (with their comments)
    on the same changes of its successor, which shows them pre-selected; 409 when no open successor exists."""
    draft = get_draft(session, tenant, draft_id)
    successor = successor_of(session, tenant, draft)
    if successor is None:
        raise Problem(409, "Draft is not open for review", f"Draft {draft.id} is {draft.status}.")
    choices = {d.change_id: d for d in decisions}
    carried = carry_over(draft, successor, choices, actor)
    proposed = {row.id for row in successor.changes if row.decision is None}
    session.flush()
    return Carried(successor, carried, [c for c in choices if c not in proposed])


def save_edit(
    session: Session,
    tenant: str,
    actor: str,
    draft_id: str,
    change_id: str,
    version: int,
    after: dict[str, Any] | None,
) -> DraftRow:
    """Keep a reviewer's edit of an undecided change until it is decided (None, or the drafted value, discards
    it); accepting the change then applies the edit. The draft moves to its next version, so a form that still
    shows the drafted value is stale and gets 409 instead of accepting what its reviewer never saw."""
    draft = get_draft(session, tenant, draft_id)
    _check_open(draft, version)
    row = next((r for r in draft.changes if r.id == change_id), None)
    if row is None:
        raise not_found("Change", change_id)
    if row.decision is not None:
        raise Problem(409, "Change already decided", f"Change {change_id} is already decided.")
    change = Change.model_validate(row.change)
    edited = _edited(change, after).after if after is not None else None
    if edited is not None and target_of(edited) != change.target:
        raise Problem(422, "Edit moves the change", f"An edit of change {change_id} keeps its target {change.target}.")
    if not repository.claim_version(session, tenant, draft.id, version):
        session.refresh(draft)
        _check_open(draft, version)
    session.refresh(draft)
    if edited is None or edited == change.after:
        row.edited_after, row.edited_by, row.edited_at = None, None, None
    else:
        row.edited_after, row.edited_by, row.edited_at = edited.model_dump(mode="json"), actor, utcnow()
    session.flush()
    return draft


def accepting(row: DraftChangeRow, comment: str | None = None) -> DecisionIn:
    """The decision that accepts a change as the reviewer sees it: with their saved edit, if they made one."""
    if row.edited_after is not None:
        return DecisionIn(change_id=row.id, action="edit", after=row.edited_after, comment=comment)
    return DecisionIn(change_id=row.id, action="accept", comment=comment)


def _check_open(draft: DraftRow, version: int) -> None:
    if draft.status != "pending_review":
        more = {"superseded_by": draft.superseded_by} if draft.superseded_by else {}
        raise Problem(409, "Draft is not open for review", f"Draft {draft.id} is {draft.status}.", **more)
    if version != draft.version:
        raise Problem(
            409,
            "Stale draft version",
            f"You decided on version {version}; the draft is at version {draft.version}. Reload it.",
            current_version=draft.version,
        )


def _edited(change: Change, after: dict[str, Any] | None) -> Change:
    if after is None:
        raise Problem(422, "Edit needs a payload", f"Give `after` to edit change {change.id}.")
    model = PAYLOAD_MODEL[change.kind]
    try:
        payload = model.model_validate(after)
    except ValidationError as exc:
        raise Problem(
            422,
            "Edited payload is invalid",
            f"`after` is not a valid {model.__name__}.",
            errors=[{"loc": list(e["loc"]), "msg": e["msg"]} for e in exc.errors()],
        ) from exc
    return change.model_copy(update={"after": payload})


def account_or_404(session: Session, tenant: str, account_id: str) -> Account:
    account = accounts.get(session, tenant, account_id)
    if account is None:
        raise not_found("Account", account_id)
    return account
