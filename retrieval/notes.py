"""Meeting notes (`notes/*.md`): optional YAML front matter and a markdown body, read into a Source.

Front matter is the block between a first line `---` and the next `---` (or `...`) line.
Its keys `id`, `date` (YYYY-MM-DD), `author` and `title` are used; others are ignored.
The Source's text is the body: everything after the front matter, without leading
blank lines or trailing whitespace, so `metadata["first_body_line"]` (1-based, in the
file) plus a line's index in the text is that line's number in the file.

HTML comments (`<!-- ... -->`) stay in the text, verbatim, but a rendered note never shows
them, so they are not something the note says: their (start, end) offsets in the text are
recorded as `metadata["hidden_spans"]` (only when there are any) for readers to skip.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import yaml

from retrieval.evidence import Source, SourceType
from retrieval.sources.dates import AmbiguousDate, date_in_text, parse_written_date

_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_FRONT_MATTER_KEYS = ("id", "date", "author", "title")


class NoteError(ValueError):
    """A note that cannot be read; `line` is the 1-based line in the file, if known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


class _FrontMatterLoader(yaml.SafeLoader):
    """Safe YAML that leaves dates as strings, so a bad date is reported at its line."""


_FrontMatterLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class NoteProblem:
    """Something wrong in a note that still imports (a date that could not be read)."""

    line: int | None
    message: str


def parse_note(text: str, stem: str, origin: str = "", problems: list[NoteProblem] | None = None) -> Source:
    """The note as a Source; raises NoteError on malformed front matter or an empty body.

    Its date is the front matter's; else the first date in the file name or the first heading
    ("2026-09-12-sync.md", "# Renewal sync, 12 Sep 2026"). A front-matter date that cannot be
    read does not lose the note: it is reported in `problems` and the fallback applies.
    """
    lines = text.split("\n")
    front: dict[str, Any] = {}
    body_start = 0
    if lines[0].strip() == "---":
        end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)
        if end is None:
            raise NoteError("front matter opened on line 1 is never closed with '---'", 1)
        try:
            front = _load_front_matter(lines[1:end])
        except NoteError as exc:
            if problems is None:
                raise
            # "title: Re: Fwd: numbers" is no YAML, but a person reads it fine: so do we.
            front = _plain_front_matter(lines[1:end])
            problems.append(NoteProblem(exc.line, f"{exc}; its lines were read as plain 'key: value'"))
        body_start = end + 1
    while body_start < len(lines) and not lines[body_start].strip():
        body_start += 1
    body = "\n".join(lines[body_start:]).rstrip()
    if not body:
        raise NoteError("note has no body text")

    def line_of(key: str) -> int | None:
        pattern = re.compile(rf"^{re.escape(key)}\s*:")
        return next((i + 1 for i, line in enumerate(lines) if pattern.match(line)), None)

    note_id = _optional_text(front.get("id")) or "note-" + _digest(body)
    title = _optional_text(front.get("title")) or first_heading(body) or stem
    author = front.get("author")
    if isinstance(author, list):
        author = ", ".join(str(a) for a in author)
    metadata: dict[str, Any] = {"author": _optional_text(author), "first_body_line": body_start + 1}
    if hidden := hidden_spans(body):
        metadata["hidden_spans"] = [[start, end] for start, end in hidden]
    try:
        when = parse_date(front.get("date"), line_of("date"))
    except NoteError as exc:
        if problems is None:
            raise
        problems.append(NoteProblem(exc.line, f"{exc}; dated from its file name or heading instead"))
        when = None
    when = when or date_in_text(stem) or date_in_text(first_heading(body) or "")
    return Source(
        id=note_id,
        type=SourceType.note,
        title=title,
        date=when,
        text=body,
        metadata=metadata,
        origin=origin,
    )


_INLINE_CODE = re.compile(r"(?<!`)(`+)(?!`).+?(?<!`)\1(?!`)")


def hidden_spans(markdown: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the HTML comments in `markdown`: text a reader of the rendered note never sees.

    A comment inside code (a fenced block or `inline code`) is shown as written, so it is not
    hidden; a comment that is never closed hides the rest of the note, as it does in a browser.
    """
    code = _code_spans(markdown)
    spans: list[tuple[int, int]] = []
    position = 0
    while (start := markdown.find("<!--", position)) >= 0:
        if inside := next(((a, b) for a, b in code if a <= start < b), None):
            position = inside[1]
            continue
        close = markdown.find("-->", start + 2)  # "<!-->" is a complete, empty comment
        end = len(markdown) if close < 0 else close + 3
        spans.append((start, end))
        position = end
    return spans


def _code_spans(markdown: str) -> list[tuple[int, int]]:
    """(start, end) offsets of fenced code blocks and inline code spans."""
    spans: list[tuple[int, int]] = []
    fence: str | None = None
    fence_start = offset = 0
    for line in markdown.split("\n"):
        if match := _FENCE.match(line):
            marker = match.group(1)
            if fence is None:
                fence, fence_start = marker, offset
            elif fence == marker:
                fence = None
                spans.append((fence_start, offset + len(line)))
        elif fence is None:
            spans.extend((offset + m.start(), offset + m.end()) for m in _INLINE_CODE.finditer(line))
        offset += len(line) + 1
    if fence is not None:
        spans.append((fence_start, len(markdown)))
    return spans


def _plain_front_matter(lines: list[str]) -> dict[str, Any]:
    """Front matter read line by line, each "key: value" split at its first colon."""
    front: dict[str, Any] = {}
    for line in lines:
        key, colon, value = line.partition(":")
        if colon and key.strip() in _FRONT_MATTER_KEYS and value.strip():
            front.setdefault(key.strip(), value.strip().strip("'\""))
    return front


def _load_front_matter(lines: list[str]) -> dict[str, Any]:
    try:
        loaded = yaml.load("\n".join(lines), Loader=_FrontMatterLoader)  # noqa: S506 - a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        # The front matter starts on line 2 of the file; marks are 0-based.
        line = mark.line + 2 if mark else 1
        raise NoteError(f"invalid YAML front matter: {problem}", line) from exc
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise NoteError("front matter must be a mapping (key: value lines)", 2)
    return {key: loaded[key] for key in _FRONT_MATTER_KEYS if loaded.get(key) is not None}


def parse_date(value: Any, line: int | None = None) -> date | None:
    """A date from front matter or a sidecar, written any way `retrieval.sources.dates` reads;
    NoteError if it is none, or reads two ways."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            parsed = parse_written_date(value)
        except AmbiguousDate as exc:
            raise NoteError(str(exc), line) from exc
        if parsed is not None:
            return parsed
    raise NoteError(f"date {value!r} is not a date (write YYYY-MM-DD or like 12 Sep 2026)", line)


def first_heading(markdown: str) -> str | None:
    """The text of the first ATX heading outside code fences."""
    for _, level_text in headings(markdown):
        return level_text
    return None


def headings(markdown: str) -> list[tuple[int, str]]:
    """(0-based line index, heading text) of every ATX heading outside code fences."""
    found: list[tuple[int, str]] = []
    fence: str | None = None
    for index, line in enumerate(markdown.split("\n")):
        if match := _FENCE.match(line):
            marker = match.group(1)
            fence = None if fence == marker else fence or marker
            continue
        if fence is None and (heading := _HEADING.match(line)) and heading.group(2).strip():
            found.append((index, heading.group(2).strip()))
    return found


def _optional_text(value: Any) -> str | None:
    if value is None:
        return None
    return str(value).strip() or None


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
