"""The Chroma chunk store: scoping, incremental embedding, persistence."""

from __future__ import annotations

import hashlib
import math
import re
import uuid

import pytest

from retrieval.evidence import Chunk
from retrieval.store import ChunkStore, EmbedderMismatchError, ScopeError, StoreLayoutError


class CountingEmbedder:
    """Bag-of-words feature hashing; counts the texts it was asked to embed."""

    def __init__(self, dimension: int = 64) -> None:
        self._dimension = dimension
        self.embedded: list[str] = []

    @property
    def dimension(self) -> int:
        return self._dimension

    def embed(self, texts: list[str]) -> list[list[float]]:
        self.embedded.extend(texts)
        return [self._vector(text) for text in texts]

    def _vector(self, text: str) -> list[float]:
        vector = [0.0] * self._dimension
        for word in re.findall(r"\w+", text.lower()) or ["\x00"]:
            bucket = int.from_bytes(hashlib.sha256(word.encode()).digest()[:4], "little")
            vector[bucket % self._dimension] += 1.0
        norm = math.sqrt(sum(x * x for x in vector))
        return [x / norm for x in vector]


def chunk(chunk_id: str, text: str, source_id: str = "note-1", locator: str = "line 1") -> Chunk:
    return Chunk(id=chunk_id, source_id=source_id, text=text, start=0, end=len(text), locator=locator)


@pytest.fixture
def embedder() -> CountingEmbedder:
    return CountingEmbedder()


@pytest.fixture
def store(embedder: CountingEmbedder) -> ChunkStore:
    # Ephemeral clients share one in-process system, so every test gets its own collection.
    return ChunkStore.ephemeral(embedder, namespace=f"test-{uuid.uuid4().hex}")


CORPUS = [
    chunk("c1", "Jennifer Wu confirmed the renewal is planned for June."),
    chunk("c2", "Payments division is evaluating a competitor for advanced analytics."),
    chunk("c3", "Security review of the data platform is scheduled next week.", source_id="call-1"),
]


def test_upsert_embeds_new_chunks_and_a_repeat_embeds_nothing(store, embedder):
    assert store.upsert("acme", "acc-1", CORPUS) == 3
    assert store.upsert("acme", "acc-1", CORPUS) == 0
    assert len(embedder.embedded) == 3
    assert store.count("acme", "acc-1") == 3


def test_changed_text_is_re_embedded_and_replaces_the_old_text(store, embedder):
    store.upsert("acme", "acc-1", CORPUS)
    edited = chunk("c2", "Payments division signed the advanced analytics renewal.")
    embedder.embedded.clear()

    assert store.upsert("acme", "acc-1", [CORPUS[0], edited, CORPUS[2]]) == 1
    assert embedder.embedded == [edited.text]
    stored = {c.id: c.text for c in store.chunks("acme", "acc-1")}
    assert stored["c2"] == edited.text
    assert store.count("acme", "acc-1") == 3


def test_metadata_change_updates_without_embedding(store, embedder):
    store.upsert("acme", "acc-1", CORPUS)
    moved = chunk("c1", CORPUS[0].text, locator="line 7")

    assert store.upsert("acme", "acc-1", [moved], source_types={"note-1": "note"}) == 0
    c1 = next(c for c in store.chunks("acme", "acc-1") if c.id == "c1")
    assert c1.locator == "line 7"
    assert c1.metadata["source_type"] == "note"
    assert store.query("acme", "acc-1", CORPUS[0].text, 1)[0].locator == "line 7"


def test_prune_removes_chunks_missing_from_a_reimport(store):
    store.upsert("acme", "acc-1", CORPUS)
    store.upsert("acme", "acc-2", CORPUS)

    assert store.upsert("acme", "acc-1", CORPUS[:1], prune=True) == 0
    assert [c.id for c in store.chunks("acme", "acc-1")] == ["c1"]
    assert store.count("acme", "acc-2") == 3


def test_query_ranks_by_cosine_similarity(store):
    store.upsert("acme", "acc-1", CORPUS)

    hits = store.query("acme", "acc-1", "security review data platform", 2)

    assert [h.chunk_id for h in hits][0] == "c3"
    assert hits[0].source_id == "call-1"
    assert hits[0].text == CORPUS[2].text
    assert 0.0 < hits[0].score <= 1.0 + 1e-6
    assert hits[0].score > hits[1].score
    assert store.query("acme", "acc-1", "security", 0) == []


