"""Ingestion of the demo bundles beside its peers, interleaved in one run, MiniLM throughout.

    python -m benchmarks.ingest [--dataset evals/datasets/demo] [--repeat 3] [--json OUT]

- planwright: parse the bundle, chunk every source, embed and store into a fresh Chroma folder
  (`ChunkStore.upsert`: only what is new, one length-sorted embedder call);
- the raw embedder: `MiniLmEmbedder.embed` on exactly the chunk texts planwright stored, in one
  call — the floor for anything that embeds those texts with this model;
- LangChain: `RecursiveCharacterTextSplitter` (700 characters, our chunk size) on the same source
  texts, then `langchain_chroma.Chroma.add_texts` with the same embedder.

Every contender runs once per round, rounds rotate the order, and the medians are compared.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import chromadb

from retrieval.bundle import load_bundle
from retrieval.chunking import DEFAULT_MAX_CHARS, chunk_source
from retrieval.embedders import load_embedder
from retrieval.evidence import Source
from retrieval.protocols import Embedder
from retrieval.store import ChunkStore, chroma_settings

REPO_ROOT = Path(__file__).resolve().parents[1]


def bundle_folders(dataset: Path) -> list[Path]:
    return sorted(p.parent for p in dataset.rglob("crm") if p.is_dir())


def planwright(folders: list[Path], embedder: Embedder, workdir: Path) -> int:
    store = ChunkStore.persistent(workdir / uuid.uuid4().hex, embedder, verify=False)
    chunks = 0
    with store:
        for folder in folders:
            bundle = load_bundle(folder)
            pieces = [chunk for source in bundle.sources for chunk in chunk_source(source)]
            store.upsert("bench", folder.name, pieces, source_types={s.id: str(s.type) for s in bundle.sources})
            chunks += len(pieces)
    return chunks


def langchain(sources: list[Source], embedder: Embedder, workdir: Path) -> int:
    from langchain_chroma import Chroma
    from langchain_core.embeddings import Embeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    class Wrapped(Embeddings):
        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return [list(map(float, v)) for v in embedder.embed(texts)]

        def embed_query(self, text: str) -> list[float]:
            return self.embed_documents([text])[0]

    splitter = RecursiveCharacterTextSplitter(chunk_size=DEFAULT_MAX_CHARS, chunk_overlap=0)
    texts = [piece for source in sources for piece in splitter.split_text(source.text)]
    client = chromadb.PersistentClient(path=str(workdir / uuid.uuid4().hex), settings=chroma_settings())
    Chroma(client=client, collection_name="langchain", embedding_function=Wrapped()).add_texts(texts)
    return len(texts)


def run(dataset: Path, repeat: int) -> dict[str, Any]:
    folders = bundle_folders(dataset)
    embedder = load_embedder("minilm")
    sources = [source for folder in folders for source in load_bundle(folder).sources]
    chunk_texts = [chunk.text for source in sources for chunk in chunk_source(source)]
    with tempfile.TemporaryDirectory(prefix="pw-bench-ingest-") as tmp:
        workdir = Path(tmp)
        contenders: dict[str, Callable[[], int]] = {
            "planwright import (parse, chunk, embed, store)": lambda: planwright(folders, embedder, workdir),
            "raw embedder on the same chunk texts": lambda: len(embedder.embed(chunk_texts)),
        }
        skipped = {}
        try:
            import langchain_chroma  # noqa: F401
            import langchain_text_splitters  # noqa: F401

            contenders["LangChain splitter + Chroma.add_texts"] = lambda: langchain(sources, embedder, workdir)
        except ImportError as exc:
            skipped["LangChain"] = f"not installed ({exc.name}); `make bench` installs it"
        embedder.embed(chunk_texts[:32])  # load the model before anything is timed
        times: dict[str, list[float]] = {name: [] for name in contenders}
        counts: dict[str, int] = {}
        names = list(contenders)
        for round_ in range(repeat):
            for name in names[round_ % len(names) :] + names[: round_ % len(names)]:
                began = time.perf_counter()
                counts[name] = contenders[name]()
                times[name].append(time.perf_counter() - began)
    raw = statistics.median(times["raw embedder on the same chunk texts"])
    rows = [
        {"name": name, "seconds": round(statistics.median(t), 2), "texts": counts[name],
         "vs_raw_embedder": round(statistics.median(t) / raw, 2)}
        for name, t in times.items()
    ]  # fmt: skip
    return {"bundles": len(folders), "repeat": repeat, "rows": rows, "skipped": skipped}


def render(result: dict[str, Any]) -> str:
    lines = [
        f"{result['bundles']} demo bundles, MiniLM, median of {result['repeat']} interleaved rounds",
        "| ingestion | seconds | texts embedded | × raw embedder |",
        "| --- | ---: | ---: | ---: |",
    ]
    lines += [f"| {r['name']} | {r['seconds']} | {r['texts']} | {r['vs_raw_embedder']} |" for r in result["rows"]]
    lines += [f"skipped {name}: {why}" for name, why in result["skipped"].items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", type=Path, default=REPO_ROOT / "evals" / "datasets" / "demo")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    result = run(args.dataset, args.repeat)
    print(render(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
