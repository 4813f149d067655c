"""Call transcripts: every format normalizes to "[hh:mm:ss] Speaker: text" turns."""

from __future__ import annotations

import hashlib
import html
import re
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retrieval.evidence import SourceType
from retrieval.transcripts import (
    MAX_MERGED_CHARS,
    CallFormat,
    Sidecar,
    TranscriptError,
    parse_call,
    parse_sidecar,
    parse_srt,
    parse_turn_line,
    parse_txt,
    parse_vtt,
)


def vtt_text(source: str) -> str:
    return parse_call(source, "vtt", stem="call").text


def test_vtt_voice_tags_closed_unclosed_and_with_classes() -> None:
    source = """WEBVTT
Kind: captions

00:00:01.000 --> 00:00:04.000
<v Jennifer Wu>We plan to renew in June.</v>

00:00:04.000 --> 00:00:06.000
<v.loud Sam Rivera>Great news

00:01:02.500 --> 00:01:05.000 align:start
<v.first.loud Raj Patel>The pilot went well.</v>
"""

    assert vtt_text(source) == (
        "[00:00:01] Jennifer Wu: We plan to renew in June.\n"
        "[00:00:04] Sam Rivera: Great news\n"
        "[00:01:02] Raj Patel: The pilot went well."
    )


def test_vtt_consecutive_cues_of_a_speaker_merge_keeping_the_first_timestamp() -> None:
    source = """WEBVTT

00:00:01.000 --> 00:00:03.000
<v Jennifer Wu>We plan to renew

00:00:03.000 --> 00:00:05.000
<v Jennifer Wu>in June.

00:00:05.000 --> 00:00:07.000
<v Sam Rivera>Great.
"""

    assert vtt_text(source) == ("[00:00:01] Jennifer Wu: We plan to renew in June.\n[00:00:05] Sam Rivera: Great.")


def test_a_long_monologue_continues_in_new_turns_at_cue_timestamps() -> None:
    cues = [f"00:00:{n:02d}.000 --> 00:00:{n + 1:02d}.000\n<v Ann>{'word ' * 30}" for n in range(10)]

    turns = parse_vtt("WEBVTT\n\n" + "\n\n".join(cues))

    assert [t.start for t in turns] == [0, 4, 8]
    assert {t.speaker for t in turns} == {"Ann"}
    assert all(len(t.text) <= MAX_MERGED_CHARS for t in turns)
    assert " ".join(t.text for t in turns).split() == ["word"] * 300


def test_vtt_markup_is_stripped_and_notes_and_identifiers_are_skipped() -> None:
    source = """WEBVTT

NOTE exported by the meeting tool
with two lines

STYLE
::cue { color: white }

intro-1
01:00:00.000 --> 01:00:02.000
<v Jennifer Wu><i>Budget</i> &amp; <c.yellow>scope</c>
are <00:00:01.500>approved.</v>
"""

    assert vtt_text(source) == "[01:00:00] Jennifer Wu: Budget & scope are approved."


def test_vtt_cue_with_two_voices_gives_two_turns() -> None:
    source = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Ann>Hi.</v> <v Bob>Hello.</v>\n"

    assert vtt_text(source) == "[00:00:01] Ann: Hi.\n[00:00:01] Bob: Hello."


def test_vtt_without_voice_tags_uses_a_leading_speaker_name_and_continues_it_else_unknown() -> None:
    """Zoom names the speaker on the first cue of a turn only; the cues after it are hers."""
    source = """WEBVTT

1
00:00:00.500 --> 00:00:01.000
(music)

2
00:00:01.000 --> 00:00:02.000
Jennifer Wu: We plan to renew.

3
00:00:02.000 --> 00:00:03.000
In June, most likely.

4
00:00:03.000 --> 00:00:04.000
Action items: none yet.
"""

    assert vtt_text(source) == (
        "[00:00:00] Unknown: (music)\n"
        "[00:00:01] Jennifer Wu: We plan to renew. In June, most likely. Action items: none yet."
    )


def test_meeting_apps_display_names_become_the_persons_name() -> None:
    source = """WEBVTT

00:00:01.000 --> 00:00:02.000
<v Okonkwo, Margaret>I'm leaving at the end of October.</v>

00:00:02.000 --> 00:00:03.000
<v Laura Chen | Contoso>Thank you for telling us.</v>

00:00:03.000 --> 00:00:04.000
<v Henrik Lindqvist (he/him)>Tobias takes over.</v>
"""
    call = parse_call(source, "vtt", stem="sync")

    assert call.metadata["speakers"] == ["Margaret Okonkwo", "Laura Chen", "Henrik Lindqvist"]
    assert call.metadata["speaker_orgs"] == {"Laura Chen": "Contoso"}
    assert call.text.startswith("[00:00:01] Margaret Okonkwo: I'm leaving at the end of October.")


