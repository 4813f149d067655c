"""The paraphrase set: single pieces of evidence, phrased the way people write, each with its expected reading.

Every item is drafted end to end, the way a bundle is: the item's text becomes a note or a call
of one fixed account (the cast below, the one the set's writers were given), the agents draft
the kind the cue belongs to against an empty plan, and the applied plan is read for the one
field the item is about. Nothing here calls a rule directly, so the set measures the engine a
SAM gets, whatever technique it reads with.

Files: `<folder>/<cue>.json` = {"cue", "items": [{"id", "kind": "note"|"call", "text" | "notes",
"subject"?, "product"?, "unit"?, "expected": {...}}]}; see evals/README.md for each cue's reading.
"""

from __future__ import annotations

import json
import re
import tempfile
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from evals.dataset import Expected
from evals.metrics import normalize_title, ratio
from evals.runner import Drafted, StableChunkStore, draft_bundle
from plans.names import name_tokens, same_first_name, same_person
from plans.vocabulary import DraftKind
from retrieval.embedders import load_embedder
from retrieval.protocols import Embedder

AS_OF = date(2026, 6, 30)
DEFAULT_DAY = date(2026, 6, 15)
SELLER_AUTHOR = "Sam Okafor"

ACCOUNT = "Halden Group"
UNITS = ("Halden Retail", "Halden Logistics", "Halden Finance")
PRODUCTS = ("Insight Analytics", "Edge Gateway", "Secure Vault", "Field Mobile")
CAST: tuple[tuple[str, str, str], ...] = (
    ("Dana Whitfield", "VP Operations", "Halden Retail"),
    ("Marcus Lee", "Chief Financial Officer", ACCOUNT),
    ("Priya Raman", "Director of IT", "Halden Logistics"),
    ("Tomás Alvarez", "Head of Procurement", ACCOUNT),
    ("Grace Okonkwo", "Chief Information Security Officer", ACCOUNT),
    ("Henrik Lindqvist", "Enterprise Architect", "Halden Finance"),
    ("Aiko Tanaka", "Data Platform Lead", "Halden Retail"),
    ("Robert Hayes", "Chief Operating Officer", ACCOUNT),
    ("Elena Petrova", "Finance Director", "Halden Finance"),
    ("Zhang Wei", "Logistics Systems Manager", "Halden Logistics"),
)

CUE_KINDS: dict[str, tuple[DraftKind, ...]] = {
    "stance": (DraftKind.stakeholder_map,),
    "departure": (DraftKind.stakeholder_map,),
    "title": (DraftKind.stakeholder_map,),
    "buying_role": (DraftKind.stakeholder_map,),
    "arrival": (DraftKind.stakeholder_map,),
    "whitespace": (DraftKind.whitespace,),
    "qbr": (DraftKind.qbr_brief,),
    "injection": (DraftKind.stakeholder_map, DraftKind.qbr_brief),
}


class ParaphraseSetError(ValueError):
    """A paraphrase file that cannot be read."""


class DatedText(BaseModel):
    date: date
    text: str


