"""Loading whole bundle folders: the parent account, units, sources, and per-file issues."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from retrieval.bundle import BundleError, load_bundle
from retrieval.evidence import Bundle, ImportIssue, SourceType

MINI = Path(__file__).parent / "fixtures" / "mini_bundle"
MINI_RECORDS = 13
MINI_SOURCES = MINI_RECORDS + 2  # one note, one call


@pytest.fixture
def bundle_dir(tmp_path: Path) -> Path:
    """A writable copy of the mini bundle."""
    return Path(shutil.copytree(MINI, tmp_path / "acme"))


def write(folder: Path, relative: str, content: str | bytes) -> None:
    path = folder / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")


def accounts(*rows: tuple[str, str | None]) -> str:
    records = [
        {"attributes": {"type": "Account"}, "Id": record_id, "Name": record_id, "ParentId": parent}
        for record_id, parent in rows
    ]
    return json.dumps({"totalSize": len(records), "done": True, "records": records})


def only_issue(bundle: Bundle) -> ImportIssue:
    assert len(bundle.issues) == 1, bundle.issues
    return bundle.issues[0]


def test_mini_bundle_loads_every_record_and_source() -> None:
    bundle = load_bundle(MINI)

    assert bundle.issues == []
    assert bundle.account.id == "001000000000001AAA"
    assert bundle.account.get("Name") == "Acme Corp"
    assert [u.get("Name") for u in bundle.units] == ["Acme Payments", "Acme Retail Banking"]
    counts = {t: len(bundle.of_type(t)) for t in {r.type for r in bundle.records}}
    assert counts == {
        "Account": 3,
        "Contact": 3,
        "Opportunity": 1,
        "OpportunityContactRole": 2,
        "Task": 1,
        "Event": 1,
        "Product2": 1,
        "Asset": 1,
    }
    assert len(bundle.sources) == MINI_SOURCES
    assert [s.id for s in bundle.sources if s.type != SourceType.crm] == [
        "note-exec-sync-2026-03-05",
        "call-renewal-2026-03-12",
    ]


def test_every_crm_record_is_also_a_source_with_its_salesforce_id() -> None:
    bundle = load_bundle(MINI)

    crm_sources = {s.id: s for s in bundle.sources if s.type == SourceType.crm}
    assert set(crm_sources) == {r.id for r in bundle.records}
    raj = crm_sources["003000000000002AAA"]
    assert raj.title == "Contact: Raj Patel"
    assert raj.origin == "crm/contacts.json"
    assert raj.metadata["fields"]["Title"] == "Title: VP Engineering"
    assert "ReportsTo: Jennifer Wu" in raj.text.split("\n")


def test_records_come_in_file_name_then_file_order() -> None:
    bundle = load_bundle(MINI)

    origins = [s.origin for s in bundle.sources if s.type == SourceType.crm]
    assert origins == sorted(origins)
    assert [r.get("Name") for r in bundle.of_type("Contact")] == [
        "Jennifer Wu",
        "Raj Patel",
        "Maria Lopez",
    ]


def test_reloading_gives_identical_ids_and_texts(bundle_dir: Path) -> None:
    (bundle_dir / "calls" / "2026-03-12-renewal-call.json").unlink()
    write(bundle_dir, "notes/untitled.md", "Maria asked for a discount.\n")

    first, second = load_bundle(bundle_dir), load_bundle(bundle_dir)

    assert [s.model_dump() for s in first.sources] == [s.model_dump() for s in second.sources]
    assert first.records == second.records
    hashed = [s.id for s in first.sources if s.id.startswith(("note-", "call-"))]
    assert any(i.startswith("call-") and len(i) == 21 for i in hashed)
    assert any(i.startswith("note-") and len(i) == 21 for i in hashed)


def test_expected_json_is_ignored(bundle_dir: Path) -> None:
    write(bundle_dir, "expected.json", "not even json")

    assert load_bundle(bundle_dir).issues == []


def test_sources_of_each_format_load_from_the_calls_folder(bundle_dir: Path) -> None:
    write(bundle_dir, "calls/a.srt", "1\n00:00:01,000 --> 00:00:02,000\nAnn: Hi.\n")
    write(bundle_dir, "calls/b.txt", "[00:00:05] Bob: Hello.\n")
    write(bundle_dir, "calls/b.json", '{"id": "call-b", "attendees": ["Bob"]}')

    bundle = load_bundle(bundle_dir)

    calls = {s.origin: s for s in bundle.sources if s.type == SourceType.call}
    assert calls["calls/a.srt"].text == "[00:00:01] Ann: Hi."
    assert calls["calls/a.srt"].metadata["format"] == "srt"
    assert calls["calls/b.txt"].id == "call-b"
    assert calls["calls/b.txt"].metadata["attendees"] == ["Bob"]


def test_crlf_and_byte_order_mark_are_accepted(bundle_dir: Path) -> None:
    write(bundle_dir, "notes/windows.md", "\ufeff---\r\nid: n-win\r\n---\r\nLine one.\r\nLine two.\r\n".encode())

    note = next(s for s in load_bundle(bundle_dir).sources if s.id == "n-win")

    assert note.text == "Line one.\nLine two."


def test_a_note_whose_date_cannot_be_read_is_kept_and_dated_from_its_file_name(bundle_dir: Path) -> None:
    write(bundle_dir, "notes/2026-09-12-sync.md", "---\nid: n-march\ndate: March\n---\nBody.")
    write(bundle_dir, "notes/undated.md", "---\nid: n-heading\n---\n# Renewal sync, 14 Sep 2026\nBody.")
    write(bundle_dir, "notes/human.md", "---\nid: n-human\ndate: Sep 15, 2026\n---\nBody.")

    bundle = load_bundle(bundle_dir)

    dates = {s.id: s.date for s in bundle.sources}
    assert dates["n-march"] == date(2026, 9, 12)
    assert dates["n-heading"] == date(2026, 9, 14)
    assert dates["n-human"] == date(2026, 9, 15)
    (issue,) = bundle.issues
    assert (issue.path, issue.line) == ("notes/2026-09-12-sync.md", 3)
    assert "'March' is not a date" in issue.message and "dated from its file name" in issue.message


def test_front_matter_that_is_not_yaml_is_read_as_plain_lines_and_the_note_kept(bundle_dir: Path) -> None:
    front = "id: n-fwd\ntitle: Fwd: Re: renewal numbers\nauthor: Sam: Rivera"
    write(bundle_dir, "notes/fwd.md", f"---\n{front}\n---\nBody.")

    bundle = load_bundle(bundle_dir)

    note = next(s for s in bundle.sources if s.id == "n-fwd")
    assert (note.title, note.metadata["author"], note.text) == ("Fwd: Re: renewal numbers", "Sam: Rivera", "Body.")
    (issue,) = bundle.issues
    assert issue.path == "notes/fwd.md" and "invalid YAML" in issue.message and "plain 'key: value'" in issue.message


def test_windows_encodings_are_read_and_a_guessed_one_is_said(bundle_dir: Path) -> None:
    contact = '{"records": [{"attributes": {"type": "Contact"}, "Id": "003Z", "LastName": "Kjærvik"}]}'
    write(bundle_dir, "crm/utf16.json", "\ufeff".encode("utf-16-le") + contact.encode("utf-16-le"))
    write(bundle_dir, "notes/cp1252.md", "---\nid: n-1252\n---\nÅse Kjærvik – our coach.".encode("cp1252"))

    bundle = load_bundle(bundle_dir)

    assert any(r.get("LastName") == "Kjærvik" for r in bundle.of_type("Contact"))
    assert next(s for s in bundle.sources if s.id == "n-1252").text == "Åse Kjærvik – our coach."
    assert [str(issue) for issue in bundle.issues] == ["notes/cp1252.md: not UTF-8; read as cp1252"]


@pytest.mark.parametrize(
    ("relative", "content", "line", "message"),
    [
        ("crm/broken.json", '{\n  "records": [\n    {"Id": "x",\n  ]\n}', 4, "invalid JSON"),
        ("crm/list.json", "[]", 1, "query result"),
        ("crm/binary.json", b'{\n"records": [],\n"Name": "\x00\xff\xfe"}', 3, "not text: binary data"),
        ("notes/unclosed.md", "---\ntitle: Sync\nBody.", 1, "never closed"),
        (
            "calls/bad.vtt",
            "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v A>Hi\n\n00:0x --> 00:00:03.000\n<v B>Yo\n",
            6,
            "bad cue timing",
        ),
        ("calls/bad.srt", "1\n00:00:01,000 --> 00:00:02,000\nHi\n\n2\nnot a timing\nYo\n", 6, "timing"),
        ("calls/bad.txt", "Ann: Hi.\n[00:0x:02] Bob: Yo.\nnobody said this\n", 2, "bad timestamp"),
        ("calls/nobody.txt", "Minutes of the call\n- pricing by Friday\n", 1, "no speaker turns found"),
    ],
)
def test_a_malformed_file_is_skipped_with_an_issue_and_the_rest_loads(
    bundle_dir: Path, relative: str, content: str | bytes, line: int, message: str
) -> None:
    write(bundle_dir, relative, content)

    bundle = load_bundle(bundle_dir)

    issue = only_issue(bundle)
    assert (issue.path, issue.line) == (relative, line)
    assert message in issue.message
    assert len(bundle.sources) == MINI_SOURCES
    assert all(s.origin != relative for s in bundle.sources)


def test_a_record_without_id_is_skipped_and_its_neighbours_load(bundle_dir: Path) -> None:
    write(
        bundle_dir,
        "crm/products_extra.json",
        """{
  "records": [
    {"attributes": {"type": "Product2"}, "Id": "01tB", "Name": "Data Vault"},
    {
      "attributes": {"type": "Product2"},
      "Name": "Nameless"
    },
    {"attributes": {"type": "Product2"}, "Id": "01tC", "Name": "Edge"}
  ]
}""",
    )

    bundle = load_bundle(bundle_dir)

    issue = only_issue(bundle)
    assert issue.path == "crm/products_extra.json"
    assert issue.line == 4
    assert "records[1]" in issue.message
    assert [p.get("Name") for p in bundle.of_type("Product2")] == [
        "Advanced Analytics",
        "Data Vault",
        "Edge",
    ]


def test_a_broken_sidecar_skips_its_call_and_names_the_sidecar(bundle_dir: Path) -> None:
    write(bundle_dir, "calls/2026-03-12-renewal-call.json", '{\n  "id": "c",\n  "attendees": "Ann"\n}')

    bundle = load_bundle(bundle_dir)

    issue = only_issue(bundle)
    assert (issue.path, issue.line) == ("calls/2026-03-12-renewal-call.json", 3)
    assert "calls/2026-03-12-renewal-call.vtt skipped" in issue.message
    assert not [s for s in bundle.sources if s.type == SourceType.call]


def test_a_sidecar_date_that_cannot_be_read_keeps_the_call_dated_from_its_file_name(bundle_dir: Path) -> None:
    write(bundle_dir, "calls/2026-03-12-renewal-call.json", '{\n  "id": "c",\n  "date": "soon"\n}')

    bundle = load_bundle(bundle_dir)

    issue = only_issue(bundle)
    assert (issue.path, issue.line) == ("calls/2026-03-12-renewal-call.json", 3)
    assert "dated from its file name" in issue.message
    (call,) = [s for s in bundle.sources if s.type == SourceType.call]
    assert (call.id, call.date) == ("c", date(2026, 3, 12))


def test_stray_files_are_reported_and_ignored(bundle_dir: Path) -> None:
    write(bundle_dir, "calls/lonely.json", "{}")
    write(bundle_dir, "calls/recording.mp3", b"\x00\x01")
    write(bundle_dir, "notes/.DS_Store", b"\x00")

    bundle = load_bundle(bundle_dir)

    assert sorted((i.path, "ignored" in i.message) for i in bundle.issues) == [
        ("calls/lonely.json", True),
        ("calls/recording.mp3", True),
    ]
    assert len(bundle.sources) == MINI_SOURCES


def test_duplicate_ids_keep_the_first_and_report_the_rest(bundle_dir: Path) -> None:
    write(bundle_dir, "notes/zz-copy.md", "---\nid: note-exec-sync-2026-03-05\n---\nOther text.")
    write(bundle_dir, "crm/zz-contacts.json", (bundle_dir / "crm" / "contacts.json").read_text())

    bundle = load_bundle(bundle_dir)

    assert sorted(i.path for i in bundle.issues) == [
        "crm/zz-contacts.json",
        "crm/zz-contacts.json",
        "crm/zz-contacts.json",
        "notes/zz-copy.md",
    ]
    assert len(bundle.sources) == MINI_SOURCES
    assert len(bundle.of_type("Contact")) == 3


def test_units_are_only_the_parents_child_accounts(tmp_path: Path) -> None:
    write(
        tmp_path,
        "crm/accounts.json",
        accounts(("001P", None), ("001A", "001P"), ("001B", "001A"), ("001C", "001P")),
    )

    bundle = load_bundle(tmp_path)

    assert bundle.account.id == "001P"
    assert [u.id for u in bundle.units] == ["001A", "001C"]
    assert bundle.sources[0].text.startswith("Account: 001P\nName: 001P")


def test_a_missing_folder_is_a_bundle_error(tmp_path: Path) -> None:
    with pytest.raises(BundleError, match="not found"):
        load_bundle(tmp_path / "nope")


def test_a_folder_without_crm_is_a_bundle_error(tmp_path: Path) -> None:
    write(tmp_path, "notes/a.md", "Hello.")

    with pytest.raises(BundleError, match="no crm/ folder"):
        load_bundle(tmp_path)


def test_a_strategic_account_under_a_global_hq_outside_the_bundle_is_the_parent(tmp_path: Path) -> None:
    write(tmp_path, "crm/accounts.json", accounts(("001A", "001HQ"), ("001U", "001A")))

    assert load_bundle(tmp_path).account.id == "001A"


def test_among_two_tops_the_one_with_units_is_the_parent(tmp_path: Path) -> None:
    # Another company's Account, brought along by a stray Contact, is a top too.
    write(tmp_path, "crm/accounts.json", accounts(("001A", None), ("001U", "001A"), ("001OTHER", None)))

    assert load_bundle(tmp_path).account.id == "001A"


def test_a_bundle_without_parent_account_is_a_bundle_error(tmp_path: Path) -> None:
    write(tmp_path, "crm/accounts.json", accounts(("001A", "001B"), ("001B", "001A")))
    write(tmp_path, "crm/broken.json", "{")

    with pytest.raises(BundleError, match="no parent Account") as raised:
        load_bundle(tmp_path)

    assert [i.path for i in raised.value.issues] == ["crm/broken.json"]


def test_a_bundle_with_two_parent_accounts_is_a_bundle_error(tmp_path: Path) -> None:
    write(tmp_path, "crm/accounts.json", accounts(("001A", None), ("001B", None)))

    with pytest.raises(BundleError, match="2 top-level Accounts") as raised:
        load_bundle(tmp_path)

    assert "001A" in str(raised.value) and "001B" in str(raised.value)


PASTED_EMAIL = """From: Henrik Lindqvist <henrik.lindqvist@halvorsen.example>
To: Laura Chen <laura@planwright.example>
Date: Mon, 14 Sep 2026 09:12:00 +0200
Subject: Re: Renewal timing
Message-ID: <CAF+renewal-42@mail.halvorsen.example>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="b1"

