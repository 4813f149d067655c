"""`planwright reindex`: the shared collection of earlier releases split per account, and accounts
re-embedded after an embedder change, without losing a chunk — including after a crash mid-way."""

from __future__ import annotations

import uuid

import chromadb
import pytest

from retrieval.embedders import HashingEmbedder
from retrieval.reindex import STAGING, reindex
from retrieval.store import ChunkStore, EmbedderMismatchError, StoreLayoutError, chroma_settings, embedder_name
from tests.retrieval.test_store import CORPUS, CountingEmbedder, chunk


@pytest.fixture
def client() -> chromadb.ClientAPI:
    return chromadb.EphemeralClient(settings=chroma_settings())


@pytest.fixture
def namespace() -> str:
    return f"ns-{uuid.uuid4().hex[:10]}"


def legacy_store(client: chromadb.ClientAPI, namespace: str, embedder: CountingEmbedder) -> None:
    """Rows as releases before per-account collections wrote them: one collection, scope in metadata."""
    shared = client.create_collection(
        namespace,
        embedding_function=None,
        configuration={"hnsw": {"space": "cosine"}},
        metadata={"embedder": embedder_name(embedder), "dimension": embedder.dimension},
    )
    accounts = (("acme", "acc-1", CORPUS), ("acme", "acc-2", CORPUS[:1]), ("globex", "g", CORPUS[1:]))
    for tenant, account, chunks in accounts:
        shared.add(
            ids=[f"{tenant}:{account}:{c.id}" for c in chunks],
            embeddings=embedder.embed([c.text for c in chunks]),  # type: ignore[arg-type]
            documents=[c.text for c in chunks],
            metadatas=[
                {"tenant": tenant, "account_id": account, "chunk_id": c.id, "source_id": c.source_id,
                 "locator": c.locator, "start": c.start, "end": c.end, "source_type": "note"}
                for c in chunks
            ],  # fmt: skip
        )


def test_the_shared_layout_is_split_per_account_copying_vectors_and_losing_nothing(client, namespace):
    embedder = CountingEmbedder()
    legacy_store(client, namespace, embedder)
    with pytest.raises(StoreLayoutError):
        ChunkStore(client, embedder, namespace)
    embedder.embedded.clear()

    report = reindex(client, embedder, namespace)

    assert (report.accounts_moved, report.chunks_copied, report.chunks_embedded) == (3, 6, 0)
    assert embedder.embedded == []  # same embedder: vectors copied, not recomputed
    store = ChunkStore(client, embedder, namespace)
    assert [c.id for c in store.chunks("acme", "acc-1")] == ["c1", "c2", "c3"]
    assert store.chunks("acme", "acc-1")[0].metadata == {"source_type": "note"}
    assert store.count("acme", "acc-2") == 1 and store.count("globex", "g") == 2
    assert store.query("acme", "acc-1", "security review", 1)[0].chunk_id == "c3"
    assert namespace not in [c.name for c in client.list_collections()]
    assert store.upsert("acme", "acc-1", CORPUS, source_types={"note-1": "note", "call-1": "note"}) == 0
    assert reindex(client, embedder, namespace).summary().endswith("nothing to do")


def test_a_new_embedder_re_embeds_every_account_and_the_store_opens_with_it(client, namespace):
    old = CountingEmbedder()
    store = ChunkStore(client, old, namespace)
    store.upsert("acme", "acc-1", CORPUS)
    store.upsert("globex", "g", CORPUS[:1])
    new = HashingEmbedder(dimension=48)
    with pytest.raises(EmbedderMismatchError, match="reindex"):
        ChunkStore(client, new, namespace)

    report = reindex(client, new, namespace)

    assert (report.accounts_reembedded, report.chunks_embedded) == (2, 4)
    reopened = ChunkStore(client, new, namespace)
    assert reopened.count("acme", "acc-1") == 3
    assert reopened.query("acme", "acc-1", "Jennifer Wu renewal", 1)[0].chunk_id == "c1"
    assert not [c for c in client.list_collections() if (c.metadata or {}).get("namespace", "").endswith(STAGING)]


def test_a_reindex_that_stopped_between_dropping_and_renaming_finishes_on_the_next_run(client, namespace):
    old = CountingEmbedder()
    ChunkStore(client, old, namespace).upsert("acme", "acc-1", CORPUS)
    new = HashingEmbedder(dimension=48)
    # The state a crash leaves: the staging copy filled, the old collection already dropped.
    ChunkStore(client, new, namespace + STAGING, verify=False).upsert("acme", "acc-1", CORPUS)
    ChunkStore(client, old, namespace, verify=False).delete_account("acme", "acc-1")

    reindex(client, new, namespace)

    assert [c.id for c in ChunkStore(client, new, namespace).chunks("acme", "acc-1")] == ["c1", "c2", "c3"]


def test_a_staging_copy_beside_a_whole_old_collection_is_redone(client, namespace):
    old = CountingEmbedder()
    ChunkStore(client, old, namespace).upsert("acme", "acc-1", CORPUS)
    new = HashingEmbedder(dimension=48)
    ChunkStore(client, new, namespace + STAGING, verify=False).upsert("acme", "acc-1", [chunk("half", "half done")])

    report = reindex(client, new, namespace)

    assert report.accounts_reembedded == 1
    assert [c.id for c in ChunkStore(client, new, namespace).chunks("acme", "acc-1")] == ["c1", "c2", "c3"]
