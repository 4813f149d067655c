"""Okapi BM25 over chunk texts, for the exact names and codes that embeddings blur."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable

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
    """Okapi BM25 with Lucene's non-negative idf: ln(1 + (N - n + 0.5) / (n + 0.5))."""

    def __init__(self, documents: Iterable[tuple[str, str]], *, k1: float = 1.5, b: float = 0.75):
        self.k1 = k1
        self.b = b
        self._ids: list[str] = []
        self._term_counts: list[Counter[str]] = []
        self._lengths: list[int] = []
        postings: dict[str, list[int]] = {}
        for doc_id, text in documents:
            tokens = tokenize(text)
            counts = Counter(tokens)
            index = len(self._ids)
            self._ids.append(doc_id)
            self._term_counts.append(counts)
            self._lengths.append(len(tokens))
            for term in counts:
                postings.setdefault(term, []).append(index)
        self._postings = postings
        total = len(self._ids)
        self._avgdl = (sum(self._lengths) / total) if total else 0.0
        self._idf = {
            term: math.log(1.0 + (total - len(docs) + 0.5) / (len(docs) + 0.5)) for term, docs in postings.items()
        }

    def __len__(self) -> int:
        return len(self._ids)

    def score(self, query: str) -> dict[str, float]:
        """BM25 score of every document that shares a term with the query."""
        scores: dict[int, float] = {}
        # Each distinct query term counts once, so repeating a word does not outweigh the rest.
        for term in dict.fromkeys(tokenize(query)):
            for index in self._postings.get(term, ()):
                tf = self._term_counts[index][term]
                norm = 1.0 - self.b + self.b * self._lengths[index] / self._avgdl
                gain = self._idf[term] * tf * (self.k1 + 1.0) / (tf + self.k1 * norm)
                scores[index] = scores.get(index, 0.0) + gain
        return {self._ids[index]: value for index, value in scores.items()}

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        """The k best (doc id, score) pairs, best first, ties broken by doc id."""
        if k <= 0:
            return []
        ranked = sorted(self.score(query).items(), key=lambda item: (-item[1], item[0]))
        return ranked[:k]
