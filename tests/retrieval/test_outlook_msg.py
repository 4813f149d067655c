"""An email saved from Outlook (.msg) is the same note as that email saved as .eml."""

from __future__ import annotations

import io
import shutil
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import olefile
import pytest

from retrieval.bundle import load_bundle
from retrieval.sources.email_note import parse_email
from retrieval.sources.outlook_msg import parse_msg
from tests.retrieval.outlook_msg_writer import compound_file, outlook_copy, outlook_msg

THREAD_EML = (
    Path(__file__).resolve().parent / "fixtures" / "evidence_shapes" / "notes-bundle" / "notes" / "renewal-thread.eml"
)
MINI = Path(__file__).resolve().parent / "fixtures" / "mini_bundle"
SENT = datetime(2026, 9, 14, 7, 12, tzinfo=UTC)


def test_the_fixture_writer_makes_compound_files_olefile_reads_back() -> None:
    streams = {f"__substg1.0_{i:04X}001F": bytes([i]) * (i * 97) for i in range(1, 12)}
    streams["__substg1.0_1000001F"] = b"x" * 9_000  # past the mini-stream cutoff: regular sectors

    ole = olefile.OleFileIO(io.BytesIO(compound_file(streams)))

    assert sorted("/".join(e) for e in ole.listdir()) == sorted(streams)
    assert all(ole.openstream(name).read() == data for name, data in streams.items())


def test_an_outlook_copy_of_an_email_gives_the_same_note_as_the_eml() -> None:
    eml = THREAD_EML.read_bytes()

    from_eml = parse_email(eml.decode("utf-8"), "renewal-thread", "notes/renewal-thread.eml")
    from_msg = parse_msg(outlook_copy(eml), "renewal-thread", "notes/renewal-thread.msg")

    assert (from_msg.id, from_msg.title, from_msg.date, from_msg.metadata["author"]) == (
        from_eml.id, from_eml.title, from_eml.date, from_eml.metadata["author"]
    )  # fmt: skip
    assert from_msg.text.split("\n\n", 1)[1] == from_eml.text.split("\n\n", 1)[1]
    assert from_msg.text.startswith(
        "From: Henrik Lindqvist\nTo: Laura Chen\nCc: Tobias Nakamura-Eide\nDate: Mon, 14 Sep 2026 09:12:00 +0200\n"
    )  # no Exchange-internal address shown as the sender's
    assert from_msg.metadata["format"] == "outlook-msg"


def test_a_message_that_never_travelled_is_dated_by_its_send_time_and_may_hold_8_bit_text() -> None:
    msg = outlook_msg(
        subject="Réunion de pilotage",
        body="Élodie confirme le budget de 120 000 € pour 2027.",
        sender_name="Élodie Marchand",
        sender_email="elodie.marchand@exemple.fr",
        sent=datetime(2026, 10, 1, 22, 30, tzinfo=timezone(timedelta(hours=-5))),
        ansi_codepage=1252,
    )

    note = parse_msg(msg, "pilotage")

    assert note.title == "Réunion de pilotage"
    assert note.date == date(2026, 10, 2)  # the send time is stored in UTC
    assert note.text == (
        "From: Élodie Marchand <elodie.marchand@exemple.fr>\nDate: Fri, 02 Oct 2026 03:30:00 +0000\n"
        "Subject: Réunion de pilotage\n\nÉlodie confirme le budget de 120 000 € pour 2027."
    )
    assert note.metadata["author"] == "Élodie Marchand" and note.id.startswith("email-")


def test_an_html_only_message_is_read_as_its_text_and_a_delivery_time_dates_it() -> None:
    msg = outlook_msg(
        subject="Budget",
        html="<html><body><p>Ngozi approved the <b>Q1</b> budget.</p><p>Next: procurement.</p></body></html>",
        delivered=SENT,
    )

    note = parse_msg(msg, "budget")

    assert note.date == SENT.date()
    assert note.text.endswith("\n\nNgozi approved the Q1 budget.\n\nNext: procurement.") or note.text.endswith(
        "\n\nNgozi approved the Q1 budget.\nNext: procurement."
    )


def test_an_unsent_draft_is_dated_by_when_it_was_written_and_shows_no_date_line() -> None:
    note = parse_msg(outlook_msg(subject="Draft", body="Notes for Friday.", created=SENT), "draft")

    assert note.date == SENT.date()
    assert note.text == "Subject: Draft\n\nNotes for Friday."


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"From: someone\n\nnot an OLE file", "not an Outlook message"),
        (compound_file({"Workbook": b"\0" * 100}), "no MAPI property stream"),
        (outlook_msg(subject="Only RTF"), "no text body"),
        (outlook_msg(subject="Cut", body="x")[:1500], "Outlook message (.msg)"),
    ],
)
def test_what_is_not_a_readable_outlook_message_is_reported_and_the_rest_imports(
    tmp_path: Path, data: bytes, reason: str
) -> None:
    bundle_dir = Path(shutil.copytree(MINI, tmp_path / "acme"))
    (bundle_dir / "notes").mkdir(exist_ok=True)
    (bundle_dir / "notes" / "bad.msg").write_bytes(data)
    (bundle_dir / "notes" / "good.msg").write_bytes(outlook_msg(subject="Sync", body="Kept.", sent=SENT))

    bundle = load_bundle(bundle_dir)

    (issue,) = [i for i in bundle.issues if i.path == "notes/bad.msg"]
    assert reason in issue.message and issue.message.endswith("note skipped")
    assert any(s.origin == "notes/good.msg" and s.text.endswith("Kept.") for s in bundle.sources)
