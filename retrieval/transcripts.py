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
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Literal

from retrieval.evidence import Source, SourceType
from retrieval.notes import NoteError, parse_date
from retrieval.sources.dates import date_in_text

CallFormat = Literal["vtt", "srt", "txt", "sbv", "gong"]
UNKNOWN_SPEAKER = "Unknown"
UNATTRIBUTED = ""  # a line of a transcript that no one said: a title, "Action items:", a list item
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
    org: str | None = None  # the organisation the speaker's display name carried

    def render(self) -> str:
        if self.speaker == UNATTRIBUTED:
            return self.text
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
    parsers = {"vtt": parse_vtt, "srt": parse_srt, "txt": parse_txt, "sbv": parse_sbv, "gong": parse_gong}
    turns = parsers[fmt](text)
    if not turns:
        raise TranscriptError("no speaker turns found")
    normalized = "\n".join(turn.render() for turn in turns)
    sidecar = sidecar or Sidecar()
    orgs = {turn.speaker: turn.org for turn in turns if turn.org}
    return Source(
        id=sidecar.id or "call-" + hashlib.sha256(normalized.encode("utf-8")).hexdigest()[:16],
        type=SourceType.call,
        title=sidecar.title or _title_line(turns) or stem,
        date=sidecar.date or date_in_text(stem) or _title_date(turns),
        text=normalized,
        metadata={
            "attendees": list(sidecar.attendees),
            "speakers": list(dict.fromkeys(turn.speaker for turn in turns if turn.speaker != UNATTRIBUTED)),
            "format": fmt,
            **({"speaker_orgs": orgs} if orgs else {}),
        },
        origin=origin,
    )


def _title_line(turns: list[Turn]) -> str | None:
    """A transcript's own title line, without the date and "- Transcript" meeting apps add to it."""
    if not turns or turns[0].speaker != UNATTRIBUTED:
        return None
    title = re.sub(r"\s*\([^)]*\d{4}[^)]*\)", "", turns[0].text)
    return re.sub(r"\s*[-–—]\s*Transcript$", "", title, flags=re.IGNORECASE).strip() or None


def _title_date(turns: list[Turn]) -> date | None:
    """The date a transcript's own title line gives ("Halvorsen sync (2026-09-12 10:00 GMT+2)")."""
    return date_in_text(turns[0].text) if turns and turns[0].speaker == UNATTRIBUTED else None


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
    return _merge(_continued(turns))


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
    return _merge(_continued(turns))


_SBV_TIMING = re.compile(r"^\s*(?P<start>\d+:\d{2}:\d{2}\.\d{1,3}),(?P<end>\d+:\d{2}:\d{2}\.\d{1,3})\s*$")


def parse_sbv(text: str) -> list[Turn]:
    """Turns of a SubViewer (.sbv, YouTube) file: a "0:00:01.000,0:00:04.000" line, then the text."""
    turns: list[Turn] = []
    for block in _blocks(text):
        number, timing = block[0]
        match = _SBV_TIMING.match(timing)
        if match is None:
            raise TranscriptError(f"bad cue timing {timing.strip()!r}; expected h:mm:ss.ttt,h:mm:ss.ttt", number)
        if cue := _clean(" ".join(line for _, line in block[1:])):
            turns.append(_speaker_turn(cue, parse_timestamp(match.group("start"))))
    return _merge(_continued(turns))


def is_gong(text: str) -> bool:
    """A Gong call transcript export (`callTranscripts`), as opposed to a call's sidecar."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return False
    return isinstance(data, dict) and isinstance(data.get("callTranscripts"), list)


def parse_gong(text: str) -> list[Turn]:
    """Turns of a Gong transcript (GET /v2/calls/transcript) with the call's parties (/v2/calls/extensive):
    each monologue's sentences are the speaker's, named through the parties' speakerId."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TranscriptError(f"invalid JSON: {exc.msg} (column {exc.colno})", exc.lineno) from exc
    parties = data.get("parties") or [p for c in data.get("calls") or [] for p in c.get("parties") or []]
    names = {
        str(party["speakerId"]): _speaker_name(str(party.get("name") or party.get("emailAddress") or ""))
        for party in parties
        if isinstance(party, dict) and party.get("speakerId") is not None
    }
    turns: list[Turn] = []
    for call in data.get("callTranscripts") or []:
        for monologue in call.get("transcript") or []:
            speaker = names.get(str(monologue.get("speakerId")), UNKNOWN_SPEAKER)
            for sentence in monologue.get("sentences") or []:
                spoken = _clean(str(sentence.get("text") or ""))
                start = sentence.get("start")
                if spoken:
                    turns.append(Turn(speaker, spoken, start / 1000 if isinstance(start, int | float) else None))
    return _merge(turns)


