"""BM25 scoring, reciprocal rank fusion, and the hybrid retriever over a ChunkStore."""

from __future__ import annotations

import math
import re
import uuid

import pytest

from retrieval.evidence import Chunk
from retrieval.hybrid import HybridRetriever, reciprocal_rank_fusion
from retrieval.lexical import Bm25Index, tokenize
from retrieval.protocols import Retriever
from retrieval.store import ChunkStore, ScopeError

# BM25


def test_tokenize_lowercases_keeps_numbers_and_unicode_and_drops_stopwords():
    assert tokenize("The XR-7 gateway for Müller's team, in 2026!") == [
        "xr",
        "7",
        "gateway",
        "müller",
        "s",
        "team",
        "2026",
    ]


THREE_DOCS = [
    ("d1", "Renewal renewal pricing"),  # renewal, renewal, pricing: length 3
    ("d2", "Pricing review with Okonkwo"),  # pricing, review, okonkwo: length 3
    ("d3", "The security review"),  # security, review: length 2
]


def test_bm25_matches_hand_computed_scores():
    # N = 3, avgdl = 8/3, k1 = 1.5, b = 0.75.
    # idf(renewal) = ln(1 + (3 - 1 + 0.5) / (1 + 0.5)) = ln(8/3)  = 0.980829
    # idf(pricing) = ln(1 + (3 - 2 + 0.5) / (2 + 0.5)) = ln(1.6)  = 0.470004
    # length norm for a 3-token doc: 1 - 0.75 + 0.75 * 3 / (8/3) = 1.09375, so k1 * norm = 1.640625
    # d1 = 0.980829 * 2 * 2.5 / (2 + 1.640625) + 0.470004 * 2.5 / (1 + 1.640625) = 1.792035
    # d2 = 0.470004 * 2.5 / (1 + 1.640625) = 0.444974
    # d3 shares no term with the query and is not returned.
    results = Bm25Index(THREE_DOCS).search("renewal pricing", k=10)

    assert [doc_id for doc_id, _ in results] == ["d1", "d2"]
    assert results[0][1] == pytest.approx(1.792035, abs=1e-6)
    assert results[1][1] == pytest.approx(0.444974, abs=1e-6)


def test_bm25_rare_terms_outweigh_common_ones_and_k_truncates():
    index = Bm25Index(THREE_DOCS)

    both = index.score("okonkwo")["d2"] + index.score("review")["d2"]
    assert index.search("review okonkwo", k=1) == [("d2", pytest.approx(both))]
    assert index.score("okonkwo")["d2"] > index.score("review")["d2"]
    assert index.search("nothing matches here", k=5) == []
    assert index.search("review", k=0) == []


def test_bm25_counts_a_repeated_query_word_once():
    index = Bm25Index(THREE_DOCS)
    assert index.search("review review review", 5) == index.search("review", 5)


def test_bm25_breaks_ties_by_id():
    index = Bm25Index([("b", "gateway"), ("a", "gateway"), ("c", "gateway")])
    assert [doc_id for doc_id, _ in index.search("gateway", 3)] == ["a", "b", "c"]


def test_empty_index_finds_nothing():
    assert Bm25Index([]).search("anything", 5) == []


# Reciprocal rank fusion


def test_rrf_sums_reciprocal_ranks_and_breaks_ties_by_id():
    fused = reciprocal_rank_fusion([["b", "a", "c"], ["a", "b"], ["d"]], rrf_k=60)

    assert fused == [
        ("a", pytest.approx(1 / 62 + 1 / 61)),
        ("b", pytest.approx(1 / 61 + 1 / 62)),
        ("d", pytest.approx(1 / 61)),
        ("c", pytest.approx(1 / 63)),
    ]


# Hybrid retrieval


class ConceptEmbedder:
    """Embeds by a few topic words plus a constant, so names and codes are invisible to it."""

    TOPICS = (
        {"renewal", "contract", "pricing", "price"},
        {"security", "audit"},
        {"analytics", "dashboard"},
    )

    @property
    def dimension(self) -> int:
        return len(self.TOPICS) + 1

    def embed(self, texts: list[str]) -> list[list[float]]:
        vectors = []
        for text in texts:
            words = re.findall(r"\w+", text.lower())
            vector = [float(sum(word in topic for word in words)) for topic in self.TOPICS] + [0.5]
            norm = math.sqrt(sum(x * x for x in vector))
            vectors.append([x / norm for x in vector])
        return vectors


def chunk(chunk_id: str, text: str, source_id: str | None = None) -> Chunk:
    return Chunk(
        id=chunk_id,
        source_id=source_id or f"src-{chunk_id}",
        text=text,
        start=0,
        end=len(text),
        locator=f"line {chunk_id}",
    )


ACCOUNT = [
    chunk("r1", "Renewal pricing agreed for the contract."),
    chunk("r2", "The renewal contract goes to legal in June."),
    chunk("r3", "Price increase on renewal is capped."),
    chunk("s1", "Security audit passed without findings."),
    chunk("a1", "Analytics dashboard adoption grew in Payments."),
    chunk("p1", "Dmitri Okonkwo now signs off on procurement.", source_id="call-9"),
    chunk("x1", "Gateway XR-7 replaced the legacy appliance."),
]


