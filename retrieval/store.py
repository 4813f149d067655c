"""The Chroma vector store of chunks, scoped to one tenant and account on every call."""

from __future__ import annotations

import errno
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlparse

import chromadb
from chromadb.api import ClientAPI
from chromadb.config import Settings

from retrieval.evidence import Chunk, Hit
from retrieval.protocols import Embedder

# Texts per embedder call: large, and sorted by length, so the embedder's own similar-length
# batches pad little (64-text calls in chunk order cost +18 % linear and +37 % attention work).
_EMBED_CALL = 1_024
T = TypeVar("T")
_CHUNK_META_PREFIX = "chunk."
_Scalar = (str, int, float, bool)


class ScopeError(ValueError):
    """A store or retriever call without a usable tenant and account scope."""


class StoreFullError(OSError):
    """The vector store's disk is full: nothing more can be written until space is freed."""


def is_disk_full(exc: BaseException) -> bool:
    """Whether `exc`, or what it wraps, says the disk is full: Chroma raises it from SQLite, hnswlib or the OS."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, OSError) and seen.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if any(sign in str(seen).lower() for sign in ("disk is full", "no space left on device", "quota exceeded")):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


class EmbedderMismatchError(ValueError):
    """The collection was filled by a different embedder than the one now in use."""


def require_scope(tenant: str | None, account_id: str | None) -> tuple[str, str]:
    """Return the scope, or raise ScopeError when either part is missing or malformed."""
    for name, value in (("tenant", tenant), ("account_id", account_id)):
        if not isinstance(value, str) or not value.strip():
            raise ScopeError(f"{name} is required for every store and retrieval call")
        # Chroma ids are "tenant:account:chunk"; a colon in the scope would let two
        # different scopes produce the same id and overwrite each other's chunks.
        if ":" in value:
            raise ScopeError(f"{name} must not contain ':' (got {value!r})")
    return tenant, account_id  # type: ignore[return-value]


def scope_filter(tenant: str, account_id: str, chunk_ids: Sequence[str] | None = None) -> dict[str, Any]:
    """The where clause of every Chroma read and delete, optionally narrowed to some chunks."""
    clauses: list[dict[str, Any]] = [{"tenant": tenant}, {"account_id": account_id}]
    if chunk_ids is not None:
        # Filtering on chunk ids in metadata: Chroma's ids= together with where= is slow.
        clauses.append({"chunk_id": {"$in": list(chunk_ids)}})
    return {"$and": clauses}


def embedder_name(embedder: Embedder) -> str:
    kind = type(embedder)
    return getattr(embedder, "name", None) or f"{kind.__module__}.{kind.__qualname__}"


def chroma_settings() -> Settings:
    return Settings(anonymized_telemetry=False)


class ChunkStore:
    """Chunks of every tenant's accounts in one Chroma collection, embedded by us."""

    page_size = 5_000  # rows per Chroma read

    def __init__(self, client: ClientAPI, embedder: Embedder, collection: str = "chunks") -> None:
        self._client = client
        self._embedder = embedder
        # embedding_function=None: we always pass vectors, so Chroma never loads its own model.
        self._collection = client.get_or_create_collection(
            collection,
            embedding_function=None,
            configuration={"hnsw": {"space": "cosine"}},
            metadata={"embedder": embedder_name(embedder), "dimension": embedder.dimension},
        )
        self._check_collection()

    @classmethod
    def persistent(cls, path: Path, embedder: Embedder, collection: str = "chunks") -> ChunkStore:
        path.mkdir(parents=True, exist_ok=True)
        client = chromadb.PersistentClient(path=str(path), settings=chroma_settings())
        return cls(client, embedder, collection)

    @classmethod
    def http(cls, url: str, embedder: Embedder, collection: str = "chunks") -> ChunkStore:
        parsed = urlparse(url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ValueError(f"CHROMA_URL must be an http(s) URL, got {url!r}")
        ssl = parsed.scheme == "https"
        client = chromadb.HttpClient(
            host=parsed.hostname,
            port=parsed.port or (443 if ssl else 8000),
            ssl=ssl,
            settings=chroma_settings(),
        )
        return cls(client, embedder, collection)

    @classmethod
    def ephemeral(cls, embedder: Embedder, collection: str = "chunks") -> ChunkStore:
        """An in-memory store; in-process ephemeral clients share state, so vary `collection`."""
        client = chromadb.EphemeralClient(settings=chroma_settings())
        return cls(client, embedder, collection)

    @property
    def embedder(self) -> Embedder:
        return self._embedder

    def close(self) -> None:
        """Release the client; a persistent store's files are free to reopen afterwards."""
        # ClientAPI does not declare close(); chromadb's concrete clients all have it.
        close = getattr(self._client, "close", None)
        if close is not None:
            close()

    def __enter__(self) -> ChunkStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _check_collection(self) -> None:
        config = self._collection.configuration or {}
        hnsw = config.get("hnsw") or {}
        if hnsw and hnsw.get("space") != "cosine":
            raise ValueError(
                f"collection {self._collection.name!r} uses {hnsw.get('space')!r} distance; scores assume cosine"
            )
        meta = self._collection.metadata or {}
        expected = {
            "embedder": embedder_name(self._embedder),
            "dimension": self._embedder.dimension,
        }
        found = {key: meta.get(key) for key in expected}
        if found != expected:
            raise EmbedderMismatchError(
                f"collection {self._collection.name!r} was built with {found}, not {expected}; "
                "use another collection or re-import into a fresh store"
            )

    def upsert(
        self,
        tenant: str,
        account_id: str,
        chunks: Sequence[Chunk],
        source_types: Mapping[str, str] | None = None,
        *,
        prune: bool = False,
        progress: Callable[[int, int], None] | None = None,
    ) -> int:
        """Store the chunks, embedding only new or changed texts; return how many were embedded.

        With `prune`, chunks of the account that are not in `chunks` are deleted, so a
        re-import of a whole account leaves no stale chunks behind. `progress(done, total)` is
        called as the texts to embed are embedded.
        """
        tenant, account_id = require_scope(tenant, account_id)
        latest: dict[str, Chunk] = {}
        for chunk in chunks:
            latest[_chroma_id(tenant, account_id, chunk.id)] = chunk
        ids = list(latest)
        metadatas = {cid: _metadata(tenant, account_id, chunk, source_types) for cid, chunk in latest.items()}

        scope = scope_filter(tenant, account_id)
        # One scoped read of the whole account: Chroma's get by ids *and* where costs
        # milliseconds per id, and pruning needs the account's full id list anyway.
        got = self._get_all(scope, ["documents", "metadatas"])
        existing = {
            cid: (doc, dict(meta))
            for cid, doc, meta in zip(got["ids"], got["documents"] or [], got["metadatas"] or [], strict=True)
        }

        to_embed = [cid for cid in ids if cid not in existing or existing[cid][0] != latest[cid].text]
        restamp = [
            cid
            for cid in ids
            if cid in existing and existing[cid][0] == latest[cid].text and existing[cid][1] != metadatas[cid]
        ]

        by_length = sorted(to_embed, key=lambda cid: len(latest[cid].text))
        done = 0
        for batch in _batches(by_length, _EMBED_CALL):
            vectors = self._embedder.embed([latest[cid].text for cid in batch])
            for written in _batches(list(range(len(batch))), self._batch_size()):
                self._write([batch[i] for i in written], [vectors[i] for i in written], latest, metadatas)
            done += len(batch)
            if progress is not None:
                progress(done, len(by_length))
        # Metadata-only changes (a new locator, a source type) keep their vectors; upsert
        # rather than update so stale metadata keys do not survive Chroma's merge.
        for batch in _batches(restamp, self._batch_size()):
            stored = self._collection.get(
                where=scope_filter(tenant, account_id, [latest[cid].id for cid in batch]),
                include=["embeddings"],
            )
            embeddings = stored["embeddings"]
            if embeddings is None:
                raise RuntimeError("Chroma returned no embeddings for stored chunks")
            vectors_by_id = dict(zip(stored["ids"], list(embeddings), strict=True))
            self._write(batch, [list(vectors_by_id[cid]) for cid in batch], latest, metadatas)

        if prune:
            stale = [str(meta["chunk_id"]) for cid, (_, meta) in existing.items() if cid not in latest]
            for batch in _batches(stale, self._batch_size()):
                self._collection.delete(where=scope_filter(tenant, account_id, batch))
        return len(to_embed)

    def query(self, tenant: str, account_id: str, text: str, k: int) -> list[Hit]:
        """The k chunks of one account nearest to `text`, best first; score is cosine similarity."""
        return self.query_many(tenant, account_id, [text], k)[0]

    def query_many(self, tenant: str, account_id: str, texts: Sequence[str], k: int) -> list[list[Hit]]:
        """One ranked list of hits per text, embedded in one call."""
        tenant, account_id = require_scope(tenant, account_id)
        if k <= 0 or not texts:
            return [[] for _ in texts]
        result = self._collection.query(
            query_embeddings=self._embedder.embed(list(texts)),  # type: ignore[arg-type]
            n_results=k,
            where=scope_filter(tenant, account_id),
            include=["documents", "metadatas", "distances"],
        )
        ranked: list[list[Hit]] = []
        for docs, metas, distances in zip(
            result["documents"] or [],
            result["metadatas"] or [],
            result["distances"] or [],
            strict=True,
        ):
            hits = []
            for doc, meta, distance in zip(docs, metas, distances, strict=True):
                # The where filter already scoped the query; this guards against a filter bug.
                if meta.get("tenant") != tenant or meta.get("account_id") != account_id:
                    continue
                hits.append(
                    Hit(
                        chunk_id=str(meta["chunk_id"]),
                        source_id=str(meta["source_id"]),
                        text=doc or "",
                        locator=str(meta.get("locator", "")),
                        score=1.0 - float(distance),
                    )
                )
            ranked.append(hits)
        return ranked

    def chunks(self, tenant: str, account_id: str) -> list[Chunk]:
        """Every chunk of one account, ordered by chunk id."""
        tenant, account_id = require_scope(tenant, account_id)
        got = self._get_all(scope_filter(tenant, account_id), ["documents", "metadatas"])
        out = [
            _chunk(doc or "", meta)
            for doc, meta in zip(got["documents"] or [], got["metadatas"] or [], strict=True)
            if meta.get("tenant") == tenant and meta.get("account_id") == account_id
        ]
        return sorted(out, key=lambda chunk: chunk.id)

    def count(self, tenant: str, account_id: str) -> int:
        tenant, account_id = require_scope(tenant, account_id)
        return len(self._ids(tenant, account_id))

    def delete_sources(self, tenant: str, account_id: str, source_ids: Sequence[str]) -> None:
        """Remove every chunk of these sources of one account."""
        tenant, account_id = require_scope(tenant, account_id)
        for batch in _batches(list(source_ids), self._batch_size()):
            where = scope_filter(tenant, account_id)
            where["$and"].append({"source_id": {"$in": batch}})
            self._collection.delete(where=where)

    def delete_account(self, tenant: str, account_id: str) -> None:
        tenant, account_id = require_scope(tenant, account_id)
        self._collection.delete(where=scope_filter(tenant, account_id))

    def _ids(self, tenant: str, account_id: str) -> list[str]:
        return list(self._get_all(scope_filter(tenant, account_id), [])["ids"])

    def _get_all(self, where: dict[str, Any], include: list[str]) -> dict[str, list[Any]]:
        """Every match of `where`, read a page at a time: one unpaged get of a big account (~32k chunks
        and up) makes Chroma's SQLite exceed its limit on bound variables, and every draft fails."""
        found: dict[str, list[Any]] = {"ids": [], "documents": [], "metadatas": []}
        offset = 0
        while True:
            page = self._collection.get(
                where=where, include=include, limit=self.page_size, offset=offset  # type: ignore[arg-type]
            )
            found["ids"] += page["ids"]
            for key in ("documents", "metadatas"):
                found[key] += list(page.get(key) or [])  # type: ignore[call-overload]
            if len(page["ids"]) < self.page_size:
                return found
            offset += self.page_size

    def _batch_size(self) -> int:
        return max(1, self._client.get_max_batch_size())

    def _write(
        self,
        ids: list[str],
        vectors: Sequence[Sequence[float]],
        latest: Mapping[str, Chunk],
        metadatas: Mapping[str, dict[str, Any]],
    ) -> None:
        if len(vectors) != len(ids):
            raise ValueError(f"embedder returned {len(vectors)} vectors for {len(ids)} texts")
        try:
            self._collection.upsert(
                ids=ids,
                embeddings=[list(v) for v in vectors],  # type: ignore[arg-type]
                documents=[latest[cid].text for cid in ids],
                metadatas=[metadatas[cid] for cid in ids],  # type: ignore[misc]
            )
        except Exception as exc:
            if is_disk_full(exc):
                raise StoreFullError(errno.ENOSPC, "the vector store's disk is full") from exc
            raise


def _chroma_id(tenant: str, account_id: str, chunk_id: str) -> str:
    return f"{tenant}:{account_id}:{chunk_id}"


def _metadata(tenant: str, account_id: str, chunk: Chunk, source_types: Mapping[str, str] | None) -> dict[str, Any]:
    meta: dict[str, Any] = {
        f"{_CHUNK_META_PREFIX}{key}": value for key, value in chunk.metadata.items() if isinstance(value, _Scalar)
    }
    meta.update(
        tenant=tenant,
        account_id=account_id,
        chunk_id=chunk.id,
        source_id=chunk.source_id,
        locator=chunk.locator,
        start=chunk.start,
        end=chunk.end,
    )
    source_type = (source_types or {}).get(chunk.source_id)
    if source_type:
        meta["source_type"] = str(source_type)
    return meta


def _chunk(text: str, meta: Mapping[str, Any]) -> Chunk:
    extra = {
        key.removeprefix(_CHUNK_META_PREFIX): value for key, value in meta.items() if key.startswith(_CHUNK_META_PREFIX)
    }
    if "source_type" in meta:
        extra.setdefault("source_type", meta["source_type"])
    return Chunk(
        id=str(meta["chunk_id"]),
        source_id=str(meta["source_id"]),
        text=text,
        start=int(meta.get("start", 0)),
        end=int(meta.get("end", len(text))),
        locator=str(meta.get("locator", "")),
        metadata=extra,
    )


def _batches(items: list[T], size: int) -> Iterator[list[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
