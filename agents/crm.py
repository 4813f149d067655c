"""Facts from CRM records, one definition each, shared by every draft kind and both engines.

What counts as a unit, a stakeholder Contact, a live Asset, an open, won or lost opportunity,
an amount; who a record is about; and what an org's custom fields mean (the field map). A
fact drawn from a record belongs to that record's own subject, never to a person merely
named on one of its lines.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date
from fnmatch import fnmatchcase
from typing import Any

from agents.context import AccountEvidence, parse_day
from agents.field_map import CrmFieldMap
from plans.models import Citation
from plans.vocabulary import SALESFORCE_ROLE_MAP, BuyingRole, Stance
from retrieval.evidence import CrmRecord

# An Asset in one of these states no longer counts as owned.
ENDED_ASSET_STATUSES = frozenset(
    {"obsolete", "expired", "retired", "decommissioned", "cancelled", "canceled", "uninstalled", "returned", "inactive"}
)


# ---------------------------------------------------------------------------- numbers and citations


def number(value: object) -> float | None:
    """A CRM amount as a float: numbers as they are, strings like "$1,200.50" parsed, anything else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.replace(",", "").replace("$", ""))
        except ValueError:
            return None
    return None


def cite(evidence: AccountEvidence, record_id: str, field: str) -> Citation | None:
    """The exact "Field: value" line of a CRM record, as a citation; None when the record has no such line."""
    line = evidence.field_line(record_id, field)
    if line is None:
        return None
    record = evidence.record(record_id)
    return Citation(source_id=record_id, quote=line, locator=f"{record.type if record else 'Record'}.{field}")


def cites(evidence: AccountEvidence, record_id: str, *fields: str) -> list[Citation]:
    return [c for field in fields if (c := cite(evidence, record_id, field)) is not None]


# ---------------------------------------------------------------------------- the account tree


def unit_records(evidence: AccountEvidence) -> list[CrmRecord]:
    """The parent's child Accounts (its units), in CRM order."""
    return [r for r in evidence.of_type("Account") if r.get("ParentId") == evidence.account.id and r.get("Name")]


def customer_names(evidence: AccountEvidence) -> list[str]:
    """How the evidence names the customer: the parent Account's and its units' names, and their first word."""
    names = [str(r.get("Name")) for r in (evidence.account, *unit_records(evidence)) if r.get("Name")]
    return sorted({*names, *(n.split()[0] for n in names if len(n.split()) > 1)}, key=len, reverse=True)


_ORG_FIELDS = {
    "Account": ("Name", "Industry"),
    "Product2": ("Name", "Family"),
    "Opportunity": ("Name", "Type"),
    "Contact": ("Title", "Department"),
    "Asset": ("Name",),
    "OpportunityCompetitor": ("CompetitorName",),
}


def organisation_words(evidence: AccountEvidence) -> frozenset[str]:
    """Words the account's CRM uses for organisations, products, deals, titles and departments, and never in
    a Contact's name: "Customer Operations" or "Sable Digital" in a note is not a person."""
    words = {
        word.lower()
        for sobject, fields in _ORG_FIELDS.items()
        for record in evidence.of_type(sobject)
        for field in fields
        for word in re.findall(r"[A-Za-zÀ-ÖØ-öø-ɏ]{3,}", str(record.get(field) or ""))
    }
    person_words = {
        word.lower()
        for contact in evidence.contacts
        for field in ("FirstName", "LastName", "Name")
        for word in re.findall(r"[A-Za-zÀ-ÖØ-öø-ɏ]{3,}", str(contact.get(field) or ""))
    }
    return frozenset(words - person_words)


def account_tree_ids(evidence: AccountEvidence) -> set[str]:
    """The parent Account's Id and its units' Ids, in 18- and 15-character forms."""
    ids = {evidence.account.id, *(r.id for r in unit_records(evidence))}
    return ids | {i[:15] for i in ids}


def stakeholder_contacts(evidence: AccountEvidence) -> list[CrmRecord]:
    """Contacts of the account or one of its units; a Contact of any other company is never a stakeholder."""
    tree = account_tree_ids(evidence)
    return [c for c in evidence.contacts if str(c.get("AccountId") or "") in tree]


# ---------------------------------------------------------------------------- opportunities and assets


def is_closed(opportunity: CrmRecord) -> bool:
    closed = opportunity.get("IsClosed")
    if isinstance(closed, bool):
        return closed
    return str(opportunity.get("StageName") or "").lower().startswith("closed")


def is_open(opportunity: CrmRecord) -> bool:
    return not is_closed(opportunity)


def is_won(opportunity: CrmRecord) -> bool:
    won = opportunity.get("IsWon")
    if isinstance(won, bool):
        return won
    return "won" in str(opportunity.get("StageName") or "").lower()