_HEADER_STAMP = r"(?P<stamp>\d{1,2}:\d{2}(?::\d{2})?)"
_ZOOM_SAVED_HEADER = re.compile(rf"^\[(?P<speaker>[^\]]+)\]\s+{_HEADER_STAMP}$")  # [Laura Chen] 10:02:15
_OTTER_HEADER = re.compile(rf"^(?P<speaker>\S.*?)(?:\s{{2,}}|\t+){_HEADER_STAMP}$")  # Laura Chen  0:03
_MEET_FOOTER = re.compile(r"^Meeting ended after \d")
_STAMP_ONLY = re.compile(rf"^\[?{_HEADER_STAMP}\]?$")  # Google Meet: 00:01:00 on its own line


def parse_txt(text: str) -> list[Turn]:
    """Turns of a plain-text transcript in the layouts people save them in.

    - one turn per line, "Speaker: text" or "[hh:mm:ss] Speaker: text";
    - a speaker header then the turn's lines: Zoom's saved transcript ("[Laura Chen] 10:02:15"),
      Otter's export ("Laura Chen  0:03");
    - Google Meet's: a timestamp on its own line, then "Speaker: text" lines.
    A line that is none of these (a title, "Action items:", "- send pricing") is kept as it is,
    said by nobody, so nothing is lost and no section becomes a speaker.
    """
    turns: list[Turn] = []
    header: tuple[str, float | None] | None = None
    pending_stamp: float | None = None
    # Google Meet marks time with stamp-only lines and continues a speaker on unprefixed lines.
    meet = any(_STAMP_ONLY.match(line.strip()) for line in text.split("\n"))
    labels = Counter(
        match.group("speaker")
        for line in text.split("\n")
        if (match := _SPEAKER_TEXT.match(_TXT_STAMPED.sub(r"\g<rest>", line.strip()))) is not None
    )
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.strip()
        if not line:
            header = None
            continue
        if (block := _ZOOM_SAVED_HEADER.match(line) or _OTTER_HEADER.match(line)) is not None:
            header = (block.group("speaker"), parse_timestamp(block.group("stamp")))
            continue
        if (alone := _STAMP_ONLY.match(line)) is not None:
            pending_stamp = parse_timestamp(alone.group("stamp"))
            continue
        if header is not None:
            raw, start = header
            if start is None and turns and turns[-1].speaker == _speaker_name(raw):  # the block's next line
                turns[-1] = replace(turns[-1], text=f"{turns[-1].text} {_clean(line)}")
            else:
                turns.append(Turn(_speaker_name(raw), _clean(line), start, _speaker_org(raw)))
            header = (raw, None)
            continue
        start = pending_stamp
        pending_stamp = None
        if stamped := _TXT_STAMPED.match(line):
            start = parse_timestamp(stamped.group("stamp"))
            if start is None:
                raise TranscriptError(f"bad timestamp [{stamped.group('stamp')}]; expected [hh:mm:ss]", number)
            line = stamped.group("rest")
        match = _SPEAKER_TEXT.match(line)
        if match is not None and match.group("text") and _is_speaker_label(match.group("speaker"), labels):
            raw = match.group("speaker")
            if spoken := _clean(match.group("text")):
                turns.append(Turn(_speaker_name(raw), spoken, start, _speaker_org(raw)))
        elif (spoken := _clean(line)) and meet and turns and turns[-1].speaker and not _MEET_FOOTER.match(line):
            turns[-1] = replace(turns[-1], text=f"{turns[-1].text} {spoken}")  # Meet: the speaker goes on
        elif spoken:
            turns.append(Turn(UNATTRIBUTED, spoken, start))
    if turns and all(turn.speaker == UNATTRIBUTED for turn in turns):
        raise TranscriptError("no speaker turns found: expected 'Speaker: text' or '[hh:mm:ss] Speaker: text' lines", 1)
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
            raw = html.unescape(voice.group(1) or "")
            turns.append(Turn(_speaker_name(raw), spoken, start, _speaker_org(raw)))
    return turns