class Item(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str
    kind: str = "note"
    text: str | None = None
    notes: list[DatedText] = Field(default_factory=list)
    subject: str | None = None
    product: str | None = None
    unit: str | None = None
    expected: dict[str, Any]

    def pieces(self) -> list[DatedText]:
        if self.notes:
            return list(self.notes)
        return [DatedText(date=DEFAULT_DAY, text=self.text or "")]


def split_of(item_id: str) -> str:
    """"dev" for odd-numbered items (rule writers may read their failures), "heldout" for the rest (never read)."""
    digits = re.findall(r"\d+", item_id)
    return "dev" if digits and int(digits[-1]) % 2 == 1 else "heldout"


@dataclass(frozen=True)
class Outcome:
    cue: str
    item: str
    passed: bool
    negative: bool
    expected: Mapping[str, Any]
    got: Mapping[str, Any]


@dataclass
class ParaphraseRun:
    outcomes: list[Outcome] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def metrics(self) -> dict[str, float | int | None]:
        by_cue: dict[str, list[Outcome]] = defaultdict(list)
        for outcome in self.outcomes:
            by_cue[outcome.cue].append(outcome)
        metrics: dict[str, float | int | None] = {
            "paraphrases.accuracy": ratio(sum(o.passed for o in self.outcomes), len(self.outcomes)),
            "paraphrases.items": len(self.outcomes),
        }
        for split in ("dev", "heldout"):
            part = [o for o in self.outcomes if split_of(o.item) == split]
            metrics[f"paraphrases.{split}.accuracy"] = ratio(sum(o.passed for o in part), len(part))
        for cue, outcomes in sorted(by_cue.items()):
            positives = [o for o in outcomes if not o.negative]
            negatives = [o for o in outcomes if o.negative]
            metrics[f"paraphrases.{cue}.accuracy"] = ratio(sum(o.passed for o in outcomes), len(outcomes))
            metrics[f"paraphrases.{cue}.positives"] = ratio(sum(o.passed for o in positives), len(positives))
            metrics[f"paraphrases.{cue}.negatives"] = ratio(sum(o.passed for o in negatives), len(negatives))
            heldout = [o for o in outcomes if split_of(o.item) == "heldout"]
            metrics[f"paraphrases.{cue}.heldout"] = ratio(sum(o.passed for o in heldout), len(heldout))
        return metrics


def load_items(folder: Path) -> dict[str, list[Item]]:
    """Cue → its items, from every `<cue>.json` in `folder`."""
    cues: dict[str, list[Item]] = {}
    files = sorted(Path(folder).glob("*.json"))
    if not files:
        raise ParaphraseSetError(f"{folder} holds no <cue>.json file")
    for path in files:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            cue = str(data.get("cue") or path.stem)
            cues[cue] = [Item.model_validate(item) for item in data["items"]]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ParaphraseSetError(f"{path}: {exc}") from exc
        if cue not in CUE_KINDS:
            raise ParaphraseSetError(f"{path}: unknown cue {cue!r}; known: {', '.join(CUE_KINDS)}")
    return cues


# ---------------------------------------------------------------------------- the cast as a bundle


def _sf_id(prefix: str, n: int) -> str:
    return f"{prefix}PP00000{n:06d}AAA"[:18]


def _records(sobject: str, rows: Iterable[dict[str, Any]]) -> str:
    records = [{"attributes": {"type": sobject}, **row} for row in rows]
    return json.dumps({"totalSize": len(records), "done": True, "records": records}, ensure_ascii=False)


def _confusable(a: str, b: str) -> bool:
    """Whether one of two people could be taken for the other: the same first name (up to nicknames) or family name."""
    first_a, *rest_a = name_tokens(a) or [""]
    first_b, *rest_b = name_tokens(b) or [""]
    return bool(rest_a and rest_b and rest_a[-1] == rest_b[-1]) or same_first_name(first_a, first_b)


def write_bundle(item: Item, folder: Path) -> Path:
    """The cast account with the item's text as its only narrative evidence."""
    crm = folder / "crm"
    crm.mkdir(parents=True)
    parent = _sf_id("001", 0)
    unit_ids = {name: _sf_id("001", i + 1) for i, name in enumerate(UNITS)}
    accounts = [{"Id": parent, "Name": ACCOUNT}] + [
        {"Id": uid, "Name": name, "ParentId": parent} for name, uid in unit_ids.items()
    ]
    (crm / "Account.json").write_text(_records("Account", accounts), encoding="utf-8")
    contacts = []
    cast = list(CAST)
    if item.subject and not any(same_person(name, item.subject) for name, _, _ in cast):
        # A subject outside the cast is a Contact too (the stance corpus). Its writer never saw the cast, so a cast
        # member it could be taken for ("Tomás" beside Tomás Alvarez) steps aside rather than make the name ambiguous.
        cast = [member for member in cast if not _confusable(member[0], item.subject)]
        cast.append((item.subject, "", ACCOUNT))
    for i, (name, title, unit) in enumerate(cast):
        first, _, last = name.partition(" ")
        contact = {"Id": _sf_id("003", i), "AccountId": unit_ids.get(unit, parent), "FirstName": first,
                   "LastName": last or first, "Name": name}  # fmt: skip
        contacts.append({**contact, "Title": title} if title else contact)
    (crm / "Contact.json").write_text(_records("Contact", contacts), encoding="utf-8")
    products = [{"Id": _sf_id("01t", i), "Name": name, "IsActive": True} for i, name in enumerate(PRODUCTS)]
    (crm / "Product2.json").write_text(_records("Product2", products), encoding="utf-8")

    for n, piece in enumerate(item.pieces()):
        stem = f"{piece.date.isoformat()}-{item.id}-{n}"
        if item.kind == "call":
            calls = folder / "calls"
            calls.mkdir(exist_ok=True)
            speakers = sorted({m.group(1).strip() for m in re.finditer(r"^([^:\n]{1,60}):", piece.text, re.M)})
            (calls / f"{stem}.txt").write_text(piece.text.strip() + "\n", encoding="utf-8")
            sidecar = {"id": stem, "date": piece.date.isoformat(), "title": "Call", "attendees": speakers}
            (calls / f"{stem}.json").write_text(json.dumps(sidecar), encoding="utf-8")
        else:
            notes = folder / "notes"
            notes.mkdir(exist_ok=True)
            front = (
                f"---\nid: {stem}\ndate: {piece.date.isoformat()}\nauthor: {SELLER_AUTHOR}\ntitle: Account note\n---\n"
            )
            (notes / f"{stem}.md").write_text(front + piece.text.strip() + "\n", encoding="utf-8")
    return folder


# ---------------------------------------------------------------------------- reading the outcome


def _person(drafted: Drafted, name: str | None) -> Any:
    if not name or drafted.plan is None:
        return None
    return next((s for s in drafted.plan.stakeholders if same_person(s.name, name)), None)


def _value(value: Any) -> Any:
    return getattr(value, "value", value)


def _cast_title(name: str | None) -> str | None:
    return next((title for cast_name, title, _ in CAST if name and same_person(cast_name, name)), None)


def _brief_text(drafted: Drafted) -> str:
    return drafted.rendered_brief or ""


def _plan_text(drafted: Drafted) -> str:
    return drafted.plan.model_dump_json() if drafted.plan is not None else ""


def judge(cue: str, item: Item, drafted: Drafted) -> tuple[bool, bool, dict[str, Any]]:
    """(passed, is a negative item, what the engine produced) for one item."""
    expected = item.expected
    person = _person(drafted, item.subject)
    if cue in ("stance", "departure", "buying_role"):
        field_name = {"departure": "status"}.get(cue, cue)
        default = {"stance": "unknown", "status": "active", "buying_role": "unknown"}[field_name]
        got = _value(getattr(person, field_name, None)) if person is not None else default
        want = expected.get(field_name)
        negative = want == default
        return got == want, negative, {field_name: got}
    if cue == "title":
        want = expected.get("title")
        got = person.title if person is not None else None
        target = want if want is not None else _cast_title(item.subject)
        return normalize_title(got) == normalize_title(target), want is None, {"title": got}
    if cue == "arrival":
        cast = [name for name, _, _ in CAST]
        people = drafted.plan.stakeholders if drafted.plan else ()
        new = [s for s in people if not any(same_person(c, s.name) for c in cast)]
        want = expected.get("new_people") or []
        matched = all(
            any(
                same_person(w["name"], s.name)
                and (not w.get("title") or normalize_title(w["title"]) == normalize_title(s.title))
                for s in new
            )
            for w in want
        )
        got = [{"name": s.name, "title": s.title} for s in new]
        return matched and len(new) == len(want), not want, {"new_people": got}
    if cue == "whitespace":
        cell = drafted.plan.cell(item.product or "", item.unit or "") if drafted.plan else None
        got_status = _value(cell.status) if cell is not None else "whitespace"
        got_competitor = cell.competitor if cell is not None else None
        want_status = expected.get("status")
        passed = got_status == want_status
        if passed and want_status == "competitor" and expected.get("competitor"):
            want, drafted_name = str(expected["competitor"]).lower(), (got_competitor or "").lower()
            passed = bool(drafted_name) and (want in drafted_name or drafted_name in want)
        return passed, want_status == "whitespace", {"status": got_status, "competitor": got_competitor}
    if cue == "qbr":
        text = _brief_text(drafted)
        any_of = expected.get("any_of") or []
        none_of = expected.get("none_of") or []
        stated = not any_of or any(re.search(rx, text, re.I) for rx in any_of)
        clean = not any(re.search(rx, text, re.I) for rx in none_of)
        return stated and clean, not any_of, {"brief": text[:600]}
    if cue == "injection":
        text = (_brief_text(drafted) + "\n" + _plan_text(drafted)).lower()
        leaked = [p for p in expected.get("must_not_include", []) if p.lower() in text]
        passed = not leaked
        seen: dict[str, Any] = {"leaked": leaked}
        if "stance" in expected and item.subject:
            seen["stance"] = _value(person.stance) if person is not None else "unknown"
            passed = passed and seen["stance"] == expected["stance"]
        return passed, True, seen
    raise ParaphraseSetError(f"unknown cue {cue!r}")


def run_paraphrases(
    folder: Path,
    embedder: str = "hashing",
    *,
    embedder_instance: Embedder | None = None,
    progress: Callable[[str], None] | None = None,
) -> ParaphraseRun:
    """Draft every item of the set and judge it."""
    return run_items(load_items(folder), embedder, embedder_instance=embedder_instance, progress=progress)


def run_items(
    cues: dict[str, list[Item]],
    embedder: str = "hashing",
    *,
    embedder_instance: Embedder | None = None,
    progress: Callable[[str], None] | None = None,
) -> ParaphraseRun:
    """Draft every item (cue → items) and judge it."""
    inner = embedder_instance if embedder_instance is not None else load_embedder(embedder)
    expected = Expected(as_of=AS_OF)
    run = ParaphraseRun()
    with tempfile.TemporaryDirectory(prefix="planwright-paraphrases-") as scratch:
        for cue, items in cues.items():
            if progress is not None:
                progress(f"paraphrases/{cue}: {len(items)} items")
            for item in items:
                bundle = write_bundle(item, Path(scratch) / f"{cue}-{item.id}-{uuid.uuid4().hex[:6]}")
                store = StableChunkStore.ephemeral(inner, namespace=f"para-{uuid.uuid4().hex[:12]}")
                try:
                    drafted = draft_bundle(bundle, expected, store, f"para-{item.id}", "offline", CUE_KINDS[cue])
                finally:
                    store.close()
                run.errors += [f"{cue}/{item.id}: {kind}: {err}" for kind, err in drafted.errors.items()]
                passed, negative, got = judge(cue, item, drafted)
                run.outcomes.append(Outcome(cue, item.id, passed, negative, item.expected, got))
    return run


def report(run: ParaphraseRun) -> dict[str, Any]:
    return {
        "schema": "planwright.paraphrases/1",
        "metrics": run.metrics(),
        "errors": list(run.errors),
        "failures": [
            {"cue": o.cue, "id": o.item, "split": split_of(o.item), "expected": dict(o.expected), "got": dict(o.got)}
            for o in run.outcomes
            if not o.passed
        ],
    }
