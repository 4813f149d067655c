"""One call saved by every meeting tool, and notes in every shape people keep them, read right.

The fixtures (tests/retrieval/fixtures/evidence_shapes) were written from the vendors'
documentation and public samples by a helper that never saw the parsers; expected.json says what
a reader of each file would take from it.
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from agents.reading import speakers_of, split_sentences
from retrieval.bundle import load_bundle
from retrieval.evidence import Bundle, Source, SourceType

SHAPES = Path(__file__).resolve().parent / "fixtures" / "evidence_shapes"
EXPECTED: dict[str, Any] = json.loads((SHAPES / "expected.json").read_text(encoding="utf-8"))
CALLS_BUNDLE = SHAPES / "calls-bundle"
NOTES = load_bundle(SHAPES / "notes-bundle")


def _call_alone(name: str, tmp_path: Path) -> Bundle:
    """A bundle of the account and this one call (and its sidecar): the same call saved by two tools
    has the same text, so in one bundle the second copy is rightly skipped as a duplicate."""
    folder = tmp_path / "bundle"
    shutil.copytree(CALLS_BUNDLE / "crm", folder / "crm")
    (folder / "calls").mkdir()
    for path in (CALLS_BUNDLE / "calls").glob(f"{Path(name).stem}.*"):
        shutil.copy(path, folder / "calls" / path.name)
    return load_bundle(folder)


def _source(bundle: Bundle, folder: str, name: str) -> Source:
    return next(s for s in bundle.sources if s.origin == f"{folder}/{name}")


def _said_by(call: Source, phrase: str) -> str | None:
    flat = " ".join(call.text.split())
    assert phrase in flat, phrase
    for sentence in split_sentences(call.text, transcript=True, speakers=speakers_of(call)):
        if phrase.split()[0] in sentence.text and phrase[:20] in " ".join(call.text[sentence.start :].split())[:400]:
            return sentence.speaker
    return None


@pytest.mark.parametrize("name", list(EXPECTED["calls"]))
def test_every_meeting_tools_transcript_gives_the_same_people_saying_the_same_things(name: str, tmp_path: Path) -> None:
    expected = EXPECTED["calls"][name]
    alone = _call_alone(name, tmp_path)
    assert alone.issues == []
    call = _source(alone, "calls", name)

    assert call.type is SourceType.call
    assert sorted(call.metadata["speakers"]) == sorted(expected["speakers"])
    assert len(call.text.split("\n")) >= expected["turns_at_least"] or len(call.metadata["speakers"]) == 4
    assert call.date == (date.fromisoformat(expected["date"]) if expected["date"] else None)
    flat = " ".join(call.text.split())
    assert all(phrase in flat for phrase in expected["must_contain"])
    for phrase, person in expected["said_by"].items():
        assert _said_by(call, phrase) == person, phrase
    assert not set(expected["not_speakers"]) & set(call.metadata["speakers"])
    if "title" in expected:
        assert call.title == expected["title"]


@pytest.mark.parametrize("name", list(EXPECTED["notes"]))
def test_notes_in_every_shape_keep_their_text_date_and_title(name: str) -> None:
    expected = EXPECTED["notes"][name]
    note = _source(NOTES, "notes", name)

    assert note.type is SourceType.note
    assert note.date == (date.fromisoformat(expected["date"]) if expected["date"] else None)
    flat = " ".join(note.text.split())
    assert all(phrase in flat for phrase in expected["must_contain"]), note.text
    assert not any(junk in note.text for junk in expected.get("must_not_contain", []))
    assert note.title in expected.get("title_acceptable", [expected["title"]])
    if "author" in expected:
        assert note.metadata["author"] == expected["author"]


def test_what_could_not_be_read_is_said_and_nothing_else() -> None:
    notes = [str(issue) for issue in NOTES.issues]
    assert len(notes) == 2, notes
    assert any(issue.startswith("notes/weird-date.md:") and "'next Tuesday' is not a date" in issue for issue in notes)
    assert "notes/cp1252-note.md: not UTF-8; read as cp1252" in notes


def test_the_same_call_saved_by_two_tools_is_read_once() -> None:
    calls = load_bundle(CALLS_BUNDLE)
    assert calls.issues and all("is taken by" in issue.message for issue in calls.issues)
