"""An embedder wrapper that remembers vectors by text hash in a local SQLite file.

Repeated eval runs over the same bundles then embed only what changed; the wrapper keeps the
inner embedder's name and dimension, so a ChunkStore cannot tell the two apart.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from pathlib import Path

import numpy as np

from retrieval.protocols import Embedder
from retrieval.store import embedder_name

CACHE_FILE = "embeddings.sqlite3"


class CachedEmbedder:
    """Embeds through `inner` only the texts whose vectors the cache lacks."""

    def __init__(self, inner: Embedder, cache_dir: Path) -> None:
        self._inner = inner
        self.name = embedder_name(inner)
        cache_dir.mkdir(parents=True, exist_ok=True)
        self.path = cache_dir / CACHE_FILE
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False)
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS vectors "
            "(embedder TEXT, digest TEXT, vector BLOB, PRIMARY KEY (embedder, digest))"
        )
        self._db.commit()
        self.hits = 0
        self.misses = 0

    @property
    def dimension(self) -> int:
        return self._inner.dimension

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def embed(self, texts: list[str]) -> list[list[float]]:
        digests = [hashlib.sha256(text.encode("utf-8")).hexdigest() for text in texts]
        known = self._lookup(set(digests))
        missing = list(dict.fromkeys(d for d in digests if d not in known))
        self.hits += len(texts) - sum(1 for d in digests if d not in known)
        if missing:
            first_text = {d: t for d, t in zip(digests, texts, strict=True)}
            vectors = self._inner.embed([first_text[d] for d in missing])
            fresh = {d: np.asarray(v, dtype=np.float32) for d, v in zip(missing, vectors, strict=True)}
            self.misses += len(missing)
            self._store(fresh)
            known.update(fresh)
        return [known[d].tolist() for d in digests]

    def _lookup(self, digests: set[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        wanted = list(digests)
        with self._lock:
            for start in range(0, len(wanted), 500):
                batch = wanted[start : start + 500]
                marks = ",".join("?" * len(batch))
                rows = self._db.execute(
                    f"SELECT digest, vector FROM vectors WHERE embedder = ? AND digest IN ({marks})",  # noqa: S608
                    [self.name, *batch],
                ).fetchall()
                for digest, blob in rows:
                    vector = np.frombuffer(blob, dtype=np.float32)
                    if vector.shape[0] == self.dimension:
                        found[digest] = vector
        return found

    def _store(self, vectors: dict[str, np.ndarray]) -> None:
        with self._lock:
            self._db.executemany(
                "INSERT OR REPLACE INTO vectors (embedder, digest, vector) VALUES (?, ?, ?)",
                [(self.name, d, v.tobytes()) for d, v in vectors.items()],
            )
            self._db.commit()
