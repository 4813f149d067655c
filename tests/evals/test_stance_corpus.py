"""The stance corpus is read whole, every writer's passages become harness items, and subjects become Contacts."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from evals.paraphrase_set import Item, write_bundle
from evals.stance_corpus import DEVELOPMENT, HELD_OUT, as_items, load_corpus
from plans.vocabulary import Stance


def test_the_corpus_holds_seven_writers_and_every_stance_on_both_sides_of_the_split() -> None:
    passages = load_corpus()

    assert {p.writer for p in passages} == set(DEVELOPMENT) | set(HELD_OUT)
    assert len(passages) == 600 and len({p.id for p in passages}) == 600
    for side in (DEVELOPMENT, HELD_OUT):
        labels = Counter(p.stance for p in passages if p.writer in side)
        assert set(labels) == {Stance.champion, Stance.coach, Stance.supporter, Stance.neutral, Stance.detractor}


def test_transcripts_become_calls_and_a_subject_outside_the_cast_becomes_a_contact(tmp_path: Path) -> None:
    passages = load_corpus(writers=["writer-4"])
    (items,) = as_items(passages).values()
    call = items[0]

    folder = write_bundle(call, tmp_path / "bundle")

    assert call.kind == "call" and (folder / "calls").is_dir()
    contacts = json.loads((folder / "crm" / "Contact.json").read_text())["records"]
    assert [c["Name"] for c in contacts if c["Name"] == call.subject] == [call.subject]
    assert {item.expected["stance"] for item in items} <= {s.value for s in Stance}


def test_a_cast_member_the_subject_could_be_taken_for_steps_aside(tmp_path: Path) -> None:
    # The corpus writers never saw the harness cast: "Tomás" must mean their subject, not Tomás Alvarez too.
    item = Item(id="t1", kind="note", text="Tomás speaks very well of us.", subject="Tomás Ferreira",
                expected={"stance": "supporter"})  # fmt: skip

    folder = write_bundle(item, tmp_path / "bundle")

    names = {c["Name"] for c in json.loads((folder / "crm" / "Contact.json").read_text())["records"]}
    assert "Tomás Ferreira" in names and "Tomás Alvarez" not in names
    assert "Dana Whitfield" in names  # nobody else steps aside
