"""Triage of a draft: what each change is, how much it can move the deal, and the counts a reviewer reads first.

The impact order is defined here once; the draft page and the queue both sort by it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from agents.context import parse_day
from agents.crm import is_open, is_renewal
from app.drafts.schemas import DraftSummary
from plans.models import AccountPlan, Change, Citation, QbrBrief, Stakeholder, WhitespaceCell, target_of
from plans.render import FIELD_LABELS
from plans.vocabulary import BuyingRole, CellStatus, ChangeKind, StakeholderStatus, Stance
from retrieval.evidence import CrmRecord

# What can move the deal, most first: a reviewer meets changes in this order, and the queue ranks a
# draft by its most important undecided change. A change takes the first of these that holds.
IMPACT_ORDER: tuple[str, ...] = (
    "departure",  # someone left: a gap in the deal, often a lost buyer or champion
    "economic_buyer",  # the person who signs, on either side of the change
    "champion",  # someone who sells for us, gained or lost
    "detractor",  # someone now working against us
    "stance",  # any other change of stance
    "buying_role",  # a changed buying role
    "new_person",  # someone new without a key role
    "competitor",  # a cell a competitor holds
    "pipeline",  # a cell with an open deal
    "whitespace",  # a cell open to sell into
    "qbr_brief",  # the brief, one change
    "other",  # titles, reporting lines, strength, contact dates; owned and not-applicable cells
)

IMPACT_LABELS: dict[str, str] = {
    "departure": "Departure",
    "economic_buyer": "Economic buyer",
    "champion": "Champion",
    "detractor": "Detractor",
    "stance": "Stance",
    "buying_role": "Buying role",
    "new_person": "New person",
    "competitor": "Competitor",
    "pipeline": "Pipeline",
    "whitespace": "Whitespace",
    "qbr_brief": "QBR brief",
    "other": "Other",
}

# What a change is, for the summary line and each card's heading: (singular, plural), in summary order.
CATEGORIES: dict[str, tuple[str, str]] = {
    "departure": ("departure", "departures"),
    "stance_change": ("stance change", "stance changes"),
    "new_person": ("new person", "new people"),
    "role_change": ("role change", "role changes"),
    "update": ("update", "updates"),
    "new_cell": ("new cell", "new cells"),
    "cell_change": ("cell change", "cell changes"),
    "qbr_brief": ("QBR brief", "QBR briefs"),
}

_CELL_IMPACT = {
    CellStatus.competitor: "competitor",
    CellStatus.pipeline: "pipeline",
    CellStatus.whitespace: "whitespace",
}


def _people(change: Change) -> list[Stakeholder]:
    return [p for p in (change.before, change.after) if isinstance(p, Stakeholder)]


def _departs(change: Change) -> bool:
    if change.kind is ChangeKind.mark_departed:
        return True
    before, after = change.before, change.after
    return (
        isinstance(after, Stakeholder)
        and after.status is StakeholderStatus.departed
        and not (isinstance(before, Stakeholder) and before.status is StakeholderStatus.departed)
    )


def _changed(change: Change, field: str) -> bool:
    return change.before is not None and getattr(change.before, field, None) != getattr(change.after, field, None)


def impact(change: Change) -> str:
    """The first entry of IMPACT_ORDER that holds for the change."""
    people = _people(change)
    if people:
        if _departs(change):
            return "departure"
        if any(p.buying_role is BuyingRole.economic_buyer for p in people):
            return "economic_buyer"
        if any(p.stance is Stance.champion for p in people):
            return "champion"
        after = change.after
        if isinstance(after, Stakeholder) and after.stance is Stance.detractor and _changed(change, "stance"):
            return "detractor"
        if _changed(change, "stance"):
            return "stance"
        if _changed(change, "buying_role"):
            return "buying_role"
        if change.before is None:
            return "new_person"
        return "other"
    if isinstance(change.after, WhitespaceCell):
        return _CELL_IMPACT.get(change.after.status, "other")
    if isinstance(change.after, QbrBrief):
        return "qbr_brief"
    return "other"


def impact_key(change: Change, position: int) -> tuple[int, float, int]:
    """Sort key: impact first, then the bigger estimated value (cells), then the order the draft gave."""
    value = change.after.estimated_value if isinstance(change.after, WhitespaceCell) else None
    return IMPACT_ORDER.index(impact(change)), -(value or 0.0), position


def by_impact(changes: Sequence[Change]) -> list[int]:
    """Positions of the changes, in the order a reviewer should meet them."""
    return sorted(range(len(changes)), key=lambda i: impact_key(changes[i], i))


def category(change: Change) -> str:
    """What the change is, as the summary counts it: one category per change."""
    if _people(change):
        if _departs(change):
            return "departure"
        if change.before is None:
            return "new_person"
        if _changed(change, "stance"):
            return "stance_change"
        if _changed(change, "buying_role"):
            return "role_change"
        return "update"
    if isinstance(change.after, WhitespaceCell):
        return "new_cell" if change.before is None else "cell_change"
    return "qbr_brief"


def heading(change: Change, label: str) -> str:
    """The card's heading, unique per change: what it is and whom or what it is about."""
    what = category(change)
    if what == "qbr_brief":  # one brief per account: say whether it is the first or replaces the accepted one
        return "QBR brief: a new brief" if change.before is None else "QBR brief: replaces the accepted brief"
    singular = CATEGORIES[what][0]
    return f"{singular[:1].upper()}{singular[1:]}: {label}"