def test_an_exact_text_match_scores_one(store):
    store.upsert("acme", "acc-1", CORPUS)
    assert store.query("acme", "acc-1", CORPUS[1].text, 1)[0].score == pytest.approx(1.0, abs=1e-5)


def test_query_never_returns_another_tenants_chunks_even_when_closer(store):
    store.upsert("acme", "acc-1", [chunk("c1", "Quarterly pricing discussion with procurement.")])
    secret = "Globex board approved the confidential merger with Initech."
    store.upsert("globex", "acc-1", [chunk("c1", secret)])

    hits = store.query("acme", "acc-1", secret, 10)

    assert [h.text for h in hits] == ["Quarterly pricing discussion with procurement."]
    assert [c.text for c in store.chunks("globex", "acc-1")] == [secret]


def test_accounts_of_one_tenant_are_isolated_and_deleted_separately(store):
    store.upsert("acme", "acc-1", CORPUS)
    store.upsert("acme", "acc-2", [chunk("c1", "A different account entirely.")])

    assert {h.chunk_id for h in store.query("acme", "acc-2", CORPUS[0].text, 10)} == {"c1"}
    assert store.query("acme", "acc-2", CORPUS[0].text, 10)[0].text == "A different account entirely."

    store.delete_account("acme", "acc-1")
    assert store.count("acme", "acc-1") == 0
    assert store.chunks("acme", "acc-1") == []
    assert store.count("acme", "acc-2") == 1


@pytest.mark.parametrize(
    ("tenant", "account_id"),
    [("", "acc-1"), ("acme", ""), (None, "acc-1"), ("acme", None), ("   ", "acc-1"), ("a:b", "c")],
)
def test_every_method_fails_closed_without_a_scope(store, tenant, account_id):
    store.upsert("acme", "acc-1", CORPUS)
    calls = [
        lambda: store.upsert(tenant, account_id, CORPUS),
        lambda: store.query(tenant, account_id, "renewal", 5),
        lambda: store.chunks(tenant, account_id),
        lambda: store.count(tenant, account_id),
        lambda: store.delete_account(tenant, account_id),
    ]
    for call in calls:
        with pytest.raises(ScopeError):
            call()
    assert store.count("acme", "acc-1") == 3


def test_scope_error_is_a_value_error():
    assert issubclass(ScopeError, ValueError)


def test_reopening_a_store_with_another_embedder_is_refused_with_the_fix(store):
    store.upsert("acme", "acc-1", CORPUS)
    with pytest.raises(EmbedderMismatchError, match="planwright reindex"):
        ChunkStore(store.client, CountingEmbedder(dimension=32), store.namespace)


def test_each_account_has_its_own_collection_so_a_query_never_filters_the_whole_store(store):
    store.upsert("acme", "acc-1", CORPUS)
    store.upsert("acme", "acc-2", CORPUS[:1])
    store.upsert("globex", "acc-1", CORPUS[:2])

    counts = {
        (c.metadata["tenant"], c.metadata["account_id"]): c.count() for c in store.account_collections()
    }
    assert counts == {("acme", "acc-1"): 3, ("acme", "acc-2"): 1, ("globex", "acc-1"): 2}


def test_an_account_never_written_reads_as_empty_and_creates_nothing(store):
    assert store.query("acme", "nobody", "renewal", 5) == []
    assert store.chunks("acme", "nobody") == []
    assert store.count("acme", "nobody") == 0
    assert store.generation("acme", "nobody") is None
    store.delete_account("acme", "nobody")
    assert store.account_collections() == []


def test_the_generation_changes_on_every_write_and_only_then(store):
    store.upsert("acme", "acc-1", CORPUS)
    first = store.generation("acme", "acc-1")

    store.upsert("acme", "acc-1", CORPUS)  # nothing changed
    assert store.generation("acme", "acc-1") == first

    store.upsert("acme", "acc-1", [chunk("c4", "a new note")])
    second = store.generation("acme", "acc-1")
    store.delete_sources("acme", "acc-1", ["call-1"])
    third = store.generation("acme", "acc-1")
    assert len({first, second, third}) == 3


