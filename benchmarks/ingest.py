"""Bundle ingestion end to end — parse, chunk, embed, store — per embedder, side by side in one run.

    python -m benchmarks.ingest [--dataset evals/datasets/demo] [--repeat 2]

The hashing embedder's row is the cost of everything but the model (parsing, chunking,
Chroma writes); the MiniLM row minus it is what local embeddings cost an import.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time
import uuid
from pathlib import Path

from retrieval.bundle import load_bundle
from retrieval.chunking import chunk_source
from retrieval.embedders import load_embedder
from retrieval.store import ChunkStore

REPO_ROOT = Path(__file__).resolve().parents[1]


def ingest_once(folders: list[Path], embedder_name: str) -> tuple[float, int, int]:
    """Seconds to ingest every bundle into a fresh in-memory store, with chunk and character counts."""
    embedder = load_embedder(embedder_name)
    store = ChunkStore.ephemeral(embedder, namespace=f"bench-{uuid.uuid4().hex[:8]}")
    started = time.perf_counter()
    chunks = chars = 0
    for folder in folders:
        bundle = load_bundle(folder)
        pieces = [chunk for source in bundle.sources for chunk in chunk_source(source)]
        store.upsert("bench", folder.name, pieces, source_types={s.id: str(s.type) for s in bundle.sources})
        chunks += len(pieces)
        chars += sum(len(p.text) for p in pieces)
    return time.perf_counter() - started, chunks, chars


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", type=Path, default=REPO_ROOT / "evals" / "datasets" / "demo")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    folders = sorted(p for p in args.dataset.rglob("crm") if p.is_dir())
    folders = [p.parent for p in folders]

    rows = []
    for name in ("hashing", "minilm"):
        runs = [ingest_once(folders, name) for _ in range(args.repeat)]
        seconds = statistics.median(r[0] for r in runs)
        rows.append((name, seconds, runs[0][1], runs[0][2]))
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(f"{len(folders)} bundles from {args.dataset}; median of {args.repeat} runs; peak RSS {peak_mib:.0f} MiB")
    print(f"{'embedder':<10} {'seconds':>8} {'chunks':>7} {'chunks/s':>9} {'chars/s':>9} {'x hashing':>10}")
    base = rows[0][1]
    for name, seconds, chunks, chars in rows:
        rate, char_rate, ratio = chunks / seconds, chars / seconds, seconds / base
        print(f"{name:<10} {seconds:>8.2f} {chunks:>7} {rate:>9.1f} {char_rate:>9.0f} {ratio:>10.1f}")


if __name__ == "__main__":
    main()
