"""Hypothesis strategies for realistic account plans and pairs of plans one can diff."""

from __future__ import annotations

import os
from datetime import date

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from plans.models import (
    AccountPlan,
    Citation,
    Claim,
    QbrBrief,
    Risk,
    Stakeholder,
    WhitespaceCell,
    person_key,
)
from plans.vocabulary import (
    BuyingRole,
    CellStatus,
    Severity,
    StakeholderStatus,
    Stance,
    Strength,
)

FIRST_NAMES = (
    "Jennifer",
    "Marcus",
    "Priya",
    "Tomás",
    "Aiko",
    "Olusegun",
    "Zoë",
    "Henrik",
    "Fatima",
    "Chen",
    "Liam",
    "Sofía",
    "Dmitri",
    "Grace",
    "Rahul",
    "Ingrid",
    "Kwame",
    "Elena",
)
LAST_NAMES = (
    "Wu",
    "Okafor",
    "Patel",
    "Álvarez",
    "Tanaka",
    "Müller",
    "Johansson",
    "O'Brien",
    "Nguyen",
    "Rossi",
    "Kowalski",
    "Haddad",
    "Smith-Jones",
    "Fernández",
    "Kim",
    "Dubois",
)
TITLES = (
    "CTO",
    "CIO",
    "CFO",
    "VP Engineering",
    "Director of Data Platforms",
    "Head of Procurement",
    "Chief Digital Officer",
    "Senior Data Engineer",
    "IT Manager",
    "VP Payments Operations",
)
DEPARTMENTS = ("Engineering", "Finance", "IT", "Procurement", "Payments", "Data & Analytics")
PRODUCTS = (
    "Advanced Analytics",
    "Data Platform",
    "Fraud Shield",
    "Customer 360",
    "Edge Gateway",
    "Compliance Vault",
)
UNITS = ("Payments", "Retail Banking", "Wealth Management", "EMEA", "APAC", "Corporate IT")
COMPETITORS = ("Snowflake", "Databricks", "Palantir", "SAS", "Oracle")
CELL_NOTES = ("Renewal due in Q2", "POC under way", "Budget frozen until FY27", "Shelfware risk")
QUOTES = (
    "we are planning to renew in June",
    "Jennifer has left the company",
    "the fraud team is trialling Databricks",
    "cut reconciliation time by 40%",
    "procurement wants a three-year term",
    "Marcus will sponsor the expansion",
    "latency is still a concern for EMEA",
)
LOCATORS = ("00:12:31", "00:03:05", "line 4", "line 17", "Opportunity.StageName", "Case.Subject")
CLAIM_TEXTS = (
    "Renewal is on track for June.",
    "Reconciliation time fell by 40% after go-live.",
    "The CTO left the company in February.",
    "Databricks is being trialled by the fraud team.",
    "Procurement asks for a three-year term.",
    "Expansion into Wealth Management is in pipeline.",
)
MITIGATIONS = (
    "Schedule an executive briefing with the new CTO.",
    "Offer a latency review with our solutions architects.",
    "Bring the renewal forward with a multi-year discount.",
)

