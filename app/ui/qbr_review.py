"""The draft page's QBR brief, claim by claim: what the template shows of each claim (its diff against the plan's
brief, its citations, whether it is internal-only, the reviewer's choice) and the per-claim form read back.

The choices become the change's saved edit (app.drafts.service.save_edit), so the one `replace_qbr_brief` change is
accepted as edited like any other change, and its decision holds the brief the reviewer made.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session

from app.drafts.models import DraftChangeRow, DraftRow
from app.plans import repository as plan_store
from app.sources import repository as sources
from app.sources.models import SourceRow
from plans.brief_review import (
    Choice,
    ClaimDiff,
    ClaimEdits,
    Keep,
    Status,
    build_brief,
    choices_of,
    claim_edits,
    diff_briefs,
    word_diff,
)
from plans.models import PAYLOAD_MODEL, Change, Citation, QbrBrief, Risk
from plans.qbr_export import QbrDocument, document_markdown, internal_reason, qbr_document, scrub_ids
from plans.render import QBR_SECTIONS
from plans.vocabulary import ChangeKind, DraftKind, Severity

MAX_TEXT = 2000  # characters of a claim's wording or a risk's mitigation

STATUS_LABELS = {
    Status.new: "New",
    Status.changed: "Changed",
    Status.unchanged: "Unchanged",
    Status.removed: "Removed",
}

# The choices each kind of entry offers, as (value, label): what the draft proposes first.
OPTIONS: dict[Status, tuple[tuple[Keep, str], ...]] = {
    Status.new: ((Keep.keep, "Keep"), (Keep.drop, "Drop")),
    Status.unchanged: ((Keep.keep, "Keep"), (Keep.drop, "Drop")),
    Status.changed: ((Keep.keep, "Keep new wording"), (Keep.current, "Keep current wording"), (Keep.drop, "Drop")),
    Status.removed: ((Keep.drop, "Remove (as proposed)"), (Keep.keep, "Keep it")),
}


@dataclass(frozen=True)
class Cite:
    """A citation as the page shows it: no raw CRM Id in the quote, the locator or the source's title."""

    source_id: str
    quote: str  # as stored: the link highlights it in the source
    shown: str
    locator: str
    title: str
    date: str
    found: bool


@dataclass
class Entry:
    """One claim of the review, with the reviewer's choice and what is wrong with it."""

    diff: ClaimDiff
    choice: Choice
    internal: str | None
    cites: list[Cite]
    was: list[Cite]  # the current claim's citations, where they differ
    runs: list[tuple[str, str]]  # old → new wording, for a changed claim
    text: str  # the edit fields as the form shows them: what was typed, the saved edit's, or the drafted claim's
    severity: str
    mitigation: str
    error: str | None = None

    @property
    def key(self) -> str:
        return self.diff.key

    @property
    def risk(self) -> bool:
        return isinstance(self.diff.claim, Risk)

    @property
    def editable(self) -> bool:
        return self.diff.proposed is not None

    @property
    def options(self) -> tuple[tuple[Keep, str], ...]:
        return OPTIONS[self.diff.status]

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.diff.status]

    @property
    def shown_text(self) -> str:
        return scrub_ids(self.diff.claim.text)

    @property
    def current_text(self) -> str:
        return scrub_ids(self.diff.current.text) if self.diff.current else ""


@dataclass
class Section:
    name: str
    heading: str
    entries: list[Entry]

    @property
    def changed(self) -> list[Entry]:
        return [e for e in self.entries if e.diff.status is not Status.unchanged]

    @property
    def unchanged(self) -> list[Entry]:
        return [e for e in self.entries if e.diff.status is Status.unchanged]

    @property
    def unfold(self) -> bool:
        """Whether the unchanged claims open unfolded: one has an error, or the reviewer dropped or reworded one."""
        return any(
            e.error or e.choice.keep is not e.diff.default or e.text != e.diff.claim.text for e in self.unchanged
        )


