"""Search latency and recall in a store of many accounts: our layout beside its peers, in one run.

    python -m benchmarks.retrieval [--chunks 100000] [--accounts 200] [--queries 200] [--json OUT]

One persistent Chroma folder holds the same synthetic chunks (the same vectors) in every layout:

- planwright: one collection per account; `HybridRetriever.search` (vector + cached BM25 + fusion),
  built anew for every query as the API does per request, and the store's vector query alone;
- one collection per tenant (10 tenants) with an account filter — the layout we did not choose;
- one shared collection with the tenant-and-account `$and` filter — our layout before (issue 10);
- the peers: raw chromadb and langchain-chroma's filtered `similarity_search` on one shared
  collection with an account filter.

Every contender embeds its query with the same embedder (feature hashing, 384 dimensions: the
store's cost is what is measured, not the model's), and the contenders take turns query by query.
Recall@20 is against exact cosine ranking of the account's own vectors.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import chromadb
import numpy as np

from retrieval.embedders import HashingEmbedder
from retrieval.evidence import Chunk
from retrieval.hybrid import HybridRetriever
from retrieval.store import ChunkStore, chroma_settings

TENANTS = 10
K = 20


@dataclass
class Corpus:
    accounts: list[tuple[str, str]]  # (tenant, account)
    chunks: dict[tuple[str, str], list[Chunk]]
    vectors: dict[tuple[str, str], np.ndarray]
    queries: list[tuple[tuple[str, str], str]]


def build_corpus(n_chunks: int, n_accounts: int, n_queries: int, embedder: HashingEmbedder, seed: int = 7) -> Corpus:
    rng = random.Random(seed)
    vocabulary = [f"w{n}" for n in range(6_000)] + [
        "renewal", "pricing", "security", "review", "budget", "champion", "migration", "analytics",
        "contract", "rollout", "procurement", "integration", "latency", "outage", "training", "license",
    ]  # fmt: skip
    accounts = [(f"tenant{a % TENANTS}", f"acct{a:04d}") for a in range(n_accounts)]
    per_account = n_chunks // n_accounts
    chunks: dict[tuple[str, str], list[Chunk]] = {}
    vectors: dict[tuple[str, str], np.ndarray] = {}
    for scope in accounts:
        people = [f"person{rng.randrange(50_000)}" for _ in range(12)]
        texts = [
            " ".join(rng.choice(people) if rng.random() < 0.05 else rng.choice(vocabulary) for _ in range(60))
            for _ in range(per_account)
        ]
        chunks[scope] = [
            Chunk(id=f"c{n:05d}", source_id=f"s{n // 8:04d}", text=t, start=0, end=len(t), locator=f"line {n}")
            for n, t in enumerate(texts)
        ]
        vectors[scope] = np.asarray(embedder.embed(texts), dtype=np.float32)
    queries = []
    for _ in range(n_queries):
        scope = rng.choice(accounts)
        words = rng.choice(chunks[scope]).text.split()
        start = rng.randrange(len(words) - 8)
        queries.append((scope, " ".join(words[start : start + 6] + rng.sample(vocabulary, 2))))
    return Corpus(accounts, chunks, vectors, queries)


def _fill(collection: Any, corpus: Corpus, scopes: list[tuple[str, str]]) -> None:
    batch = 5_000
    rows: list[tuple[str, np.ndarray, str, dict[str, Any]]] = []
    for scope in scopes:
        tenant, account = scope
        for chunk, vector in zip(corpus.chunks[scope], corpus.vectors[scope], strict=True):
            meta = {"tenant": tenant, "account_id": account, "chunk_id": chunk.id, "source_id": chunk.source_id}
            rows.append((f"{tenant}:{account}:{chunk.id}", vector, chunk.text, meta))
    for start in range(0, len(rows), batch):
        part = rows[start : start + batch]
        collection.add(
            ids=[r[0] for r in part],
            embeddings=np.stack([r[1] for r in part]),
            documents=[r[2] for r in part],
            metadatas=[r[3] for r in part],
        )


@dataclass
class Contender:
    name: str
    search: Callable[[tuple[str, str], str], list[str]]  # chunk ids, best first
    times_ms: list[float] = field(default_factory=list)
    recalls: list[float] = field(default_factory=list)
    vector: bool = True  # whether its ranking is a vector ranking (recall@20 applies)


def run(n_chunks: int, n_accounts: int, n_queries: int, workdir: Path) -> dict[str, Any]:
    embedder = HashingEmbedder(384)
    started = time.perf_counter()
    corpus = build_corpus(n_chunks, n_accounts, n_queries, embedder)
    client = chromadb.PersistentClient(path=str(workdir / "chroma"), settings=chroma_settings())
    store = ChunkStore(client, embedder, "bench")
    for scope in corpus.accounts:
        known = {c.id: v for c, v in zip(corpus.chunks[scope], corpus.vectors[scope], strict=True)}
        store.upsert(*scope, corpus.chunks[scope], known_vectors=known)
    cosine = {"hnsw": {"space": "cosine"}}
    shared = client.create_collection("shared", embedding_function=None, configuration=cosine)  # type: ignore[arg-type]
    _fill(shared, corpus, corpus.accounts)
    per_tenant = {}
    for t in range(TENANTS):
        tenant = f"tenant{t}"
        per_tenant[tenant] = client.create_collection(f"tenant-{t}", embedding_function=None, configuration=cosine)  # type: ignore[arg-type]
        _fill(per_tenant[tenant], corpus, [s for s in corpus.accounts if s[0] == tenant])
    built_s = time.perf_counter() - started

    def embed(text: str) -> np.ndarray:
        return np.asarray(embedder.embed([text]), dtype=np.float32)

    def chroma_ids(result: Any) -> list[str]:
        return [str(m["chunk_id"]) for m in result["metadatas"][0]]

    contenders = [
        Contender("planwright hybrid (vector + BM25)", lambda s, q: [
            h.chunk_id for h in HybridRetriever(store, *s).search(q, k=K)], vector=False),
        Contender("planwright vector (own collection)", lambda s, q: [h.chunk_id for h in store.query(*s, q, K)]),
        Contender("one collection per tenant, account filter", lambda s, q: chroma_ids(per_tenant[s[0]].query(
            query_embeddings=embed(q), n_results=K, where={"account_id": s[1]}, include=["metadatas"]))),
        Contender("one shared collection, $and filter (before)", lambda s, q: chroma_ids(shared.query(
            query_embeddings=embed(q), n_results=K, where={"$and": [{"tenant": s[0]}, {"account_id": s[1]}]},
            include=["metadatas"]))),
        Contender("peer: raw chromadb, account filter", lambda s, q: chroma_ids(shared.query(
            query_embeddings=embed(q), n_results=K, where={"account_id": s[1]}, include=["metadatas"]))),
    ]  # fmt: skip
    skipped: dict[str, str] = {}
    try:
        from langchain_chroma import Chroma
        from langchain_core.embeddings import Embeddings

        class Hashing(Embeddings):
            def embed_documents(self, texts: list[str]) -> list[list[float]]:
                return [list(v) for v in embedder.embed(texts)]

            def embed_query(self, text: str) -> list[float]:
                return list(embedder.embed([text])[0])

        lc = Chroma(client=client, collection_name="shared", embedding_function=Hashing())
        contenders.append(Contender("peer: langchain-chroma, account filter", lambda s, q: [
            str(d.metadata["chunk_id"])
            for d in lc.similarity_search(q, k=K, filter={"account_id": s[1]})]))  # fmt: skip
    except ImportError as exc:
        skipped["langchain-chroma"] = f"not installed ({exc.name}); `make bench` installs it"

    for contender in contenders:  # warm every path once
        contender.search(*corpus.queries[0])
    # The first search of an account after a write builds its lexical index: timed apart, then
    # every account is warm, as in a server that has searched them since their last import.
    cold_ms = []
    for scope in dict.fromkeys(scope for scope, _ in corpus.queries):
        began = time.perf_counter()
        HybridRetriever(store, *scope).search("warm", k=K)
        cold_ms.append((time.perf_counter() - began) * 1000)
    for turn, (scope, query) in enumerate(corpus.queries):
        similarity = corpus.vectors[scope] @ embed(query)[0]
        # Ids scoring at least the exact K-th best count as right, so float ties at the cut do not.
        cut = np.sort(similarity)[::-1][K - 1] - 1e-5
        truth = {chunk.id for chunk, score in zip(corpus.chunks[scope], similarity, strict=True) if score >= cut}
        for contender in contenders[turn % len(contenders) :] + contenders[: turn % len(contenders)]:
            began = time.perf_counter()
            ids = contender.search(scope, query)
            contender.times_ms.append((time.perf_counter() - began) * 1000)
            if contender.vector:
                contender.recalls.append(min(1.0, len(truth & set(ids[:K])) / K))
    peer = next(c for c in reversed(contenders) if c.name.startswith("peer:"))
    search_rss = search_process_rss(workdir / "chroma", corpus)
    rows = []
    for c in contenders:
        p50 = statistics.median(c.times_ms)
        rows.append({
            "name": c.name, "p50_ms": round(p50, 2),
            "p95_ms": round(float(np.percentile(c.times_ms, 95)), 2),
            "vs_peer_p50": round(p50 / statistics.median(peer.times_ms), 2),
            "recall_at_20": round(statistics.mean(c.recalls), 4) if c.recalls else None,
        })  # fmt: skip
    return {
        "chunks": n_chunks, "accounts": n_accounts, "queries": n_queries, "build_s": round(built_s, 1),
        "peer": peer.name, "rows": rows, "skipped": skipped,
        "cold_hybrid_p50_ms": round(statistics.median(cold_ms), 1),
        "search_process_peak_rss_mib": search_rss,
    }  # fmt: skip


_SEARCHER = r"""
import json, resource, sys
from retrieval.embedders import HashingEmbedder
from retrieval.hybrid import HybridRetriever
from retrieval.store import ChunkStore
path, queries = sys.argv[1], json.load(open(sys.argv[2]))
store = ChunkStore.persistent(__import__("pathlib").Path(path), HashingEmbedder(384), "bench")
for tenant, account, query in queries:
    HybridRetriever(store, tenant, account).search(query, k=20)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
