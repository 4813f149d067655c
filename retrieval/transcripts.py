"""Call transcripts (`calls/*.vtt`, `*.srt`, `*.txt`) normalized into one Source text.

Every format becomes the same text, one line per speaker turn:

    [00:01:02] Jennifer Wu: We plan to renew in June.

or, for a plain-text transcript without timestamps, `Jennifer Wu: We plan to renew in June.`
Timestamps are the turn's start, `[hh:mm:ss]`, rounded down to the second. Cue markup
(voice, class, italics, inline timestamps) is stripped and entities unescaped; a cue's
lines are joined with a space. Consecutive VTT/SRT cues of the same speaker merge into
one turn that keeps the first cue's timestamp, up to MAX_MERGED_CHARS of turn text; a
longer monologue continues in a new turn at the timestamp of the cue that overflowed. Speakers come from VTT voice tags
(`<v Name>`, `<v.class Name>`), else from a leading "Name: " in the cue text, else are
"Unknown". Plain-text lines must be "Speaker: text" or "[hh:mm:ss] Speaker: text".

A sidecar `<stem>.json` ({"id", "date", "title", "attendees": [...]}) supplies the id,
title, date and attendees; without one the id is "call-" + 16 hex of the text's sha256.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Literal

from retrieval.evidence import Source, SourceType
from retrieval.notes import NoteError, parse_date
from retrieval.sources.dates import date_in_text

CallFormat = Literal["vtt", "srt", "txt"]
UNKNOWN_SPEAKER = "Unknown"
# Keeps a monologue (or captions without speakers) from becoming one line too long to chunk.
MAX_MERGED_CHARS = 600

_TIMESTAMP = re.compile(r"(?:(\d+):)?([0-5]?\d):([0-5]\d)(?:[.,](\d{1,3}))?")
_TIMING = re.compile(r"^\s*(\S+)\s+-->\s+(\S+)(?:\s.*)?$")
_VOICE = re.compile(r"<v(?:\.[^\s>]*)?(?:\s+([^>]*))?>")
_TAG = re.compile(r"<[^>]*>")
_NAME_WORD = r"[^\W\d_][\w.'’&()\-]*"
_SPEAKER_TEXT = re.compile(rf"^(?P<speaker>{_NAME_WORD}(?: [\w.'’&()\-]+){{0,5}})\s*:(?:\s+(?P<text>.*))?$")
_TXT_STAMPED = re.compile(r"^\[(?P<stamp>[^\]]*)\]\s*(?P<rest>.*)$")
_TURN_LINE = re.compile(r"^(?:\[(?P<stamp>\d{2,}:\d{2}:\d{2})\] )?(?P<speaker>[^:\n]+?): ")


class TranscriptError(ValueError):
    """A transcript or sidecar that cannot be read; `line` is the 1-based line, if known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class Turn:
    speaker: str
    text: str
    start: float | None = None  # seconds from the start of the call

    def render(self) -> str:
        stamp = f"[{format_timestamp(self.start)}] " if self.start is not None else ""
        return f"{stamp}{self.speaker}: {self.text}"


@dataclass(frozen=True)
class Sidecar:
    id: str | None = None
    date: date | None = None
    title: str | None = None
    attendees: list[str] = field(default_factory=list)


def parse_call(text: str, fmt: CallFormat, stem: str, sidecar: Sidecar | None = None, origin: str = "") -> Source:
    """The transcript as a Source; raises TranscriptError naming the offending line."""
    turns = {"vtt": parse_vtt, "srt": parse_srt, "txt": parse_txt}[fmt](text)
    if not turns:
        raise TranscriptError("no speaker turns found")
    normalized = "\n".join(turn.render() for turn in turns)
    sidecar = sidecar or Sidecar()
    return Source(
        id=sidecar.id or "call-" + hashlib.sha256(normalized.encode("utf-8")).hexdigest()[:16],
        type=SourceType.call,
        title=sidecar.title or stem,
        date=sidecar.date or date_in_text(stem),
        text=normalized,
        metadata={
            "attendees": list(sidecar.attendees),
            "speakers": list(dict.fromkeys(turn.speaker for turn in turns)),
            "format": fmt,
        },
        origin=origin,
    )


