from __future__ import annotations

import io
from datetime import date

import pytest
from pptx import Presentation
from pypdf import PdfReader

from app.plans.exports import pdf_bytes, pptx_bytes
from plans.history import version_summary
from plans.models import AccountPlan, Claim, Risk
from plans.qbr_export import Audience, QbrDocument, document_markdown, internal_reason, qbr_document, scrub_ids
from plans.totals import dollars, whitespace_totals
from plans.vocabulary import CellStatus, Severity, StakeholderStatus, Stance
from tests.plans.factories import cite, make_brief, make_cell, make_stakeholder

PEOPLE = ["Derek Huang", "Grace Whitmore"]
TITLES = {
    "0068W0000YyhnBGQQY": "Opportunity: Enterprise Renewal 2027",
    "note-exec-sync": "Exec sync with Globex",
    "call-2026-02-11": "Renewal call",
}


def brief_with_internal_notes() -> object:
    return make_brief(
        summary=(
            Claim(
                text="Renewal of $1.49M closes January 31, 2027 (Opportunity 0068W0000YyhnBGQQY).",
                citations=(cite("0068W0000YyhnBGQQY", "AccountId: 0018W0000X7ePscQQE", "Opportunity.AccountId"),),
            ),
        ),
        relationship_changes=(
            Claim(text="Derek Huang moved from supporter to detractor.", citations=(cite(),)),
            Claim(text="Aisha Mensah is now VP of Engineering.", citations=(cite(),)),
        ),
        risks=(
            Risk(
                text="Grace Whitmore holds the budget and may stall the renewal.",
                severity=Severity.high,
                mitigation="Meet her before the quarter ends.",
                citations=(cite("note-exec-sync", "Grace holds the budget", "line 4"),),
            ),
            Risk(
                text="Peak freeze could push the rollout into next year.",
                severity=Severity.medium,
                mitigation="Agree a dated plan now.",
                citations=(cite("note-exec-sync", "she is selling it for us now", "line 9"),),
            ),
        ),
        asks_and_next_steps=(Claim(text="Send the multi-year discount proposal to procurement.", citations=()),),
    )


def customer_document() -> QbrDocument:
    return qbr_document(
        brief_with_internal_notes(),  # type: ignore[arg-type]
        "Meridian Logistics",
        4,
        source_titles=TITLES,
        people=PEOPLE,
    )


def test_salesforce_ids_are_taken_out_of_text() -> None:
    assert scrub_ids("Opportunity 0068W0000YyhnBGQQY renews") == "Opportunity (CRM record) renews"
    assert scrub_ids("AccountId: 0018W0000X7ePscQQE") == "AccountId: (CRM record)"
    assert scrub_ids("15-char 0018W0000X7ePsc too") == "15-char (CRM record) too"
    assert scrub_ids("**Farid** joined; internationalization and QBR-2026-Q3 stay") == (
        "Farid joined; internationalization and QBR-2026-Q3 stay"
    )


def test_internal_notes_are_people_risks_stances_and_pricing() -> None:
    stance = Claim(text="Derek moved from supporter to detractor.")
    assert internal_reason(stance, PEOPLE) == "where a person stands on us"
    assert internal_reason(Claim(text="Offer a 12% discount on year two."), PEOPLE) == "pricing or discounts"
    person_risk = Risk(text="Grace Whitmore may stall it.", severity=Severity.low, mitigation="Meet her.")
    assert internal_reason(person_risk, PEOPLE) == "a risk about a person"
    plain_risk = Risk(text="Peak freeze could push the rollout.", severity=Severity.low, mitigation="Plan now.")
    assert internal_reason(plain_risk, PEOPLE) is None
    assert internal_reason(Claim(text="Grace Whitmore joined as CFO."), PEOPLE) is None  # a fact, not a risk


def test_the_customer_version_leaves_internal_notes_out_and_says_how_many() -> None:
    document = customer_document()
    markdown = document_markdown(document)

    assert markdown.count("\n# ") + markdown.startswith("# ") == 1
    assert markdown.startswith("# Meridian Logistics — QBR brief\n")
    assert "detractor" not in markdown and "discount" not in markdown and "stall" not in markdown
    assert "Aisha Mensah is now VP of Engineering." in markdown and "Peak freeze" in markdown
    assert document.left_out == 3
    assert "_3 internal-only notes are not in this customer-facing version._" in markdown
    assert "0068W0000YyhnBGQQY" not in markdown and "0018W0000X7ePscQQE" not in markdown
    assert "Opportunity: Enterprise Renewal 2027" in markdown  # sources by title, never by Id
    assert "selling it for us" not in markdown and "(quote withheld: internal)" in markdown
    assert document.filename("pdf") == "meridian-logistics-qbr-brief-v4.pdf"


def test_the_internal_version_keeps_everything_marked() -> None:
    document = qbr_document(
        brief_with_internal_notes(),  # type: ignore[arg-type]
        "Meridian Logistics",
        4,
        source_titles=TITLES,
        people=PEOPLE,
        audience=Audience.internal,
    )
    markdown = document_markdown(document)
    assert document.left_out == 0
    assert "Derek Huang moved from supporter to detractor. (internal: where a person stands on us)" in markdown
    assert "selling it for us" in markdown
    assert "0068W0000YyhnBGQQY" not in markdown
    assert document.filename("pptx") == "meridian-logistics-qbr-brief-v4-internal.pptx"