"""


def search_process_rss(path: Path, corpus: Corpus) -> int:
    """Peak RSS (MiB) of a fresh process that opens the store and searches every account once, then
    runs the queries: what a `planwright serve` process holds for search with every account warm."""
    firsts = [(*scope, "warm") for scope in corpus.accounts]
    queries = path.parent / "queries.json"
    queries.write_text(json.dumps(firsts + [[*scope, q] for scope, q in corpus.queries]), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-c", _SEARCHER, str(path), str(queries)],
        capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parents[1],
    )  # fmt: skip
    return int(done.stdout.strip().splitlines()[-1])


def render(result: dict[str, Any]) -> str:
    lines = [
        f"{result['chunks']:,} chunks in {result['accounts']} accounts, {result['queries']} queries, "
        f"k={K} (ratios against {result['peer']})",
        "| layout / query | p50 ms | p95 ms | × peer p50 | recall@20 |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for row in result["rows"]:
        recall = "—" if row["recall_at_20"] is None else f"{row['recall_at_20']:.3f}"
        lines.append(f"| {row['name']} | {row['p50_ms']} | {row['p95_ms']} | {row['vs_peer_p50']} | {recall} |")
    lines.append(
        f"The first search of an account after a write also builds its lexical index: "
        f"p50 {result['cold_hybrid_p50_ms']} ms (build {result['build_s']} s for the whole store). "
        f"Peak RSS of a process searching every account: {result['search_process_peak_rss_mib']} MiB."
    )
    for name, why in result["skipped"].items():
        lines.append(f"skipped {name}: {why}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--accounts", type=int, default=200)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--json", type=Path, help="Also write the figures here.")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="pw-bench-retrieval-") as tmp:
        result = run(args.chunks, args.accounts, args.queries, Path(tmp))
    print(render(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