def test_the_lexical_index_is_rebuilt_only_when_the_account_changes_even_in_another_process(store, embedder):
    store.upsert("acme", "acc-1", CORPUS)
    other_process = ChunkStore(store.client, embedder, store.namespace)  # a second store on the same Chroma

    first = store.lexical("acme", "acc-1")
    assert store.lexical("acme", "acc-1") is first

    other_process.upsert("acme", "acc-1", [chunk("c9", "Zorblax procurement code")])
    fresh = store.lexical("acme", "acc-1")
    assert fresh is not first
    assert fresh.index.search("zorblax", 1)[0][0] == "c9"

    other_process.delete_account("acme", "acc-1")
    assert store.lexical("acme", "acc-1").chunks == {}
    assert store.query("acme", "acc-1", "zorblax", 3) == []


def test_a_store_of_the_shared_collection_layout_is_refused_until_reindexed(embedder):
    client = ChunkStore.ephemeral(embedder, namespace=f"legacy-{uuid.uuid4().hex[:8]}").client
    namespace = f"old-{uuid.uuid4().hex[:8]}"
    client.create_collection(namespace, embedding_function=None, metadata={"embedder": "x", "dimension": 8})

    with pytest.raises(StoreLayoutError, match="planwright reindex"):
        ChunkStore(client, embedder, namespace)


def test_http_factory_rejects_a_url_without_a_host(embedder):
    with pytest.raises(ValueError, match="CHROMA_URL"):
        ChunkStore.http("localhost:8000", embedder)


def test_persistent_store_survives_reopening(tmp_path):
    path = tmp_path / "chroma"
    with ChunkStore.persistent(path, CountingEmbedder()) as store:
        store.upsert("acme", "acc-1", CORPUS, source_types={"call-1": "call"})

    embedder = CountingEmbedder()
    with ChunkStore.persistent(path, embedder) as reopened:
        assert reopened.count("acme", "acc-1") == 3
        assert reopened.upsert("acme", "acc-1", CORPUS) == 0
        assert embedder.embedded == []
        assert reopened.query("acme", "acc-1", "security review", 1)[0].chunk_id == "c3"


def test_reads_of_a_big_account_are_paged_and_miss_nothing() -> None:
    """An unpaged read of ~32k chunks exceeds SQLite's bound-variable limit inside Chroma."""
    store = ChunkStore.ephemeral(CountingEmbedder(), namespace=f"paged-{uuid.uuid4().hex[:8]}")
    store.page_size = 3
    store.upsert("t1", "acc", [chunk(f"c{n:02d}", f"text {n}") for n in range(10)])
    store.upsert("t1", "other", [chunk("x", "another account")])

    assert [c.id for c in store.chunks("t1", "acc")] == [f"c{n:02d}" for n in range(10)]
    assert store.count("t1", "acc") == 10

    store.upsert("t1", "acc", [chunk(f"c{n:02d}", f"text {n}") for n in range(0, 10, 2)], prune=True)
    assert [c.id for c in store.chunks("t1", "acc")] == [f"c{n:02d}" for n in range(0, 10, 2)]
    assert store.count("t1", "other") == 1


def test_embedding_reports_progress_and_embeds_short_texts_first(embedder: CountingEmbedder) -> None:
    store = ChunkStore.ephemeral(embedder, namespace=f"progress-{uuid.uuid4().hex[:8]}")
    seen: list[tuple[int, int]] = []
    texts = ["a much longer text than the others", "short", "a medium text"]

    chunks = [chunk(f"c{n}", text) for n, text in enumerate(texts)]

    store.upsert("t1", "acc", chunks, progress=lambda *p: seen.append(p))

    assert seen == [(3, 3)]
    assert embedder.embedded == sorted(texts, key=len)


def test_a_process_whose_cached_account_another_process_deleted_writes_and_reads_it_afresh(store, embedder):
    store.upsert("acme", "acc-1", CORPUS)
    other_process = ChunkStore(store.client, embedder, store.namespace)

    other_process.delete_account("acme", "acc-1")
    store.delete_sources("acme", "acc-1", ["call-1"])  # nothing left to delete: not an error
    store.upsert("acme", "acc-1", CORPUS[:1])

    assert [c.id for c in other_process.chunks("acme", "acc-1")] == ["c1"]
    assert store.count("acme", "acc-1") == 1
