"""The draft page's triage: the impact order, the summary counts, and which quotes only echo a CRM field."""

from __future__ import annotations

from datetime import UTC, date, datetime

from app.ui import triage
from plans.diff import proposed_change
from plans.models import AccountPlan, Change, Citation, QbrBrief, Stakeholder, WhitespaceCell
from plans.vocabulary import BuyingRole, CellStatus, ChangeKind, StakeholderStatus, Stance


def person(name: str, **fields: object) -> Stakeholder:
    return Stakeholder(key=f"person:{name.lower()}", name=name, **fields)  # type: ignore[arg-type]


def add(p: Stakeholder) -> Change:
    return proposed_change(ChangeKind.add_stakeholder, None, p)


def update(before: Stakeholder, **fields: object) -> Change:
    return proposed_change(ChangeKind.update_stakeholder, before, before.model_copy(update=fields))


def departs(before: Stakeholder) -> Change:
    return proposed_change(
        ChangeKind.mark_departed, before, before.model_copy(update={"status": StakeholderStatus.departed})
    )


def cell(product: str, status: CellStatus, value: float | None = None) -> Change:
    return proposed_change(
        ChangeKind.set_whitespace_cell,
        None,
        WhitespaceCell(product=product, unit="EMEA", status=status, estimated_value=value),
    )


def test_departures_then_economic_buyers_then_champions_come_first() -> None:
    cfo = person("Cora", buying_role=BuyingRole.economic_buyer, stance=Stance.supporter)
    drafted = [
        update(person("Tim", title="Engineer"), title="Senior Engineer"),  # other
        add(person("Nia", buying_role=BuyingRole.end_user)),  # new person
        update(person("Raf", buying_role=BuyingRole.influencer), buying_role=BuyingRole.technical_evaluator),
        update(person("Sol", stance=Stance.neutral), stance=Stance.supporter),  # stance
        update(person("Dee", stance=Stance.neutral), stance=Stance.detractor),  # detractor
        add(person("Cam", stance=Stance.champion)),  # champion
        update(person("Lou", stance=Stance.champion), stance=Stance.neutral),  # a champion lost
        add(cfo),  # economic buyer
        departs(person("Ada", buying_role=BuyingRole.end_user)),  # departure, even of an end user
        departs(cfo),
    ]
    ordered = [triage.impact(drafted[i]) for i in triage.by_impact(drafted)]
    assert ordered == [
        "departure",
        "departure",
        "economic_buyer",
        "champion",
        "champion",
        "detractor",
        "stance",
        "buying_role",
        "new_person",
        "other",
    ]
    # Within one impact, the draft's own order holds.
    assert [drafted[i].after.name for i in triage.by_impact(drafted)[:2]] == ["Ada", "Cora"]  # type: ignore[union-attr]


def test_an_added_person_who_already_left_counts_as_a_departure() -> None:
    gone = add(person("Tom", status=StakeholderStatus.departed, stance=Stance.champion))
    assert triage.impact(gone) == "departure"
    assert triage.category(gone) == "departure"
    assert triage.heading(gone, "Tom — CISO") == "Departure: Tom — CISO"


def test_a_qbr_brief_is_headed_by_whether_it_is_the_first() -> None:
    first = proposed_change(ChangeKind.replace_qbr_brief, None, QbrBrief())
    again = proposed_change(ChangeKind.replace_qbr_brief, QbrBrief(), QbrBrief(as_of=date(2026, 9, 30)))
    assert triage.heading(first, "QBR brief") == "QBR brief: a new brief"
    assert triage.heading(again, "QBR brief") == "QBR brief: replaces the accepted brief"
    assert triage.impact(first) == "qbr_brief" and triage.category(again) == "qbr_brief"


def test_whitespace_cells_rank_competitor_pipeline_whitespace_then_value() -> None:
    drafted = [
        cell("Owned thing", CellStatus.owned, 900_000),
        cell("Small gap", CellStatus.whitespace, 10_000),
        cell("Big gap", CellStatus.whitespace, 500_000),
        cell("Open deal", CellStatus.pipeline),
        cell("Lost to rival", CellStatus.competitor),
    ]
    names = [drafted[i].after.product for i in triage.by_impact(drafted)]  # type: ignore[union-attr]
    assert names == ["Lost to rival", "Open deal", "Big gap", "Small gap", "Owned thing"]


def test_every_impact_has_a_label_and_one_place_in_the_order() -> None:
    assert len(set(triage.IMPACT_ORDER)) == len(triage.IMPACT_ORDER)
    assert set(triage.IMPACT_LABELS) == set(triage.IMPACT_ORDER)


def test_the_summary_counts_each_change_once_and_the_plan_entries_it_leaves_alone() -> None:
    plan = AccountPlan(stakeholders=tuple(person(f"P{i}", stance=Stance.neutral) for i in range(17)))
    people = plan.stakeholders
    drafted = [
        departs(people[0]),
        update(people[1], stance=Stance.supporter),
        update(people[2], stance=Stance.champion, title="CTO"),  # a stance change, counted once
        add(person("New1")),
        add(person("New2")),
        add(person("New3")),
    ]
    summary = triage.summarize(drafted, plan, "stakeholder_map")
    assert summary.counts == {"departure": 1, "stance_change": 2, "new_person": 3}
    assert summary.unchanged == 14
    assert summary.text() == "1 departure, 2 stance changes, 3 new people, 14 unchanged"
    assert triage.summarize([drafted[3]], AccountPlan(), "stakeholder_map").text() == "1 new person"
    assert triage.summarize([], AccountPlan(), "qbr_brief").text() == "no changes"


def test_crm_echo_quotes_are_told_apart_and_tied_to_the_field_they_support() -> None:
    echo = Citation(source_id="003A", quote="Name: Angela Brooks", locator="Contact.Name")
    role = Citation(source_id="00K1", quote="Role: Economic Buyer", locator="OpportunityContactRole.Role")
    unshown = Citation(source_id="003A", quote="Email: ab@example.com", locator="Contact.Email")
    note = Citation(source_id="note-1", quote="Angela now owns the budget.", locator="lines 3–4")
    odd = Citation(source_id="003A", quote="Angela Brooks", locator="Contact.Name")  # not a 'Field: value' line
    evidence = triage.split_evidence([echo, role, unshown, note, odd], ["Name", "Buying role"])
    assert evidence.quotes == [note, odd]
    assert evidence.echoes == [echo, role, unshown]
    assert evidence.by_field == {"Name": [echo], "Buying role": [role]}


def test_queue_priority_puts_a_near_renewal_first_then_impact_then_age() -> None:
    today = date(2026, 10, 1)
    old, new = datetime(2026, 9, 1, tzinfo=UTC), datetime(2026, 9, 30, tzinfo=UTC)
    soon_minor = triage.queue_priority("other", date(2026, 10, 20), today, new)
    far_departure = triage.queue_priority("departure", date(2027, 3, 1), today, new)
    unknown_departure_old = triage.queue_priority("departure", None, today, old)
    assert sorted([far_departure, unknown_departure_old, soon_minor]) == [
        soon_minor,
        far_departure,
        unknown_departure_old,
    ]
    assert triage.age_bucket(date(2026, 10, 1), today) == "today"
    assert triage.age_bucket(date(2026, 9, 27), today) == "week"
    assert triage.age_bucket(date(2026, 6, 1), today) == "older"
