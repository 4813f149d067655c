"""Small builders for plan objects with sensible defaults, so a test names only what it cares about."""

from __future__ import annotations

from datetime import date
from typing import Any

from plans.models import (
    QBR_TARGET,
    AccountPlan,
    Change,
    Citation,
    Claim,
    QbrBrief,
    Risk,
    Stakeholder,
    WhitespaceCell,
    stakeholder_target,
    whitespace_target,
)
from plans.vocabulary import BuyingRole, CellStatus, ChangeKind, Severity, Stance, Strength


def make_stakeholder(**overrides: Any) -> Stakeholder:
    fields: dict[str, Any] = {
        "key": "003A000001JWu",
        "name": "Jennifer Wu",
        "title": "CTO",
        "department": "Engineering",
        "reports_to": "Marcus Okafor",
        "last_contact": date(2026, 2, 11),
        "email": "jennifer.wu@globex.example",
        "buying_role": BuyingRole.economic_buyer,
        "stance": Stance.supporter,
        "strength": Strength.strong,
    }
    return Stakeholder(**(fields | overrides))


def make_cell(**overrides: Any) -> WhitespaceCell:
    fields: dict[str, Any] = {
        "product": "Advanced Analytics",
        "unit": "Payments",
        "status": CellStatus.pipeline,
        "estimated_value": 120_000.0,
    }
    return WhitespaceCell(**(fields | overrides))


def cite(
    source_id: str = "call-2026-02-11", quote: str = "we are planning to renew in June", locator: str = "00:12:31"
) -> Citation:
    return Citation(source_id=source_id, quote=quote, locator=locator)


def make_brief(**overrides: Any) -> QbrBrief:
    fields: dict[str, Any] = {
        "as_of": date(2026, 3, 31),
        "summary": (Claim(text="Renewal is on track for June.", citations=(cite(),)),),
        "risks": (
            Risk(
                text="The fraud team is trialling Databricks.",
                citations=(cite("note-exec-sync", "the fraud team is trialling Databricks", "line 4"),),
                severity=Severity.high,
                mitigation="Offer a fraud-analytics workshop before the trial ends.",
            ),
        ),
    }
    return QbrBrief(**(fields | overrides))


def make_plan(**overrides: Any) -> AccountPlan:
    fields: dict[str, Any] = {
        "version": 3,
        "stakeholders": (make_stakeholder(),),
        "whitespace": (make_cell(),),
        "qbr_brief": make_brief(),
    }
    return AccountPlan(**(fields | overrides))


def target_of(payload: Stakeholder | WhitespaceCell | QbrBrief) -> str:
    if isinstance(payload, Stakeholder):
        return stakeholder_target(payload.key)
    if isinstance(payload, WhitespaceCell):
        return whitespace_target(payload.product, payload.unit)
    return QBR_TARGET


def make_change(
    kind: ChangeKind,
    after: Stakeholder | WhitespaceCell | QbrBrief,
    before: Stakeholder | WhitespaceCell | QbrBrief | None = None,
    **overrides: Any,
) -> Change:
    """A change aimed at where its `after` belongs, unless `target` is overridden."""
    fields: dict[str, Any] = {"id": "chg-test", "kind": kind, "target": target_of(after), "before": before}
    return Change(**(fields | {"after": after} | overrides))
