"""The review page's edit form: a change's fields as form inputs, and a submitted form back into a payload.

The choices come from the payload models in `plans/` (their enum fields are the vocabulary), so the form
offers exactly what the API accepts, and the submitted payload is validated by the same models.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from types import UnionType
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from plans.definitions import define
from plans.models import AccountPlan, Change, Stakeholder, WhitespaceCell
from plans.render import FIELD_LABELS, format_value

# What a reviewer may change; the rest (a person's key, a cell's product and unit) is the change's target.
EDITABLE: dict[type[BaseModel], tuple[str, ...]] = {
    Stakeholder: (
        "name", "title", "department", "email", "reports_to", "buying_role", "stance", "strength", "status",
        "last_contact",
    ),
    WhitespaceCell: ("status", "estimated_value", "competitor", "note"),
}  # fmt: skip
FIXED: dict[type[BaseModel], tuple[str, ...]] = {Stakeholder: ("key",), WhitespaceCell: ("product", "unit")}
LONG_TEXT = {"note"}  # a textarea: Enter adds a line, it never submits the form
REPORTS_TO = "reports_to"


@dataclass
class FormField:
    """One input of the edit form, with what the reviewer typed and what is wrong with it."""

    name: str
    label: str
    control: str  # "select", "text", "email", "date", "number" or "textarea"
    value: str
    required: bool = False
    options: list[tuple[str, str, str]] = field(default_factory=list)  # (value, label, definition)
    definition: str = ""
    error: str | None = None


def payload_model(change: Change) -> type[BaseModel] | None:
    """The model of a change's payload when the UI can edit it (a person or a cell; not a QBR brief)."""
    payload = change.after or change.before
    if isinstance(payload, Stakeholder):
        return Stakeholder
    return WhitespaceCell if isinstance(payload, WhitespaceCell) else None


def _definition_key(model: type[BaseModel], name: str) -> str:
    return "cell" if model is WhitespaceCell and name == "status" else name


def _base_type(annotation: Any) -> tuple[Any, bool]:
    """A field's type without `None`, and whether it may be left empty."""
    if get_origin(annotation) in (Union, UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        return args[0], True
    return annotation, False


def people_of(plan: AccountPlan, changes: Iterable[Change]) -> list[str]:
    """The account's people, for the reports-to picker: the plan's stakeholders and the people the draft names."""
    names = {s.name for s in plan.stakeholders}
    for change in changes:
        names |= {p.name for p in (change.before, change.after) if isinstance(p, Stakeholder)}
    return sorted(names, key=str.casefold)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, float):
        return f"{value:g}" if abs(value) < 1e15 else f"{value:.0f}"
    return str(value)


def form_fields(
    model: type[BaseModel], values: Mapping[str, Any], people: list[str], errors: Mapping[str, str] | None = None
) -> list[FormField]:
    """The form's inputs for `values` (a payload, or what the reviewer typed), each with its error if any."""
    errors = errors or {}
    fields = []
    for name in EDITABLE[model]:
        kind, optional = _base_type(model.model_fields[name].annotation)
        key = _definition_key(model, name)
        value = _text(values.get(name))
        item = FormField(
            name=name,
            label=FIELD_LABELS.get(name, name),
            control="text",
            value=value,
            required=not optional,
            definition=define(key),
            error=errors.get(name),
        )
        if isinstance(kind, type) and issubclass(kind, Enum):
            item.control = "select"
            item.options = [(m.value, format_value(m), define(key, m)) for m in kind]
        elif name == REPORTS_TO:
            item.control = "select"
            self_name = str(values.get("name") or "")
            choices = [p for p in people if p != self_name]
            if value and value not in choices:  # what the draft says stays choosable, even if it names no stakeholder
                choices = sorted([*choices, value], key=str.casefold)
            item.options = [("", "— nobody —", ""), *((p, p, "") for p in choices)]
        elif kind is date:
            item.control = "date"
        elif kind is float:
            item.control = "number"
        elif name == "email":
            item.control = "email"
        elif name in LONG_TEXT:
            item.control = "textarea"
        fields.append(item)
    return fields


_FRIENDLY = {
    "enum": "choose one of the listed values",
    "date_from_datetime_parsing": "use a date like 2026-03-31",
    "date_parsing": "use a date like 2026-03-31",
    "float_parsing": "use a number, like 250000",
    "finite_number": "use a number, like 250000",
}


def parse_form(
    model: type[BaseModel], drafted: BaseModel, form: Mapping[str, Any], people: list[str]
) -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
    """(the edited payload as JSON, what was typed per field, errors per field); no errors means a valid payload."""
    typed = {name: str(form.get(name) or "").strip() for name in EDITABLE[model]}
    errors: dict[str, str] = {}
    payload = drafted.model_dump(mode="json")
    for name, text in typed.items():
        required = not _base_type(model.model_fields[name].annotation)[1]
        if required and not text:
            errors[name] = "required"
        payload[name] = text or None
    reports_to = typed.get(REPORTS_TO)
    if reports_to:
        if reports_to.casefold() == typed.get("name", "").casefold():
            errors[REPORTS_TO] = "a person cannot report to themselves"
        elif reports_to not in people and reports_to != _text(getattr(drafted, REPORTS_TO, None)):
            errors[REPORTS_TO] = "choose one of the account's people from the list"
    try:
        validated = model.model_validate(payload)
    except ValidationError as exc:
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else ""
            errors.setdefault(name, _FRIENDLY.get(error["type"], error["msg"]))
        return payload, typed, errors
    value = getattr(validated, "estimated_value", None)
    if value is not None and not (math.isfinite(value) and value >= 0):
        errors["estimated_value"] = "use a number of zero or more"
    return validated.model_dump(mode="json"), typed, errors
