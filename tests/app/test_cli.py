"""The `planwright` command line on the embedded defaults (SQLite and Chroma under a data dir)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import chromadb
import pytest
from typer.testing import CliRunner

from app.cli import cli
from retrieval.store import chroma_settings
from tests.app.support import DEMO_BUNDLES, MINI_BUNDLE

runner = CliRunner()


@pytest.fixture(autouse=True)
def _data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PLANWRIGHT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PLANWRIGHT_EMBEDDER", "hashing")
    monkeypatch.delenv("PLANWRIGHT_DATABASE_URL", raising=False)
    return tmp_path / "data"


def _drafts(data: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(data / "planwright.db") as db:
        return sorted(db.execute("select kind, status from drafts").fetchall())


def test_import_drafts_what_changed_and_a_reimport_is_a_no_op(_data_dir: Path) -> None:
    first = runner.invoke(cli, ["import", str(MINI_BUNDLE), "--tenant", "acme"])
    assert first.exit_code == 0, first.output
    assert "(new)" in first.output and "drafts queued for review" in first.output
    drafts = _drafts(_data_dir)
    assert ("stakeholder_map", "pending_review") in drafts

    second = runner.invoke(cli, ["import", str(MINI_BUNDLE), "--tenant", "acme"])
    assert second.exit_code == 0, second.output
    assert "records: 0 added, 0 updated" in second.output
    assert "sources: 0 added, 0 updated" in second.output
    assert "drafts queued" not in second.output
    assert _drafts(_data_dir) == drafts


def test_import_of_a_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(cli, ["import", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert "error:" in result.output


def test_draft_command_drafts_by_salesforce_id(_data_dir: Path) -> None:
    runner.invoke(cli, ["import", str(MINI_BUNDLE), "--tenant", "acme", "--no-draft"])
    external_id = sqlite3.connect(_data_dir / "planwright.db").execute("select external_id from accounts").fetchone()[0]

    result = runner.invoke(cli, ["draft", external_id, "--tenant", "acme", "--kind", "stakeholder_map"])

    assert result.exit_code == 0, result.output
    assert "pending_review" in result.output
    assert "✓ add_stakeholder" in result.output


def test_demo_loads_every_demo_account_once(_data_dir: Path) -> None:
    first = runner.invoke(cli, ["demo", "--no-serve"])
    assert first.exit_code == 0, first.output
    names = sqlite3.connect(_data_dir / "planwright.db").execute("select count(*) from accounts").fetchone()[0]
    assert names == len([p for p in DEMO_BUNDLES.iterdir() if (p / "crm").is_dir()])
    key = (_data_dir / "demo-api-key").read_text().strip()
    assert key in first.output
    drafts = _drafts(_data_dir)
    assert drafts.count(("stakeholder_map", "pending_review")) == names

    email, password = (_data_dir / "demo-reviewer-login").read_text().split()
    assert f"Sign in as: {email}   password: {password}" in first.output  # a reviewer account, not only a key

    again = runner.invoke(cli, ["demo", "--no-serve"])
    assert again.exit_code == 0, again.output
    assert _drafts(_data_dir) == drafts
    assert (_data_dir / "demo-api-key").read_text().strip() == key
    assert (_data_dir / "demo-reviewer-login").read_text().split() == [email, password]
    assert password in again.output


def test_a_bundle_that_cannot_import_says_why_file_by_file(tmp_path: Path) -> None:
    crm = tmp_path / "no-ids" / "crm"
    crm.mkdir(parents=True)
    (crm / "Account.json").write_text('{"records": [{"attributes": {"type": "Account"}, "Name": "Halvorsen"}]}')

    result = runner.invoke(cli, ["import", str(tmp_path / "no-ids")])

    assert result.exit_code == 2
    assert "no parent Account" in result.output
    assert "crm/Account.json:1: records[0] (Account) has no Id or referenceId; skipped" in result.output


@pytest.mark.parametrize("shape", ["crm_shapes/sf-data-query-json", "crm_shapes/paged", "hubspot_shapes/csv-export"])
def test_exports_of_every_shape_import_from_the_cli_with_what_they_miss(shape: str) -> None:
    folder = Path(__file__).resolve().parents[1] / "retrieval" / "fixtures" / shape

    result = runner.invoke(cli, ["import", str(folder), "--tenant", "acme"])

    assert result.exit_code == 0, result.output
    assert "drafts queued for review" in result.output
    assert ("truncated" in result.output) is (shape == "crm_shapes/paged")


def test_the_account_is_named_with_root_when_a_bundle_holds_two_companies(tmp_path: Path) -> None:
    crm = tmp_path / "two" / "crm"
    crm.mkdir(parents=True)
    (crm / "Account.json").write_text(
        '{"records": [{"attributes": {"type": "Account"}, "Id": "001A", "Name": "Alpha"},'
        ' {"attributes": {"type": "Account"}, "Id": "001B", "Name": "Beta"}]}'
    )

    refused = runner.invoke(cli, ["import", str(tmp_path / "two")])
    assert refused.exit_code == 2 and "--root" in refused.output

    chosen = runner.invoke(cli, ["import", str(tmp_path / "two"), "--root", "001B", "--no-draft"])
    assert chosen.exit_code == 0, chosen.output
    assert "Beta" in chosen.output


def test_pull_salesforce_pulls_imports_and_drafts(monkeypatch: pytest.MonkeyPatch) -> None:
    import vcr

    from tests.retrieval.cassettes.record_salesforce_pull import ACCOUNT, CASSETTE, INSTANCE

    monkeypatch.setenv("PLANWRIGHT_SALESFORCE_INSTANCE_URL", INSTANCE)
    monkeypatch.setenv("PLANWRIGHT_SALESFORCE_ACCESS_TOKEN", "00D-replayed")
    with vcr.VCR(record_mode="none", serializer="yaml").use_cassette(str(CASSETTE)):
        result = runner.invoke(cli, ["pull", "salesforce", "--account", ACCOUNT, "--tenant", "acme"])

    assert result.exit_code == 0, result.output
    assert "pulled: 3 Account, 5 Contact, 2 Opportunity" in result.output
    assert "Halvorsen Maritime ASA" in result.output and "drafts queued for review" in result.output


def test_pull_salesforce_without_credentials_says_what_to_set() -> None:
    result = runner.invoke(cli, ["pull", "salesforce", "--account", "001X"])

    assert result.exit_code == 2
    assert "PLANWRIGHT_SALESFORCE_INSTANCE_URL" in result.output


@pytest.mark.parametrize("bundle", ["calls-bundle", "notes-bundle"])
def test_notes_and_calls_of_every_shape_import_from_the_cli(bundle: str) -> None:
    folder = Path(__file__).resolve().parents[1] / "retrieval" / "fixtures" / "evidence_shapes" / bundle

    result = runner.invoke(cli, ["import", str(folder), "--tenant", "acme"])

    assert result.exit_code == 0, result.output
    assert "drafts queued for review" in result.output


def test_pull_hubspot_pulls_imports_and_drafts(monkeypatch: pytest.MonkeyPatch) -> None:
    import vcr

    from tests.retrieval.cassettes.record_hubspot_pull import CASSETTE, COMPANY

    monkeypatch.setenv("PLANWRIGHT_HUBSPOT_TOKEN", "pat-replayed")
    with vcr.VCR(record_mode="none", serializer="yaml").use_cassette(str(CASSETTE)):
        result = runner.invoke(cli, ["pull", "hubspot", "--company", COMPANY, "--tenant", "acme"])

    assert result.exit_code == 0, result.output
    assert "pulled: 3 companies, 5 contacts, 2 deals" in result.output
    assert "Halvorsen Maritime ASA" in result.output and "drafts queued for review" in result.output
    missing = runner.invoke(cli, ["pull", "hubspot", "--company", COMPANY], env={"PLANWRIGHT_HUBSPOT_TOKEN": ""})
    assert missing.exit_code == 2


def test_keys_are_issued_listed_and_revoked_from_the_cli(_data_dir: Path) -> None:
    from app.auth.service import authenticate
    from app.settings import Settings
    from app.state import build_state

    created = runner.invoke(cli, ["keys", "create", "--name", "crm plugin", "--role", "integration", "-t", "acme"])
    assert created.exit_code == 0, created.output
    key = created.stdout.strip()
    assert key.startswith("pw_") and "\n" not in key
    key_id = created.stderr.split()[1]

    listed = runner.invoke(cli, ["keys", "list", "-t", "acme"])
    assert listed.exit_code == 0, listed.output
    (line,) = [row for row in listed.output.splitlines() if row.startswith(key_id)]
    assert "crm plugin" in line and "integration" in line and line.rstrip().endswith("-")
    assert key not in listed.output
    assert "no keys" in runner.invoke(cli, ["keys", "list", "-t", "other"]).output

    def still_valid() -> bool:
        state = build_state(Settings())
        try:
            with state.sessions() as session:
                return authenticate(session, key) is not None
        finally:
            state.close()

    elsewhere = runner.invoke(cli, ["keys", "revoke", key_id, "-t", "other"])
    assert elsewhere.exit_code == 2 and f"No api key '{key_id}' in this tenant" in elsewhere.output
    assert still_valid()

    revoked = runner.invoke(cli, ["keys", "revoke", key_id, "-t", "acme"])
    assert revoked.exit_code == 0 and "revoked" in revoked.output, revoked.output
    assert not still_valid()
    (line,) = [row for row in runner.invoke(cli, ["keys", "list", "-t", "acme"]).output.splitlines() if key_id in row]
    assert not line.rstrip().endswith("-")  # the revoked column holds a date now


def test_keys_create_refuses_an_unknown_role() -> None:
    result = runner.invoke(cli, ["keys", "create", "--name", "x", "--role", "root"])
    assert result.exit_code == 2 and "unknown role root" in result.output


def test_after_an_embedder_change_reindex_re_embeds_and_the_account_drafts_again(
    _data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert runner.invoke(cli, ["import", str(MINI_BUNDLE), "--tenant", "acme", "--no-draft"]).exit_code == 0
    monkeypatch.setenv("PLANWRIGHT_EMBEDDER", "minilm")
    refused = runner.invoke(cli, ["draft", "001000000000001AAA", "--tenant", "acme", "--kind", "stakeholder_map"])
    assert refused.exit_code == 2 and "run `planwright reindex`" in refused.output

    result = runner.invoke(cli, ["reindex"])

    assert result.exit_code == 0, result.output
    assert "1 re-embedded" in result.output
    again = runner.invoke(cli, ["draft", "001000000000001AAA", "--tenant", "acme", "--kind", "stakeholder_map"])
    assert again.exit_code == 0, again.output
    assert "nothing to do" in runner.invoke(cli, ["reindex"]).output


def test_the_demo_moves_a_vector_store_of_the_shared_collection_layout_and_loads(_data_dir: Path) -> None:
    from retrieval.embedders import HashingEmbedder
    from tests.retrieval.test_reindex import legacy_store

    client = chromadb.PersistentClient(path=str(_data_dir / "chroma"), settings=chroma_settings())
    legacy_store(client, "chunks", HashingEmbedder())  # what releases before per-account collections left
    client.close()

    result = runner.invoke(cli, ["demo", "--no-serve"])

    assert result.exit_code == 0, result.output
    assert "vector store: 3 account(s) moved into their own collections" in result.output
    assert "loaded 2 demo accounts" in result.output