@dataclass
class BriefReview:
    """The brief change's review: its sections, counts, the saved edit's effect, and the form's state."""

    change_id: str
    sections: list[Section]
    counts: dict[str, int]
    internal: int
    saved: ClaimEdits | None  # what the saved (or decided) choices did
    foreign_edit: bool  # a saved edit not made on this page (the API's): saving here replaces it
    decided: str | None
    errors: dict[str, str] = field(default_factory=dict)
    comment: str = ""


def is_brief(change: Change) -> bool:
    return change.kind is ChangeKind.replace_qbr_brief and isinstance(change.after, QbrBrief)


def _cite(citation: Citation, titles: Mapping[str, SourceRow]) -> Cite:
    row = titles.get(citation.source_id)
    return Cite(
        source_id=citation.source_id,
        quote=citation.quote,
        shown=scrub_ids(citation.quote),
        locator=scrub_ids(citation.locator) if citation.locator else "",
        title=scrub_ids(row.title) if row else "a source no longer on file",
        date=row.date.isoformat() if row and row.date else "",
        found=row is not None,
    )


def _brief(payload: dict[str, Any] | None) -> QbrBrief | None:
    return QbrBrief.model_validate(payload) if payload is not None else None


def parse_choices(
    diffs: Mapping[str, list[ClaimDiff]], form: Mapping[str, str]
) -> tuple[dict[str, Choice], dict[str, str]]:
    """(choice per claim key, error per claim key) from the per-claim form; no errors means every choice is valid."""
    choices: dict[str, Choice] = {}
    errors: dict[str, str] = {}
    for entries in diffs.values():
        for diff in entries:
            allowed = {value.value for value, _ in OPTIONS[diff.status]}
            keep = form.get(f"keep-{diff.key}", "")
            text = " ".join(form.get(f"text-{diff.key}", "").split())
            mitigation = " ".join(form.get(f"mitigation-{diff.key}", "").split())
            severity_text = form.get(f"severity-{diff.key}", "")
            if keep not in allowed:
                errors[diff.key] = "choose " + " or ".join(f"“{label}”" for _, label in OPTIONS[diff.status])
                choices[diff.key] = Choice(diff.default, text, None, mitigation)
                continue
            severity = None
            if severity_text:
                try:
                    severity = Severity(severity_text)
                except ValueError:
                    errors[diff.key] = f"severity must be one of {', '.join(s.value for s in Severity)}"
            choice = Choice(Keep(keep), text, severity, mitigation)
            choices[diff.key] = choice
            if diff.proposed is None or choice.keep is not Keep.keep:
                continue  # a dropped claim, or one kept in its current wording: nothing typed is used
            if not text:
                errors[diff.key] = "a kept claim needs its wording; choose “Drop” to leave it out"
            elif len(text) > MAX_TEXT or len(mitigation) > MAX_TEXT:
                errors[diff.key] = f"keep the wording and the mitigation under {MAX_TEXT} characters each"
            elif isinstance(diff.proposed, Risk) and severity is None:
                errors[diff.key] = f"choose a severity: {', '.join(s.value for s in Severity)}"
    return choices, errors


def edited_brief(change: Change, choices: Mapping[str, Choice]) -> QbrBrief:
    """The brief the choices make of the drafted one."""
    assert isinstance(change.after, QbrBrief)
    current = change.before if isinstance(change.before, QbrBrief) else None
    return build_brief(change.after, diff_briefs(current, change.after), choices)


def _default(diff: ClaimDiff) -> Choice:
    claim = diff.claim
    return Choice(
        diff.default,
        claim.text,
        claim.severity if isinstance(claim, Risk) else None,
        claim.mitigation if isinstance(claim, Risk) else "",
    )


