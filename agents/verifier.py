"""Checks every drafted change against the account's evidence before a SAM sees it.

The verifier is code, not a model: cited sources must exist in this account, quotes must
be verbatim, named people must appear in the evidence, and enumerated fields must hold
vocabulary values. A failing change is kept with its issues so the reviewer sees why.
"""

from __future__ import annotations

import re
from enum import StrEnum

from pydantic import BaseModel, ValidationError

from agents.context import AccountEvidence
from agents.reading import looks_like_instruction
from agents.results import CheckedChange, VerificationIssue
from plans.models import (
    PAYLOAD_MODEL,
    QBR_TARGET,
    Change,
    Citation,
    QbrBrief,
    Stakeholder,
    WhitespaceCell,
    stakeholder_target,
    whitespace_target,
)
from plans.names import is_mentioned, same_person

_WS = re.compile(r"\s+")


def collapse_whitespace(text: str) -> str:
    return _WS.sub(" ", text).strip()


def is_verbatim(quote: str, text: str) -> bool:
    """Whether `quote` occurs in `text` exactly, up to runs of whitespace."""
    quote = collapse_whitespace(quote)
    return bool(quote) and quote in collapse_whitespace(text)


def verify(changes: list[Change], evidence: AccountEvidence) -> list[CheckedChange]:
    """Each change with the issues found in it, in the order given; nothing is dropped."""
    known_names = list(evidence.contact_names().values())
    return [
        CheckedChange(change=change, issues=_issues(change, evidence, known_names))
        for change in changes
    ]


def _issues(change: Change, evidence: AccountEvidence, known_names: list[str]) -> list[VerificationIssue]:
    issues: list[VerificationIssue] = []
    if not change.citations:
        issues.append(VerificationIssue(code="no_citation", message="The change cites no evidence."))
    for citation in change.citations:
        issues.extend(check_citation(citation, evidence))
    issues.extend(check_instruction_citations(change))
    for payload in (change.before, change.after):
        if payload is not None:
            issues.extend(check_payload(change, payload))
    if change.after is not None:
        issues.extend(check_target(change, change.after))
        issues.extend(check_people(change.after, evidence, known_names))
        issues.extend(check_claims(change.after, evidence))
    return issues


def check_claims(after: BaseModel, evidence: AccountEvidence) -> list[VerificationIssue]:
    """Every claim of a QBR brief cites evidence, and each of its citations holds like a change's own."""
    if not isinstance(after, QbrBrief):
        return []
    issues: list[VerificationIssue] = []
    for section in type(after).model_fields:
        claims = getattr(after, section)
        if not isinstance(claims, tuple):
            continue
        for claim in claims:
            if not claim.citations:
                issues.append(
                    VerificationIssue(
                        code="no_citation",
                        message=f"{section} claim {_short(claim.text)!r} cites no evidence.",
                    )
                )
            for citation in claim.citations:
                issues.extend(check_citation(citation, evidence))
    return issues


def check_citation(citation: Citation, evidence: AccountEvidence) -> list[VerificationIssue]:
    """The cited source belongs to this account and holds the quote verbatim."""
    source = evidence.sources.get(citation.source_id)
    if source is None:
        return [
            VerificationIssue(
                code="unknown_source",
                message=f"Cited source {citation.source_id!r} is not evidence of this account.",
            )
        ]
    owner_tenant = source.metadata.get("tenant")
    owner_account = source.metadata.get("account_id")
    if (owner_tenant and owner_tenant != evidence.tenant) or (
        owner_account and owner_account != evidence.account_id
    ):
        return [
            VerificationIssue(
                code="foreign_source",
                message=f"Cited source {citation.source_id!r} belongs to another tenant or account.",
            )
        ]
    if not is_verbatim(citation.quote, source.text):
        return [
            VerificationIssue(
                code="quote_not_verbatim",
                message=f"Quote {_short(citation.quote)!r} is not in source {citation.source_id!r}.",
            )
        ]
    return []


def check_instruction_citations(change: Change) -> list[VerificationIssue]:
    """A change resting only on text that addresses the drafting system was obeyed, not evidenced."""
    if not change.citations or not all(looks_like_instruction(c.quote) for c in change.citations):
        return []
    return [
        VerificationIssue(
            code="instruction_as_evidence",
            message="Every citation quotes an instruction to the drafting system, not a fact about the account.",
        )
    ]


def check_payload(change: Change, payload: BaseModel) -> list[VerificationIssue]:
    """The payload is valid as the model its kind implies and its enumerated fields hold vocabulary values."""
    issues: list[VerificationIssue] = []
    model = PAYLOAD_MODEL[change.kind]
    if not isinstance(payload, model):
        issues.append(
            VerificationIssue(
                code="invalid_payload",
                message=f"A {change.kind.value} change must carry a {model.__name__}.",
            )
        )
    for name, field in type(payload).model_fields.items():
        enum = field.annotation
        if isinstance(enum, type) and issubclass(enum, StrEnum):
            value = getattr(payload, name)
            if value not in {member.value for member in enum}:
                issues.append(
                    VerificationIssue(
                        code="bad_vocabulary",
                        message=f"{name}={value!r} is not one of {', '.join(m.value for m in enum)}.",
                    )
                )
    if issues:
        return issues
    try:
        type(payload).model_validate(payload.model_dump())
    except ValidationError as exc:
        issues.append(VerificationIssue(code="invalid_payload", message=str(exc).splitlines()[0]))
    return issues


def check_target(change: Change, after: BaseModel) -> list[VerificationIssue]:
    """The target names the thing the payload describes."""
    if isinstance(after, Stakeholder):
        expected = stakeholder_target(after.key)
    elif isinstance(after, WhitespaceCell):
        expected = whitespace_target(after.product, after.unit)
    elif isinstance(after, QbrBrief):
        expected = QBR_TARGET
    else:
        return []
    if change.target == expected:
        return []
    return [
        VerificationIssue(
            code="target_mismatch",
            message=f"Target {change.target!r} does not match the payload, which belongs at {expected!r}.",
        )
    ]


def check_people(after: BaseModel, evidence: AccountEvidence, known_names: list[str]) -> list[VerificationIssue]:
    """Every person the payload names (name, reports_to) appears in the account's evidence."""
    if not isinstance(after, Stakeholder):
        return []
    issues = []
    for role, name in (("name", after.name), ("reports_to", after.reports_to)):
        if name and not person_in_evidence(name, evidence, known_names):
            issues.append(
                VerificationIssue(
                    code="unknown_person",
                    message=f"{role} {name!r} does not appear in this account's evidence.",
                )
            )
    return issues


def person_in_evidence(name: str, evidence: AccountEvidence, known_names: list[str]) -> bool:
    """Whether a CRM contact is this person, or some source text mentions them by full name."""
    if any(same_person(name, known) for known in known_names):
        return True
    return any(is_mentioned(text, name) for text in evidence.texts())


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
