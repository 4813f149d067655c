"""One account exported every way Salesforce's tools export it, imported and drafted into the same map.

The fixtures (tests/retrieval/fixtures/crm_shapes) were written from Salesforce's documentation
by a helper that never saw the importer; their expected.json says what each shape carries.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from agents.context import AccountEvidence
from agents.drafting import run_draft
from plans.apply import apply_changes
from plans.models import AccountPlan
from plans.names import same_person
from plans.vocabulary import BuyingRole, DraftKind, StakeholderStatus
from retrieval.bundle import load_bundle
from tests.agents.factories import KeywordRetriever

FIXTURES = Path(__file__).resolve().parents[1] / "retrieval" / "fixtures"
SHAPES = FIXTURES / "crm_shapes"
EXPECTED = json.loads((SHAPES / "expected.json").read_text(encoding="utf-8"))
HUBSPOT = json.loads((FIXTURES / "hubspot_shapes" / "expected.json").read_text(encoding="utf-8"))
IMPORTED = [
    *EXPECTED["shapes"],
    *(f"../hubspot_shapes/{shape}" for shape in HUBSPOT["shapes"]),
]


def _map(shape: str) -> tuple[AccountPlan, list[str]]:
    bundle = load_bundle(SHAPES / shape)
    evidence = AccountEvidence.from_bundle(bundle, "t1", shape, date(2026, 10, 15))
    result = run_draft(DraftKind.stakeholder_map, evidence, AccountPlan(), KeywordRetriever.over(evidence))
    assert all(c.verified for c in result.changes), [c.issues for c in result.changes if not c.verified]
    plan = apply_changes(AccountPlan(), [c.change for c in result.changes])
    assert bundle.account.get("Name") == EXPECTED["account"]
    units = sorted(r.get("Name") for r in bundle.of_type("Account") if r.get("ParentId") == bundle.account.id)
    assert units == sorted(EXPECTED["units"])
    return plan, [str(issue) for issue in bundle.issues]


@pytest.mark.parametrize("shape", IMPORTED)
def test_every_export_shape_drafts_the_same_stakeholder_map(shape: str) -> None:
    plan, _ = _map(shape)

    def person(name: str):  # type: ignore[no-untyped-def]
        return next((s for s in plan.stakeholders if same_person(s.name, name)), None)

    assert all(person(name) is not None for name in EXPECTED["people"]), [s.name for s in plan.stakeholders]
    assert all(person(name) is None for name in EXPECTED["not_people"])
    for name in EXPECTED["departed"]:
        assert person(name).status is StakeholderStatus.departed  # type: ignore[union-attr]
    if "economic_buyer" not in _shape(shape).get("cannot_carry", []):
        assert person(EXPECTED["economic_buyer"]).buying_role is BuyingRole.economic_buyer  # type: ignore[union-attr]


def _shape(shape: str) -> dict:  # type: ignore[type-arg]
    if shape.startswith("../hubspot_shapes/"):
        return HUBSPOT["shapes"][shape.removeprefix("../hubspot_shapes/")]  # type: ignore[no-any-return]
    return EXPECTED["shapes"][shape]  # type: ignore[no-any-return]


def test_a_truncated_page_is_said_and_the_rest_imports() -> None:
    _, issues = _map("paged")

    (truncated,) = [issue for issue in issues if "truncated" in issue]
    assert truncated.startswith("crm/Task.json: truncated: the query result has 5 Task records and the bundle holds 3")


def test_a_guessed_encoding_is_said() -> None:
    _, issues = _map("encodings")
    assert issues == ["crm/Account.json: not UTF-8; read as cp1252"]


def test_hubspot_engagements_count_as_touches_and_what_was_written_is_read(tmp_path: Path) -> None:
    import shutil

    folder = tmp_path / "bundle"
    shutil.copytree(FIXTURES / "hubspot_shapes" / "api-json", folder)
    mats, parent = "98211440132", "31840016501"
    association = {"contacts": {"results": [{"id": mats, "type": "note_to_contact"}]},
                   "companies": {"results": [{"id": parent, "type": "note_to_company"}]}}  # fmt: skip
    engagements = {"results": [
        {"id": "5001", "properties": {"hs_timestamp": "2026-09-30T14:00:00.000Z",
                                      "hs_note_body": "<p>Mats Berge is our champion: he will sell the renewal "
                                                      "to the board.</p>"},
         "associations": association},
        {"id": "5002", "properties": {"hs_timestamp": "2026-10-02T09:00:00.000Z", "hs_call_title": "Renewal check-in",
                                      "hs_call_body": ""},
         "associations": association},
    ]}  # fmt: skip
    (folder / "crm" / "notes.json").write_text(json.dumps({"results": engagements["results"][:1]}))
    (folder / "crm" / "calls.json").write_text(json.dumps({"results": engagements["results"][1:]}))

    bundle = load_bundle(folder)

    assert bundle.issues == []
    tasks = {t.id: t for t in bundle.of_type("Task")}
    assert tasks["hs-note-5001"].get("WhoId") == f"hs-contact-{mats}"
    assert tasks["hs-call-5002"].get("Subject") == "Renewal check-in"
    (note,) = [s for s in bundle.sources if s.id == "hs-note-5001-text"]
    assert note.text == "Mats Berge is our champion: he will sell the renewal to the board."
    assert str(note.date) == "2026-09-30" and note.origin == "crm/notes.json"
    evidence = AccountEvidence.from_bundle(bundle, "t1", "hs", date(2026, 10, 15))
    result = run_draft(DraftKind.stakeholder_map, evidence, AccountPlan(), KeywordRetriever.over(evidence))
    berge = next(c.change.after for c in result.changes if c.change.after and "Berge" in c.change.after.name)
    assert berge.stance.value == "champion"
