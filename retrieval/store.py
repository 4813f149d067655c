"""The Chroma vector store of chunks, scoped to one tenant and account on every call."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlparse

import chromadb
import numpy as np
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from chromadb.config import Settings
from chromadb.errors import NotFoundError

from retrieval.evidence import Chunk, Hit
from retrieval.lexical import LexicalCache, LexicalView
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


class StoreLayoutError(ValueError):
    """The vector store is laid out as an earlier release left it; `planwright reindex` migrates it."""


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


def collection_name(namespace: str, tenant: str, account_id: str) -> str:
    """The Chroma collection of one account: a digest, since Chroma names allow 63 plain characters."""
    digest = hashlib.sha256(f"{namespace}\0{tenant}\0{account_id}".encode()).hexdigest()[:40]
    return f"pw-{digest}"


def embedder_name(embedder: Embedder) -> str:
    kind = type(embedder)
    return getattr(embedder, "name", None) or f"{kind.__module__}.{kind.__qualname__}"


def chroma_settings() -> Settings:
    return Settings(anonymized_telemetry=False)


class ChunkStore:
    """Chunks in Chroma, one collection per (tenant, account), embedded by us.

    A query's cost follows its account, not the whole store: with every tenant in one collection
    behind a tenant-and-account filter, a search of a 500-chunk account in a 100k-chunk store took
    44x longer than the same search in the account's own collection. Every collection carries its
    scope, the embedder that filled it and a `generation` that changes on every write, so a
    process can tell whether an index it built from the chunks (the lexical one) is still current.
    """

    page_size = 5_000  # rows per Chroma read

    def __init__(self, client: ClientAPI, embedder: Embedder, namespace: str = "chunks", *, verify: bool = True):
        self._client = client
        self._embedder = embedder
        self.namespace = namespace
        self._lock = threading.Lock()
        self._collections: dict[tuple[str, str], Collection] = {}
        self._lexical = LexicalCache()
        if verify:
            self.verify_layout()

    @classmethod
    def persistent(
        cls, path: Path, embedder: Embedder, namespace: str = "chunks", *, verify: bool = True
    ) -> ChunkStore:
        path.mkdir(parents=True, exist_ok=True)
        client = chromadb.PersistentClient(path=str(path), settings=chroma_settings())
        return cls(client, embedder, namespace, verify=verify)

    @classmethod
    def http(cls, url: str, embedder: Embedder, namespace: str = "chunks", *, verify: bool = True) -> ChunkStore:
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
        return cls(client, embedder, namespace, verify=verify)

    @classmethod
    def ephemeral(cls, embedder: Embedder, namespace: str = "chunks") -> ChunkStore:
        """An in-memory store; in-process ephemeral clients share state, so vary `namespace`."""
        client = chromadb.EphemeralClient(settings=chroma_settings())
        return cls(client, embedder, namespace)

    @property
    def embedder(self) -> Embedder:
        return self._embedder

    @property
    def client(self) -> ClientAPI:
        return self._client

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

    def verify_layout(self) -> None:
        """Refuse a store this code would misread: the shared one-collection layout of earlier
        releases, or accounts embedded by another embedder. `planwright reindex` fixes both."""
        legacy = [c.name for c in self._client.list_collections() if is_legacy(c, self.namespace)]
        if legacy:
            raise StoreLayoutError(
                f"the vector store keeps every account in the shared collection {legacy[0]!r} of an earlier "
                "release; run `planwright reindex` to move each account into its own collection"
            )
        expected = self.embedder_identity()
        stale = [c for c in self.account_collections() if embedded_by(c) != expected]
        if stale:
            found = sorted({f"{e} ({d} dimensions)" for e, d in (embedded_by(c) for c in stale)})
            raise EmbedderMismatchError(
                f"{len(stale)} account(s) in the vector store were embedded by {', '.join(found)}, not "
                f"{expected[0]} ({expected[1]} dimensions); run `planwright reindex` to re-embed them"
            )

    def account_collections(self) -> list[Collection]:
        """Every account collection of this store's namespace."""
        return [
            c
            for c in self._client.list_collections()
            if (c.metadata or {}).get("namespace") == self.namespace
        ]

    def upsert(
        self,
        tenant: str,
        account_id: str,
        chunks: Sequence[Chunk],
        source_types: Mapping[str, str] | None = None,
        *,
        prune: bool = False,
        progress: Callable[[int, int], None] | None = None,
        known_vectors: Mapping[str, Sequence[float]] | None = None,
    ) -> int:
        """Store the chunks, embedding only new or changed texts; return how many were embedded.

        With `prune`, chunks of the account that are not in `chunks` are deleted, so a
        re-import of a whole account leaves no stale chunks behind. `progress(done, total)` is
        called as the texts to embed are embedded. `known_vectors` (by chunk id) are vectors this
        store's embedder already made for those chunks' texts, written as they are.
        """
        tenant, account_id = require_scope(tenant, account_id)
        collection = self._collection(tenant, account_id, create=True)
        assert collection is not None
        try:
            got = self._get_all(collection, ["documents", "metadatas"])
        except NotFoundError:  # another process deleted the account since this one cached its collection
            self._forget(tenant, account_id)
            collection = self._collection(tenant, account_id, create=True)
            assert collection is not None
            got = self._get_all(collection, ["documents", "metadatas"])
        latest: dict[str, Chunk] = {}
        for chunk in chunks:
            latest[_chroma_id(tenant, account_id, chunk.id)] = chunk
        ids = list(latest)
        metadatas = {cid: _metadata(tenant, account_id, chunk, source_types) for cid, chunk in latest.items()}
        existing = {
            cid: (doc, dict(meta))
            for cid, doc, meta in zip(got["ids"], got["documents"] or [], got["metadatas"] or [], strict=True)
        }

        changed = [cid for cid in ids if cid not in existing or existing[cid][0] != latest[cid].text]
        known = known_vectors or {}
        to_embed = [cid for cid in changed if latest[cid].id not in known]
        copied = [cid for cid in changed if latest[cid].id in known]
        for batch in _batches(copied, self._batch_size()):
            self._write(collection, batch, [known[latest[cid].id] for cid in batch], latest, metadatas)
        restamp = [
            cid
            for cid in ids
            if cid in existing and existing[cid][0] == latest[cid].text and existing[cid][1] != metadatas[cid]
        ]
        stale = [cid for cid in existing if cid not in latest] if prune else []

        by_length = sorted(to_embed, key=lambda cid: len(latest[cid].text))
        done = 0
        for batch in _batches(by_length, _EMBED_CALL):
            vectors = self._embedder.embed([latest[cid].text for cid in batch])
            for written in _batches(list(range(len(batch))), self._batch_size()):
                self._write(collection, [batch[i] for i in written], [vectors[i] for i in written], latest, metadatas)
            done += len(batch)
            if progress is not None:
                progress(done, len(by_length))
        # Metadata-only changes (a new locator, a source type) keep their vectors; upsert
        # rather than update so stale metadata keys do not survive Chroma's merge.
        for batch in _batches(restamp, self._batch_size()):
            stored = collection.get(ids=batch, include=["embeddings"])  # type: ignore[list-item]
            embeddings = stored["embeddings"]
            if embeddings is None:
                raise RuntimeError("Chroma returned no embeddings for stored chunks")
            vectors_by_id = dict(zip(stored["ids"], list(embeddings), strict=True))
            self._write(collection, batch, [vectors_by_id[cid] for cid in batch], latest, metadatas)
        for batch in _batches(stale, self._batch_size()):
            collection.delete(ids=batch)
        if changed or restamp or stale:
            self._bump(collection)
        return len(to_embed)

    def query(self, tenant: str, account_id: str, text: str, k: int) -> list[Hit]:
        """The k chunks of one account nearest to `text`, best first; score is cosine similarity."""
        return self.query_many(tenant, account_id, [text], k)[0]

    def query_many(self, tenant: str, account_id: str, texts: Sequence[str], k: int) -> list[list[Hit]]:
        """One ranked list of hits per text, embedded in one call."""
        tenant, account_id = require_scope(tenant, account_id)
        collection = self._collection(tenant, account_id)
        if k <= 0 or not texts or collection is None:
            return [[] for _ in texts]
        result = self._read(
            tenant,
            account_id,
            lambda c: c.query(
                query_embeddings=self._embedder.embed(list(texts)),  # type: ignore[arg-type]
                n_results=k,
                include=["documents", "metadatas", "distances"],  # type: ignore[list-item]
            ),
        )
        if result is None:
            return [[] for _ in texts]
        ranked: list[list[Hit]] = []
        for docs, metas, distances in zip(
            result["documents"] or [],
            result["metadatas"] or [],
            result["distances"] or [],
            strict=True,
        ):
            hits = []
            for doc, meta, distance in zip(docs, metas, distances, strict=True):
                # The collection is the scope; this guards against a naming or copying bug.
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
        got = self._read(tenant, account_id, lambda c: self._get_all(c, ["documents", "metadatas"]))
        if got is None:
            return []
        out = [
            stored_chunk(doc or "", meta)
            for doc, meta in zip(got["documents"] or [], got["metadatas"] or [], strict=True)
            if meta.get("tenant") == tenant and meta.get("account_id") == account_id
        ]
        return sorted(out, key=lambda chunk: chunk.id)

    def lexical(self, tenant: str, account_id: str) -> LexicalView:
        """The account's chunks and their BM25 index, rebuilt only when the account's chunks changed
        (in this process or any other writing to the same Chroma)."""
        tenant, account_id = require_scope(tenant, account_id)
        generation = self.generation(tenant, account_id)
        return self._lexical.get(
            (tenant, account_id), generation, lambda: LexicalView.of(self.chunks(tenant, account_id))
        )

    def generation(self, tenant: str, account_id: str) -> str | None:
        """A token that changes whenever the account's chunks change; None when it has none."""
        tenant, account_id = require_scope(tenant, account_id)
        try:
            fresh = self._client.get_collection(collection_name(self.namespace, tenant, account_id))
        except NotFoundError:
            return None
        return str((fresh.metadata or {}).get("generation", ""))

    def count(self, tenant: str, account_id: str) -> int:
        tenant, account_id = require_scope(tenant, account_id)
        return self._read(tenant, account_id, lambda c: c.count()) or 0

    def delete_sources(self, tenant: str, account_id: str, source_ids: Sequence[str]) -> None:
        """Remove every chunk of these sources of one account."""
        tenant, account_id = require_scope(tenant, account_id)
        collection = self._collection(tenant, account_id)
        if collection is None or not source_ids:
            return
        try:
            for batch in _batches(list(source_ids), self._batch_size()):
                collection.delete(where={"source_id": {"$in": batch}})  # type: ignore[dict-item]
            self._bump(collection)
        except NotFoundError:  # the account was deleted meanwhile: nothing of it is left to delete
            self._forget(tenant, account_id)

    def delete_account(self, tenant: str, account_id: str) -> None:
        tenant, account_id = require_scope(tenant, account_id)
        self._forget(tenant, account_id)
        with contextlib.suppress(NotFoundError):
            self._client.delete_collection(collection_name(self.namespace, tenant, account_id))
        self._lexical.forget((tenant, account_id))

    def _collection(self, tenant: str, account_id: str, *, create: bool = False) -> Collection | None:
        """The account's collection (cached), created on first write; None when it has none yet."""
        key = (tenant, account_id)
        with self._lock:
            found = self._collections.get(key)
        if found is not None:
            return found
        name = collection_name(self.namespace, tenant, account_id)
        if create:
            found = self._client.get_or_create_collection(
                name,
                embedding_function=None,  # we always pass vectors, so Chroma never loads its own model
                configuration={"hnsw": {"space": "cosine"}},
                metadata=self._collection_metadata(tenant, account_id, generation=uuid.uuid4().hex),
            )
        else:
            try:
                found = self._client.get_collection(name, embedding_function=None)  # type: ignore[arg-type]
            except NotFoundError:
                return None
        self._check_collection(found)
        with self._lock:
            self._collections[key] = found
        return found

    def _read(self, tenant: str, account_id: str, read: Callable[[Collection], T]) -> T | None:
        """`read` on the account's collection; a collection another process deleted (and perhaps
        recreated) since this one cached it is looked up again once."""
        collection = self._collection(tenant, account_id)
        if collection is None:
            return None
        try:
            return read(collection)
        except NotFoundError:
            self._forget(tenant, account_id)
            collection = self._collection(tenant, account_id)
            return None if collection is None else read(collection)

    def _forget(self, tenant: str, account_id: str) -> None:
        with self._lock:
            self._collections.pop((tenant, account_id), None)

    def _collection_metadata(self, tenant: str, account_id: str, *, generation: str) -> dict[str, Any]:
        return {
            "namespace": self.namespace,
            "tenant": tenant,
            "account_id": account_id,
            "embedder": embedder_name(self._embedder),
            "dimension": self._embedder.dimension,
            "generation": generation,
        }

    def _bump(self, collection: Collection) -> None:
        """Mark the account's chunks as changed, after the change, so a reader that saw the old
        generation rebuilds what it derived from them."""
        meta = dict(collection.metadata or {})
        meta["generation"] = uuid.uuid4().hex
        collection.modify(metadata=meta)

    def _check_collection(self, collection: Collection) -> None:
        config = collection.configuration or {}
        hnsw = config.get("hnsw") or {}
        if hnsw and hnsw.get("space") != "cosine":
            space = hnsw.get("space")
            raise ValueError(f"collection {collection.name!r} uses {space!r} distance; scores assume cosine")
        if embedded_by(collection) != self.embedder_identity():
            raise EmbedderMismatchError(
                f"the account's chunks were embedded by {embedded_by(collection)}, not {self.embedder_identity()}; "
                "run `planwright reindex` to re-embed them"
            )

    def embedder_identity(self) -> tuple[str, int]:
        return embedder_name(self._embedder), self._embedder.dimension

    def _get_all(self, collection: Collection, include: list[str]) -> dict[str, list[Any]]:
        return read_all(collection, include, page_size=self.page_size)

    def _batch_size(self) -> int:
        return max(1, self._client.get_max_batch_size())

    def _write(
        self,
        collection: Collection,
        ids: list[str],
        vectors: Sequence[Sequence[float]] | np.ndarray,
        latest: Mapping[str, Chunk],
        metadatas: Mapping[str, dict[str, Any]],
    ) -> None:
        if len(vectors) != len(ids):
            raise ValueError(f"embedder returned {len(vectors)} vectors for {len(ids)} texts")
        try:
            collection.upsert(
                ids=ids,
                embeddings=np.asarray(vectors, dtype=np.float32),
                documents=[latest[cid].text for cid in ids],
                metadatas=[metadatas[cid] for cid in ids],  # type: ignore[misc]
            )
        except Exception as exc:
            if is_disk_full(exc):
                raise StoreFullError(errno.ENOSPC, "the vector store's disk is full") from exc
            raise


