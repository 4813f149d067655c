"""The account plan and the changes proposed to it. Pure data, no I/O."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from plans.vocabulary import (
    BuyingRole,
    CellStatus,
    ChangeKind,
    Severity,
    StakeholderStatus,
    Stance,
    Strength,
)


class Citation(BaseModel):
    """A pointer to the evidence a change rests on; `quote` is verbatim in the source's text."""

    model_config = ConfigDict(frozen=True)

    source_id: str
    quote: str
    locator: str = ""


def person_key(name: str) -> str:
    """A stable key for a person known only by name: lower-case ASCII words joined by '-'."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "person:" + "-".join(re.findall(r"[a-z0-9]+", ascii_name.lower()))


class Stakeholder(BaseModel):
    """One person in the buying organization. `key` is the Contact Id, or a person_key()."""

    model_config = ConfigDict(frozen=True)

    key: str
    name: str
    title: str | None = None
    department: str | None = None
    reports_to: str | None = None
    last_contact: date | None = None
    email: str | None = None
    buying_role: BuyingRole = BuyingRole.unknown
    stance: Stance = Stance.unknown
    strength: Strength = Strength.none
    status: StakeholderStatus = StakeholderStatus.active


class WhitespaceCell(BaseModel):
    """One product × unit cell of the whitespace matrix."""

    model_config = ConfigDict(frozen=True)

    product: str
    unit: str
    status: CellStatus
    estimated_value: float | None = None
    competitor: str | None = None
    note: str | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.product, self.unit)


class Claim(BaseModel):
    model_config = ConfigDict(frozen=True)

    text: str
    citations: tuple[Citation, ...] = ()


class Risk(Claim):
    severity: Severity
    mitigation: str


QBR_SECTION_NAMES: tuple[str, ...] = (
    "summary",
    "value_delivered",
    "relationship_changes",
    "pipeline_and_whitespace",
    "risks",
    "asks_and_next_steps",
)


class QbrBrief(BaseModel):
    """The quarterly business review brief: six sections of cited claims."""

    model_config = ConfigDict(frozen=True)

    as_of: date | None = None
    summary: tuple[Claim, ...] = ()
    value_delivered: tuple[Claim, ...] = ()
    relationship_changes: tuple[Claim, ...] = ()
    pipeline_and_whitespace: tuple[Claim, ...] = ()
    risks: tuple[Risk, ...] = ()
    asks_and_next_steps: tuple[Claim, ...] = ()

    def claims(self) -> list[Claim]:
        """Every claim of the brief, section by section in QBR_SECTION_NAMES order."""
        return [claim for name in QBR_SECTION_NAMES for claim in getattr(self, name)]


class AccountPlan(BaseModel):
    """The accepted plan of one account at one version."""

    model_config = ConfigDict(frozen=True)

    version: int = 1
    stakeholders: tuple[Stakeholder, ...] = ()
    whitespace: tuple[WhitespaceCell, ...] = ()
    qbr_brief: QbrBrief | None = None

    def stakeholder(self, key: str) -> Stakeholder | None:
        return next((s for s in self.stakeholders if s.key == key), None)

    def cell(self, product: str, unit: str) -> WhitespaceCell | None:
        return next((c for c in self.whitespace if c.key == (product, unit)), None)


Payload = Stakeholder | WhitespaceCell | QbrBrief

PAYLOAD_MODEL: dict[ChangeKind, type[BaseModel]] = {
    ChangeKind.add_stakeholder: Stakeholder,
    ChangeKind.update_stakeholder: Stakeholder,
    ChangeKind.mark_departed: Stakeholder,
    ChangeKind.set_whitespace_cell: WhitespaceCell,
    ChangeKind.replace_qbr_brief: QbrBrief,
}


def stakeholder_target(key: str) -> str:
    return f"stakeholder:{key}"


def whitespace_target(product: str, unit: str) -> str:
    return f"whitespace:{product}|{unit}"


QBR_TARGET = "qbr_brief"


def target_of(payload: Payload) -> str:
    """The plan location a payload belongs at: a stakeholder's key, a cell's product × unit, or the brief."""
    if isinstance(payload, Stakeholder):
        return stakeholder_target(payload.key)
    if isinstance(payload, WhitespaceCell):
        return whitespace_target(payload.product, payload.unit)
    return QBR_TARGET


class Change(BaseModel):
    """One proposed edit to a plan, with the evidence it rests on."""

    model_config = ConfigDict(frozen=True)

    id: str
    kind: ChangeKind
    target: str
    before: Payload | None = None
    after: Payload | None = None
    rationale: str = ""
    citations: tuple[Citation, ...] = ()
    confidence: float = Field(default=1.0, ge=0.0, le=1.0)

    @model_validator(mode="before")
    @classmethod
    def _typed_payloads(cls, data: Any) -> Any:
        """Validate before/after as the model the kind implies, so a dict never lands as the wrong type."""
        if not isinstance(data, dict) or "kind" not in data:
            return data
        model = PAYLOAD_MODEL[ChangeKind(data["kind"])]
        data = dict(data)
        for side in ("before", "after"):
            value = data.get(side)
            if value is not None and not isinstance(value, model):
                data[side] = model.model_validate(value.model_dump() if isinstance(value, BaseModel) else value)
        return data
