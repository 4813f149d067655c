"""Hybrid retrieval over one account: vector and BM25 rankings fused by reciprocal rank."""

from __future__ import annotations

from collections.abc import Sequence

from retrieval.evidence import Hit
from retrieval.lexical import LexicalView
from retrieval.store import ChunkStore, require_scope


def reciprocal_rank_fusion(rankings: Sequence[Sequence[str]], rrf_k: int = 60) -> list[tuple[str, float]]:
    """Fuse ranked id lists: each id scores sum(1 / (rrf_k + rank)), rank from 1; best first."""
    fused: dict[str, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            fused[item] = fused.get(item, 0.0) + 1.0 / (rrf_k + rank)
    return sorted(fused.items(), key=lambda pair: (-pair[1], pair[0]))


class HybridRetriever:
    """A Retriever fixed to one tenant and account, built on a ChunkStore.

    Cheap to build per request or draft: the lexical index comes from the store's cache, and a
    retriever keeps the view it first used, so every search of one draft sees the same chunks.
    """

    def __init__(
        self,
        store: ChunkStore,
        tenant: str,
        account_id: str,
        *,
        k_vector: int = 20,
        k_lexical: int = 20,
        rrf_k: int = 60,
    ) -> None:
        self.tenant, self.account_id = require_scope(tenant, account_id)
        if rrf_k <= 0:
            raise ValueError("rrf_k must be positive")
        self._store = store
        self.k_vector = k_vector
        self.k_lexical = k_lexical
        self.rrf_k = rrf_k
        self._view: LexicalView | None = None

    def search(self, query: str, k: int = 8) -> list[Hit]:
        return self.search_many([query], k)

    def search_many(self, queries: Sequence[str], k: int = 8) -> list[Hit]:
        """Fuse the vector and lexical rankings of every query into one list of k hits."""
        queries = [q for q in dict.fromkeys(queries) if q.strip()]
        if k <= 0 or not queries:
            return []
        if self._view is None:
            self._view = self._store.lexical(self.tenant, self.account_id)
        chunks, bm25 = self._view.chunks, self._view.index
        rankings: list[list[str]] = []
        vector_hits: dict[str, Hit] = {}
        for hits in self._store.query_many(self.tenant, self.account_id, queries, self.k_vector):
            rankings.append([hit.chunk_id for hit in hits])
            for hit in hits:
                vector_hits.setdefault(hit.chunk_id, hit)
        for query in queries:
            rankings.append([chunk_id for chunk_id, _ in bm25.search(query, self.k_lexical)])

        out: list[Hit] = []
        for chunk_id, score in reciprocal_rank_fusion(rankings, self.rrf_k)[:k]:
            if chunk_id in chunks:
                chunk = chunks[chunk_id]
                out.append(
                    Hit(
                        chunk_id=chunk.id,
                        source_id=chunk.source_id,
                        text=chunk.text,
                        locator=chunk.locator,
                        score=score,
                    )
                )
            else:
                # Stored after this retriever indexed the account: still a valid vector hit.
                out.append(vector_hits[chunk_id].model_copy(update={"score": score}))
        return out
