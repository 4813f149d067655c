"""Importing bundles over the API: idempotent re-import, clear errors, nothing lost."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.app.support import MINI_BUNDLE, Keys, upload, wait_for_draft, zip_bundle


def test_reimporting_the_same_bundle_changes_nothing(client: TestClient, keys: Keys) -> None:
    first = upload(client, keys.integration)
    second = upload(client, keys.integration)

    assert second["account_id"] == first["account_id"]
    assert second["account_created"] is False
    assert second["records"] == {"added": 0, "updated": 0, "unchanged": first["records"]["added"]}
    assert second["sources"] == {"added": 0, "updated": 0, "unchanged": first["sources"]["added"]}
    assert second["chunks_embedded"] == 0


def test_an_edited_note_is_updated_and_reembedded(client: TestClient, keys: Keys, tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    shutil.copytree(MINI_BUNDLE, bundle)
    upload(client, keys.integration, bundle)
    note = next((bundle / "notes").glob("*.md"))
    note.write_text(note.read_text() + "\n\n## Follow-up\n\nProcurement asked for a revised quote.\n")

    again = upload(client, keys.integration, bundle)

    assert again["sources"]["updated"] == 1
    assert again["chunks_embedded"] >= 1


def test_a_malformed_file_is_reported_and_the_rest_imports(client: TestClient, keys: Keys, tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    shutil.copytree(MINI_BUNDLE, bundle)
    (bundle / "calls" / "broken.vtt").write_text("WEBVTT\n\nnot a timestamp --> either\n<v Ann>Hello\n")

    report = upload(client, keys.integration, bundle)

    assert any("calls/broken.vtt" in skipped for skipped in report["skipped"])
    assert report["sources"]["added"] > 0


def test_a_zip_without_a_bundle_is_a_clear_422(client: TestClient, keys: Keys) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("readme.txt", "hello")
    response = client.post(
        "/v1/import",
        headers=Keys.header(keys.integration),
        files={"bundle": ("b.zip", buffer.getvalue(), "application/zip")},
    )
    assert response.status_code == 422
    assert "crm" in response.json()["detail"]


def test_a_file_that_is_not_a_zip_is_a_clear_422(client: TestClient, keys: Keys) -> None:
    response = client.post(
        "/v1/import", headers=Keys.header(keys.integration), files={"bundle": ("b.zip", b"plain text", "text/plain")}
    )
    assert response.status_code == 422
    assert response.json()["title"] == "Not a zip file"


def test_a_zip_that_escapes_its_folder_is_refused(client: TestClient, keys: Keys) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("../../evil/crm/Account.json", "{}")
    response = client.post(
        "/v1/import",
        headers=Keys.header(keys.integration),
        files={"bundle": ("b.zip", buffer.getvalue(), "application/zip")},
    )
    assert response.status_code == 422
    assert "escapes" in response.json()["detail"]


def test_the_bundle_may_be_zipped_with_or_without_its_folder(client: TestClient, keys: Keys) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for path in sorted(MINI_BUNDLE.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(MINI_BUNDLE))
    response = client.post(
        "/v1/import",
        headers=Keys.header(keys.integration),
        files={"bundle": ("b.zip", buffer.getvalue(), "application/zip")},
    )
    assert response.status_code == 200, response.text


def _every_record_without_an_id(folder: Path) -> Path:
    (folder / "crm").mkdir(parents=True)
    (folder / "crm" / "Account.json").write_text(
        json.dumps({"records": [{"attributes": {"type": "Account"}, "Name": "Halvorsen Maritime ASA"}]})
    )
    return folder


def test_a_bundle_that_cannot_import_says_why_file_by_file(client: TestClient, keys: Keys, tmp_path: Path) -> None:
    folder = _every_record_without_an_id(tmp_path / "no-ids")
    response = client.post(
        "/v1/import",
        headers=Keys.header(keys.integration),
        files={"bundle": ("bundle.zip", zip_bundle(folder), "application/zip")},
    )

    assert response.status_code == 422
    body = response.json()
    assert "no parent Account" in body["detail"]
    assert body["issues"] == ["crm/Account.json:1: records[0] (Account) has no Id or referenceId; skipped"]


SHAPES = Path(__file__).resolve().parents[1] / "retrieval" / "fixtures"


@pytest.mark.parametrize(
    "shape",
    ["crm_shapes/sf-tree-export", "crm_shapes/data-loader-csv", "crm_shapes/encodings", "hubspot_shapes/api-json",
     "hubspot_shapes/csv-export"],
)  # fmt: skip
def test_exports_of_every_shape_import_and_draft_over_the_api(client: TestClient, keys: Keys, shape: str) -> None:
    report = upload(client, keys.integration, SHAPES / shape)
    started = client.post(
        f"/v1/accounts/{report['account_id']}/drafts",
        json={"kind": "stakeholder_map"},
        headers=Keys.header(keys.integration),
    )
    draft = wait_for_draft(client, keys.reviewer, started.json()["id"])

    people = {c["after"]["name"]: c["after"] for c in draft["changes"] if c["kind"] == "add_stakeholder"}
    assert {"Ingrid Halvorsen", "Mats Berge", "Sofie Lund", "Tobias Nakamura-Eide", "Åse Kjærvik"} <= set(people)
    assert "Rachel Osei" not in people
    assert people["Sofie Lund"]["status"] == "departed"
    assert people["Mats Berge"]["buying_role"] == "economic_buyer"
    assert all(c["verified"] for c in draft["changes"])


@pytest.mark.parametrize("bundle", ["calls-bundle", "notes-bundle"])
def test_notes_and_calls_of_every_shape_import_over_the_api(client: TestClient, keys: Keys, bundle: str) -> None:
    report = upload(client, keys.integration, SHAPES / "evidence_shapes" / bundle)

    assert report["sources"]["added"] >= 6
    ids = client.get(f"/v1/accounts/{report['account_id']}/search", params={"q": "leaving Halvorsen October", "k": 5},
                     headers=Keys.header(keys.reviewer)).json()["hits"]  # fmt: skip
    assert ids, "the imported evidence is searchable"
