"""Our retrieval metrics against hand-computed values, and cross-checked against ranx on the same runs."""

from __future__ import annotations

import importlib
import os
import random
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from numba.core import config as numba_config

from evals.dataset import load_queries
from evals.retrieval_eval import evaluate_queries, ndcg_at, query_metrics, ranked_sources, recall_at, reciprocal_rank
from retrieval.evidence import Hit


@contextmanager
def _numba_jit_off() -> Iterator[None]:
    """numba's JIT off while ranx is imported and while this module's tests run, then as it was.

    ranx's metrics are numba functions compiled on first call: 2-3 minutes of a CPU in a fresh venv (CI's, and each
    pytest-xdist worker's) for runs of a few dozen queries that plain Python scores in milliseconds, to the same
    figures (with the JIT or without, they agree with ours to 1e-9). numba reads the setting both when ranx's functions
    are decorated (on import) and when ranx builds its typed lists (on call). NUMBA_DISABLE_JIT=0 keeps the JIT."""
    before = os.environ.get("NUMBA_DISABLE_JIT")
    os.environ.setdefault("NUMBA_DISABLE_JIT", "1")
    numba_config.reload_config()
    try:
        yield
    finally:
        if before is None:
            del os.environ["NUMBA_DISABLE_JIT"]
        numba_config.reload_config()


with _numba_jit_off():
    ranx = importlib.import_module("ranx")


@pytest.fixture(scope="module", autouse=True)
def _plain_python_ranx() -> Iterator[None]:
    with _numba_jit_off():
        yield


FIXTURE = Path(__file__).parent / "fixtures" / "tiny_bundle"
METRICS = ["recall@5", "recall@10", "mrr", "ndcg@10"]


def hit(chunk: str, score: float) -> Hit:
    return Hit(chunk_id=chunk, source_id=chunk.split("#")[0], text="", locator="", score=score)


def test_sources_keep_the_rank_of_their_best_chunk() -> None:
    hits = [hit("a#0", 0.9), hit("b#3", 0.8), hit("a#1", 0.7), hit("c#0", 0.6), hit("b#0", 0.5)]
    assert ranked_sources(hits) == ["a", "b", "c"]


def test_hand_computed_values() -> None:
    ranked = ["x", "r1", "y", "z", "w", "v", "r2"]
    assert recall_at(ranked, ["r1", "r2"], 5) == 0.5
    assert recall_at(ranked, ["r1", "r2"], 10) == 1.0
    assert reciprocal_rank(ranked, ["r1", "r2"]) == 0.5
    assert reciprocal_rank(ranked, ["nope"]) == 0.0
    # DCG = 1/log2(3) + 1/log2(8); ideal = 1 + 1/log2(3)
    assert ndcg_at(ranked, ["r1", "r2"], 10) == pytest.approx((1 / 1.5849625 + 1 / 3) / (1 + 1 / 1.5849625))
    assert ndcg_at(["r1"], ["r1"], 10) == 1.0


def _ranx(runs: dict[str, list[str]], qrels: dict[str, list[str]]) -> dict[str, float]:
    # ranx, like trec_eval, sorts by score and breaks ties by document id: feed it 1/rank.
    run = ranx.Run({q: {doc: 1.0 / rank for rank, doc in enumerate(docs, 1)} for q, docs in runs.items()})
    gold = ranx.Qrels({q: dict.fromkeys(docs, 1) for q, docs in qrels.items()})
    scores = ranx.evaluate(gold, run, METRICS, make_comparable=True)
    return {name: float(value) for name, value in scores.items()}


def _ours(runs: dict[str, list[str]], qrels: dict[str, list[str]]) -> dict[str, float]:
    per_query = [query_metrics(runs.get(q, []), relevant) for q, relevant in qrels.items()]
    return {name: sum(m[name] for m in per_query) / len(per_query) for name in METRICS}


def test_matches_ranx_on_synthetic_runs() -> None:
    rng = random.Random(7)
    docs = [f"d{i}" for i in range(40)]
    runs, qrels = {}, {}
    for q in range(60):
        qid = f"q{q}"
        qrels[qid] = rng.sample(docs, rng.randint(1, 6))
        runs[qid] = rng.sample(docs, rng.randint(1, 25))
    runs["q0"] = list(qrels["q0"])  # a perfect ranking
    runs["q1"] = [d for d in docs if d not in qrels["q1"]][:20]  # nothing relevant retrieved
    ours, theirs = _ours(runs, qrels), _ranx(runs, qrels)
    assert ours == pytest.approx(theirs, abs=1e-9)


def test_matches_ranx_on_a_real_bundle_run() -> None:
    from evals.runner import EVAL_TENANT, ingest
    from retrieval.bundle import load_bundle
    from retrieval.embedders import HashingEmbedder
    from retrieval.hybrid import HybridRetriever
    from retrieval.store import ChunkStore

    queries = load_queries(FIXTURE)
    with ChunkStore.ephemeral(HashingEmbedder(), namespace="evals-ranx") as store:
        ingest(load_bundle(FIXTURE), store, EVAL_TENANT, "ranx-check")
        scores = evaluate_queries(HybridRetriever(store, EVAL_TENANT, "ranx-check"), queries)
        store.delete_account(EVAL_TENANT, "ranx-check")
    qrels = {q.id: q.relevant for q in queries}
    assert len(scores.runs()) == len(queries) and all(scores.runs().values())
    ours = {name.removeprefix("retrieval."): value for name, value in scores.metrics().items()}
    ours.pop("queries")
    assert ours == pytest.approx(_ranx(scores.runs(), qrels), abs=1e-9)
