"""Bring a vector store to this release's layout and embedder: `planwright reindex`.

Two jobs, both resumable after a crash:

- the shared collection of earlier releases (every tenant's chunks behind a tenant-and-account
  filter) is split into one collection per account; vectors are copied when the embedder is the
  same, re-embedded otherwise, and the shared collection is dropped once every account is across;
- an account embedded by another embedder is re-embedded into a staging collection, which then
  replaces the old one, so a crash mid-way leaves the old collection whole or the new one ready.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from chromadb.errors import NotFoundError

from retrieval.evidence import Chunk
from retrieval.protocols import Embedder
from retrieval.store import ChunkStore, collection_name, embedded_by, is_legacy, read_all, stored_chunk

STAGING = "~staging"  # namespace suffix of the collections being filled


@dataclass
class ReindexReport:
    accounts_moved: int = 0  # out of the shared collection
    accounts_reembedded: int = 0
    chunks_embedded: int = 0
    chunks_copied: int = 0

    def summary(self) -> str:
        if not (self.accounts_moved or self.accounts_reembedded):
            return "the vector store is up to date: nothing to do"
        return (
            f"{self.accounts_moved} account(s) moved into their own collections, "
            f"{self.accounts_reembedded} re-embedded; {self.chunks_copied} chunk vector(s) copied, "
            f"{self.chunks_embedded} embedded"
        )


def reindex(
    client: ClientAPI,
    embedder: Embedder,
    namespace: str = "chunks",
    progress: Callable[[str], None] | None = None,
) -> ReindexReport:
    """Migrate the store behind `client` so `ChunkStore(client, embedder, namespace)` opens."""
    say = progress or (lambda _message: None)
    report = ReindexReport()
    target = ChunkStore(client, embedder, namespace, verify=False)
    staging = ChunkStore(client, embedder, namespace + STAGING, verify=False)
    _finish_interrupted_swaps(client, target, staging)

    for legacy in [c for c in client.list_collections() if is_legacy(c, namespace)]:
        same_embedder = embedded_by(legacy) == target.embedder_identity()
        for tenant, account_id in _legacy_accounts(legacy):
            rows = _rows(legacy, {"$and": [{"tenant": tenant}, {"account_id": account_id}]}, same_embedder)
            chunks, source_types, vectors = rows
            report.chunks_embedded += target.upsert(
                tenant, account_id, chunks, source_types, prune=True, known_vectors=vectors
            )
            report.chunks_copied += len(vectors)
            report.accounts_moved += 1
            say(f"moved {tenant}/{account_id}: {len(chunks)} chunks")
        client.delete_collection(legacy.name)

    expected = target.embedder_identity()
    for collection in target.account_collections():
        if embedded_by(collection) == expected:
            continue
        meta = collection.metadata or {}
        tenant, account_id = str(meta["tenant"]), str(meta["account_id"])
        chunks, source_types, _ = _rows(collection, None, with_vectors=False)
        staging.delete_account(tenant, account_id)  # a staging copy left by a crash is refilled
        report.chunks_embedded += staging.upsert(tenant, account_id, chunks, source_types)
        _swap_in(client, target, staging, tenant, account_id)
        report.accounts_reembedded += 1
        say(f"re-embedded {tenant}/{account_id}: {len(chunks)} chunks")
    target.verify_layout()
    return report


def _legacy_accounts(legacy: Collection) -> list[tuple[str, str]]:
    rows = read_all(legacy, ["metadatas"])
    return list(dict.fromkeys((str(meta["tenant"]), str(meta["account_id"])) for meta in rows["metadatas"]))


def _rows(
    collection: Collection, where: dict[str, Any] | None, with_vectors: bool
) -> tuple[list[Chunk], dict[str, str], dict[str, list[float]]]:
    """The chunks of a collection (or of `where` in it), their sources' types, and their vectors."""
    rows = read_all(collection, ["documents", "metadatas", *(["embeddings"] if with_vectors else [])], where)
    chunks: list[Chunk] = []
    source_types: dict[str, str] = {}
    vectors: dict[str, list[float]] = {}
    for n, (doc, meta) in enumerate(zip(rows["documents"], rows["metadatas"], strict=True)):
        chunk = stored_chunk(doc or "", meta, with_source_type=False)
        chunks.append(chunk)
        if "source_type" in meta:
            source_types[chunk.source_id] = str(meta["source_type"])
        if with_vectors:
            vectors[chunk.id] = list(rows["embeddings"][n])
    return chunks, source_types, vectors


def _swap_in(client: ClientAPI, target: ChunkStore, staging: ChunkStore, tenant: str, account_id: str) -> None:
    """Replace the account's collection by its staging copy: drop the old one, rename the copy."""
    name = collection_name(target.namespace, tenant, account_id)
    target.delete_account(tenant, account_id)
    copy = client.get_collection(collection_name(staging.namespace, tenant, account_id))
    meta: Mapping[str, Any] = copy.metadata or {}
    copy.modify(name=name, metadata={**meta, "namespace": target.namespace})


def _finish_interrupted_swaps(client: ClientAPI, target: ChunkStore, staging: ChunkStore) -> None:
    """A staging copy whose old collection is already gone was mid-swap when the last run stopped."""
    for copy in staging.account_collections():
        meta = copy.metadata or {}
        tenant, account_id = str(meta["tenant"]), str(meta["account_id"])
        try:
            client.get_collection(collection_name(target.namespace, tenant, account_id))
        except NotFoundError:
            _swap_in(client, target, staging, tenant, account_id)
        else:
            staging.delete_account(tenant, account_id)  # the old one is whole: redo this account
