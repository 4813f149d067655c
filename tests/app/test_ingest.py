"""Plugins push evidence into an existing account: record batches, notes and calls."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from tests.app.support import Keys, upload, wait_for_draft
from tests.retrieval.outlook_msg_writer import outlook_copy

JEN = "003000000000001AAA"
ACME = "001000000000001AAA"
PRIYA = {"attributes": {"type": "Contact"}, "Id": "003000000000009AAA", "FirstName": "Priya", "LastName": "Nair",
         "Title": "Head of Procurement", "AccountId": ACME}  # fmt: skip


def _account(client: TestClient, keys: Keys) -> str:
    return str(upload(client, keys.integration)["account_id"])


def _post(client: TestClient, keys: Keys, path: str, key: str | None = None, **kwargs: Any) -> Any:
    headers = {**Keys.header(keys.integration), **({"Idempotency-Key": key} if key else {})}
    return client.post(path, headers=headers, **kwargs)


def _source(client: TestClient, keys: Keys, source_id: str) -> Any:
    return client.get(f"/v1/sources/{source_id}", headers=Keys.header(keys.reviewer))


def test_a_record_batch_upserts_by_id_and_renders_like_an_import(client: TestClient, keys: Keys) -> None:
    account = _account(client, keys)
    jen = {"attributes": {"type": "Contact"}, "Id": JEN, "FirstName": "Jennifer", "LastName": "Wu",
           "Title": "Chief Digital Officer", "AccountId": ACME}  # fmt: skip

    response = _post(client, keys, f"/v1/accounts/{account}/records", json={"records": [PRIYA, jen]})

    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["records"]["added"], report["records"]["updated"]) == (1, 1)
    assert "stakeholder_map" in report["affected_kinds"]
    priya = _source(client, keys, PRIYA["Id"]).json()
    assert "Title: Head of Procurement" in priya["text"] and "Account: Acme" in priya["text"]
    assert "Title: Chief Digital Officer" in _source(client, keys, JEN).json()["text"]

    again = _post(client, keys, f"/v1/accounts/{account}/records", json={"records": [PRIYA, jen]}).json()
    assert again["records"]["added"] == again["records"]["updated"] == 0 and again["affected_kinds"] == []


def test_a_malformed_batch_is_rejected_whole_naming_each_bad_record(client: TestClient, keys: Keys) -> None:
    account = _account(client, keys)
    bad = [PRIYA, {"attributes": {"type": "Contact"}, "LastName": "Nobody"}, {"Id": "003X"}]

    response = _post(client, keys, f"/v1/accounts/{account}/records", json={"records": bad})

    assert response.status_code == 422
    assert response.json()["errors"] == [
        "records[1] (Contact): Id is missing",
        "records[2]: attributes.type is missing",
    ]
    assert _source(client, keys, PRIYA["Id"]).status_code == 404, "nothing of a rejected batch is written"


def test_deleted_records_leave_the_account_and_its_search(client: TestClient, keys: Keys) -> None:
    account = _account(client, keys)
    _post(client, keys, f"/v1/accounts/{account}/records", json={"records": [PRIYA]})

    response = _post(client, keys, f"/v1/accounts/{account}/records", json={"deleted": [PRIYA["Id"]]})

    assert response.status_code == 200, response.text
    assert "stakeholder_map" in response.json()["affected_kinds"]
    assert _source(client, keys, PRIYA["Id"]).status_code == 404
    hits = client.get(f"/v1/accounts/{account}/search", params={"q": "Priya Nair procurement"},
                      headers=Keys.header(keys.reviewer)).json()["hits"]  # fmt: skip
    assert all(hit["source_id"] != PRIYA["Id"] for hit in hits)
    unknown = _post(client, keys, f"/v1/accounts/{account}/records", json={"deleted": ["003NOPE"]})
    assert unknown.status_code == 422 and "003NOPE" in unknown.json()["detail"]


def test_a_retried_push_with_the_same_key_gets_the_first_answer(client: TestClient, keys: Keys) -> None:
    account = _account(client, keys)
    path = f"/v1/accounts/{account}/records"

    first = _post(client, keys, path, key="push-1", json={"records": [PRIYA]})
    retry = _post(client, keys, path, key="push-1", json={"records": [PRIYA]})
    other = _post(client, keys, path, key="push-1", json={"records": [{**PRIYA, "Title": "CPO"}]})

    assert first.json() == retry.json() and first.json()["records"]["added"] == 1
    assert other.status_code == 422 and other.json()["title"] == "Idempotency key reused"


def test_notes_come_as_json_or_as_a_file_of_any_note_format(client: TestClient, keys: Keys) -> None:
    account = _account(client, keys)

    as_json = _post(client, keys, f"/v1/accounts/{account}/notes", json={
        "id": "note-crm-plugin-1", "title": "Renewal call prep", "date": "Sep 14, 2026",
        "text": "Priya Nair now runs procurement for the renewal.",
    })  # fmt: skip
    email = (
        "From: Raj Patel <raj@acme.example>\nDate: Tue, 15 Sep 2026 10:00:00 +0000\nSubject: Pricing\n"
        "Message-ID: <pricing-1@acme.example>\n\nPlease send the pricing by Friday.\n"
    )
    as_file = _post(client, keys, f"/v1/accounts/{account}/notes",
                    files={"file": ("pricing.eml", email.encode(), "message/rfc822")})  # fmt: skip

    assert as_json.status_code == as_file.status_code == 200, (as_json.text, as_file.text)
    note = _source(client, keys, "note-crm-plugin-1").json()
    assert (note["title"], note["date"], note["text"]) == (
        "Renewal call prep", "2026-09-14", "Priya Nair now runs procurement for the renewal."
    )  # fmt: skip
    assert _source(client, keys, "email-pricing-1@acme.example").json()["date"] == "2026-09-15"
    assert set(as_json.json()["affected_kinds"]) == {"stakeholder_map", "whitespace", "qbr_brief"}


def test_a_call_comes_as_a_transcript_file_with_its_sidecar(client: TestClient, keys: Keys) -> None:
    account = _account(client, keys)
    vtt = "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Okonkwo, Margaret>I'm leaving at the end of October.\n"

    response = _post(client, keys, f"/v1/accounts/{account}/calls",
                     files={"file": ("sync.vtt", vtt.encode(), "text/vtt")},
                     data={"sidecar": '{"id": "call-sync-1", "date": "Sep 12, 2026", "title": "Sync"}'})  # fmt: skip

    assert response.status_code == 200, response.text
    call = _source(client, keys, "call-sync-1").json()
    assert call["date"] == "2026-09-12"
    assert call["text"] == "[00:00:01] Margaret Okonkwo: I'm leaving at the end of October."
    unreadable = _post(client, keys, f"/v1/accounts/{account}/calls",
                       files={"file": ("x.vtt", b"not webvtt", "text/vtt")})  # fmt: skip
    assert unreadable.status_code == 422 and "WEBVTT" in unreadable.json()["detail"]


def test_pushes_are_bounded_and_scoped(client: TestClient, keys: Keys) -> None:
    account = _account(client, keys)
    too_big = client.post(f"/v1/accounts/{account}/notes", content=b"x" * (21 * 1024 * 1024),
                          headers={**Keys.header(keys.integration), "Content-Type": "application/json"})  # fmt: skip
    assert too_big.status_code == 413
    assert _post(client, keys, "/v1/accounts/acc_nope/records", json={"records": [PRIYA]}).status_code == 404
    reviewer = client.post(f"/v1/accounts/{account}/records", json={"records": [PRIYA]},
                           headers=Keys.header(keys.reviewer))  # fmt: skip
    assert reviewer.status_code == 403


def test_an_email_saved_from_outlook_is_a_note_the_stakeholder_map_reads(
    client: TestClient, keys: Keys, tmp_path: Path
) -> None:
    shapes = Path(__file__).resolve().parents[1] / "retrieval" / "fixtures" / "evidence_shapes" / "notes-bundle"
    shutil.copytree(shapes / "crm", tmp_path / "halvorsen" / "crm")
    account = upload(client, keys.integration, tmp_path / "halvorsen")["account_id"]
    outlook = outlook_copy((shapes / "notes" / "renewal-thread.eml").read_bytes())

    pushed = _post(client, keys, f"/v1/accounts/{account}/notes",
                   files={"file": ("Re Halvorsen renewal.msg", outlook, "application/vnd.ms-outlook")})  # fmt: skip
    started = _post(client, keys, f"/v1/accounts/{account}/drafts", json={"kind": "stakeholder_map"})
    draft = wait_for_draft(client, keys.reviewer, started.json()["id"])

    assert pushed.status_code == 200, pushed.text
    note = _source(client, keys, "email-CAH7xK2p9Qm4d8ZrT0v@mail.halvorsen-maritime.example").json()
    assert (note["date"], note["title"]) == ("2026-09-14", "Re: Halvorsen renewal – extension to 30 June 2027")
    people = {c["after"]["name"]: c for c in draft["changes"] if c["kind"] == "add_stakeholder"}
    margaret = people["Margaret Okonkwo"]
    assert margaret["after"]["status"] == "departed"
    assert any(c["source_id"] == note["id"] and "leaves us" in c["quote"] for c in margaret["citations"])
