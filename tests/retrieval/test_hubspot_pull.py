"""Pulling a company from a live HubSpot portal, replayed from a cassette of the CRM API's exchanges."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import requests
import vcr

from agents.context import AccountEvidence
from agents.drafting import run_draft
from plans.models import AccountPlan
from plans.vocabulary import DraftKind
from retrieval.bundle import load_bundle
from retrieval.sources.hubspot_pull import HubSpotPullError, pull_company
from tests.agents.factories import KeywordRetriever
from tests.retrieval.cassettes.record_hubspot_pull import CASSETTE, COMPANY

REPLAY = vcr.VCR(record_mode="none", serializer="yaml")


def test_a_company_is_pulled_with_its_children_people_and_deals_and_drafts(tmp_path: Path) -> None:
    with REPLAY.use_cassette(str(CASSETTE)) as cassette:
        pulled = pull_company(requests.Session(), "pat-replayed", COMPANY, tmp_path)
        assert cassette.all_played

    assert (pulled.records["companies"], pulled.records["contacts"], pulled.records["deals"]) == (3, 5, 2)
    bundle = load_bundle(tmp_path)
    assert bundle.issues == [] and bundle.account.get("Name") == "Halvorsen Maritime ASA"
    evidence = AccountEvidence.from_bundle(bundle, "t1", "hs", date(2026, 10, 15))
    result = run_draft(DraftKind.stakeholder_map, evidence, AccountPlan(), KeywordRetriever.over(evidence))
    people = {c.change.after.name: c.change.after for c in result.changes if c.change.after is not None}
    assert {"Ingrid Halvorsen", "Mats Berge", "Sofie Lund", "Tobias Nakamura-Eide", "Åse Kjærvik"} <= set(people)
    assert "Rachel Osei" not in people, "another company's contact is not pulled"
    assert people["Sofie Lund"].status.value == "departed"
    assert people["Mats Berge"].buying_role.value == "economic_buyer", "the v4 association label"


def test_a_company_the_portal_does_not_hold_is_a_clear_error(tmp_path: Path) -> None:
    from tests.retrieval.cassettes.record_hubspot_pull import BUNDLE
    from tests.retrieval.hubspot_portal import FakePortal

    session = requests.Session()
    session.mount("https://api.hubapi.com", FakePortal(BUNDLE))
    with pytest.raises(HubSpotPullError, match="not found"):
        pull_company(session, "pat-fake", "999", tmp_path)
