"""A big account end to end: a demo bundle plus N hour-long calls, imported and drafted.

    python -m benchmarks.big_account [--calls 300] [--embedder hashing]

Each call is an hour of four people talking (about 9,000 words, ~150 a minute), built from the
demo account's own people and a few dozen sentence templates, so the import, the chunking, the
store and every draft kind run at the size issue 8 names. Prints seconds per stage, chunks and
peak memory. The hashing embedder isolates everything but the model; MiniLM adds its embedding
cost (about 30 chunks a second on 2 cores).
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from app.settings import Settings
from app.sources.service import import_folder
from app.state import build_state
from plans.vocabulary import DraftKind
from retrieval.embedders import load_embedder

REPO_ROOT = Path(__file__).resolve().parents[1]
DEMO = REPO_ROOT / "evals" / "datasets" / "demo" / "northwind-health"
SPEAKERS = ["Laura Chen", "Dana Whitfield", "Marcus Oyelaran", "Priya Raman"]
SENTENCES = [
    "We reviewed the rollout plan for the {unit} team and the dashboards look right.",
    "The renewal conversation should start before the end of the quarter.",
    "I want to see the adoption numbers for {unit} before the steering committee.",
    "Security asked again about data residency for the {unit} region.",
    "Our finance team needs the pricing broken down by module.",
    "The pilot in {unit} cut the incident backlog by a third.",
    "Let's schedule a deep dive with the architects next week.",
    "Procurement will want three quotes if the amount goes above the threshold.",
    "We are comparing a couple of vendors for the analytics piece.",
    "Training for the new hires in {unit} is still pending.",
]
UNITS = ["Ambulatory", "Hospital Operations", "Research", "Payer Services"]


def write_bundle(folder: Path, calls: int, seed: int = 7) -> int:
    """The demo bundle plus `calls` hour-long transcripts; returns the characters of call text."""
    shutil.copytree(DEMO, folder)
    rng = random.Random(seed)
    start = date(2025, 1, 6)
    total = 0
    for n in range(calls):
        lines, second = [], 0
        while second < 3600:
            speaker = rng.choice(SPEAKERS)
            text = " ".join(rng.choice(SENTENCES).format(unit=rng.choice(UNITS)) for _ in range(rng.randint(1, 4)))
            lines.append(f"[{second // 3600:02d}:{second % 3600 // 60:02d}:{second % 60:02d}] {speaker}: {text}")
            second += 4 * len(text.split()) // 10 + 2  # ~150 words a minute
        body = "\n".join(lines)
        total += len(body)
        day = start + timedelta(days=n)
        (folder / "calls" / f"{day.isoformat()}-weekly-{n:03d}.txt").write_text(body, encoding="utf-8")
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--embedder", default="hashing", choices=["hashing", "minilm"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="planwright-big-") as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        chars = write_bundle(root / "bundle", args.calls)
        written = time.perf_counter() - started
        settings = Settings(data_dir=root / "data", embedder=args.embedder, auto_draft=False)
        state = build_state(settings, embedder=load_embedder(args.embedder))
        try:
            started = time.perf_counter()
            report = import_folder(state.sessions, state.store, "bench", root / "bundle")
            imported = time.perf_counter() - started
            print(f"{args.calls} hour-long calls, {chars / 1e6:.1f} M characters (written in {written:.1f} s)")
            print(f"import: {imported:.1f} s, {report.chunks_embedded} chunks embedded ({args.embedder})")
            from app.accounts import repository as accounts
            from app.db import transaction
            from app.drafts.models import DraftRow as Draft
            from app.drafts.service import request_draft

            for kind in DraftKind:
                with transaction(state.sessions) as session:
                    account = accounts.get(session, "bench", report.account_id)
                    assert account is not None
                    draft = request_draft(session, account, kind, "offline", "bench", None)
                started = time.perf_counter()
                state.runner.run(draft.id)
                seconds = time.perf_counter() - started
                with transaction(state.sessions) as session:
                    done = session.get(Draft, draft.id)
                    status = f"{done.status}, {len(done.changes)} changes" if done is not None else "missing"
                print(f"draft {kind.value}: {seconds:.1f} s ({status})")
        finally:
            state.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: {peak:.0f} MiB")


if __name__ == "__main__":
    main()
