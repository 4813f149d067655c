"""A reviewer's choices saved as they make them: accept or reject, and a comment, kept on the undecided change
(`DraftChangeRow.choice`) until the draft's decisions are submitted. Saving one decides nothing and leaves the
draft's version alone, so nobody else's open page goes stale."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session, sessionmaker

from app.db import utcnow
from app.drafts.models import DraftChangeRow, DraftRow
from app.drafts.service import get_draft
from app.problems import Problem

MAX_COMMENT = 4000


@dataclass(frozen=True)
class SavedChoice:
    change_id: str
    choice: str | None
    comment: str | None
    chosen_by: str
    saved_at: datetime


def save_choice(
    session: Session, tenant: str, actor: str, draft_id: str, change_id: str, choice: str | None, comment: str | None
) -> SavedChoice:
    """Keep `choice` (accept, reject, or None for none yet) and `comment` on an undecided change of an open draft."""
    if choice not in (None, "accept", "reject"):
        raise Problem(422, "Invalid choice", "`choice` must be accept, reject, or empty.")
    comment = (comment or "").strip() or None
    if comment is not None and len(comment) > MAX_COMMENT:
        raise Problem(422, "Comment too long", f"A comment holds at most {MAX_COMMENT} characters.")
    draft = get_draft(session, tenant, draft_id)
    row = next((r for r in draft.changes if r.id == change_id), None)
    if row is None:
        raise Problem(404, "Change not found", f"Draft {draft_id} has no change {change_id!r}.")
    if choice == "accept" and row.issues and row.edited_after is None:
        raise Problem(422, "Change failed verification", f"Change {change_id} did not verify: reject or edit it.")
    now = utcnow()
    # One conditional UPDATE: the change must still be undecided and its draft open when the write lands.
    open_draft = select(DraftRow.id).where(
        DraftRow.tenant == tenant, DraftRow.id == draft_id, DraftRow.status == "pending_review"
    )
    saved = session.execute(
        update(DraftChangeRow)
        .where(
            DraftChangeRow.draft_id.in_(open_draft),
            DraftChangeRow.id == change_id,
            DraftChangeRow.decision.is_(None),
        )
        .values(choice=choice, choice_comment=comment, chosen_by=actor, choice_saved_at=now, carried_from=None)
        .execution_options(synchronize_session=False)
    )
    assert isinstance(saved, CursorResult)
    if saved.rowcount != 1:
        session.refresh(draft)
        session.refresh(row)
        if draft.status != "pending_review":
            more = {"superseded_by": draft.superseded_by} if draft.superseded_by else {}
            raise Problem(409, "Draft is not open for review", f"Draft {draft.id} is {draft.status}.", **more)
        raise Problem(409, "Change already decided", f"Change {change_id} was decided ({row.decision}) meanwhile.")
    return SavedChoice(change_id, choice, comment, actor, now)


def keep_choices(
    sessions: sessionmaker[Session],
    tenant: str,
    actor: str,
    draft_id: str,
    chosen: dict[str, tuple[str | None, str | None]],
) -> int:
    """Save what a page without JavaScript sent (change id → its action and comment), each in its own transaction;
    a change decided meanwhile, or one that cannot be accepted, is skipped. Returns how many were saved."""
    saved = 0
    for change_id, (choice, comment) in chosen.items():
        if choice is None and comment is None:
            continue
        try:
            with sessions() as session, session.begin():
                save_choice(session, tenant, actor, draft_id, change_id, choice, comment)
            saved += 1
        except Problem:
            continue
    return saved
