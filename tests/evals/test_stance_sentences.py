"""The stance sentences are read whole, become harness items the way they were written, and score what they say."""

from __future__ import annotations

from collections import Counter

import numpy as np

from evals.paraphrase_set import SELLER_AUTHOR
from evals.stance_sentences import (
    LABELS,
    Sentence,
    as_items,
    as_seller,
    classifier_accuracy,
    load_sentences,
    read_correctly,
)


def test_five_writers_wrote_240_sentences_each_with_every_label() -> None:
    sentences = load_sentences()

    assert Counter(s.writer for s in sentences) == {f"writer-{n}": 240 for n in range(1, 6)}
    assert len({s.id for s in sentences}) == 1200
    for writer in {s.writer for s in sentences}:
        assert {s.label for s in sentences if s.writer == writer} == set(LABELS)
    assert {s.voice for s in sentences} == {"about", "own_words"}


def test_own_words_become_the_subjects_turn_on_a_call_and_the_sellers_name_reads_as_the_harness_seller() -> None:
    said = Sentence(id="x-1", text="Honestly Fathom saved my team a week.", subject="Ines Duarte", voice="own_words",
                    ours=["Fathom"], label="supporter")  # fmt: skip
    told = Sentence(id="x-2", text="Ines walked her CFO through the model.", subject="Ines Duarte", voice="about",
                    label="champion")  # fmt: skip

    (items,) = as_items([said, told]).values()

    assert items[0].kind == "call"
    turns = items[0].text.splitlines()
    assert turns == [
        f"{SELLER_AUTHOR}: Thanks for making the time.", "Ines Duarte: Honestly Corvane saved my team a week."
    ]
    assert (items[1].kind, items[1].text, items[1].expected) == ("note", told.text, {"stance": "champion"})
    assert as_seller(told) == told.text


def test_none_is_read_right_as_no_signal_and_a_stance_only_as_itself() -> None:
    assert read_correctly("none", "neutral") and read_correctly("none", "unknown")
    assert not read_correctly("none", "supporter")
    assert read_correctly("coach", "coach") and not read_correctly("coach", "neutral")


def test_the_classifier_is_scored_on_the_writer_it_did_not_see() -> None:
    # Two writers, each label a separable direction, so a writer left out is still classified right ...
    sentences, vectors = [], []
    for writer in ("writer-1", "writer-2"):
        for index, label in enumerate(LABELS):
            sentences.append(Sentence(id=f"{writer}-{label}", text=".", subject="A B", voice="about", label=label,
                                      writer=writer))  # fmt: skip
            vectors.append(np.eye(len(LABELS))[index])
    assert classifier_accuracy(sentences, np.array(vectors)) == 1.0
    # ... and one whose labels the other writer contradicts is not.
    flipped = [s.model_copy(update={"label": LABELS[(LABELS.index(s.label) + 1) % len(LABELS)]})
               if s.writer == "writer-2" else s for s in sentences]  # fmt: skip
    assert classifier_accuracy(flipped, np.array(vectors)) == 0.0