def _speaker_turn(cue: str, start: float | None) -> Turn:
    match = _SPEAKER_TEXT.match(cue)
    if match and match.group("text") and _is_speaker_label(match.group("speaker")):
        raw = match.group("speaker")
        return Turn(_speaker_name(raw), match.group("text"), start, _speaker_org(raw))
    return Turn(UNKNOWN_SPEAKER, cue, start)


_PARTICLES = {"van", "von", "der", "den", "de", "da", "del", "della", "di", "du", "la", "le", "bin", "al", "el", "y"}


def _is_speaker_label(label: str, labels: Counter[str] | None = None) -> bool:
    """A label that names someone ("Laura Chen", "Anna van der Berg", "Sam"), not a section
    ("Action items", "Next steps for the team"): every word of a longer label is capitalised.
    Where the speakers go by full names, a one-word label said once ("Notes:", "Attendees:") is a
    section too."""
    words = label.split()
    if len(words) > 1:
        return all(w[:1].isupper() or w[:1].isdigit() or w.lower() in _PARTICLES for w in words)
    if labels is None or labels[label] > 1:
        return True
    return not any(len(other.split()) > 1 and count > 1 for other, count in labels.items())


def _continued(turns: list[Turn]) -> list[Turn]:
    """Caption cues without a speaker continue the previous speaker's turn (Zoom writes the name
    only on the first cue of a turn); captions with no speaker anywhere stay Unknown."""
    continued: list[Turn] = []
    for turn in turns:
        if turn.speaker == UNKNOWN_SPEAKER and continued and continued[-1].speaker != UNKNOWN_SPEAKER:
            previous = continued[-1]
            turn = replace(turn, speaker=previous.speaker, org=previous.org)
        continued.append(turn)
    return continued


def _merge(turns: list[Turn]) -> list[Turn]:
    merged: list[Turn] = []
    for turn in turns:
        previous = merged[-1] if merged else None
        if (
            previous is not None
            and previous.speaker == turn.speaker
            and turn.speaker != UNATTRIBUTED
            and len(previous.text) + 1 + len(turn.text) <= MAX_MERGED_CHARS
        ):
            merged[-1] = replace(merged[-1], text=f"{merged[-1].text} {turn.text}")
        else:
            merged.append(turn)
    return merged


def _clean(text: str) -> str:
    return " ".join(html.unescape(_TAG.sub("", text)).split())


_DISPLAY_SUFFIX = re.compile(r"\s*(?:\|\s*[^|]*|\((?:[^()]*)\)|\[(?:[^\[\]]*)\])\s*$")
_NAME_PART = r"[^\W\d_][\w.'’\-]*"
_LAST_FIRST = re.compile(rf"^(?P<last>(?:[\w'’\-]+ ){{0,2}}{_NAME_PART}), (?P<first>{_NAME_PART}(?: {_NAME_PART})?)$")


def _speaker_name(name: str) -> str:
    """A speaker as a reader writes them: meeting apps' display names ("Okonkwo, Margaret",
    "Laura Chen | Contoso", "Henrik Lindqvist (he/him)", "Sam [Guest]") become the person's name."""
    # A colon in a name would make the rendered "Speaker: text" line ambiguous.
    plain = " ".join(name.replace(":", " ").split())
    while (suffix := _DISPLAY_SUFFIX.search(plain)) is not None and suffix.start() > 0:
        plain = plain[: suffix.start()].strip()
    if (reversed_name := _LAST_FIRST.match(plain)) is not None:
        plain = f"{reversed_name.group('first')} {reversed_name.group('last')}"
    return plain or UNKNOWN_SPEAKER


def _speaker_org(name: str) -> str | None:
    """The organisation a display name carries after a bar ("Laura Chen | Contoso" → "Contoso")."""
    if "|" not in name:
        return None
    return " ".join(name.rsplit("|", 1)[1].split()) or None


def _attendee_name(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("name") or value.get("Name")
    return _optional_text(value)


def _optional_text(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    return str(value).strip() or None