def unchanged_count(plan: AccountPlan, draft_kind: str, changes: Iterable[Change]) -> int:
    """The plan's entries of the draft's kind that no change touches."""
    targets = {c.target for c in changes}
    entries: Sequence[Stakeholder | WhitespaceCell] = (
        plan.stakeholders if draft_kind == "stakeholder_map" else plan.whitespace if draft_kind == "whitespace" else ()
    )
    return sum(1 for entry in entries if target_of(entry) not in targets)


@dataclass(frozen=True)
class Summary:
    counts: dict[str, int]  # category → changes, in CATEGORIES order, only those present
    unchanged: int
    total: int

    def text(self) -> str:
        """'1 departure, 2 stance changes, 3 new people, 14 unchanged'."""
        parts = [f"{n} {CATEGORIES[c][0 if n == 1 else 1]}" for c, n in self.counts.items()]
        if self.unchanged:
            parts.append(f"{self.unchanged} unchanged")
        return ", ".join(parts) if parts else "no changes"


def summarize(changes: Sequence[Change], plan: AccountPlan, draft_kind: str) -> Summary:
    counted = Counter(category(c) for c in changes)
    counts = {c: counted[c] for c in CATEGORIES if counted[c]}
    return Summary(counts, unchanged_count(plan, draft_kind, changes), len(changes))


# ----------------------------------------------------------------- citations and the fields they support

# A CRM citation's locator is "<sObject>.<Field>"; its quote is then the record's "<Field>: value" line.
_CRM_LOCATOR = re.compile(r"^([A-Za-z][A-Za-z0-9_]*)\.([A-Za-z][A-Za-z0-9_]*)$")

# The plan field a Salesforce field supports.
CRM_FIELD_SUPPORTS: dict[str, str] = {
    "Name": "name",
    "Title": "title",
    "Department": "department",
    "Email": "email",
    "ReportsTo": "reports_to",
    "ReportsToId": "reports_to",
    "Role": "buying_role",
    "ActivityDate": "last_contact",
    "StartDateTime": "last_contact",
    "Account": "unit",
    "Product2": "product",
    "Status": "status",
    "StageName": "status",
    "Price": "estimated_value",
    "TotalPrice": "estimated_value",
    "CompetitorName": "competitor",
}


def crm_field(citation: Citation) -> str | None:
    """The Salesforce field a citation quotes, when it is one record's 'Field: value' line."""
    match = _CRM_LOCATOR.match(citation.locator.strip())
    if match is None or not citation.quote.startswith(f"{match.group(2)}:"):
        return None
    return match.group(2)


def supported_label(citation: Citation) -> str | None:
    """The label of the plan field this citation supports (as the card's rows name it), if it says."""
    field = crm_field(citation)
    name = CRM_FIELD_SUPPORTS.get(field or "")
    return FIELD_LABELS.get(name) if name else None


@dataclass(frozen=True)
class Evidence:
    """A change's citations split for reading: what the notes and calls say in full, CRM field echoes folded,
    and the echoes by the field row they support."""

    quotes: list[Citation]
    echoes: list[Citation]
    by_field: dict[str, list[Citation]]


def split_evidence(citations: Iterable[Citation], shown_labels: Iterable[str]) -> Evidence:
    labels = set(shown_labels)
    quotes: list[Citation] = []
    echoes: list[Citation] = []
    by_field: dict[str, list[Citation]] = {}
    for citation in citations:
        if crm_field(citation) is None:
            quotes.append(citation)
            continue
        echoes.append(citation)
        label = supported_label(citation)
        if label in labels:
            by_field.setdefault(label, []).append(citation)
    return Evidence(quotes, echoes, by_field)


