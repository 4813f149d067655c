"""Retrieval quality: rank sources for each gold query and score the ranking (binary relevance).

A query's run is the retriever's chunk hits turned into source ids, each source at its best
rank. recall@k is the share of relevant sources in the top k; MRR the reciprocal rank of the
first relevant source (0 when none is retrieved); nDCG@10 uses gain 1 / log2(rank + 1).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from evals.dataset import RetrievalQuery
from retrieval.evidence import Hit
from retrieval.protocols import Retriever

SEARCH_DEPTH = 50
CUTOFFS = (5, 10)
NDCG_CUTOFF = 10


def ranked_sources(hits: Iterable[Hit]) -> list[str]:
    """Unique source ids in order of their best-ranked chunk."""
    return list(dict.fromkeys(hit.source_id for hit in hits))


def recall_at(ranked: Sequence[str], relevant: Iterable[str], k: int) -> float:
    wanted = set(relevant)
    if not wanted:
        raise ValueError("a query needs at least one relevant source")
    return len(wanted.intersection(ranked[:k])) / len(wanted)


def reciprocal_rank(ranked: Sequence[str], relevant: Iterable[str]) -> float:
    wanted = set(relevant)
    return next((1.0 / rank for rank, item in enumerate(ranked, start=1) if item in wanted), 0.0)


def ndcg_at(ranked: Sequence[str], relevant: Iterable[str], k: int) -> float:
    wanted = set(relevant)
    if not wanted:
        raise ValueError("a query needs at least one relevant source")
    dcg = sum(1.0 / math.log2(rank + 1) for rank, item in enumerate(ranked[:k], start=1) if item in wanted)
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(k, len(wanted)) + 1))
    return dcg / ideal


def query_metrics(ranked: Sequence[str], relevant: Sequence[str]) -> dict[str, float]:
    out = {f"recall@{k}": recall_at(ranked, relevant, k) for k in CUTOFFS}
    out["mrr"] = reciprocal_rank(ranked, relevant)
    out[f"ndcg@{NDCG_CUTOFF}"] = ndcg_at(ranked, relevant, NDCG_CUTOFF)
    return out


@dataclass
class RetrievalScores:
    """Per-query rankings and metrics; the metrics of a set of queries are their means."""

    queries: list[dict[str, Any]] = field(default_factory=list)

    def metrics(self) -> dict[str, float | None]:
        names = [f"recall@{k}" for k in CUTOFFS] + ["mrr", f"ndcg@{NDCG_CUTOFF}"]
        if not self.queries:
            return {}
        out: dict[str, float | None] = {
            f"retrieval.{name}": sum(q["metrics"][name] for q in self.queries) / len(self.queries) for name in names
        }
        out["retrieval.queries"] = len(self.queries)
        return out

    def runs(self) -> dict[str, list[str]]:
        """Query id → its ranked source ids."""
        return {q["id"]: q["ranked"] for q in self.queries}


def evaluate_queries(
    retriever: Retriever, queries: Sequence[RetrievalQuery], depth: int = SEARCH_DEPTH, prefix: str = ""
) -> RetrievalScores:
    """Search every query once and score the source ranking against its relevant sources."""
    scores = RetrievalScores()
    for query in queries:
        ranked = ranked_sources(retriever.search(query.query, depth))
        scores.queries.append(
            {
                "id": f"{prefix}{query.id}",
                "query": query.query,
                "relevant": list(query.relevant),
                "ranked": ranked,
                "metrics": query_metrics(ranked, query.relevant),
            }
        )
    return scores
