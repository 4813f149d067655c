"""Stance sentences: 1,200 single pieces of text about, or spoken by, one customer person, each labelled with what
it alone says of their stance (DESIGN.md's champion, coach, supporter, detractor, or `none`), by five writers who saw
only DESIGN.md's vocabulary and a brief (`evals/stance_sentences/writer-N.json`; see evals/README.md).

Written in session 14 as training data for a sentence-level stance model, kept as a measuring stick for any stance
reader: `score_rules` drafts every sentence end to end through the paraphrase harness (the rules' reading), and
`classifier_accuracy` trains softmax regression on MiniLM embeddings of four writers and scores the fifth.
Neither is a CI gate.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, get_args

import numpy as np
from pydantic import BaseModel, Field

from evals.paraphrase_set import SELLER_AUTHOR, Item, run_items

FOLDER = Path(__file__).parent / "stance_sentences"
Label = Literal["champion", "coach", "supporter", "detractor", "none"]
LABELS: tuple[str, ...] = get_args(Label)
SELLER = "Corvane"  # the harness account's seller: every seller name a writer invented reads as it


class Sentence(BaseModel):
    id: str
    text: str
    subject: str
    voice: Literal["about", "own_words"]
    ours: list[str] = Field(default_factory=list)
    competitors: list[str] = Field(default_factory=list)
    label: Label
    why: str = ""
    writer: str = ""


def load_sentences(folder: Path = FOLDER) -> list[Sentence]:
    sentences = []
    for path in sorted(folder.glob("writer-*.json")):
        for item in json.loads(path.read_text(encoding="utf-8"))["items"]:
            sentences.append(Sentence.model_validate({**item, "writer": path.stem}))
    return sentences


def as_seller(sentence: Sentence) -> str:
    text = sentence.text
    for name in sorted(filter(None, sentence.ours), key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", SELLER, text)
    return text


def as_items(sentences: Sequence[Sentence]) -> dict[str, list[Item]]:
    """Each sentence as a stance item of the paraphrase harness: a note, or the subject's turn on a call."""
    items = []
    for s in sentences:
        text = as_seller(s)
        if s.voice == "own_words":
            text = f"{SELLER_AUTHOR}: Thanks for making the time.\n{s.subject}: {text}"
        expected = "neutral" if s.label == "none" else s.label
        kind = "call" if s.voice == "own_words" else "note"
        items.append(Item(id=s.id, kind=kind, text=text, subject=s.subject, expected={"stance": expected}))
    return {"stance": items}


def read_correctly(label: str, drafted: str | None) -> bool:
    """`none` is read right as no signal (`neutral` or `unknown`); every other label only as itself."""
    return drafted in ("neutral", "unknown") if label == "none" else drafted == label


def score_rules(sentences: Sequence[Sentence], embedder: str = "minilm") -> dict[str, Any]:
    """The offline engine's reading of every sentence, drafted end to end: accuracy overall and per label and voice."""
    by_id = {s.id: s for s in sentences}
    run = run_items(as_items(sentences), embedder)
    groups: dict[str, list[bool]] = defaultdict(list)
    for outcome in run.outcomes:
        s = by_id[outcome.item]
        right = read_correctly(s.label, outcome.got.get("stance"))
        for group in ("all", s.label, f"{s.label}/{s.voice}"):
            groups[group].append(right)
    return {"accuracy": _share(groups.pop("all", [])), **{g: _share(v) for g, v in sorted(groups.items())},
            "errors": run.errors}  # fmt: skip


def _share(values: Sequence[bool]) -> float:
    return round(sum(values) / len(values), 3) if values else 0.0


def classifier_accuracy(sentences: Sequence[Sentence], vectors: np.ndarray, l2: float = 1e-3) -> float:
    """Leave-one-writer-out accuracy of class-balanced softmax regression on the sentences' embeddings."""
    y = np.array([LABELS.index(s.label) for s in sentences])
    writers = np.array([s.writer for s in sentences])
    predicted = np.zeros(len(sentences), dtype=int)
    for writer in sorted(set(writers)):
        train = writers != writer
        weights, bias = _fit(vectors[train], y[train], l2)
        predicted[~train] = (vectors[~train] @ weights + bias).argmax(axis=1)
    return round(float((predicted == y).mean()), 3)


def _fit(
    x: np.ndarray, y: np.ndarray, l2: float, steps: int = 2000, rate: float = 5.0
) -> tuple[np.ndarray, np.ndarray]:
    onehot = np.eye(len(LABELS))[y]
    balance = 1.0 / np.bincount(y, minlength=len(LABELS))[y]
    balance /= balance.sum()
    weights, bias = np.zeros((x.shape[1], len(LABELS))), np.zeros(len(LABELS))
    for _ in range(steps):
        logits = x @ weights + bias
        p = np.exp(logits - logits.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        gradient = (p - onehot) * balance[:, None]
        weights -= rate * (x.T @ gradient + l2 * weights)
        bias -= rate * gradient.sum(axis=0)
    return weights, bias