def is_lost(opportunity: CrmRecord) -> bool:
    if opportunity.get("IsClosed") is True and opportunity.get("IsWon") is False:
        return True
    return "lost" in str(opportunity.get("StageName") or "").lower()


# A Task still to do: it has not happened, so it is no touch (DESIGN.md strength) and may be a next step.
_OPEN_TASK = re.compile(r"^(?:not\s+started|open|in\s+progress|waiting|deferred|scheduled|planned)", re.IGNORECASE)


def is_open_task(task: CrmRecord) -> bool:
    return bool(_OPEN_TASK.match(str(task.get("Status") or "").strip()))


def open_tasks(evidence: AccountEvidence) -> list[tuple[date, CrmRecord]]:
    """Tasks still to do and due on or after `as_of`, with their due dates, soonest first: the CRM's action items."""
    due = [
        (day, task)
        for task in evidence.of_type("Task")
        if is_open_task(task) and (day := parse_day(task.get("ActivityDate"))) is not None and day >= evidence.as_of
    ]
    return sorted(due, key=lambda pair: (pair[0], pair[1].id))


def is_renewal(opportunity: CrmRecord) -> bool:
    return "renewal" in str(opportunity.get("Type") or "").lower()


def amount(opportunity: CrmRecord) -> float:
    return number(opportunity.get("Amount")) or 0.0


def open_opportunities(evidence: AccountEvidence) -> list[CrmRecord]:
    """Open opportunities, biggest first."""
    found = [o for o in evidence.of_type("Opportunity") if is_open(o)]
    return sorted(found, key=lambda o: (-amount(o), str(o.get("Name") or ""), o.id))


def live_asset(asset: CrmRecord, as_of: date, *, renewing: bool = False) -> bool:
    """An Asset that still counts as owned: not obsolete, expired or otherwise ended, nor past its usage end unless
    an open deal for it is `renewing` it (DESIGN.md: an open renewal keeps it owned)."""
    if str(asset.get("Status") or "").strip().lower() in ENDED_ASSET_STATUSES:
        return False
    ends = parse_day(asset.get("UsageEndDate"))
    return ends is None or ends >= as_of or renewing


def line_value(item: CrmRecord) -> float | None:
    """An OpportunityLineItem's value: TotalPrice, else Quantity × UnitPrice."""
    total = number(item.get("TotalPrice"))
    if total is not None:
        return total
    quantity, price = number(item.get("Quantity")), number(item.get("UnitPrice"))
    return quantity * price if quantity is not None and price is not None else None