def test_vtt_without_header_is_rejected_at_line_1() -> None:
    with pytest.raises(TranscriptError, match="WEBVTT") as raised:
        parse_vtt("00:00:01.000 --> 00:00:02.000\n<v Ann>Hi\n")

    assert raised.value.line == 1


@pytest.mark.parametrize(
    ("source", "line"),
    [
        ("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Ann>Hi\n\n00:00:0x.000 --> 00:00:04.000\n<v Bob>Yo\n", 6),
        ("WEBVTT\n\n00:00:01.000 -> 00:00:02.000\n<v Ann>Hi\n", 3),
        ("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Ann>Hi\n00:00:02.000 --> 00:00:03.000\n", 5),
    ],
    ids=["bad timestamp", "no arrow", "missing blank line"],
)
def test_vtt_bad_cue_timing_names_the_line(source: str, line: int) -> None:
    with pytest.raises(TranscriptError) as raised:
        parse_vtt(source)

    assert raised.value.line == line


def test_srt_takes_the_speaker_from_the_cue_text_else_the_previous_cues_else_unknown() -> None:
    source = """1
00:00:00,000 --> 00:00:01,000
[music]

2
00:00:01,000 --> 00:00:03,000
Jennifer Wu: We plan to renew
in <i>June</i>.

2
00:00:03,000 --> 00:00:04,000
Jennifer Wu: Definitely.

3
00:00:05,000 --> 00:00:07,000
[laughter]
"""

    source_text = parse_call(source, "srt", stem="call").text

    assert source_text == (
        "[00:00:00] Unknown: [music]\n[00:00:01] Jennifer Wu: We plan to renew in June. Definitely. [laughter]"
    )


def test_srt_bad_timing_names_the_line() -> None:
    source = "1\n00:00:01,000 --> 00:00:03,000\nAnn: Hi\n\n2\n00:00:03 --> soon\nBob: Yo\n"

    with pytest.raises(TranscriptError, match="bad cue timing") as raised:
        parse_srt(source)

    assert raised.value.line == 6


def test_txt_with_timestamps_and_without() -> None:
    source = "[00:00:01] Jennifer Wu: Renewal in June.\n\n[1:02:03] Sam Rivera: Great.\nRaj Patel: Agreed.\n"

    assert parse_call(source, "txt", stem="call").text == (
        "[00:00:01] Jennifer Wu: Renewal in June.\n[01:02:03] Sam Rivera: Great.\nRaj Patel: Agreed."
    )


def test_txt_turns_are_not_merged() -> None:
    turns = parse_txt("Ann: One.\nAnn: Two.\n")

    assert [t.text for t in turns] == ["One.", "Two."]


@pytest.mark.parametrize(
    ("source", "line", "message"),
    [
        ("Ann: Hi.\n\n[00:xx:01] Bob: Yo.\n", 3, "bad timestamp"),
        ("[00:00:01] no speaker here\n", 1, "Speaker: text"),
    ],
)
def test_txt_malformed_line_is_named(source: str, line: int, message: str) -> None:
    with pytest.raises(TranscriptError, match=message) as raised:
        parse_txt(source)

    assert raised.value.line == line


def test_lines_no_one_said_are_kept_as_they_are_and_no_section_becomes_a_speaker() -> None:
    source = (
        "Renewal sync\nAnn: Hi.\nBob: Yo.\nAction items:\n- Ann to send pricing by Friday\nNext steps for us: a demo\n"
    )

    call = parse_call(source, "txt", stem="sync")

    assert call.text == (
        "Renewal sync\nAnn: Hi.\nBob: Yo.\nAction items:\n- Ann to send pricing by Friday\nNext steps for us: a demo"
    )
    assert call.metadata["speakers"] == ["Ann", "Bob"]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (  # Zoom's in-meeting "Save transcript"
            "[Laura Chen] 10:02:15\nThanks for joining.\n\n"
            "[Okonkwo, Margaret] 10:02:31\nI'm leaving.\nTobias takes over.\n",
            "[10:02:15] Laura Chen: Thanks for joining.\n[10:02:31] Margaret Okonkwo: I'm leaving. Tobias takes over.",
        ),
        (  # Otter.ai's TXT export
            "Laura Chen  0:03\nThanks for joining.\n\nHenrik Lindqvist  1:15\nThe renewal moves.\n",
            "[00:00:03] Laura Chen: Thanks for joining.\n[00:01:15] Henrik Lindqvist: The renewal moves.",
        ),
        (  # Google Meet's transcript document saved as text
            "Halvorsen sync - Transcript\n00:00:00\n \nLaura Chen: Thanks for joining.\nHenrik Lindqvist: Hi.\n",
            "Halvorsen sync - Transcript\n[00:00:00] Laura Chen: Thanks for joining.\nHenrik Lindqvist: Hi.",
        ),
    ],
    ids=["zoom-saved", "otter", "google-meet"],
)
def test_the_text_layouts_meeting_apps_save(source: str, expected: str) -> None:
    assert parse_call(source, "txt", stem="call").text == expected