@pytest.fixture
def store() -> ChunkStore:
    store = ChunkStore.ephemeral(ConceptEmbedder(), namespace=f"test-{uuid.uuid4().hex}")
    store.upsert("acme", "acc-1", ACCOUNT)
    return store


def test_hybrid_finds_a_surname_the_vector_side_misses(store):
    vector_only = store.query("acme", "acc-1", "renewal decision by Okonkwo", 2)
    assert "p1" not in [hit.chunk_id for hit in vector_only]

    hits = HybridRetriever(store, "acme", "acc-1", k_vector=2).search("renewal decision by Okonkwo", k=3)

    assert "p1" in [hit.chunk_id for hit in hits]
    okonkwo = next(hit for hit in hits if hit.chunk_id == "p1")
    assert okonkwo.source_id == "call-9"
    assert okonkwo.text == "Dmitri Okonkwo now signs off on procurement."
    assert okonkwo.locator == "line p1"


def test_hybrid_finds_a_product_code(store):
    hits = HybridRetriever(store, "acme", "acc-1", k_vector=2).search("XR-7 contract", k=3)
    assert "x1" in [hit.chunk_id for hit in hits]


def test_hybrid_scores_are_the_rrf_of_both_rankings_in_decreasing_order(store):
    query = "renewal decision by Okonkwo"
    vector = [hit.chunk_id for hit in store.query("acme", "acc-1", query, 3)]
    lexical = [chunk_id for chunk_id, _ in Bm25Index((c.id, c.text) for c in ACCOUNT).search(query, 3)]
    expected: dict[str, float] = {}
    for ranking in (vector, lexical):
        for rank, chunk_id in enumerate(ranking, start=1):
            expected[chunk_id] = expected.get(chunk_id, 0.0) + 1 / (10 + rank)

    hits = HybridRetriever(store, "acme", "acc-1", k_vector=3, k_lexical=3, rrf_k=10).search(query, k=10)

    assert {hit.chunk_id: hit.score for hit in hits} == pytest.approx(expected)
    ordering = [(-hit.score, hit.chunk_id) for hit in hits]
    assert ordering == sorted(ordering)
    assert hits[0].chunk_id in set(vector) & set(lexical)


def test_search_returns_at_most_k_hits(store):
    retriever = HybridRetriever(store, "acme", "acc-1")
    assert len(retriever.search("renewal", k=2)) == 2
    assert retriever.search("renewal", k=0) == []
    assert retriever.search("   ", k=5) == []


def test_search_many_fuses_several_questions(store):
    retriever = HybridRetriever(store, "acme", "acc-1", k_vector=2, k_lexical=2)

    hits = retriever.search_many(["security audit", "Who is Okonkwo?"], k=3)

    ids = [hit.chunk_id for hit in hits]
    assert set(ids[:2]) == {"s1", "p1"}
    assert hits[0].score > hits[-1].score


def test_hybrid_never_crosses_tenants_or_accounts(store):
    store.upsert("globex", "acc-1", [chunk("g1", "Globex merger codename Bluebird with Okonkwo.")])
    store.upsert("acme", "acc-2", [chunk("o1", "Bluebird rollout for the other account.")])

    hits = HybridRetriever(store, "acme", "acc-1").search("Bluebird merger Okonkwo", k=10)

    assert hits
    assert {hit.chunk_id for hit in hits} <= {c.id for c in ACCOUNT}
    assert not any("Bluebird" in hit.text for hit in hits)


@pytest.mark.parametrize(("tenant", "account_id"), [("", "acc-1"), ("acme", ""), (None, "acc-1")])
def test_retriever_scope_is_validated_at_construction(store, tenant, account_id):
    with pytest.raises(ScopeError):
        HybridRetriever(store, tenant, account_id)


def test_the_lexical_index_is_built_once_for_every_retriever_of_an_unchanged_account(store):
    builds = store._lexical.builds  # noqa: SLF001
    for _ in range(3):  # a retriever per request, as the API builds them
        HybridRetriever(store, "acme", "acc-1").search_many(["security", "Okonkwo"])
    assert store._lexical.builds == builds + 1  # noqa: SLF001


def test_a_retriever_keeps_one_view_while_a_new_one_sees_a_write(store):
    retriever = HybridRetriever(store, "acme", "acc-1")
    retriever.search("renewal")
    text = "Quixotic ledger code QX-77"
    store.upsert("acme", "acc-1", [Chunk(id="z1", source_id="n9", text=text, start=0, end=len(text), locator="l 1")])

    fresh = HybridRetriever(store, "acme", "acc-1").search("QX-77", k=1)
    assert fresh[0].chunk_id == "z1"
    assert retriever._view is not None and "z1" not in retriever._view.chunks  # noqa: SLF001


def test_hybrid_retriever_is_a_retriever(store):
    retriever: Retriever = HybridRetriever(store, "acme", "acc-1")
    assert all(hit.chunk_id for hit in retriever.search("renewal pricing"))
