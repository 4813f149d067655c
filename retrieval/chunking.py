"""Slicing sources into retrievable chunks; every chunk is `source.text[start:end]`.

- Calls: consecutive whole speaker turns (lines) up to `max_chars`; a single longer turn
  is a chunk of its own. Locator "00:01:02–00:03:10" (first and last turn's timestamps),
  or "turns 3–7" (1-based) when a turn has no timestamp; one turn gives "00:01:02" or
  "turn 3". Metadata {"speakers": [...]}, distinct, in order.
- Notes: one chunk per markdown section (a heading starts one); a longer section is split
  at paragraphs, and a longer paragraph at lines. Locator "lines a–b" ("line a" for one)
  in the note file's line numbers. Metadata {"section": the heading's text or None}.
- CRM records: one chunk of the whole text, locator the sObject type.
- Whatever the source, a piece longer than `max(max_chars, MAX_CHUNK_CHARS)` (a turn, a line
  or a record with no break in it) is cut into pieces that fit, at a line break, else a space,
  else anywhere; each keeps the locator and metadata of the whole. So no search result is ever
  larger than that, whatever a file holds.

Chunk ids are f"{source.id}#{n}", n counting from 0 in text order. Chunks never start or
end with whitespace and never overlap.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from retrieval.evidence import Bundle, Chunk, Source, SourceType
from retrieval.notes import headings
from retrieval.transcripts import parse_turn_line

DEFAULT_MAX_CHARS = 700
# A longer turn or line than max_chars stays whole up to here: it is quoted as one. Past it, a
# chunk is no longer retrieval-sized (the embedder reads about its first 1,000 characters).
MAX_CHUNK_CHARS = 4_000

_LINE = re.compile(r"[^\n]+")
_PARAGRAPH = re.compile(r"\S(?:.*\S)?(?:\n[ \t]*\S(?:.*\S)?)*")


@dataclass(frozen=True)
class _Span:
    start: int
    end: int


def chunk_source(source: Source, max_chars: int = DEFAULT_MAX_CHARS) -> list[Chunk]:
    """The source's chunks, in text order."""
    if max_chars < 1:
        raise ValueError("max_chars must be positive")
    if source.type == SourceType.call:
        pieces = _call_pieces(source.text, max_chars)
    elif source.type == SourceType.note:
        pieces = _note_pieces(source, max_chars)
    else:
        pieces = _crm_pieces(source)
    ceiling = max(max_chars, MAX_CHUNK_CHARS)
    return [
        Chunk(
            id=f"{source.id}#{n}",
            source_id=source.id,
            text=source.text[span.start : span.end],
            start=span.start,
            end=span.end,
            locator=locator,
            metadata=metadata,
        )
        for n, (span, locator, metadata) in enumerate(
            (part, locator, metadata)
            for whole, locator, metadata in pieces
            for part in _cut(source.text, whole, ceiling)
        )
    ]


def chunk_bundle(bundle: Bundle, max_chars: int = DEFAULT_MAX_CHARS) -> list[Chunk]:
    """The chunks of every source of the bundle, in source order."""
    return [chunk for source in bundle.sources for chunk in chunk_source(source, max_chars)]


_Piece = tuple[_Span, str, dict[str, Any]]


def _crm_pieces(source: Source) -> list[_Piece]:
    span = _trimmed(source.text, 0, len(source.text))
    if span is None:
        return []
    return [(span, str(source.metadata.get("sobject") or source.type.value), {})]


def _call_pieces(text: str, max_chars: int) -> list[_Piece]:
    turns = [_trimmed(text, m.start(), m.end()) for m in _LINE.finditer(text)]
    spans = [t for t in turns if t is not None]
    pieces: list[_Piece] = []
    number = 0
    for group in _pack(spans, max_chars):
        first, last = number + 1, number + len(group)
        number = last
        parsed = [parse_turn_line(text[s.start : s.end]) for s in group]
        first_stamp, last_stamp = parsed[0][0], parsed[-1][0]
        if first_stamp and last_stamp:
            locator = _range("", first_stamp, last_stamp)
        else:
            locator = _range("turn", str(first), str(last))
        speakers = list(dict.fromkeys(speaker for _, speaker in parsed if speaker))
        pieces.append((_Span(group[0].start, group[-1].end), locator, {"speakers": speakers}))
    return pieces


def _note_pieces(source: Source, max_chars: int) -> list[_Piece]:
    text = source.text
    line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
    first_line = int(source.metadata.get("first_body_line") or 1)
    found = headings(text)
    bounds = [0] + [index for index, _ in found if index > 0] + [len(line_starts)]
    titles = {index: title for index, title in found}

    pieces: list[_Piece] = []
    for top, bottom in zip(bounds, bounds[1:], strict=False):
        section_end = line_starts[bottom] - 1 if bottom < len(line_starts) else len(text)
        section = _trimmed(text, line_starts[top], section_end)
        if section is None:
            continue
        units = [section]
        if section.end - section.start > max_chars:
            units = list(_paragraph_units(text, section, max_chars))
        for group in _pack(units, max_chars):
            span = _Span(group[0].start, group[-1].end)
            a = first_line + bisect_right(line_starts, span.start) - 1
            b = first_line + bisect_right(line_starts, span.end - 1) - 1
            pieces.append((span, _range("line", str(a), str(b)), {"section": titles.get(top)}))
    return pieces


def _paragraph_units(text: str, section: _Span, max_chars: int) -> Iterable[_Span]:
    for paragraph in _PARAGRAPH.finditer(text, section.start, section.end):
        if paragraph.end() - paragraph.start() <= max_chars:
            yield _Span(paragraph.start(), paragraph.end())
            continue
        for line in _LINE.finditer(text, paragraph.start(), paragraph.end()):
            if (span := _trimmed(text, line.start(), line.end())) is not None:
                yield span


def _pack(spans: list[_Span], max_chars: int) -> list[list[_Span]]:
    """Greedy runs of consecutive spans whose extent fits max_chars; a longer span stays whole."""
    groups: list[list[_Span]] = []
    for span in spans:
        if groups and span.end - groups[-1][0].start <= max_chars:
            groups[-1].append(span)
        else:
            groups.append([span])
    return groups


def _cut(text: str, span: _Span, ceiling: int) -> Iterable[_Span]:
    """The span in pieces of at most `ceiling` characters: cut at the last line break, else the last
    space or tab, that leaves a piece that fits; with neither, at the ceiling itself."""
    start = span.start
    while span.end - start > ceiling:
        limit = start + ceiling
        cut = text.rfind("\n", start + 1, limit + 1)
        if cut < 0:
            cut = max(text.rfind(" ", start + 1, limit + 1), text.rfind("\t", start + 1, limit + 1))
        if cut < 0:
            cut = limit
        piece, rest = _trimmed(text, start, cut), _trimmed(text, cut, span.end)
        # Neither is empty: the span starts and ends with text, and start < cut < span.end.
        assert piece is not None and rest is not None
        yield piece
        start = rest.start
    yield _Span(start, span.end)


def _trimmed(text: str, start: int, end: int) -> _Span | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return _Span(start, end) if start < end else None


def _range(unit: str, first: str, last: str) -> str:
    if first == last:
        return f"{unit} {first}".strip()
    return f"{unit}s {first}–{last}".strip() if unit else f"{first}–{last}"
