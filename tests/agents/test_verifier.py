from __future__ import annotations

from agents.verifier import is_verbatim, verify
from plans.diff import change_id
from plans.models import Change, Citation, Stakeholder, person_key, stakeholder_target
from plans.vocabulary import ChangeKind
from retrieval.evidence import Source, SourceType
from tests.agents.factories import contact, evidence, note

ROBERT = "003A00000000002AAA"


def _account():
    return evidence(
        [contact(ROBERT, "Robert", "Diaz", Title="VP Engineering")],
        [note("note-1", "2026-03-02", "Bob said Priya Nair joined as Head of Data.\nAll good.")],
    )


def _change(after: Stakeholder, *citations: Citation, kind: ChangeKind = ChangeKind.add_stakeholder) -> Change:
    target = stakeholder_target(after.key)
    return Change(
        id=change_id(kind, target, after), kind=kind, target=target, after=after, citations=citations
    )


def _codes(change: Change, account=None) -> list[str]:
    (checked,) = verify([change], account or _account())
    return [issue.code for issue in checked.issues]


def test_a_cited_change_about_a_known_person_is_verified() -> None:
    after = Stakeholder(key=ROBERT, name="Robert Diaz", title="VP Engineering")
    change = _change(after, Citation(source_id=ROBERT, quote="Title: VP Engineering", locator="Contact.Title"))
    (checked,) = verify([change], _account())
    assert checked.verified and checked.issues == []


def test_a_change_without_citations_is_flagged() -> None:
    after = Stakeholder(key=ROBERT, name="Robert Diaz")
    assert _codes(_change(after)) == ["no_citation"]


def test_a_source_of_another_account_is_unknown() -> None:
    after = Stakeholder(key=ROBERT, name="Robert Diaz")
    citation = Citation(source_id="note-of-another-account", quote="Title: VP Engineering")
    assert _codes(_change(after, citation)) == ["unknown_source"]


def test_a_source_labelled_with_another_tenant_is_foreign() -> None:
    account = _account()
    stray = Source(
        id="stray", type=SourceType.note, title="x", text="Robert Diaz is great.", metadata={"tenant": "t2"}
    )
    account.sources["stray"] = stray
    after = Stakeholder(key=ROBERT, name="Robert Diaz")
    assert _codes(_change(after, Citation(source_id="stray", quote="Robert Diaz is great.")), account) == [
        "foreign_source"
    ]


def test_a_quote_must_be_verbatim_up_to_whitespace() -> None:
    after = Stakeholder(key=ROBERT, name="Robert Diaz")
    paraphrase = Citation(source_id="note-1", quote="Bob said Priya joined as Head of Data.")
    spaced = Citation(source_id="note-1", quote="Bob said  Priya Nair\njoined as Head of Data.")
    assert _codes(_change(after, paraphrase)) == ["quote_not_verbatim"]
    assert _codes(_change(after, spaced)) == []
    assert not is_verbatim("   ", "anything")


def test_a_person_found_nowhere_in_the_evidence_is_unknown() -> None:
    ghost = Stakeholder(key=person_key("Zed Quill"), name="Zed Quill")
    cite = Citation(source_id="note-1", quote="All good.")
    assert _codes(_change(ghost, cite)) == ["unknown_person"]


def test_nicknames_and_mentions_count_as_appearing_in_evidence() -> None:
    cite = Citation(source_id="note-1", quote="All good.")
    bob = Stakeholder(key=ROBERT, name="Bob Diaz")
    priya = Stakeholder(key=person_key("Priya Nair"), name="Priya Nair", reports_to="Bob Diaz")
    assert _codes(_change(bob, cite)) == []
    assert _codes(_change(priya, cite)) == []


def test_people_with_apostrophes_and_hyphens_in_their_names_appear_in_evidence() -> None:
    account = evidence(
        [contact(ROBERT, "Robert", "Diaz", Title="VP Engineering")],
        [note("note-1", "2026-03-02", "Kevin O’Donnell now reports to Anna Smith-Jones.\nAll good.")],
    )
    cite = Citation(source_id="note-1", quote="All good.")
    kevin = Stakeholder(key=person_key("Kevin O'Donnell"), name="Kevin O'Donnell", reports_to="Anna Smith-Jones")
    assert _codes(_change(kevin, cite), account) == []
    someone_else = Stakeholder(key=person_key("Kevin Donnell"), name="Kevin Donnell")
    assert _codes(_change(someone_else, cite), account) == ["unknown_person"]


def test_an_unknown_manager_is_flagged() -> None:
    cite = Citation(source_id="note-1", quote="All good.")
    after = Stakeholder(key=ROBERT, name="Robert Diaz", reports_to="Zed Quill")
    assert _codes(_change(after, cite)) == ["unknown_person"]


def test_values_outside_the_vocabulary_are_flagged() -> None:
    cite = Citation(source_id=ROBERT, quote="Title: VP Engineering")
    bad = Stakeholder.model_construct(
        key=ROBERT, name="Robert Diaz", buying_role="decider", stance="fan", strength="none", status="active",
        title=None, department=None, reports_to=None, last_contact=None, email=None,
    )
    change = Change.model_construct(
        id="chg-x", kind=ChangeKind.add_stakeholder, target=stakeholder_target(ROBERT), before=None,
        after=bad, rationale="", citations=(cite,), confidence=0.5,
    )
    assert _codes(change) == ["bad_vocabulary", "bad_vocabulary"]


def test_a_target_that_does_not_match_the_payload_is_flagged() -> None:
    cite = Citation(source_id=ROBERT, quote="Title: VP Engineering")
    after = Stakeholder(key=ROBERT, name="Robert Diaz")
    change = Change(
        id="chg-y", kind=ChangeKind.add_stakeholder, target="stakeholder:other", after=after, citations=(cite,)
    )
    assert _codes(change) == ["target_mismatch"]


def test_failing_changes_are_kept_in_order_with_their_issues() -> None:
    good = _change(
        Stakeholder(key=ROBERT, name="Robert Diaz"),
        Citation(source_id=ROBERT, quote="Title: VP Engineering"),
    )
    bad = _change(Stakeholder(key=person_key("Zed Quill"), name="Zed Quill"))
    checked = verify([bad, good], _account())
    assert [c.change.id for c in checked] == [bad.id, good.id]
    assert [c.verified for c in checked] == [False, True]
    assert {i.code for i in checked[0].issues} == {"no_citation", "unknown_person"}
