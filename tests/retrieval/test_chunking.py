"""Chunking: slices of a source's text with locators an agent can cite."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retrieval.bundle import load_bundle
from retrieval.chunking import chunk_bundle, chunk_source
from retrieval.evidence import Chunk, Source, SourceType
from retrieval.notes import parse_note
from retrieval.transcripts import parse_call

MINI = Path(__file__).parent / "fixtures" / "mini_bundle"


def call(text: str) -> Source:
    return Source(id="call-1", type=SourceType.call, title="Call", text=text)


def assert_slices(source: Source, chunks: list[Chunk]) -> None:
    for chunk in chunks:
        assert source.text[chunk.start : chunk.end] == chunk.text
        assert chunk.source_id == source.id
    assert [c.id for c in chunks] == [f"{source.id}#{n}" for n in range(len(chunks))]


def test_call_chunks_pack_whole_turns_with_timestamp_locators() -> None:
    turns = [f"[00:0{n}:00] {'Ann' if n % 2 else 'Bob'}: {'word ' * 20}".strip() for n in range(6)]
    source = call("\n".join(turns))

    chunks = chunk_source(source, max_chars=250)

    assert_slices(source, chunks)
    assert [c.text for c in chunks] == ["\n".join(turns[0:2]), "\n".join(turns[2:4]), "\n".join(turns[4:6])]
    assert [c.locator for c in chunks] == ["00:00:00–00:01:00", "00:02:00–00:03:00", "00:04:00–00:05:00"]
    assert chunks[0].metadata == {"speakers": ["Bob", "Ann"]}


def test_a_long_turn_is_a_chunk_of_its_own() -> None:
    source = call("[00:00:01] Ann: Hi.\n[00:00:02] Bob: " + "long " * 100 + "\n[00:00:09] Ann: Ok.")

    chunks = chunk_source(source, max_chars=100)

    assert_slices(source, chunks)
    assert [c.locator for c in chunks] == ["00:00:01", "00:00:02", "00:00:09"]
    assert len(chunks[1].text) > 100


def test_call_turns_without_timestamps_are_located_by_turn_number() -> None:
    source = parse_call("Ann: One.\nBob: Two.\nAnn: Three.\nBob: Four.", "txt", stem="c")

    chunks = chunk_source(source, max_chars=25)

    assert [(c.text, c.locator) for c in chunks] == [
        ("Ann: One.\nBob: Two.", "turns 1–2"),
        ("Ann: Three.\nBob: Four.", "turns 3–4"),
    ]


def test_note_chunks_follow_sections_with_file_line_locators() -> None:
    path = MINI / "notes" / "2026-03-05-exec-sync.md"
    file_lines = path.read_text().split("\n")
    source = parse_note(path.read_text(), stem=path.stem)

    chunks = chunk_source(source)

    assert_slices(source, chunks)
    assert [c.metadata["section"] for c in chunks] == ["Exec sync with Jennifer Wu", "Risks", "Next steps"]
    assert [c.locator for c in chunks] == ["lines 8–11", "lines 13–16", "lines 18–21"]
    for chunk in chunks:
        first, last = (int(n) for n in chunk.locator.removeprefix("lines ").split("–"))
        assert chunk.text == "\n".join(file_lines[first - 1 : last])


def test_a_long_note_section_splits_at_paragraphs_then_lines() -> None:
    paragraphs = ["alpha " * 10, "beta " * 10, "\n".join(["gamma " * 10] * 4)]
    body = "## Plan\n\n" + "\n\n".join(p.strip() for p in paragraphs)
    source = parse_note("---\nid: n1\n---\n" + body, stem="n")

    chunks = chunk_source(source, max_chars=100)

    assert_slices(source, chunks)
    assert chunks[0].text == "## Plan\n\n" + paragraphs[0].strip()
    assert chunks[0].locator == "lines 4–6"
    assert chunks[1].text == paragraphs[1].strip()
    assert [c.text for c in chunks[2:]] == [("gamma " * 10).strip()] * 4
    assert all(len(c.text) <= 100 for c in chunks)
    assert {c.metadata["section"] for c in chunks} == {"Plan"}
    assert " ".join(c.text for c in chunks).split() == body.split()


def test_a_crm_record_is_one_chunk_located_by_its_type() -> None:
    bundle = load_bundle(MINI)
    contact = next(s for s in bundle.sources if s.id == "003000000000002AAA")

    chunks = chunk_source(contact, max_chars=20)

    assert [(c.id, c.text, c.locator) for c in chunks] == [("003000000000002AAA#0", contact.text, "Contact")]


def test_chunk_bundle_covers_every_source_in_order() -> None:
    bundle = load_bundle(MINI)

    chunks = chunk_bundle(bundle)

    assert list(dict.fromkeys(c.source_id for c in chunks)) == [s.id for s in bundle.sources]
    sources = {s.id: s for s in bundle.sources}
    for chunk in chunks:
        assert sources[chunk.source_id].text[chunk.start : chunk.end] == chunk.text


def test_max_chars_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_chars"):
        chunk_source(call("Ann: Hi."), max_chars=0)


turn_lines = st.builds(
    lambda stamp, speaker, words: f"{stamp}{speaker}: {words}",
    st.sampled_from(["", "[00:00:01] ", "[01:02:03] "]),
    st.sampled_from(["Ann", "Bob Lee", "Unknown"]),
    st.text(st.characters(blacklist_characters="\n"), max_size=120),
)
call_texts = st.lists(turn_lines | st.text(max_size=40), max_size=12).map("\n".join)
note_texts = st.lists(
    st.sampled_from(["# Title", "## Section", "", "   ", "```", "text line", "- item"]) | st.text(max_size=80),
    max_size=25,
).map("\n".join)


@settings(max_examples=100, deadline=None)
@given(
    kind=st.sampled_from(list(SourceType)),
    call_text=call_texts,
    note_text=note_texts,
    max_chars=st.integers(min_value=1, max_value=300),
    first_body_line=st.integers(min_value=1, max_value=9),
)
def test_every_chunk_is_an_exact_ordered_slice_covering_the_text(
    kind: SourceType, call_text: str, note_text: str, max_chars: int, first_body_line: int
) -> None:
    text = call_text if kind == SourceType.call else note_text
    source = Source(
        id="s",
        type=kind,
        title="t",
        text=text,
        metadata={"first_body_line": first_body_line, "sobject": "Task"},
    )

    chunks = chunk_source(source, max_chars=max_chars)

    assert_slices(source, chunks)
    assert all(c.text and not c.text[0].isspace() and not c.text[-1].isspace() for c in chunks)
    assert all(a.end <= b.start for a, b in zip(chunks, chunks[1:], strict=False))
    covered = {i for c in chunks for i in range(c.start, c.end)}
    assert all(i in covered for i, ch in enumerate(text) if not ch.isspace())