def test_without_sidecar_id_and_title_come_from_text_and_stem() -> None:
    call = parse_call("Ann: Hi.\nBob: Hello.\nAnn: Bye.", "txt", stem="2026-03-12-sync")

    assert call.type == SourceType.call
    assert call.id == "call-" + hashlib.sha256(call.text.encode()).hexdigest()[:16]
    assert call.title == "2026-03-12-sync"
    assert call.date == date(2026, 3, 12), "the file name's date"
    assert call.metadata == {"attendees": [], "speakers": ["Ann", "Bob"], "format": "txt"}


def test_sidecar_supplies_id_title_date_and_attendees() -> None:
    sidecar = parse_sidecar(
        '{"id": "call-7", "date": "2026-03-12", "title": "Renewal call",'
        ' "attendees": ["Jennifer Wu", {"name": "Sam Rivera"}]}'
    )

    call = parse_call("Ann: Hi.", "txt", stem="x", sidecar=sidecar, origin="calls/x.txt")

    assert (call.id, call.title, call.date, call.origin) == (
        "call-7",
        "Renewal call",
        date(2026, 3, 12),
        "calls/x.txt",
    )
    assert call.metadata["attendees"] == ["Jennifer Wu", "Sam Rivera"]


def test_an_empty_sidecar_changes_nothing() -> None:
    assert parse_sidecar("{}") == Sidecar()


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ('{\n  "id": "c1",\n  "title": "x"\n  "date": "2026-03-12"\n}', 4, "invalid JSON"),
        ('{\n  "id": "c1",\n  "date": "next week"\n}', 3, "is not a date"),
        ('{\n  "attendees": "Ann"\n}', 2, "attendees"),
        ('["Ann"]', 1, "expected an object"),
    ],
)
def test_sidecar_problems_name_the_line(text: str, line: int, message: str) -> None:
    with pytest.raises(TranscriptError, match=message) as raised:
        parse_sidecar(text)

    assert raised.value.line == line


def test_a_transcript_without_turns_is_rejected() -> None:
    with pytest.raises(TranscriptError, match="no speaker turns"):
        parse_call("WEBVTT\n\nNOTE nothing said\n", "vtt", stem="empty")


transcript_fragments = st.sampled_from(
    [
        "WEBVTT",
        "\n",
        "\n\n",
        "00:00:01.000 --> 00:00:02.000",
        "00:01,000 --> 00:02,500",
        "<v Ann>",
        "<v.x Bob",
        "</v>",
        "NOTE",
        "1",
        "Ann: ",
        "[00:00:01] ",
        "&amp;",
        "-->",
    ]
)


@settings(max_examples=150, deadline=None)
@given(
    text=st.lists(transcript_fragments | st.text(max_size=8), max_size=25).map("".join),
    fmt=st.sampled_from(["vtt", "srt", "txt"]),
)
def test_any_input_gives_clean_turn_lines_or_a_transcript_error(text: str, fmt: CallFormat) -> None:
    try:
        call = parse_call(text, fmt, stem="c")
    except TranscriptError as exc:
        assert exc.line is None or exc.line >= 1
        return
    for line in call.text.split("\n"):
        stamp, speaker = parse_turn_line(line)
        if speaker in call.metadata["speakers"]:
            assert (stamp is not None) == (fmt != "txt" or line.startswith("["))
        else:  # a line no one said, kept as the transcript wrote it (plain text only)
            readable = html.unescape(re.sub(r"<[^>\n]*>", "", text))  # a tag never spans lines
            assert fmt == "txt" and " ".join(line.split()) in " ".join(readable.split())


def test_a_subviewer_file_reads_like_the_other_caption_formats() -> None:
    source = "0:00:01.000,0:00:04.000\nLaura Chen: Thanks for joining.\n\n0:00:04.500,0:00:06.000\nGlad to be here.\n"

    assert parse_call(source, "sbv", stem="yt").text == "[00:00:01] Laura Chen: Thanks for joining. Glad to be here."