# ----------------------------------------------------------------------------------------- the queue

AGE_BUCKETS: tuple[tuple[str, str, int], ...] = (
    ("today", "today", 1),
    ("week", "this week", 7),
    ("month", "this month", 31),
    ("older", "older", 10**6),
)


def age_bucket(created: date, today: date) -> str:
    days = (today - created).days
    for key, _, limit in AGE_BUCKETS:
        if days < limit:
            return key
    return AGE_BUCKETS[-1][0]


# A draft for an account whose renewal or QBR is this close comes before any other.
SOON_DAYS = 30


def queue_priority(
    top_impact: str | None, next_date: date | None, today: date, created: datetime
) -> tuple[int, int, int, float]:
    """Queue order: accounts with a QBR or renewal within SOON_DAYS first, then the draft's most important
    undecided change (IMPACT_ORDER), then the nearer date, then the older draft."""
    days = (next_date - today).days if next_date else None
    soon = 0 if days is not None and days <= SOON_DAYS else 1
    rank = IMPACT_ORDER.index(top_impact) if top_impact else len(IMPACT_ORDER)
    return soon, rank, days if days is not None else 10**6, created.timestamp()


_QBR_SUBJECT = re.compile(r"\bQBR\b|\bquarterly\s+(?:business\s+)?review\b", re.IGNORECASE)


def next_milestone(records: Iterable[CrmRecord], today: date) -> tuple[date, str] | None:
    """The account's next renewal (an open Renewal opportunity's CloseDate, overdue ones included: still open
    past its date is the most urgent) or QBR (an Event whose subject names one, from today), as the CRM records
    it; None when it records neither."""
    found: list[tuple[date, str]] = []
    for record in records:
        day, what = None, ""
        if record.type == "Opportunity" and is_renewal(record) and is_open(record):
            day, what = parse_day(record.get("CloseDate")), "renewal"
        elif record.type == "Event" and _QBR_SUBJECT.search(str(record.get("Subject") or "")):
            day, what = parse_day(record.get("ActivityDate") or record.get("StartDateTime")), "QBR"
        if day is not None and (day >= today or what == "renewal"):
            found.append((day, what))
    return min(found) if found else None


@dataclass(frozen=True)
class QueueEntry:
    """One draft as the queue lists it."""

    draft: DraftSummary
    account_name: str
    summary: str  # what its undecided changes are: '1 departure, 3 new people'
    top_impact: str | None  # the most important undecided change's IMPACT_ORDER entry
    trigger: str
    milestone: tuple[date, str] | None
    age: str
    priority: tuple[int, int, int, float]


TRIGGERS = {"evidence": "new evidence", "cli": "the CLI", "system": "the system"}


def trigger_text(requested_by: str) -> str:
    """What started a draft: new evidence for the account, the CLI, or the named person or key that asked."""
    return TRIGGERS.get(requested_by, f"requested by {requested_by}")


def queue_entry(
    draft: DraftSummary,
    account_name: str,
    requested_by: str,
    undecided: Sequence[Change],
    milestone: tuple[date, str] | None,
    today: date,
) -> QueueEntry:
    top = min((impact(c) for c in undecided), key=IMPACT_ORDER.index, default=None)
    counted = Counter(category(c) for c in undecided)
    summary = Summary({c: counted[c] for c in CATEGORIES if counted[c]}, 0, len(undecided)).text()
    return QueueEntry(
        draft=draft,
        account_name=account_name,
        summary=summary if undecided else "",
        top_impact=top,
        trigger=trigger_text(requested_by),
        milestone=milestone,
        age=age_bucket(draft.created_at.date(), today),
        priority=queue_priority(top, milestone[0] if milestone else None, today, draft.created_at),
    )


GROUPS = ("account", "kind", "age")


def group_entries(entries: Sequence[QueueEntry], by: str) -> list[tuple[str, list[QueueEntry]]]:
    """The entries in priority order, in groups (by account, kind or age) ordered by their first entry;
    one unnamed group when `by` is empty."""
    ordered = sorted(entries, key=lambda e: e.priority)
    if not by:
        return [("", ordered)] if ordered else []
    ages = {key: label for key, label, _ in AGE_BUCKETS}
    groups: dict[str, list[QueueEntry]] = {}
    for entry in ordered:
        if by == "account":
            name = entry.account_name
        elif by == "kind":
            name = entry.draft.kind.replace("_", " ")
        else:
            name = f"created {ages[entry.age]}"
        groups.setdefault(name, []).append(entry)
    return list(groups.items())
