"""Embedding throughput, load time and memory: our MiniLM beside its peers, in one run.

    python -m benchmarks.embeddings [--n 512] [--repeat 3] [--python /tmp/refvenv/bin/python]

The first row is what `load_embedder("minilm")` runs: MiniLM in ONNX Runtime. A process of its
own first loads it into an empty cache, which includes the one-time export; the timed process
then loads it from that cache, as every later start does. Then the numpy encoder it falls back
to, the hashing embedder, and sentence-transformers on torch. Every peer runs in a fresh
subprocess so that its peak RSS is its own. `--python` names the interpreter for the
sentence-transformers + torch peer, which is not in the project venv; the peer is skipped when
that interpreter cannot import it.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]

# Runs in the peer's own interpreter, which may lack the project: it imports only what the
# peer needs, after reading its baseline RSS.
_WORKER = r"""
import json, sys, time

def rss_kib(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0

base = rss_kib("VmRSS")
peer, corpus_path, out_path, model_dir, repo_root = sys.argv[1:6]
corpus = json.load(open(corpus_path, encoding="utf-8"))
start = time.perf_counter()
if peer == "sentence-transformers":
    import numpy as np
    import sentence_transformers, torch
    from sentence_transformers import SentenceTransformer
    model = SentenceTransformer(model_dir, device="cpu")
    engine = f"sentence-transformers {sentence_transformers.__version__}, torch {torch.__version__}"
    embed = lambda texts: model.encode(
        texts, batch_size=32, convert_to_numpy=True, normalize_embeddings=True
    )
else:
    sys.path.insert(0, repo_root)
    import numpy as np
    from pathlib import Path
    from retrieval.embedders import HashingEmbedder, MiniLmEmbedder
    if peer in ("onnx-export", "onnx-minilm"):
        # onnx-export runs first, on an empty cache; onnx-minilm finds the file it wrote.
        model = MiniLmEmbedder.load(Path(model_dir), engine="onnx", cache_dir=Path("onnx-cache"))
        engine = f"ours: {model.engine} MiniLM"
    elif peer == "numpy-minilm":
        model = MiniLmEmbedder.load(Path(model_dir), engine="numpy")
        engine = f"numpy {np.__version__} MiniLM (fallback)"
    else:
        model = HashingEmbedder()
        engine = "HashingEmbedder"
    embed = model.embed_array
load_s = time.perf_counter() - start
if peer != "onnx-export":
    embed(corpus[:32])
print(json.dumps({"engine": engine, "load_s": load_s, "rss_delta_mib": (rss_kib("VmHWM") - base) / 1024}), flush=True)
# Then one timed pass over the corpus per "pass" line, until any other line.
vectors = None
for line in sys.stdin:
    if line.strip() != "pass":
        break
    start = time.perf_counter()
    vectors = embed(corpus)
    print(json.dumps({"pass_s": time.perf_counter() - start}), flush=True)
if vectors is not None:
    np.save(out_path, np.asarray(vectors, dtype=np.float32))
print(json.dumps({"rss_delta_mib": (rss_kib("VmHWM") - base) / 1024}), flush=True)
"""

_NAMES = [
    "Zoë Müller",
    "Dana Whitfield",
    "Raj Patel",
    "Priya Raman",
    "Tom Beaumont",
    "Lena Fischer",
    "José Álvarez",
    "Maria Okafor",
    "Chen Wei",
    "Aisha Bello",
    "Mark O'Neil",
    "Sven Lindqvist",
]
_ROLES = [
    "the CFO",
    "the VP of Procurement",
    "our champion in operations",
    "the head of IT security",
    "the new CIO",
    "the regional sales director",
    "the platform architect",
    "legal counsel",
]
_PRODUCTS = [
    "the analytics add-on",
    "single sign-on",
    "the export API",
    "premium support",
    "the data residency option",
    "the forecasting module",
    "audit log retention",
    "the mobile app",
]
_TIMES = [
    "before the end of Q3",
    "next fiscal year",
    "after the board meeting in September",
    "by Friday",
    "within the next two sprints",
    "at the renewal in March",
    "this quarter",
]
_TEMPLATES = [
    "{name} confirmed budget for {product} {time}.",
    "{name}, {role}, is worried that {product} will slip again and wants a written plan {time}.",
    "Meeting notes: {name} asked whether pricing for {product} holds if they co-term {time}; "
    "legal review is still pending.",
    "[00:{m:02d}:{s:02d}] {name}: Honestly, if {product} is not live {time} we will have to look at other vendors.",
    "Action item for {name}: send {role} a one-page summary of outcomes for {product} {time}.",
    "{role} ({name}) said adoption grew from {a:,} to {b:,} weekly users after {product} launched.",
    "Risk: {name} left the company, and nobody else has sponsored {product} so far.",
    "{name} introduced us to {role}, who owns the decision on {product} and wants a pilot {time}.",
    "Opportunity for {product} moved to stage {stage} at ${a},000 ARR; {name} expects signature {time}.",
    "Call recap: {role} raised three open tickets about {product}, a latency regression, a "
    "permissions bug and missing audit logs, and {name} promised fixes {time}.",
]


def build_corpus(n: int, seed: int = 0) -> list[str]:
    """`n` account-evidence sentences of 8 to 40 words, the same for the same seed."""
    rng = random.Random(seed)
    corpus: list[str] = []
    while len(corpus) < n:
        text = rng.choice(_TEMPLATES).format(
            name=rng.choice(_NAMES),
            role=rng.choice(_ROLES),
            product=rng.choice(_PRODUCTS),
            time=rng.choice(_TIMES),
            m=rng.randrange(60),
            s=rng.randrange(60),
            a=rng.randrange(100, 5000),
            b=rng.randrange(5000, 20000),
            stage=rng.randrange(1, 6),
        )
        if rng.random() < 0.3:
            text += " " + rng.choice(_TEMPLATES).format(
                name=rng.choice(_NAMES),
                role=rng.choice(_ROLES),
                product=rng.choice(_PRODUCTS),
                time=rng.choice(_TIMES),
                m=0,
                s=0,
                a=1200,
                b=5400,
                stage=3,
            )
        if 8 <= len(text.split()) <= 40:
            corpus.append(text)
    return corpus


@dataclass
class PeerResult:
    engine: str
    sentences_per_s: float
    median_sentences_per_s: float
    load_s: float
    rss_delta_mib: float
    vectors: np.ndarray
    # For the ONNX path: the first load, which exports the graph, and its peak RSS.
    export_load_s: float | None = None
    export_rss_delta_mib: float | None = None


class Peer:
    """One engine in its own process: loaded once, then timed pass by pass when asked."""

    def __init__(self, peer: str, python: str, corpus_path: Path, model_dir: str, workdir: Path) -> None:
        self.peer = peer
        self._out_path = workdir / f"{peer}.npy"
        self._stderr_path = workdir / f"{peer}.stderr"
        argv = [python, "-c", _WORKER, peer, str(corpus_path), str(self._out_path), model_dir, str(REPO_ROOT)]
        with self._stderr_path.open("w") as stderr:
            self._process = subprocess.Popen(
                argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr, text=True, cwd=workdir
            )
        self.loaded = self._read()
        self.pass_s: list[float] = []

    def _read(self) -> dict[str, Any]:
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line:
            self._process.wait()
            raise RuntimeError(f"{self.peer} exited: {self._stderr_path.read_text(encoding='utf-8')[-2000:]}")
        return json.loads(line)  # type: ignore[no-any-return]

    def _send(self, command: str) -> None:
        assert self._process.stdin is not None
        self._process.stdin.write(command + "\n")
        self._process.stdin.flush()

    def timed_pass(self) -> None:
        self._send("pass")
        self.pass_s.append(self._read()["pass_s"])

    def finish(self, sentences: int) -> PeerResult:
        self._send("done")
        report = self._read()
        self._process.wait()
        return PeerResult(
            engine=self.loaded["engine"],
            sentences_per_s=sentences / min(self.pass_s),
            median_sentences_per_s=sentences / statistics.median(self.pass_s),
            load_s=self.loaded["load_s"],
            rss_delta_mib=report["rss_delta_mib"],
            vectors=np.load(self._out_path),
        )

    def kill(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()


def run_export(python: str, corpus_path: Path, model_dir: str, workdir: Path) -> dict[str, Any]:
    """Load the ONNX path once into the empty cache in `workdir`: the one-time export's cost."""
    exporter = Peer("onnx-export", python, corpus_path, model_dir, workdir)
    exporter.kill()
    return exporter.loaded


def run_interleaved(
    peers: list[tuple[str, str]], corpus_path: Path, model_dir: str, repeat: int, workdir: Path
) -> list[PeerResult]:
    """Load each (peer, python) in turn, then time them a pass each per round, so that load from
    elsewhere on a shared machine falls on every peer alike."""
    sentences = len(json.loads(corpus_path.read_text(encoding="utf-8")))
    started: list[Peer] = []
    try:
        for peer, python in peers:
            started.append(Peer(peer, python, corpus_path, model_dir, workdir))
        for _ in range(repeat):
            for running in started:
                running.timed_pass()
        return [running.finish(sentences) for running in started]
    finally:
        for running in started:
            running.kill()


def can_import(python: str, modules: str) -> bool:
    check = subprocess.run([python, "-c", f"import {modules}"], capture_output=True)
    return check.returncode == 0


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    return (a64 * b64).sum(axis=1) / (np.linalg.norm(a64, axis=1) * np.linalg.norm(b64, axis=1))


def render(results: list[PeerResult], skipped: dict[str, str]) -> str:
    ours = results[0]
    header = (
        f"{'engine':<48}{'sentences/s':>12}{'median':>8}{'x ours':>8}{'load s':>8}{'peak RSS Δ MiB':>16}"
        f"{'min cos vs ours':>17}"
    )
    lines = [header, "-" * len(header)]
    for result in results:
        if result.engine == "HashingEmbedder":
            cosine = "n/a"
        else:
            cosine = f"{float(_cosines(result.vectors, ours.vectors).min()):.7f}"
        lines.append(
            f"{result.engine:<48}{result.sentences_per_s:>12.1f}{result.median_sentences_per_s:>8.1f}"
            f"{result.sentences_per_s / ours.sentences_per_s:>8.2f}{result.load_s:>8.2f}"
            f"{result.rss_delta_mib:>16.1f}{cosine:>17}"
        )
    lines += [f"{engine:<48}skipped: {why}" for engine, why in skipped.items()]
    lines += [
        f"{result.engine}: load {result.load_s:.2f} s from the cache; the first load, which exports the graph, "
        f"{result.export_load_s:.2f} s and +{result.export_rss_delta_mib:.0f} MiB peak RSS"
        for result in results
        if result.export_load_s is not None
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=512, help="sentences in the corpus")
    parser.add_argument("--repeat", type=int, default=5, help="timed passes per peer, interleaved; the best counts")
    parser.add_argument(
        "--python",
        default=sys.executable,
        help="interpreter for the sentence-transformers + torch peer",
    )
    parser.add_argument("--json", type=Path, help="Also write the figures here.")
    args = parser.parse_args(argv)
    # Peers run with a scratch working directory, so a relative interpreter path must be made
    # absolute here; abspath, not resolve(): a venv's python is a symlink that must stay one.
    if os.sep in args.python:
        args.python = os.path.abspath(args.python)

    from retrieval.embedders import default_model_dir

    model_dir = str(default_model_dir())
    corpus = build_corpus(args.n)
    words = [len(text.split()) for text in corpus]
    print(
        f"corpus: {len(corpus)} sentences, {min(words)}-{max(words)} words "
        f"(mean {sum(words) / len(words):.1f}); best and median of {args.repeat} passes, interleaved "
        f"peer by peer after a warm-up; "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at start"
    )
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        corpus_path = workdir / "corpus.json"
        corpus_path.write_text(json.dumps(corpus), encoding="utf-8")
        export = run_export(sys.executable, corpus_path, model_dir, workdir)
        peers = [(peer, sys.executable) for peer in ("onnx-minilm", "numpy-minilm", "hashing")]
        skipped: dict[str, str] = {}
        if can_import(args.python, "sentence_transformers, torch"):
            peers.append(("sentence-transformers", args.python))
        else:
            skipped["sentence-transformers"] = (
                f"{args.python} cannot import sentence_transformers and torch (see --python)"
            )
        results = run_interleaved(peers, corpus_path, model_dir, args.repeat, workdir)
        results[0].export_load_s = export["load_s"]
        results[0].export_rss_delta_mib = export["rss_delta_mib"]
    print(render(results, skipped))
    if args.json:
        rows = [
            {"engine": r.engine, "sentences_per_s": round(r.sentences_per_s, 1),
             "median_sentences_per_s": round(r.median_sentences_per_s, 1), "load_s": round(r.load_s, 2),
             "rss_delta_mib": round(r.rss_delta_mib, 1)}
            | ({"first_load_s": round(r.export_load_s, 2)} if r.export_load_s is not None else {})
            for r in results
        ]  # fmt: skip
        args.json.write_text(json.dumps({"rows": rows, "skipped": skipped}, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
