"""Turning draft rows into their public shapes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row
from sqlalchemy.orm import Session

from app.drafts import repository
from app.drafts.models import DraftChangeRow, DraftRow
from app.drafts.repository import DraftDetail
from app.drafts.schemas import ChangePublic, DraftPage, DraftPublic, DraftSummary, UsagePublic
from app.pagination import encode_cursor


def change_public(row: DraftChangeRow | Row[Any]) -> ChangePublic:
    change = row.change
    return ChangePublic(
        id=row.id,
        kind=change["kind"],
        target=change["target"],
        before=change.get("before"),
        after=change.get("after"),
        rationale=change.get("rationale", ""),
        citations=change.get("citations", []),
        confidence=change.get("confidence", 1.0),
        verified=not row.issues,
        issues=row.issues,
        decision=row.decision,
        decided_after=row.decided_after,
        conflicts=row.conflicts or [],
        choice=row.choice,
        choice_comment=row.choice_comment,
        chosen_by=row.chosen_by,
        carried_from=row.carried_from,
    )


def draft_public(draft: DraftRow | DraftDetail) -> DraftPublic:
    return DraftPublic(
        id=draft.id,
        account_id=draft.account_id,
        kind=draft.kind,
        status=draft.status,
        version=draft.version,
        engine=draft.engine,
        as_of=draft.as_of,
        base_plan_version=draft.base_plan_version,
        usage=UsagePublic.model_validate(draft.usage or {}),
        prompt_version=draft.prompt_version,
        retrieved_source_ids=draft.retrieved_source_ids or [],
        warnings=draft.warnings or [],
        error=draft.error,
        created_at=draft.created_at,
        updated_at=draft.updated_at,
        superseded_by=draft.superseded_by,
        changes=[change_public(row) for row in draft.changes],
    )


def draft_summaries(session: Session, rows: list[DraftRow]) -> list[DraftSummary]:
    """The queue's lines: each draft with its change counts, counted in one query."""
    counts = repository.change_counts(session, [row.id for row in rows])
    return [draft_summary(row, *counts.get(row.id, (0, 0))) for row in rows]


def draft_summary(draft: DraftRow, change_count: int, undecided_count: int) -> DraftSummary:
    return DraftSummary(
        id=draft.id,
        account_id=draft.account_id,
        kind=draft.kind,
        status=draft.status,
        version=draft.version,
        engine=draft.engine,
        change_count=change_count,
        undecided_count=undecided_count,
        created_at=draft.created_at,
    )


def summary_page(rows: list[Row[Any]], limit: int) -> DraftPage:
    """A queue page from `repository.summaries` rows (fetched with one more than `limit`, to tell if more follow)."""
    fields = rows[0]._fields if rows else ()
    return DraftPage.model_validate({
        "items": [dict(zip(fields, row, strict=True)) for row in rows[:limit]],  # plain dicts: read in pydantic's Rust
        "next_cursor": encode_cursor(rows[limit - 1].id) if len(rows) > limit else None,
    })  # fmt: skip
