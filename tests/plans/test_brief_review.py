"""A proposed QBR brief claim by claim: the diff against the current brief, per-claim choices, and reading them back."""

from __future__ import annotations

from plans.brief_review import (
    Choice,
    Keep,
    Status,
    build_brief,
    choices_of,
    claim_edits,
    diff_briefs,
    word_diff,
)
from plans.models import Citation, Claim, QbrBrief, Risk
from plans.vocabulary import Severity

CALL = Citation(source_id="call-1", quote="Downtime was down 22%.", locator="00:00:16")
NOTE = Citation(source_id="note-1", quote="Datadog keeps APM until June.", locator="lines 2–3")
OPP = Citation(source_id="0068W0000AeROOAQQ4", quote="Amount: 615000", locator="Opportunity.Amount")
BUNDLING = Risk(
    text="Datadog could bundle Logs.", citations=(NOTE,), severity=Severity.medium, mitigation="Side by side."
)


def _current() -> QbrBrief:
    return QbrBrief(
        summary=(
            Claim(text="Dock door downtime fell 20% in the pilot.", citations=(CALL,)),
            Claim(text="Steering meetings moved to Hamburg.", citations=(NOTE,)),
        ),
        risks=(BUNDLING,),
    )


def _proposed() -> QbrBrief:
    return QbrBrief(
        summary=(
            Claim(text="Dock door downtime fell 22% in the pilot.", citations=(CALL,)),
            Claim(text="The Edge rollout is $615K in proposal.", citations=(OPP,)),
        ),
        risks=(BUNDLING,),
    )


def test_each_claim_is_new_changed_unchanged_or_removed_against_the_current_brief() -> None:
    diffs = diff_briefs(_current(), _proposed())

    summary = diffs["summary"]
    assert [(d.key, d.status) for d in summary] == [
        ("summary-0", Status.changed),
        ("summary-1", Status.new),
        ("summary-old-1", Status.removed),
    ]
    assert summary[0].current is not None and summary[0].current.text.endswith("20% in the pilot.")
    assert [(d.key, d.status) for d in diffs["risks"]] == [("risks-0", Status.unchanged)]
    assert all(diffs[name] == [] for name in ("value_delivered", "asks_and_next_steps"))


def test_a_first_brief_is_all_new() -> None:
    diffs = diff_briefs(None, _proposed())
    assert {d.status for entries in diffs.values() for d in entries} == {Status.new}


def test_a_reworded_claim_reads_as_old_words_struck_and_new_added() -> None:
    assert word_diff("downtime fell 20% in the pilot", "downtime fell 22% in the pilot") == [
        ("same", "downtime fell"),
        ("removed", "20%"),
        ("added", "22%"),
        ("same", "in the pilot"),
    ]


def test_no_choices_make_the_proposed_brief() -> None:
    proposed = _proposed()
    assert build_brief(proposed, diff_briefs(_current(), proposed), {}) == proposed


def test_choices_drop_reword_keep_the_current_wording_and_restore_a_removed_claim() -> None:
    current, proposed = _current(), _proposed()
    diffs = diff_briefs(current, proposed)
    choices = {
        "summary-0": Choice(Keep.current),
        "summary-1": Choice(Keep.keep, "  The Edge rollout is   $615K, in proposal. "),
        "summary-old-1": Choice(Keep.keep),
        "risks-0": Choice(Keep.keep, "Datadog could bundle Logs into APM.", Severity.high, "Arm the sponsor."),
    }

    brief = build_brief(proposed, diffs, choices)

    assert [c.text for c in brief.summary] == [
        "Dock door downtime fell 20% in the pilot.",  # the current wording, with its own citation
        "The Edge rollout is $615K, in proposal.",
        "Steering meetings moved to Hamburg.",
    ]
    assert brief.summary[1].citations == (OPP,)  # an edit never changes what a claim cites
    assert brief.risks == (
        Risk(
            text="Datadog could bundle Logs into APM.",
            citations=(NOTE,),
            severity=Severity.high,
            mitigation="Arm the sponsor.",
        ),
    )
    assert choices_of(diffs, brief) == {
        "summary-0": Choice(Keep.current),
        "summary-1": Choice(Keep.keep, "The Edge rollout is $615K, in proposal."),
        "summary-old-1": Choice(Keep.keep),
        "risks-0": Choice(Keep.keep, "Datadog could bundle Logs into APM.", Severity.high, "Arm the sponsor."),
    }


def test_dropped_claims_are_read_back_as_dropped_and_recorded() -> None:
    current, proposed = _current(), _proposed()
    diffs = diff_briefs(current, proposed)
    brief = build_brief(proposed, diffs, {"summary-1": Choice(Keep.drop), "risks-0": Choice(Keep.drop)})

    found = choices_of(diffs, brief)
    assert found is not None
    assert found["summary-1"].keep is Keep.drop and found["risks-0"].keep is Keep.drop
    assert found["summary-old-1"].keep is Keep.drop  # removed, as proposed
    edits = claim_edits(current, proposed, brief)
    assert edits is not None
    assert (edits.kept, edits.total) == (1, 3)
    assert edits.dropped == ["The Edge rollout is $615K in proposal.", "Datadog could bundle Logs."]
    assert edits.text().startswith("Kept 1 of 3 proposed claims; dropped 2 (“The Edge rollout is $615K in proposal.”")


def test_a_brief_edited_some_other_way_is_not_read_as_choices() -> None:
    current, proposed = _current(), _proposed()
    foreign = proposed.model_copy(update={"summary": (Claim(text="Something else entirely."),)})
    assert choices_of(diff_briefs(current, proposed), foreign) is None
    assert claim_edits(current, proposed, foreign) is None


def test_nothing_changed_records_nothing() -> None:
    proposed = _proposed()
    edits = claim_edits(_current(), proposed, proposed)
    assert edits is not None and edits.text() == ""
