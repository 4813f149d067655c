"""Pulling an account from a live Salesforce org, replayed from a cassette of the REST API's exchanges."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests
import vcr
from simple_salesforce import Salesforce

from retrieval.bundle import load_bundle
from retrieval.sources.salesforce_pull import PullError, pull_account
from tests.retrieval.cassettes.record_salesforce_pull import ACCOUNT, CASSETTE, INSTANCE

REPLAY = vcr.VCR(record_mode="none", serializer="yaml")


def _org() -> Salesforce:
    return Salesforce(instance_url=INSTANCE, session_id="00D-replayed", session=requests.Session())


def test_an_account_is_pulled_with_its_tree_and_related_records_and_imports(tmp_path: Path) -> None:
    with REPLAY.use_cassette(str(CASSETTE)) as cassette:
        report = pull_account(_org(), ACCOUNT, tmp_path)
        assert cassette.all_played

    assert report.records["Account"] == 3 and report.records["Contact"] == 5  # paged: 3 + 2
    bundle = load_bundle(tmp_path)
    assert bundle.issues == []
    assert bundle.account.get("Name") == "Halvorsen Maritime ASA"
    names = {f"{r.get('FirstName')} {r.get('LastName')}" for r in bundle.of_type("Contact")}
    assert "Rachel Osei" not in names, "a Contact of another company is not pulled with the account"
    lund = next(r for r in bundle.of_type("Contact") if r.get("LastName") == "Lund")
    assert lund.get("Contact_Status__c") == "Left Company", "custom fields come along, found by describe()"
    written = json.loads((tmp_path / "crm" / "Contact.json").read_text(encoding="utf-8"))
    assert written["done"] is True and written["records"][0]["attributes"]["type"] == "Contact"


def test_an_account_the_org_does_not_hold_is_a_clear_error(tmp_path: Path) -> None:
    class EmptyOrg:
        def query_all_iter(self, query: str) -> list[dict[str, object]]:
            return []

        def __getattr__(self, name: str) -> object:
            return type("Described", (), {"describe": staticmethod(lambda: {"fields": []})})

    with pytest.raises(PullError, match="no Account 001NOPE"):
        pull_account(EmptyOrg(), "001NOPE", tmp_path)
