from __future__ import annotations

import re
from datetime import date

from hypothesis import given

from plans.diff import diff_plans
from plans.models import AccountPlan, Claim, QbrBrief, Risk
from plans.render import FIELD_LABELS, describe_change, qbr_markdown, stakeholder_label
from plans.vocabulary import BuyingRole, CellStatus, ChangeKind, Severity, StakeholderStatus, Stance
from tests.plans.factories import cite, make_brief, make_cell, make_change, make_stakeholder
from tests.plans.strategies import plan_pairs, properties, qbr_briefs

HEADINGS = [
    "## Summary",
    "## Value delivered",
    "## Relationship changes",
    "## Pipeline and whitespace",
    "## Risks",
    "## Asks and next steps",
    "## Sources",
]


def section(markdown: str, heading: str) -> str:
    """The text between `heading` and the next heading."""
    after = markdown.split(heading + "\n", 1)[1]
    return after.split("\n## ", 1)[0].strip()


# QBR brief


def test_the_brief_has_six_sections_in_order_then_sources() -> None:
    markdown = qbr_markdown(make_brief())

    positions = [markdown.index(h + "\n") for h in HEADINGS]
    assert positions == sorted(positions)
    assert "_As of 2026-03-31_" in markdown


def test_each_claim_is_a_bullet_with_footnote_markers() -> None:
    markdown = qbr_markdown(make_brief())

    assert section(markdown, "## Summary") == "- Renewal is on track for June. [1]"


def test_risks_show_severity_and_mitigation() -> None:
    risks = section(qbr_markdown(make_brief()), "## Risks")

    assert risks.splitlines() == [
        "- **High severity:** The fraud team is trialling Databricks. [2]",
        "  - Mitigation: Offer a fraud-analytics workshop before the trial ends.",
    ]


def test_empty_sections_say_there_is_nothing_to_report() -> None:
    markdown = qbr_markdown(make_brief())

    assert section(markdown, "## Value delivered") == "_Nothing to report._"
    assert section(markdown, "## Asks and next steps") == "_Nothing to report._"


def test_sources_list_quote_locator_and_title() -> None:
    markdown = qbr_markdown(make_brief(), {"call-2026-02-11": "Exec sync with Globex"})

    assert section(markdown, "## Sources").splitlines() == [
        "- [1] “we are planning to renew in June” — 00:12:31 — Exec sync with Globex (call-2026-02-11)",
        "- [2] “the fraud team is trialling Databricks” — line 4 — note-exec-sync",
    ]


def test_a_citation_used_twice_keeps_its_number() -> None:
    shared = cite()
    brief = QbrBrief(
        summary=(Claim(text="Renewal is on track.", citations=(shared,)),),
        asks_and_next_steps=(Claim(text="Confirm the June renewal date.", citations=(shared, cite("note-kickoff"))),),
    )

    markdown = qbr_markdown(brief)

    assert section(markdown, "## Asks and next steps") == "- Confirm the June renewal date. [1][2]"
    assert len(section(markdown, "## Sources").splitlines()) == 2


def test_a_multi_line_claim_stays_inside_its_bullet() -> None:
    brief = QbrBrief(summary=(Claim(text="Renewal is on track.\n## Injected heading", citations=()),))

    markdown = qbr_markdown(brief)

    assert "\n## Injected heading" not in markdown
    assert section(markdown, "## Summary") == "- Renewal is on track. ## Injected heading"


def test_an_empty_brief_still_renders_every_section() -> None:
    markdown = qbr_markdown(QbrBrief())

    assert markdown.count("_Nothing to report._") == 6
    assert section(markdown, "## Sources") == "_No sources cited._"


@properties
@given(qbr_briefs)
def test_every_marker_points_at_a_listed_source(brief: QbrBrief) -> None:
    markdown = qbr_markdown(brief)
    body, sources = markdown.split("\n## Sources\n", 1)

    used = {int(n) for n in re.findall(r"\[(\d+)\]", body)}
    listed = [int(n) for n in re.findall(r"^- \[(\d+)\]", sources, flags=re.M)]
    distinct = {
        c
        for claims in (
            brief.summary,
            brief.value_delivered,
            brief.relationship_changes,
            brief.pipeline_and_whitespace,
            brief.risks,
            brief.asks_and_next_steps,
        )
        for claim in claims
        for c in claim.citations
    }

    assert listed == list(range(1, len(distinct) + 1))
    assert used == set(listed)