def parse_sidecar(text: str, problems: list[TranscriptError] | None = None) -> Sidecar:
    """A call's sidecar JSON; raises TranscriptError on bad JSON or field types.

    With `problems`, a date that cannot be read is reported there instead and the call keeps the
    rest of its sidecar (parse_call then dates it from its file name)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TranscriptError(f"invalid JSON: {exc.msg} (column {exc.colno})", exc.lineno) from exc
    if not isinstance(data, dict):
        raise TranscriptError('expected an object {"id", "date", "title", "attendees"}', 1)

    def line_of(key: str) -> int | None:
        match = re.search(rf'"{key}"\s*:', text)
        return text.count("\n", 0, match.start()) + 1 if match else None

    attendees = data.get("attendees") or []
    if not isinstance(attendees, list):
        raise TranscriptError("attendees must be a list", line_of("attendees"))
    try:
        when = parse_date(data.get("date"), line_of("date"))
    except NoteError as exc:
        if problems is None:
            raise TranscriptError(str(exc), exc.line) from exc
        problems.append(TranscriptError(f"{exc}; the call is dated from its file name instead", exc.line))
        when = None
    return Sidecar(
        id=_optional_text(data.get("id")),
        date=when,
        title=_optional_text(data.get("title")),
        attendees=[name for a in attendees if (name := _attendee_name(a))],
    )


def parse_vtt(text: str) -> list[Turn]:
    """Turns of a WebVTT file."""
    blocks = _blocks(text)
    if not blocks or not blocks[0][0][1].lstrip("\ufeff").startswith("WEBVTT"):
        raise TranscriptError("a WebVTT file must start with 'WEBVTT'", 1)
    turns: list[Turn] = []
    for block in blocks[1:]:
        first = block[0][1]
        if re.match(r"^(NOTE|STYLE|REGION)(\s|$)", first):
            continue
        start, payload = _cue(block, "hh:mm:ss.ttt --> hh:mm:ss.ttt")
        turns.extend(_voice_turns(" ".join(payload), start))
    return _merge(turns)


def parse_srt(text: str) -> list[Turn]:
    """Turns of a SubRip file; the speaker is a leading "Name: " in the cue text, else Unknown."""
    turns: list[Turn] = []
    for block in _blocks(text):
        if block[0][1].strip().isdigit():
            block = block[1:]
            if not block:
                continue
        start, payload = _cue(block, "hh:mm:ss,ttt --> hh:mm:ss,ttt", identifier=False)
        if cue := _clean(" ".join(payload)):
            turns.append(_speaker_turn(cue, start))
    return _merge(turns)


def parse_txt(text: str) -> list[Turn]:
    """Turns of a plain-text transcript: every non-blank line is one turn."""
    turns: list[Turn] = []
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.strip()
        if not line:
            continue
        start = None
        if stamped := _TXT_STAMPED.match(line):
            start = parse_timestamp(stamped.group("stamp"))
            if start is None:
                raise TranscriptError(f"bad timestamp [{stamped.group('stamp')}]; expected [hh:mm:ss]", number)
            line = stamped.group("rest")
        match = _SPEAKER_TEXT.match(line)
        if match is None:
            raise TranscriptError("expected 'Speaker: text' or '[hh:mm:ss] Speaker: text'", number)
        if spoken := _clean(match.group("text") or ""):
            turns.append(Turn(_speaker_name(match.group("speaker")), spoken, start))
    return turns


def parse_turn_line(line: str) -> tuple[str | None, str | None]:
    """(hh:mm:ss or None, speaker or None) of one line of a normalized call text."""
    match = _TURN_LINE.match(line)
    if match is None:
        return None, None
    return match.group("stamp"), match.group("speaker")


def parse_timestamp(value: str) -> float | None:
    """Seconds of "hh:mm:ss.ttt", "mm:ss,ttt", "h:mm:ss" and the like; None if it is not one."""
    match = _TIMESTAMP.fullmatch(value.strip())
    if match is None:
        return None
    hours, minutes, seconds, fraction = match.groups()
    return (
        int(hours or 0) * 3600
        + int(minutes) * 60
        + int(seconds)
        + (int(fraction.ljust(3, "0")) / 1000 if fraction else 0.0)
    )


def format_timestamp(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def _blocks(text: str) -> list[list[tuple[int, str]]]:
    """Groups of consecutive non-blank lines, each line with its 1-based number."""
    blocks: list[list[tuple[int, str]]] = []
    current: list[tuple[int, str]] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            current.append((number, line))
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def _cue(block: list[tuple[int, str]], expected: str, identifier: bool = True) -> tuple[float, list[str]]:
    """The start time and text lines of a cue block (an optional identifier line, timing, text)."""
    timing_at = 0
    if "-->" not in block[0][1]:
        if identifier and len(block) > 1 and "-->" in block[1][1]:
            timing_at = 1
        else:
            raise TranscriptError(f"expected a cue timing line ({expected})", block[0][0])
    number, timing = block[timing_at]
    match = _TIMING.match(timing)
    start = parse_timestamp(match.group(1)) if match else None
    if match is None or start is None or parse_timestamp(match.group(2)) is None:
        raise TranscriptError(f"bad cue timing {timing.strip()!r}; expected {expected}", number)
    payload = block[timing_at + 1 :]
    for later_number, line in payload:
        if "-->" in line:
            raise TranscriptError("cue timing inside cue text; is a blank line missing before it?", later_number)
    return start, [line for _, line in payload]


def _voice_turns(cue: str, start: float) -> list[Turn]:
    """One turn per voice span of a VTT cue; text before the first span is a turn of its own."""
    turns: list[Turn] = []
    voices = list(_VOICE.finditer(cue))
    if lead := _clean(cue[: voices[0].start()] if voices else cue):
        turns.append(_speaker_turn(lead, start))
    for index, voice in enumerate(voices):
        end = voices[index + 1].start() if index + 1 < len(voices) else len(cue)
        spoken = _clean(cue[voice.end() : end])
        if spoken:
            name = _speaker_name(html.unescape(voice.group(1) or ""))
            turns.append(Turn(name, spoken, start))
    return turns


def _speaker_turn(cue: str, start: float | None) -> Turn:
    match = _SPEAKER_TEXT.match(cue)
    if match and match.group("text"):
        return Turn(_speaker_name(match.group("speaker")), match.group("text"), start)
    return Turn(UNKNOWN_SPEAKER, cue, start)


def _merge(turns: list[Turn]) -> list[Turn]:
    merged: list[Turn] = []
    for turn in turns:
        previous = merged[-1] if merged else None
        if (
            previous is not None
            and previous.speaker == turn.speaker
            and len(previous.text) + 1 + len(turn.text) <= MAX_MERGED_CHARS
        ):
            merged[-1] = replace(merged[-1], text=f"{merged[-1].text} {turn.text}")
        else:
            merged.append(turn)
    return merged


def _clean(text: str) -> str:
    return " ".join(html.unescape(_TAG.sub("", text)).split())


def _speaker_name(name: str) -> str:
    # A colon in a name would make the rendered "Speaker: text" line ambiguous.
    return " ".join(name.replace(":", " ").split()) or UNKNOWN_SPEAKER


def _attendee_name(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("name") or value.get("Name")
    return _optional_text(value)


def _optional_text(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    return str(value).strip() or None
