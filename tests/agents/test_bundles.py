"""The stakeholder draft over real bundles: the mini fixture through the real retrieval stack,
and the demo datasets scored against their gold labels."""

from __future__ import annotations

import json
import uuid
from datetime import date
from pathlib import Path

import pytest

from agents.context import AccountEvidence
from agents.drafting import run_draft
from plans.apply import apply_changes
from plans.models import AccountPlan, Stakeholder
from plans.names import same_person
from plans.vocabulary import DraftKind
from retrieval.bundle import load_bundle
from retrieval.chunking import chunk_source
from retrieval.embedders import HashingEmbedder
from retrieval.hybrid import HybridRetriever
from retrieval.store import ChunkStore
from tests.agents.factories import KeywordRetriever

ROOT = Path(__file__).resolve().parents[2]
MINI = ROOT / "tests" / "retrieval" / "fixtures" / "mini_bundle"
DEMO = ROOT / "evals" / "datasets" / "demo"
FIELDS = ("buying_role", "stance", "strength", "status", "title")


def _evidence(folder: Path) -> tuple[AccountEvidence, list, dict]:
    expected = json.loads((folder / "expected.json").read_text())
    bundle = load_bundle(folder)
    evidence = AccountEvidence.from_bundle(bundle, "t1", folder.name, date.fromisoformat(expected["as_of"]))
    chunks = [chunk for source in bundle.sources for chunk in chunk_source(source)]
    return evidence, chunks, expected


def _value(stakeholder: Stakeholder, field: str) -> str | None:
    value = getattr(stakeholder, field)
    return getattr(value, "value", value)


def test_mini_bundle_through_the_real_hybrid_retriever() -> None:
    evidence, chunks, expected = _evidence(MINI)
    store = ChunkStore.ephemeral(HashingEmbedder(), namespace=f"agents-{uuid.uuid4().hex[:8]}")
    store.upsert("t1", MINI.name, chunks)
    retriever = HybridRetriever(store, "t1", MINI.name)

    result = run_draft(DraftKind.stakeholder_map, evidence, AccountPlan(), retriever)

    assert result.changes and all(c.verified for c in result.changes), [c.issues for c in result.changes]
    assert result.retrieved_source_ids
    people = [c.change.after for c in result.changes]
    # The fixture's gold strength and stance are illustrative (one logged touch, no stance words),
    # so only the fields its CRM records settle are compared.
    settled = ("buying_role", "status", "title")
    for gold in expected["stakeholders"]:
        match = next(p for p in people if same_person(p.name, gold["name"]))
        assert {f: _value(match, f) for f in settled} == {f: gold[f] for f in settled}


def _demo_bundles() -> list[Path]:
    if not DEMO.exists():
        return []
    return sorted(p for p in DEMO.iterdir() if (p / "expected.json").exists())


@pytest.mark.parametrize("folder", _demo_bundles(), ids=lambda p: p.name)
def test_demo_bundle_matches_its_gold_stakeholders(folder: Path) -> None:
    evidence, chunks, expected = _evidence(folder)
    result = run_draft(DraftKind.stakeholder_map, evidence, AccountPlan(), KeywordRetriever(chunks))
    assert all(c.verified for c in result.changes), [c.issues for c in result.changes if not c.verified]
    plan = apply_changes(AccountPlan(), [c.change for c in result.changes])
    gold = expected["stakeholders"]
    matched = [(g, next((p for p in plan.stakeholders if same_person(p.name, g["name"])), None)) for g in gold]
    found = [(g, p) for g, p in matched if p is not None]
    assert len(found) / len(gold) >= 0.9, "recall"
    assert len(found) / len(plan.stakeholders) >= 0.8, "precision"
    # The demo labels predate DESIGN.md's exact definitions: strength there is "4+ touches in 90 days"
    # (DESIGN.md: 3+ in 60) and people engaged with no signal are "unknown" (DESIGN.md: neutral), so
    # those two fields are held to a lower bar here; the blind set (evals/blind) gates them.
    floors = {"strength": 0.5, "stance": 0.5}
    for field in FIELDS:
        right = sum(1 for g, p in found if _value(p, field) == g[field])
        assert right / len(found) >= floors.get(field, 0.75), f"{field}: {right}/{len(found)}"