@properties
@given(qbr_briefs)
def test_every_claim_appears_in_the_brief(brief: QbrBrief) -> None:
    markdown = qbr_markdown(brief)

    for claims in (brief.summary, brief.risks, brief.asks_and_next_steps):
        for claim in claims:
            assert f"{claim.text} [" in markdown
    assert markdown.count("  - Mitigation: ") == len(brief.risks)


# Labels and change rows


def test_stakeholder_label_is_name_and_title() -> None:
    assert stakeholder_label(make_stakeholder()) == "Jennifer Wu — CTO"


def test_stakeholder_label_without_title_is_the_name() -> None:
    assert stakeholder_label(make_stakeholder(title=None)) == "Jennifer Wu"


def test_an_update_describes_only_the_fields_that_differ() -> None:
    after = make_stakeholder(buying_role=BuyingRole.technical_evaluator, stance=Stance.champion, department=None)
    change = make_change(ChangeKind.update_stakeholder, after, before=make_stakeholder())

    assert describe_change(change) == [
        ("Department", "Engineering", "—"),
        ("Buying role", "Economic buyer", "Technical evaluator"),
        ("Stance", "Supporter", "Champion"),
    ]


def test_a_departure_shows_status_and_last_contact() -> None:
    departed = make_stakeholder(status=StakeholderStatus.departed, last_contact=date(2026, 3, 2))
    change = make_change(ChangeKind.mark_departed, departed, before=make_stakeholder())

    assert describe_change(change) == [
        ("Last contact", "2026-02-11", "2026-03-02"),
        ("Status", "Active", "Departed"),
    ]


def test_a_new_stakeholder_shows_what_is_known_about_them() -> None:
    person = make_stakeholder(
        key="person:priya-patel",
        name="Priya Patel",
        title="CFO",
        department=None,
        reports_to=None,
        email=None,
        last_contact=None,
    )
    change = make_change(ChangeKind.add_stakeholder, person)

    assert describe_change(change) == [
        ("Name", "—", "Priya Patel"),
        ("Title", "—", "CFO"),
        ("Buying role", "—", "Economic buyer"),
        ("Stance", "—", "Supporter"),
        ("Strength", "—", "Strong"),
        ("Status", "—", "Active"),
    ]


def test_a_cell_change_shows_status_value_and_competitor() -> None:
    lost = make_cell(status=CellStatus.competitor, competitor="Databricks", estimated_value=1_250_000.0)
    change = make_change(ChangeKind.set_whitespace_cell, lost, before=make_cell())

    assert describe_change(change) == [
        ("Status", "Pipeline", "Competitor"),
        ("Estimated value", "120,000", "1,250,000"),
        ("Competitor", "—", "Databricks"),
    ]


def test_a_brief_change_shows_the_sections_that_changed() -> None:
    risk = Risk(
        text="Budget freeze until FY27.",
        citations=(cite("note-kickoff"),),
        severity=Severity.medium,
        mitigation="Phase the rollout.",
    )
    change = make_change(ChangeKind.replace_qbr_brief, make_brief(risks=(risk,)), before=make_brief())

    assert describe_change(change) == [
        (
            "Risks",
            "- [high] The fraud team is trialling Databricks. (mitigation: Offer a fraud-analytics "
            "workshop before the trial ends.) [note-exec-sync]",
            "- [medium] Budget freeze until FY27. (mitigation: Phase the rollout.) [note-kickoff]",
        ),
    ]


@properties
@given(plan_pairs)
def test_every_drafted_change_shows_at_least_one_labelled_row(pair: tuple[AccountPlan, AccountPlan]) -> None:
    for change in diff_plans(*pair):
        rows = describe_change(change)

        assert rows, change
        assert all(label in FIELD_LABELS.values() for label, _, _ in rows)
        assert all(before != after for _, before, after in rows if change.kind is not ChangeKind.replace_qbr_brief)