--b1
Content-Type: text/plain; charset="utf-8"

Laura, confirmed: we extend six months, to 30 June 2027.

> On Fri, Laura wrote:
> Can you confirm the extension?
--b1
Content-Type: text/html; charset="utf-8"

<p>Laura, confirmed: we extend six months, to 30 June 2027.</p>
--b1--
"""


def test_a_pasted_email_and_a_plain_text_note_are_notes(bundle_dir: Path) -> None:
    write(bundle_dir, "notes/renewal-thread.eml", PASTED_EMAIL)
    write(bundle_dir, "notes/2026-09-14-exec-sync.txt", "Exec sync\nHenrik wants the extension signed by Friday.\n")

    bundle = load_bundle(bundle_dir)

    assert bundle.issues == []
    email = next(s for s in bundle.sources if s.origin == "notes/renewal-thread.eml")
    assert email.id == "email-CAF-renewal-42@mail.halvorsen.example"
    assert (email.title, email.date, email.metadata["author"]) == ("Re: Renewal timing", date(2026, 9, 14),
                                                                   "Henrik Lindqvist")  # fmt: skip
    assert email.text.startswith("From: Henrik Lindqvist <henrik.lindqvist@halvorsen.example>\n")
    assert "\n\nLaura, confirmed: we extend six months, to 30 June 2027.\n\n> On Fri, Laura wrote:" in email.text
    plain = next(s for s in bundle.sources if s.origin == "notes/2026-09-14-exec-sync.txt")
    assert plain.date == date(2026, 9, 14) and "extension signed by Friday" in plain.text


def test_the_account_may_be_named_when_the_bundle_holds_several_tops(tmp_path: Path) -> None:
    write(tmp_path, "crm/accounts.json", accounts(("001A", None), ("001B", None)))

    assert load_bundle(tmp_path, root="001B").account.id == "001B"
    with pytest.raises(BundleError, match="no Account '001Z'.*001A.*001B"):
        load_bundle(tmp_path, root="001Z")


def test_a_word_document_is_a_note_with_its_headings_lists_and_tables(bundle_dir: Path) -> None:
    import io

    import docx

    document = docx.Document()
    document.core_properties.author = "Laura Chen"
    document.add_heading("Exec sync — 14 Sep 2026", level=1)
    document.add_paragraph("Henrik confirmed the six-month extension to 30 June 2027.")
    document.add_paragraph("Security review before signature", style="List Bullet")
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "Owner", "Tobias Nakamura-Eide"
    buffer = io.BytesIO()
    document.save(buffer)
    write(bundle_dir, "notes/exec-sync.docx", buffer.getvalue())
    write(bundle_dir, "notes/broken.docx", b"not a zip")

    bundle = load_bundle(bundle_dir)

    note = next(s for s in bundle.sources if s.origin == "notes/exec-sync.docx")
    assert note.text == (
        "# Exec sync — 14 Sep 2026\nHenrik confirmed the six-month extension to 30 June 2027.\n"
        "- Security review before signature\nOwner | Tobias Nakamura-Eide"
    )
    assert (note.title, note.date, note.metadata["author"]) == ("Exec sync — 14 Sep 2026", date(2026, 9, 14),
                                                                "Laura Chen")  # fmt: skip
    (issue,) = bundle.issues
    assert issue.path == "notes/broken.docx" and "not a Word document" in issue.message
