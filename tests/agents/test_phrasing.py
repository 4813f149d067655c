"""A transcript line becomes a statement in the brief's words, keeping its facts word for word."""

from __future__ import annotations

import pytest

from agents.phrasing import spoken_as_statement


@pytest.mark.parametrize(
    ("line", "speaker", "statement"),
    [
        ("I'll send you the cost per hour.", "Mike Brennan", "Mike Brennan to send us the cost per hour."),
        (
            "Yeah, so we'll send the renewal options to Aaron by mid-November.",
            "Laura Benton",
            "Laura Benton to send the renewal options to Aaron by mid-November.",
        ),
        (
            "Could you send us the benchmark before Friday?",
            "Dana Whitfield",
            "Dana Whitfield asks us to send them the benchmark before Friday.",
        ),
        (
            "Honestly, our handle time is down 48 seconds since go-live.",
            "Dana Whitfield",
            "Dana Whitfield reported: handle time is down 48 seconds since go-live.",
        ),
        (
            "We've cut false positives by 38% on the card book, you know.",
            "Tan Wei Ming",
            "Tan Wei Ming's team has cut false positives by 38% on the card book.",
        ),
        (
            "Honestly, if the outages carry on, I can't defend the renewal to the board.",
            "Robert Hayes",
            "If the outages carry on, Robert Hayes can't defend the renewal to the board.",
        ),
        (
            "Derek's asked for a side by side with Datadog Logs, which is fair.",
            "Megan Fraser",
            "Ask from Derek: a side by side with Datadog Logs.",
        ),
        (
            "Crash-free sessions went from 97.8 to 99.4 percent [laughs].",
            "Lea Roy",
            "Lea Roy reported: Crash-free sessions went from 97.8 to 99.4 percent.",
        ),
    ],
)
def test_a_spoken_line_is_restated_with_its_facts_intact(line: str, speaker: str, statement: str) -> None:
    assert spoken_as_statement(line, speaker) == statement


@pytest.mark.parametrize(
    "line",
    [
        "The EA is on hold for him, that's for sure.",  # who is "him"? not a statement anyone can read out
        "What does that cost?",  # a question
        "Ha, yes.",  # chatter
    ],
)
def test_lines_that_cannot_stand_as_statements_are_not_claims(line: str) -> None:
    assert spoken_as_statement(line, "Sam Okafor") is None


def test_a_line_left_with_a_colon_after_its_filler_reads_from_its_first_word() -> None:
    said = spoken_as_statement("So: Dev, rollout plan to Owen by Friday; Liz, the intro by January.", "Rob Kettering")
    assert said == "Rob Kettering reported: Dev, rollout plan to Owen by Friday; Liz, the intro by January."