def read_all(
    collection: Collection, include: list[str], where: dict[str, Any] | None = None, page_size: int = 5_000
) -> dict[str, list[Any]]:
    """Every row of a collection (or of `where` in it), read a page at a time: one unpaged get of a big
    account (~32k chunks and up) makes Chroma's SQLite exceed its limit on bound variables."""
    found: dict[str, list[Any]] = {"ids": [], "documents": [], "metadatas": [], "embeddings": []}
    offset = 0
    while True:
        page = collection.get(where=where, include=include, limit=page_size, offset=offset)  # type: ignore[arg-type]
        found["ids"] += page["ids"]
        for key in ("documents", "metadatas", "embeddings"):
            value: Any = page.get(key)  # type: ignore[call-overload]
            found[key] += list(value) if value is not None else []
        if len(page["ids"]) < page_size:
            return found
        offset += page_size


def embedded_by(collection: Collection) -> tuple[str, int]:
    """Which embedder filled a collection, and its dimension."""
    meta = collection.metadata or {}
    return str(meta.get("embedder")), int(meta.get("dimension") or 0)


def is_legacy(collection: Collection, namespace: str) -> bool:
    """Whether a collection is the shared, filter-scoped collection of releases before per-account ones."""
    return collection.name == namespace and "namespace" not in (collection.metadata or {})


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


def stored_chunk(text: str, meta: Mapping[str, Any], *, with_source_type: bool = True) -> Chunk:
    """The chunk a stored row holds; `with_source_type` adds the source's type to its metadata."""
    extra = {
        key.removeprefix(_CHUNK_META_PREFIX): value for key, value in meta.items() if key.startswith(_CHUNK_META_PREFIX)
    }
    if with_source_type and "source_type" in meta:
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