def test_the_pdf_reads_back_as_the_brief() -> None:
    document = customer_document()
    pdf = PdfReader(io.BytesIO(pdf_bytes(document)))
    text = " ".join(" ".join(page.extract_text().split()) for page in pdf.pages)
    assert pdf.metadata is not None and pdf.metadata.title == "Meridian Logistics — QBR brief"
    for expected in ("QBR brief", "Summary", "Risks", "Peak freeze could push the rollout", "Sources"):
        assert expected in text
    assert "detractor" not in text and "0068W0000YyhnBGQQY" not in text


def test_the_pdf_falls_back_to_latin1_without_a_unicode_font(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("app.plans.exports.UNICODE_FONTS", ())
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf_bytes(customer_document()))).pages)
    assert "Meridian Logistics - QBR brief" in text and "Peak freeze" in text


def test_the_deck_has_a_slide_per_section_and_the_sources() -> None:
    document = customer_document()
    deck = Presentation(io.BytesIO(pptx_bytes(document)))
    titles = [slide.shapes.title.text for slide in deck.slides]
    assert titles[0] == "Meridian Logistics — QBR brief"
    assert titles[1:] == [
        "Summary", "Value delivered", "Relationship changes", "Pipeline and whitespace", "Risks",
        "Asks and next steps", "Sources",
    ]  # fmt: skip
    text = "\n".join(shape.text_frame.text for s in deck.slides for shape in s.shapes if shape.has_text_frame)
    assert "Peak freeze could push the rollout into next year." in text
    assert "Mitigation: Agree a dated plan now." in text
    assert "detractor" not in text and "0068W0000YyhnBGQQY" not in text
    assert "3 internal-only notes are not in this customer-facing version." in text


def test_long_sections_continue_on_another_slide() -> None:
    claims = tuple(Claim(text=f"Claim number {i}.") for i in range(14))
    document = qbr_document(make_brief(summary=claims), "Globex", 2, source_titles={})
    titles = [slide.shapes.title.text for slide in Presentation(io.BytesIO(pptx_bytes(document))).slides]
    assert titles[1:4] == ["Summary", "Summary (continued 2/3)", "Summary (continued 3/3)"]


def test_whitespace_totals_by_product_unit_and_status() -> None:
    cells = [
        make_cell(product="APM", unit="Freight", status=CellStatus.owned, estimated_value=520_000.0),
        make_cell(product="APM", unit="Brokerage", status=CellStatus.competitor, estimated_value=365_000.0),
        make_cell(product="Logs", unit="Freight", status=CellStatus.whitespace, estimated_value=100_000.0),
        make_cell(product="Logs", unit="Brokerage", status=CellStatus.pipeline, estimated_value=95_000.0),
        make_cell(product="Edge", unit="Brokerage", status=CellStatus.not_applicable, estimated_value=None),
        make_cell(product="Edge", unit="Freight", status=CellStatus.whitespace, estimated_value=None),
    ]
    totals = whitespace_totals(cells)
    assert (totals.by_product["APM"].open, totals.by_product["APM"].owned) == (365_000, 520_000)
    assert (totals.by_unit["Brokerage"].open, totals.by_unit["Freight"].open) == (460_000, 100_000)
    assert totals.overall.open == 560_000 and totals.overall.owned == 520_000 and totals.overall.total == 1_080_000
    assert totals.by_product["Edge"].cells == 2 and totals.by_product["Edge"].estimated == 0
    assert totals.counts[CellStatus.whitespace] == 2 and totals.counts[CellStatus.not_applicable] == 1
    shown = [dollars(v) for v in (1_490_000, 1_000_000, 999_999, 365_000, 950)]
    assert shown == ["$1.49M", "$1M", "$1M", "$365K", "$950"]


def test_a_history_row_says_what_changed() -> None:
    wu = make_stakeholder()
    before = AccountPlan(version=2, stakeholders=(wu,), whitespace=(make_cell(),))
    after = AccountPlan(
        version=3,
        stakeholders=(
            wu.model_copy(update={"stance": Stance.champion}),
            make_stakeholder(key="003B", name="Sam Lee", title="CFO"),
            make_stakeholder(key="003C", name="Old Timer", status=StakeholderStatus.departed),
        ),
        whitespace=(make_cell(status=CellStatus.owned),),
        qbr_brief=make_brief(as_of=date(2026, 3, 31)),
    )
    assert version_summary(before, after) == [
        "Jennifer Wu: stance Supporter → Champion",
        "Added Sam Lee (CFO)",
        "Added Old Timer (CTO)",
        "Advanced Analytics × Payments: Pipeline → Owned, 120,000",
        "QBR brief added (2 claims)",
    ]


def test_long_claims_take_fewer_per_slide_so_the_text_fits() -> None:
    long = "A long claim about the rollout, its owners, its dates and its dependencies on the freeze. " * 3
    risks = tuple(Risk(text=long, severity=Severity.medium, mitigation="Agree a dated plan.") for _ in range(6))
    document = qbr_document(make_brief(risks=risks), "Globex", 2, source_titles={})
    deck = Presentation(io.BytesIO(pptx_bytes(document)))
    risk_slides = [s for s in deck.slides if s.shapes.title.text.startswith("Risks")]
    assert len(risk_slides) == 3  # four lines and a mitigation each: two risks a slide
    bullets = [p for s in risk_slides for p in s.placeholders[1].text_frame.paragraphs if p.level == 0]
    assert len(bullets) == 6