def review(
    session: Session,
    tenant: str,
    change: Change,
    row: DraftChangeRow,
    people: Iterable[str],
    typed: Mapping[str, Choice] | None = None,
    errors: Mapping[str, str] | None = None,
) -> BriefReview:
    """The brief change as the page reviews it: with what the reviewer typed (a form sent back with errors), else
    the choices their saved edit (or the decision) made, else what the draft proposes."""
    assert isinstance(change.after, QbrBrief)
    current = change.before if isinstance(change.before, QbrBrief) else None
    diffs = diff_briefs(current, change.after)
    made = _brief(row.decided_after if row.decision == "edit" else row.edited_after if row.decision is None else None)
    saved = choices_of(diffs, made) if made is not None else None
    choices: Mapping[str, Choice] = typed or saved or {}
    cited = [c.source_id for entries in diffs.values() for d in entries for x in (d.proposed, d.current) if x
             for c in x.citations]  # fmt: skip
    titles = sources.titles(session, tenant, cited)
    names = [n for n in people if n.strip()]
    sections = []
    counts = {status.value: 0 for status in Status}
    internal = 0
    for name, heading in QBR_SECTIONS:
        entries = []
        for diff in diffs[name]:
            counts[diff.status.value] += 1
            reason = internal_reason(diff.claim, names)
            internal += reason is not None
            was = []
            if (
                diff.current is not None
                and diff.proposed is not None
                and diff.current.citations != diff.proposed.citations
            ):
                was = [_cite(c, titles) for c in diff.current.citations]
            runs = word_diff(scrub_ids(diff.current.text), scrub_ids(diff.proposed.text)) if (
                diff.status is Status.changed and diff.current is not None and diff.proposed is not None
            ) else []  # fmt: skip
            choice = choices.get(diff.key) or _default(diff)
            shown = choice if typed is not None or (choice.keep is Keep.keep and choice.text) else _default(diff)
            entries.append(
                Entry(
                    diff=diff,
                    choice=choice,
                    text=shown.text,
                    severity=shown.severity.value if shown.severity else "",
                    mitigation=shown.mitigation,
                    internal=reason,
                    cites=[_cite(c, titles) for c in diff.claim.citations],
                    was=was,
                    runs=runs,
                    error=(errors or {}).get(diff.key),
                )
            )
        sections.append(Section(name, heading, entries))
    return BriefReview(
        change_id=change.id,
        sections=sections,
        counts=counts,
        internal=internal,
        saved=claim_edits(current, change.after, made) if made is not None else None,
        foreign_edit=made is not None and saved is None,
        decided=row.decision,
        errors=dict(errors or {}),
    )


def summarize_decision(change: Change, after: dict[str, Any] | None) -> str:
    """What a decision on a brief did claim by claim ('Kept 22 of 24 proposed claims; dropped 2 (…)'), else ''."""
    if not is_brief(change) or after is None:
        return ""
    decided = PAYLOAD_MODEL[change.kind].model_validate(after)
    assert isinstance(decided, QbrBrief) and isinstance(change.after, QbrBrief)
    edits = claim_edits(change.before if isinstance(change.before, QbrBrief) else None, change.after, decided)
    return edits.text() if edits else "Edited through the API: the brief as sent replaced the drafted one."


def for_page(request: Request, session: Session, tenant: str, draft: DraftRow) -> BriefReview | None:
    """The draft's brief change reviewed for its page (None when it proposes no brief), with the form a reviewer
    sent back with errors (`request.state.qbr_form`, set by app.ui.qbr_claims) in place of the saved choices."""
    if draft.kind != DraftKind.qbr_brief:
        return None
    for row in draft.changes:
        change = Change.model_validate(row.change)
        if is_brief(change):
            people = [s.name for s in plan_store.latest(session, draft.account_id).stakeholders]
            typed, errors, comment = getattr(request.state, "qbr_form", (None, None, ""))
            found = review(session, tenant, change, row, people, typed, errors)
            found.comment = comment
            return found
    return None


def customer_brief(
    brief: QbrBrief, account_name: str, version: int, titles: Mapping[str, str], people: Iterable[str]
) -> tuple[QbrDocument, str]:
    """The accepted brief as the customer may read it, and as Markdown: what "Copy for the customer" copies."""
    document = qbr_document(brief, account_name, version, source_titles=titles, people=people)
    return document, document_markdown(document)
