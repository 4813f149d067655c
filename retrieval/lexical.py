"""Okapi BM25 over chunk texts, for the exact names and codes that embeddings blur."""

from __future__ import annotations

import math
import re
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from retrieval.evidence import Chunk

STOPWORDS = frozenset(
    """a an and are as at be been but by for from had has have he her his i if in into is it
    its me my no not of on or our she so than that the their them then there these they this
    to was we were what when where which who whom why will with you your""".split()  # noqa: SIM905
)

_WORD = re.compile(r"\w+")


def tokenize(text: str) -> list[str]:
    """Lower-cased unicode word tokens, numbers kept, common English stopwords dropped."""
    return [token for token in _WORD.findall(text.lower()) if token not in STOPWORDS]


class Bm25Index:
    """Okapi BM25 with Lucene's non-negative idf: ln(1 + (N - n + 0.5) / (n + 0.5)).

    Each term's contribution to each document is computed once, when the index is built, and
    kept as two arrays (documents, impacts); a query adds up its terms' arrays with numpy, so
    scoring costs the postings it touches, not Python work per posting.
    """

    def __init__(self, documents: Iterable[tuple[str, str]], *, k1: float = 1.5, b: float = 0.75):
        self.k1 = k1
        self.b = b
        pairs = sorted(documents, key=lambda pair: pair[0])  # index order is id order: ties break by id
        self._ids = [doc_id for doc_id, _ in pairs]
        counts = [Counter(tokenize(text)) for _, text in pairs]
        lengths = np.array([sum(c.values()) for c in counts], dtype=np.float64)
        total = len(pairs)
        avgdl = float(lengths.mean()) if total else 0.0
        postings: dict[str, tuple[list[int], list[int]]] = {}
        for index, c in enumerate(counts):
            for term, tf in c.items():
                docs, tfs = postings.setdefault(term, ([], []))
                docs.append(index)
                tfs.append(tf)
        self._postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for term, (docs, tfs) in postings.items():
            doc_array = np.array(docs, dtype=np.int64)
            freq = np.array(tfs, dtype=np.float64)
            norm = 1.0 - b + b * lengths[doc_array] / avgdl
            idf = math.log(1.0 + (total - len(docs) + 0.5) / (len(docs) + 0.5))
            self._postings[term] = (doc_array, idf * freq * (k1 + 1.0) / (freq + k1 * norm))

    def __len__(self) -> int:
        return len(self._ids)

    def _scores(self, query: str) -> np.ndarray:
        # Each distinct query term counts once, so repeating a word does not outweigh the rest.
        hits = [self._postings[term] for term in dict.fromkeys(tokenize(query)) if term in self._postings]
        if not hits:
            return np.zeros(0)
        docs = np.concatenate([d for d, _ in hits])
        impacts = np.concatenate([w for _, w in hits])
        return np.bincount(docs, weights=impacts, minlength=len(self._ids))

    def score(self, query: str) -> dict[str, float]:
        """BM25 score of every document that shares a term with the query."""
        scores = self._scores(query)
        return {self._ids[index]: float(scores[index]) for index in np.flatnonzero(scores)}

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        """The k best (doc id, score) pairs, best first, ties broken by doc id."""
        if k <= 0:
            return []
        scores = self._scores(query)
        matched = np.flatnonzero(scores)
        if len(matched) > k:
            # Everything scoring at least the k-th best, so ties at the cut are broken by id below.
            threshold = np.partition(scores[matched], len(matched) - k)[len(matched) - k]
            matched = matched[scores[matched] >= threshold]
        ranked = matched[np.lexsort((matched, -scores[matched]))][:k]
        return [(self._ids[index], float(scores[index])) for index in ranked]


@dataclass(frozen=True)
class LexicalView:
    """An account's chunks by id and their BM25 index, as of one generation of the account."""

    chunks: dict[str, Chunk]
    index: Bm25Index

    @classmethod
    def of(cls, chunks: Sequence[Chunk]) -> LexicalView:
        return cls({chunk.id: chunk for chunk in chunks}, Bm25Index((chunk.id, chunk.text) for chunk in chunks))


class LexicalCache:
    """The lexical views of the accounts searched last, each kept while its generation is current.

    Building a view reads every chunk of the account; a search that rebuilt it each time cost
    seconds on a big account. A view is rebuilt only when the store says the account changed.
    """

    def __init__(self, max_chunks: int = 250_000) -> None:
        self.max_chunks = max_chunks  # across the views kept; the view in use is kept whatever its size
        self._lock = threading.Lock()
        self._views: OrderedDict[Hashable, tuple[str | None, LexicalView]] = OrderedDict()
        self.builds = 0

    def get(self, key: Hashable, generation: str | None, build: Callable[[], LexicalView]) -> LexicalView:
        with self._lock:
            cached = self._views.get(key)
            if cached is not None and cached[0] == generation and generation is not None:
                self._views.move_to_end(key)
                return cached[1]
        # Built outside the lock; the generation was read before the chunks, so a write that lands
        # while building leaves a newer generation and the next search rebuilds.
        view = build()
        with self._lock:
            self.builds += 1
            self._views[key] = (generation, view)
            self._views.move_to_end(key)
            held = sum(len(v.index) for _, v in self._views.values())
            while held > self.max_chunks and len(self._views) > 1:
                held -= len(self._views.popitem(last=False)[1][1].index)
        return view

    def forget(self, key: Hashable) -> None:
        with self._lock:
            self._views.pop(key, None)