# Property tests run few examples by default to keep the suite fast; raise the count for a
# deeper search with PLANS_MAX_EXAMPLES=1000.
properties = settings(
    max_examples=int(os.environ.get("PLANS_MAX_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

dates = st.dates(min_value=date(2023, 1, 1), max_value=date(2026, 12, 31))
names = st.builds(lambda first, last: f"{first} {last}", st.sampled_from(FIRST_NAMES), st.sampled_from(LAST_NAMES))
_BASE36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _contact_id(n: int) -> str:
    digits = ""
    for _ in range(15):
        n, digit = divmod(n, 36)
        digits += _BASE36[digit]
    return "003" + digits


# One draw per id rather than fifteen: hypothesis pays per choice, not per character.
contact_ids = st.integers(0, 36**15 - 1).map(_contact_id)
source_ids = st.one_of(
    st.sampled_from(("note-kickoff", "note-exec-sync", "call-2026-02-11", "call-2026-03-04")),
    st.integers(0, 16**6 - 1).map(lambda n: f"crm:006{n:06x}"),
)


def _email(name: str) -> str:
    local = person_key(name).removeprefix("person:").replace("-", ".")
    return f"{local}@globex.example"


# Strategies are built once at import: building them inside composites on every draw
# makes hypothesis re-validate them and slows the suite several times over.
_optional_titles = st.none() | st.sampled_from(TITLES)
_optional_departments = st.none() | st.sampled_from(DEPARTMENTS)
_optional_names = st.none() | names
_optional_dates = st.none() | dates
_roles = st.sampled_from(BuyingRole)
_stances = st.sampled_from(Stance)
_strengths = st.sampled_from(Strength)
_statuses = st.sampled_from(StakeholderStatus)
_booleans = st.booleans()


@st.composite
def _stakeholders(draw: st.DrawFn) -> Stakeholder:
    name = draw(names)
    return Stakeholder(
        key=draw(contact_ids) if draw(_booleans) else person_key(name),
        name=name,
        title=draw(_optional_titles),
        department=draw(_optional_departments),
        reports_to=draw(_optional_names),
        last_contact=draw(_optional_dates),
        email=_email(name) if draw(_booleans) else None,
        buying_role=draw(_roles),
        stance=draw(_stances),
        strength=draw(_strengths),
        status=draw(_statuses),
    )


stakeholders = _stakeholders()
"""A stakeholder keyed by a Contact Id or, for people known only by name, a person_key."""

_cell_statuses = st.sampled_from(CellStatus)
_products = st.sampled_from(PRODUCTS)
_units = st.sampled_from(UNITS)
_competitors = st.sampled_from(COMPETITORS)
_optional_values = st.none() | st.integers(1, 300).map(lambda n: n * 10_000.0)
_optional_notes = st.none() | st.sampled_from(CELL_NOTES)


@st.composite
def _whitespace_cells(draw: st.DrawFn) -> WhitespaceCell:
    status = draw(_cell_statuses)
    return WhitespaceCell(
        product=draw(_products),
        unit=draw(_units),
        status=status,
        estimated_value=draw(_optional_values),
        competitor=draw(_competitors) if status is CellStatus.competitor else None,
        note=draw(_optional_notes),
    )


whitespace_cells = _whitespace_cells()


citations = st.builds(
    Citation,
    source_id=source_ids,
    quote=st.sampled_from(QUOTES),
    locator=st.sampled_from(LOCATORS + ("",)),
)
claims = st.builds(
    Claim,
    text=st.sampled_from(CLAIM_TEXTS),
    citations=st.lists(citations, min_size=1, max_size=2).map(tuple),
)
risks = st.builds(
    Risk,
    text=st.sampled_from(CLAIM_TEXTS),
    citations=st.lists(citations, min_size=1, max_size=2).map(tuple),
    severity=st.sampled_from(Severity),
    mitigation=st.sampled_from(MITIGATIONS),
)


def _section(strategy: st.SearchStrategy[Claim]) -> st.SearchStrategy[tuple[Claim, ...]]:
    return st.lists(strategy, max_size=2).map(tuple)


qbr_briefs = st.builds(
    QbrBrief,
    as_of=st.none() | dates,
    summary=_section(claims),
    value_delivered=_section(claims),
    relationship_changes=_section(claims),
    pipeline_and_whitespace=_section(claims),
    risks=_section(risks),
    asks_and_next_steps=_section(claims),
)


_cell_keys = st.lists(st.tuples(_products, _units), max_size=6, unique=True)
_people = st.lists(stakeholders, max_size=5, unique_by=lambda s: s.key)
_versions = st.integers(1, 50)
_optional_briefs = st.none() | qbr_briefs


@st.composite
def _account_plans(draw: st.DrawFn) -> AccountPlan:
    people = draw(_people)
    cells = [
        draw(whitespace_cells).model_copy(update={"product": product, "unit": unit})
        for product, unit in draw(_cell_keys)
    ]
    return AccountPlan(
        version=draw(_versions),
        stakeholders=tuple(sorted(people, key=lambda s: s.key)),
        whitespace=tuple(sorted(cells, key=lambda c: c.key)),
        qbr_brief=draw(_optional_briefs),
    )


account_plans = _account_plans()
"""A canonical plan: unique keys, stakeholders sorted by key, cells by (product, unit)."""

_evolutions = st.sampled_from(("keep", "depart", "rewrite"))
_newcomers = st.lists(stakeholders, max_size=3)
_new_cells = st.lists(whitespace_cells, max_size=3)


def _evolve_stakeholder(draw: st.DrawFn, old: Stakeholder) -> Stakeholder:
    evolution = draw(_evolutions)
    if evolution == "keep":
        return old
    if evolution == "depart":
        return old.model_copy(update={"status": StakeholderStatus.departed, "last_contact": draw(_optional_dates)})
    return draw(stakeholders).model_copy(update={"key": old.key})


def _evolve_cell(draw: st.DrawFn, old: WhitespaceCell) -> WhitespaceCell:
    if draw(_booleans):
        return old
    return draw(whitespace_cells).model_copy(update={"product": old.product, "unit": old.unit})


@st.composite
def _plan_pairs(draw: st.DrawFn) -> tuple[AccountPlan, AccountPlan]:
    a = draw(account_plans)
    people = {s.key: _evolve_stakeholder(draw, s) for s in a.stakeholders}
    for newcomer in draw(_newcomers):
        people.setdefault(newcomer.key, newcomer)
    cells = {c.key: _evolve_cell(draw, c) for c in a.whitespace}
    for new_cell in draw(_new_cells):
        cells.setdefault(new_cell.key, new_cell)
    b = AccountPlan(
        version=draw(_versions),
        stakeholders=tuple(people[k] for k in sorted(people)),
        whitespace=tuple(cells[k] for k in sorted(cells)),
        qbr_brief=a.qbr_brief if draw(_booleans) else draw(qbr_briefs),
    )
    return a, b


plan_pairs = _plan_pairs()
"""(a, b) where b keeps every stakeholder and cell key of a, so a diff can turn a into b."""
