"""The stance corpus: passages about one person each, labelled with DESIGN.md's stance, by seven writers
who never saw the rules (`evals/stance_corpus/writer-N.json`; see evals/README.md). Each passage is
drafted end to end through the paraphrase harness and the subject's drafted stance is compared.
Writers 1-3 may be read while developing; 4-7 are held out: never read, only scored.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from evals.paraphrase_set import Item, run_items
from plans.vocabulary import Stance

CORPUS = Path(__file__).parent / "stance_corpus"
DEVELOPMENT = ("writer-1", "writer-2", "writer-3")
HELD_OUT = ("writer-4", "writer-5", "writer-6", "writer-7")


class Passage(BaseModel):
    id: str
    text: str
    subject: str
    stance: Stance
    writer: str = ""


def load_corpus(folder: Path = CORPUS, writers: Sequence[str] | None = None) -> list[Passage]:
    passages = []
    for path in sorted(folder.glob("writer-*.json")):
        if writers is not None and path.stem not in writers:
            continue
        for item in json.loads(path.read_text(encoding="utf-8"))["items"]:
            passages.append(Passage.model_validate({**item, "writer": path.stem}))
    return passages


_TURN = re.compile(r"^[^\s:][^:\n]{0,40}:\s", re.MULTILINE)


def as_items(passages: Sequence[Passage]) -> dict[str, list[Item]]:
    """The passages as stance items of the paraphrase harness: each drafted end to end as a note or a call
    of the harness's account, with its subject a Contact there."""
    items = [
        Item(
            id=p.id,
            kind="call" if len(_TURN.findall(p.text)) >= 2 else "note",
            text=p.text,
            subject=p.subject,
            expected={"stance": p.stance.value},
        )
        for p in passages
    ]
    return {"stance": items}


def score_engine(passages: Sequence[Passage], embedder: str = "minilm") -> dict[str, Any]:
    """The engine's stance accuracy on the passages, per writer, with its confusions (gold → drafted)."""
    run = run_items(as_items(passages), embedder)
    writer_of = {p.id: p.writer for p in passages}
    by_writer: dict[str, list[bool]] = defaultdict(list)
    confusion: Counter[str] = Counter()
    for outcome in run.outcomes:
        by_writer[writer_of[outcome.item]].append(outcome.passed)
        confusion[f"{outcome.expected['stance']} -> {outcome.got.get('stance')}"] += 1
    return {
        "accuracy": sum(o.passed for o in run.outcomes) / max(1, len(run.outcomes)),
        "items": len(run.outcomes),
        "by_writer": {w: round(sum(v) / len(v), 3) for w, v in sorted(by_writer.items())},
        "unknown_share": sum(o.got.get("stance") == "unknown" for o in run.outcomes) / max(1, len(run.outcomes)),
        "confusion": dict(confusion.most_common()),
        "errors": run.errors,
    }