def prices_are_per_unit(evidence: AccountEvidence) -> bool:
    """Whether this org's Asset.Price is a unit price (Salesforce leaves it to the org): true when Price × Quantity
    is nearer than Price alone to what the account's deals are worth ("1,500" for each of 350 seats)."""
    assets = evidence.of_type("Asset")
    listed = [(p, q) for a in assets if (p := number(a.get("Price"))) and (q := number(a.get("Quantity")))]
    deals = sorted(v for o in evidence.of_type("Opportunity") if (v := amount(o)) > 0)
    if not deals or not any(q > 1 for _, q in listed):
        return False
    scale = deals[len(deals) // 2]

    def distance(values: list[float]) -> float:
        return abs(math.log(sum(values) / len(values) / scale))

    return distance([p * q for p, q in listed]) < distance([p for p, _ in listed])


def competitors_by_opportunity(evidence: AccountEvidence) -> dict[str, list[CrmRecord]]:
    """Opportunity Id → its OpportunityCompetitor records that name a competitor."""
    found: dict[str, list[CrmRecord]] = defaultdict(list)
    for competitor in evidence.of_type("OpportunityCompetitor"):
        if (opportunity := competitor.get("OpportunityId")) and competitor_name(competitor):
            found[str(opportunity)].append(competitor)
    return dict(found)


def competitor_name(record: CrmRecord) -> str | None:
    name = " ".join(str(record.get("CompetitorName") or record.get("Name") or "").split())
    return name or None


def competitor_names(evidence: AccountEvidence) -> list[str]:
    """Every competitor the CRM names, sorted."""
    return sorted({n for c in evidence.of_type("OpportunityCompetitor") if (n := competitor_name(c))})


def competitor_aliases(evidence: AccountEvidence, taken: Iterable[str] = ()) -> list[str]:
    """The CRM's competitors and the first word each goes by in notes ("Papyra" for "Papyra Docs"), when that
    word is a proper name no other competitor, product or person of `taken` starts with."""
    names = competitor_names(evidence)
    firsts = [name.split()[0] for name in names if len(name.split()) > 1]
    used = {word.lower() for text in taken for word in text.split()}
    short = [
        first for first in firsts
        if len(first) >= 4 and first[:1].isupper() and firsts.count(first) == 1 and first.lower() not in used
    ]
    return sorted({*names, *short}, key=lambda n: (-len(n), n))


# ---------------------------------------------------------------------------- who a record is about


def record_subject(record: CrmRecord) -> str | None:
    """The Contact a record's own fields describe: a Contact itself, an activity's WhoId, a role's ContactId."""
    if record.type == "Contact":
        return record.id
    who = record.get("WhoId") or record.get("ContactId")
    return who if isinstance(who, str) and who else None


def seller_staff(evidence: AccountEvidence) -> frozenset[str]:
    """Our own people, by lower-cased name: the users who own the account's records and the notes' authors.
    Never the customer's stakeholders, whatever title a signature gives them."""
    owners = [owner.get("Name") for record in evidence.records if isinstance(owner := record.get("Owner"), dict)]
    authors = [
        name for source in evidence.sources.values() for name in str(source.metadata.get("author") or "").split(",")
    ]
    return frozenset(" ".join(str(n).split()).lower() for n in (*owners, *authors) if isinstance(n, str) and n.strip())


# ---------------------------------------------------------------------------- the custom field map


def _matching(record: CrmRecord, patterns: Iterable[str]) -> list[tuple[str, Any]]:
    """The record's fields a pattern names. A Salesforce pattern ("*Status__c") names custom fields
    only; a pattern for another CRM ("*employment_status*", HubSpot's "hs_buying_role") any field."""
    wanted = [p.lower() for p in patterns]
    return [
        (name, value)
        for name, value in record.fields.items()
        if any(fnmatchcase(name.lower(), p) and (name.endswith("__c") or not p.endswith("__c")) for p in wanted)
    ]


def custom_departure(contact: CrmRecord, field_map: CrmFieldMap) -> str | None:
    """The custom field that says this Contact left ("Contact_Status__c"), or None."""
    for name, value in _matching(contact, field_map.inactive_flags):
        if value is True or str(value).strip().lower() in ("true", "yes", "1"):
            return name
    for name, value in _matching(contact, field_map.status_fields):
        if isinstance(value, str) and re.search(field_map.departed_values, value, re.IGNORECASE):
            return name
    return None


def buying_role_of(role: object) -> BuyingRole | None:
    """A Salesforce role value in our vocabulary: the DESIGN.md map, else a same-named value."""
    if not isinstance(role, str) or not role.strip():
        return None
    normalized = " ".join(role.lower().replace("_", " ").split())
    if normalized in SALESFORCE_ROLE_MAP:
        return SALESFORCE_ROLE_MAP[normalized]
    as_value = normalized.replace(" ", "_")
    if as_value in BuyingRole.__members__ and as_value != BuyingRole.unknown.value:
        return BuyingRole(as_value)
    return None


def stance_of(value: object) -> Stance | None:
    if not isinstance(value, str):
        return None
    as_value = "_".join(value.lower().split())
    return Stance(as_value) if as_value in Stance.__members__ and as_value != Stance.unknown.value else None


def custom_role(contact: CrmRecord, field_map: CrmFieldMap) -> tuple[str, BuyingRole] | None:
    """(field, buying role) from the Contact's own custom role field, when its value is in the vocabulary."""
    for name, value in _matching(contact, field_map.role_fields):
        if role := buying_role_of(value):
            return name, role
    return None


def custom_stance(contact: CrmRecord, field_map: CrmFieldMap) -> tuple[str, Stance] | None:
    """(field, stance) from the Contact's own custom stance field (or a role field holding a stance word)."""
    for name, value in _matching(contact, [*field_map.stance_fields, *field_map.role_fields]):
        if stance := stance_of(value):
            return name, stance
    return None


def our_names(evidence: AccountEvidence) -> list[str]:
    """How the evidence names what we sell: each Product2 name, its name without the brand, and the brand."""
    names = [" ".join(str(r.get("Name")).split()) for r in evidence.of_type("Product2") if r.get("Name")]
    # The commonest first word of two or more names; between equally common ones, the first in the CRM's order
    # (a set's order would change from run to run: "Helix ELN, Helix LIMS, Trialcrest EDC, Trialcrest eTMF").
    firsts = Counter(n.split()[0] for n in names if len(n.split()) >= 2)
    commonest, count = firsts.most_common(1)[0] if firsts else (None, 0)
    brand = commonest if count >= 2 else None
    ours = set(names)
    if brand:
        ours.add(brand)
        ours |= {n.split(None, 1)[1] for n in names if n.split()[0] == brand and len(n.split()) >= 2}
    return sorted(ours, key=lambda name: (-len(name), name))
