"""Draft latency as an account's evidence grows: each kind at 100, 1,000 and 10,000 notes, in one run.

    python -m benchmarks.draft_scale [--sizes 100,1000,10000] [--json OUT]

Each size is the demo Northwind account plus that many short notes (two to five sentences from
a few dozen templates about the account's own people, units and products, dated over three
years), imported with the hashing embedder, then drafted once per kind on the offline engine.
The figure that matters is the ratio between sizes: 10x the evidence should cost well under 10x.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import random
import shutil
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from app.settings import Settings
from app.sources.service import import_folder
from app.state import build_state
from benchmarks.big_account import DEMO, UNITS
from plans.vocabulary import DraftKind
from retrieval.embedders import load_embedder

PEOPLE = ["Laura Chen", "Dana Whitfield", "Marcus Oyelaran", "Priya Raman"]
SENTENCES = [
    "Met {person} to review the rollout plan for {unit}; the dashboards look right.",
    "{person} wants the adoption numbers for {unit} before the steering committee.",
    "Security asked again about data residency for the {unit} region.",
    "Finance needs the pricing broken down by module before the renewal talks.",
    "The pilot in {unit} cut the incident backlog by a third, per {person}.",
    "Scheduled a deep dive with the architects next week; {person} will join.",
    "Procurement will want three quotes if the amount goes above the threshold.",
    "Training for the new hires in {unit} is still pending.",
    "{person} asked for a summary of open support tickets for {unit}.",
    "Quarterly check-in with {person}: no blockers, usage steady in {unit}.",
]


def write_bundle(folder: Path, notes: int, seed: int = 11) -> None:
    shutil.copytree(DEMO, folder)
    rng = random.Random(seed)
    first = date(2023, 1, 2)
    for n in range(notes):
        day = first + timedelta(days=n * 1095 // max(notes, 1))
        body = " ".join(
            rng.choice(SENTENCES).format(person=rng.choice(PEOPLE), unit=rng.choice(UNITS))
            for _ in range(rng.randint(2, 5))
        )
        (folder / "notes" / f"{day.isoformat()}-check-in-{n:05d}.md").write_text(body + "\n", encoding="utf-8")


def measure(notes: int, workdir: Path, profile: Path | None = None) -> dict[str, Any]:
    write_bundle(workdir / "bundle", notes)
    settings = Settings(data_dir=workdir / "data", embedder="hashing", auto_draft=False)
    state = build_state(settings, embedder=load_embedder("hashing"))
    from app.accounts import repository as accounts
    from app.db import transaction
    from app.drafts.models import DraftRow
    from app.drafts.service import request_draft

    try:
        started = time.perf_counter()
        report = import_folder(state.sessions, state.store, "bench", workdir / "bundle")
        out: dict[str, Any] = {"notes": notes, "import_s": round(time.perf_counter() - started, 2)}
        for kind in DraftKind:
            with transaction(state.sessions) as session:
                account = accounts.get(session, "bench", report.account_id)
                assert account is not None
                draft = request_draft(session, account, kind, "offline", "bench", None)
            profiler = cProfile.Profile() if profile else None
            started = time.perf_counter()
            if profiler:
                profiler.enable()
            state.runner.run(draft.id)
            if profiler and profile:
                profiler.disable()
                profiler.dump_stats(profile.with_suffix(f".{kind.value}.{notes}.prof"))
            out[kind.value] = round(time.perf_counter() - started, 3)
            with transaction(state.sessions) as session:
                done = session.get(DraftRow, draft.id)
                assert done is not None and done.status in ("pending_review", "decided"), done and done.error
    finally:
        state.close()
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--profile", type=Path, help="Write cProfile stats of every draft next to this path.")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = []
    for notes in sizes:
        with tempfile.TemporaryDirectory(prefix="pw-bench-drafts-") as tmp:
            rows.append(measure(notes, Path(tmp), args.profile))
            print(json.dumps(rows[-1]), flush=True)
    kinds = [k.value for k in DraftKind]
    print("| notes | import s | " + " | ".join(f"{k} s" for k in kinds) + " |")
    print("| ---: | ---: | " + " | ".join("---:" for _ in kinds) + " |")
    for row in rows:
        print(f"| {row['notes']:,} | {row['import_s']} | " + " | ".join(str(row[k]) for k in kinds) + " |")
    if len(rows) >= 2:
        last, before = rows[-1], rows[-2]
        ratios = {k: round(last[k] / before[k], 2) for k in kinds}
        print(f"{last['notes']:,} vs {before['notes']:,} notes: " + ", ".join(f"{k} {r}x" for k, r in ratios.items()))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2), encoding="utf-8")
    if args.profile:
        for path in sorted(args.profile.parent.glob(args.profile.name + ".*.prof")):
            print(path)
            pstats.Stats(str(path)).sort_stats("cumulative").print_stats(12)


if __name__ == "__main__":
    main()
