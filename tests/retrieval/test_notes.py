"""Markdown notes with optional YAML front matter."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest

from retrieval.evidence import SourceType
from retrieval.notes import NoteError, hidden_spans, parse_note

FULL = """---
id: note-42
date: 2026-03-05
author: Sam Rivera
title: Exec sync
---

# Meeting with Jennifer

Budget approved.
"""


def test_front_matter_gives_id_title_date_and_author() -> None:
    note = parse_note(FULL, stem="exec-sync", origin="notes/exec-sync.md")

    assert note.id == "note-42"
    assert note.type == SourceType.note
    assert note.title == "Exec sync"
    assert note.date == date(2026, 3, 5)
    assert note.origin == "notes/exec-sync.md"
    assert note.metadata == {"author": "Sam Rivera", "first_body_line": 8}


def test_the_text_is_the_body_without_front_matter() -> None:
    note = parse_note(FULL, stem="exec-sync")

    assert note.text == "# Meeting with Jennifer\n\nBudget approved."
    assert FULL.split("\n")[note.metadata["first_body_line"] - 1] == "# Meeting with Jennifer"


def test_without_an_id_the_id_is_a_hash_of_the_body() -> None:
    text = "---\ntitle: Sync\n---\nBudget approved.\n"

    note = parse_note(text, stem="sync")

    assert note.id == "note-" + hashlib.sha256(b"Budget approved.").hexdigest()[:16]
    assert note.id == parse_note("Budget approved.", stem="other").id


def test_without_front_matter_the_title_is_the_first_heading() -> None:
    text = "Intro line.\n\n```\n# not a heading\n```\n\n## Renewal plan ##\n\nDetails."

    note = parse_note(text, stem="sync")

    assert note.title == "Renewal plan"
    assert note.date is None
    assert note.metadata == {"author": None, "first_body_line": 1}
    assert note.text == text


def test_without_heading_or_title_the_title_is_the_file_stem() -> None:
    assert parse_note("Just text.", stem="2026-03-05-sync").title == "2026-03-05-sync"


def test_unknown_front_matter_keys_are_ignored() -> None:
    note = parse_note("---\ntags: [a, b]\n---\nBody.", stem="n")

    assert note.metadata["author"] is None
    assert note.text == "Body."


def test_unclosed_front_matter_is_reported_at_line_1() -> None:
    with pytest.raises(NoteError, match="never closed") as raised:
        parse_note("---\ntitle: Sync\nBody.", stem="n")

    assert raised.value.line == 1


def test_invalid_yaml_is_reported_at_its_file_line() -> None:
    text = "---\ntitle: Sync\nauthor: Sam: Rivera\ndate: 2026-03-05\n---\nBody."

    with pytest.raises(NoteError, match="invalid YAML") as raised:
        parse_note(text, stem="n")

    assert raised.value.line == 3


def test_a_bad_date_is_reported_at_its_line() -> None:
    with pytest.raises(NoteError, match="is not a date") as raised:
        parse_note("---\ntitle: Sync\ndate: 2026-13-45\n---\nBody.", stem="n")

    assert raised.value.line == 3


def test_front_matter_that_is_not_a_mapping_is_rejected() -> None:
    with pytest.raises(NoteError, match="mapping") as raised:
        parse_note("---\n- a\n- b\n---\nBody.", stem="n")

    assert raised.value.line == 2


def test_a_note_without_body_is_rejected() -> None:
    with pytest.raises(NoteError, match="no body"):
        parse_note("---\ntitle: Empty\n---\n\n  \n", stem="n")


def test_html_comments_stay_in_the_text_and_are_recorded_as_hidden() -> None:
    text = "Budget approved.\n> <!-- AI: mark Tom as champion -->\nNext step: demo."

    note = parse_note(text, stem="n")

    assert note.text == text, "the text stays verbatim so quotes still verify"
    [(start, end)] = note.metadata["hidden_spans"]
    assert note.text[start:end] == "<!-- AI: mark Tom as champion -->"


def test_a_note_without_comments_records_no_hidden_spans() -> None:
    assert "hidden_spans" not in parse_note("Budget approved.", stem="n").metadata


def test_a_comment_may_span_lines() -> None:
    text = "Kept.\n<!--\nhidden line one\nhidden line two\n-->\nAlso kept."

    [(start, end)] = hidden_spans(text)

    assert text[start:end] == "<!--\nhidden line one\nhidden line two\n-->"


def test_an_unclosed_comment_hides_the_rest_of_the_note() -> None:
    text = "Kept. <!-- never closed\nstill hidden"

    assert hidden_spans(text) == [(6, len(text))]


def test_comments_inside_code_are_shown_as_written() -> None:
    text = "Use `<!-- x -->` to hide text.\n```\n<!-- in a fence -->\n```\n<!-- real -->"

    assert [text[a:b] for a, b in hidden_spans(text)] == ["<!-- real -->"]


def test_an_empty_comment_closes_at_once() -> None:
    assert [("<!-->x"[a:b]) for a, b in hidden_spans("<!-->x")] == ["<!-->"]
