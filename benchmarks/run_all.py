"""`make bench`: every performance suite beside its peers, one after another in this run, each in
its own process; writes benchmarks/results/<date>.json and .md and prints the table with targets.

    python -m benchmarks.run_all [--quick] [--peers-python .venv-peers/bin/python]

`--quick` runs smaller sizes (a 10k-chunk store, drafts at 100 and 1,000 notes, one ingestion
round, 1,000 drafts in the queue), writes nothing under benchmarks/results, and exits 1 when a
ratio target is missed — the check CI can afford. Absolute times on a shared 2-core machine move
with its load; the ratios, each measured within one interleaved run, are what the targets name.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import platform
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
RESULTS = REPO_ROOT / "benchmarks" / "results"


@dataclass
class Target:
    figure: str
    value: float | None
    limit: float
    higher_is_better: bool = False

    @property
    def met(self) -> bool | None:
        if self.value is None:
            return None
        return self.value >= self.limit if self.higher_is_better else self.value <= self.limit

    def row(self) -> str:
        sign = "≥" if self.higher_is_better else "≤"
        verdict = {True: "met", False: "**missed**", None: "not measured"}[self.met]
        value = "—" if self.value is None else f"{self.value:g}"
        return f"| {self.figure} | {value} | {sign} {self.limit:g} | {verdict} |"


def suite(module: str, *args: str, timeout: float = 3600) -> dict[str, Any] | None:
    """Run `python -m benchmarks.<module> ... --json FILE` in its own process; its figures, or None."""
    if importlib.util.find_spec(f"benchmarks.{module}") is None:
        print(f"[{module}] not present; skipped", flush=True)
        return None
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as out:
        path = Path(out.name)
    print(f"[{module}] {' '.join(args)}", flush=True)
    done = subprocess.run(
        [sys.executable, "-m", f"benchmarks.{module}", *args, "--json", str(path)],
        cwd=REPO_ROOT, timeout=timeout, text=True, capture_output=True,
    )  # fmt: skip
    print(done.stdout, end="", flush=True)
    if done.returncode != 0:
        print(f"[{module}] failed ({done.returncode}):\n{done.stderr[-3000:]}", flush=True)
        return None
    figures: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    path.unlink(missing_ok=True)
    return figures


def machine() -> dict[str, Any]:
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")),
        platform.processor(),
    )  # fmt: skip
    memory_kib = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(memory_kib / 2**20, 1),
        "python": platform.python_version(),
        "load_average_at_start": round(os.getloadavg()[0], 2),
    }


def _figure(rows: list[dict[str, Any]], prefix: str, key: str) -> float | None:
    """`key` of the first row whose name starts with `prefix`, if there is one."""
    row = next((r for r in rows if str(r.get("name", "")).startswith(prefix)), None)
    return None if row is None else row[key]


def targets(results: dict[str, Any]) -> list[Target]:
    out: list[Target] = []
    retrieval = results.get("retrieval")
    if retrieval:
        rows, size = retrieval["rows"], f"{retrieval['chunks']:,} chunks"
        out += [
            Target(f"hybrid search p50 / {retrieval['peer']} p50, {size}",
                   _figure(rows, "planwright hybrid", "vs_peer_p50"), 1.5),
            Target(f"hybrid search p95 ms, {size}", _figure(rows, "planwright hybrid", "p95_ms"), 50),
            Target(f"vector recall@20 vs exact, {size}",
                   _figure(rows, "planwright vector", "recall_at_20"), 0.99, True),
        ]  # fmt: skip
    drafts = results.get("draft_scale")
    if drafts and len(drafts) >= 2:
        big, small = drafts[-1], drafts[-2]
        for kind in ("stakeholder_map", "whitespace", "qbr_brief"):
            out.append(Target(
                f"{kind} draft at {big['notes']:,} notes / at {small['notes']:,}",
                round(big[kind] / small[kind], 2), 2.0,
            ))  # fmt: skip
    ingest = results.get("ingest")
    if ingest:
        ratio = _figure(ingest["rows"], "planwright", "vs_raw_embedder")
        out.append(Target("import / raw embedder on the same texts", ratio, 1.1))
    api = results.get("api_throughput")
    if api:
        for row in api.get("rows", []):
            out.append(Target(f"{row['figure']}: ours / minimal peer req/s", row.get("ratio"), 0.5, True))
    embeddings = results.get("embeddings")
    if embeddings:
        rows = [r for r in embeddings["rows"] if r["engine"] != "HashingEmbedder"]
        fastest = max(r["sentences_per_s"] for r in rows)
        ours = rows[0]["sentences_per_s"]
        out.append(Target("embedder / fastest CPU runtime measured", round(ours / fastest, 2), 0.9, True))
    return out


def markdown(results: dict[str, Any], checks: list[Target]) -> str:
    m = results["machine"]
    lines = [
        f"# Benchmarks, {results['date']}{' (quick)' if results['quick'] else ''}",
        "",
        f"{m['cores']} cores ({m['cpu']}), {m['memory_gib']} GiB, Python {m['python']}, "
        f"load average {m['load_average_at_start']} at start.",
        "",
        "| target | measured | goal | |",
        "| --- | ---: | ---: | --- |",
        *[check.row() for check in checks],
    ]
    for name, figures in results["suites"].items():
        lines += ["", f"## {name}", "", "```json", json.dumps(figures, indent=1)[:6000], "```"]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--peers-python", default=str(REPO_ROOT / ".venv-peers" / "bin" / "python"))
    args = parser.parse_args(argv)
    quick = args.quick
    results: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).date().isoformat(),
        "quick": quick,
        "machine": machine(),
        "suites": {},
    }
    runs: dict[str, tuple[str, ...]] = {
        "retrieval": ("--chunks", "10000", "--accounts", "50", "--queries", "100")
        if quick
        else ("--chunks", "100000", "--accounts", "200", "--queries", "300"),
        "draft_scale": ("--sizes", "100,1000") if quick else ("--sizes", "100,1000,10000"),
        "ingest": ("--repeat", "1") if quick else ("--repeat", "3"),
        "api_throughput": ("--quick",) if quick else ("--drafts", "10000"),
    }
    if not quick:
        peers = args.peers_python if Path(args.peers_python).exists() else sys.executable
        runs["embeddings"] = ("--python", peers)
    for module, module_args in runs.items():
        figures = suite(module, *module_args)
        if figures is not None:
            results["suites"][module] = figures
    checks = targets(results["suites"])
    text = markdown(results, checks)
    print("\n" + "\n".join(line for line in text.splitlines() if line.startswith(("|", "#", f"{os.cpu_count()}"))))
    if quick:
        missed = [c.figure for c in checks if c.met is False]
        if missed:
            print("missed: " + "; ".join(missed))
            raise SystemExit(1)
        return
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{results['date']}.json").write_text(
        json.dumps({**results, "targets": [c.__dict__ | {"met": c.met} for c in checks]}, indent=2), encoding="utf-8"
    )
    (RESULTS / f"{results['date']}.md").write_text(text, encoding="utf-8")
    print(f"written: benchmarks/results/{results['date']}.json and .md")


if __name__ == "__main__":
    main()
