"""A proposed QBR brief claim by claim: its diff against the current brief, a reviewer's per-claim choices, and
the brief those choices make. Pure, no I/O.

A claim is matched to the current brief's claim it rewords (same section; same wording, else the most similar
wording or the same evidence), so the review shows each claim as new, changed (old → new wording), unchanged or
removed instead of whole sections struck. The reviewer keeps or drops each one, edits its wording (and a risk's
severity and mitigation), or keeps the current wording; `build_brief` turns those choices into the brief that is
applied, and `choices_of` reads them back from a saved brief.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from enum import StrEnum

from plans.models import QBR_SECTION_NAMES, Claim, QbrBrief, Risk
from plans.vocabulary import Severity

# How alike two wordings must be (SequenceMatcher ratio over words) to be one claim reworded.
SIMILAR = 0.5


class Status(StrEnum):
    new = "new"
    changed = "changed"
    unchanged = "unchanged"
    removed = "removed"


class Keep(StrEnum):
    keep = "keep"  # the proposed claim (as the reviewer edited it); for a removed claim, the current one kept
    current = "current"  # a changed claim's current wording, not the proposed one
    drop = "drop"


@dataclass(frozen=True)
class ClaimDiff:
    """One claim of the review: the proposed claim and the current one it replaces, as far as each exists."""

    key: str  # 'risks-2' (position in the proposed section) or 'risks-old-1' (a removed claim's current position)
    section: str
    status: Status
    proposed: Claim | None
    current: Claim | None

    @property
    def claim(self) -> Claim:
        """The claim as the brief would hold it if the reviewer changes nothing."""
        claim = self.proposed or self.current
        assert claim is not None
        return claim

    @property
    def default(self) -> Keep:
        """What happens to the claim unless the reviewer says otherwise: what the draft proposes."""
        return Keep.drop if self.status is Status.removed else Keep.keep


@dataclass(frozen=True)
class Choice:
    """A reviewer's choice on one claim: keep it (with this wording), keep its current wording, or drop it."""

    keep: Keep
    text: str = ""
    severity: Severity | None = None
    mitigation: str = ""


def _words(text: str) -> list[str]:
    return re.findall(r"\w+|[^\w\s]", text.casefold())


def _norm(text: str) -> str:
    return " ".join(text.split())


def same_wording(a: Claim, b: Claim) -> bool:
    """The same claim in the same words (and, for risks, the same severity and mitigation); citations aside."""
    if _norm(a.text) != _norm(b.text):
        return False
    if isinstance(a, Risk) and isinstance(b, Risk):
        return a.severity == b.severity and _norm(a.mitigation) == _norm(b.mitigation)
    return True


def similarity(a: Claim, b: Claim) -> float:
    """How likely `b` rewords `a`: the likeness of their words, or the share of evidence they cite in common."""
    words = SequenceMatcher(None, _words(a.text), _words(b.text), autojunk=False).ratio()
    cited_a = {(c.source_id, c.quote) for c in a.citations}
    cited_b = {(c.source_id, c.quote) for c in b.citations}
    shared = len(cited_a & cited_b) / len(cited_a | cited_b) if cited_a and cited_b else 0.0
    return max(words, shared)


def _pair(current: Sequence[Claim], proposed: Sequence[Claim]) -> dict[int, int]:
    """proposed position → current position, for the claims one reworks of the other."""
    pairs: dict[int, int] = {}
    taken: set[int] = set()
    for i, claim in enumerate(proposed):  # the same text first: a claim that merely moved is unchanged
        j = next((j for j, old in enumerate(current) if j not in taken and _norm(old.text) == _norm(claim.text)), None)
        if j is not None:
            pairs[i] = j
            taken.add(j)
    scored = sorted(
        (
            (similarity(old, claim), i, j)
            for i, claim in enumerate(proposed)
            if i not in pairs
            for j, old in enumerate(current)
            if j not in taken
        ),
        key=lambda s: (-s[0], s[1], s[2]),
    )
    for score, i, j in scored:
        if score >= SIMILAR and i not in pairs and j not in taken:
            pairs[i] = j
            taken.add(j)
    return pairs


def diff_section(section: str, current: Sequence[Claim], proposed: Sequence[Claim]) -> list[ClaimDiff]:
    """The section's claims in the proposed order, each new, changed or unchanged; the removed ones last."""
    pairs = _pair(current, proposed)
    diffs = []
    for i, claim in enumerate(proposed):
        old = current[pairs[i]] if i in pairs else None
        status = Status.new if old is None else Status.unchanged if same_wording(old, claim) else Status.changed
        diffs.append(ClaimDiff(f"{section}-{i}", section, status, claim, old))
    kept = set(pairs.values())
    diffs += [
        ClaimDiff(f"{section}-old-{j}", section, Status.removed, None, old)
        for j, old in enumerate(current)
        if j not in kept
    ]
    return diffs


def diff_briefs(current: QbrBrief | None, proposed: QbrBrief) -> dict[str, list[ClaimDiff]]:
    """Section name → the claims of its review, for every section in QBR_SECTION_NAMES order."""
    return {
        name: diff_section(name, getattr(current, name) if current else (), getattr(proposed, name))
        for name in QBR_SECTION_NAMES
    }


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """(op, text) runs from the old wording to the new: op is 'same', 'removed' or 'added'."""
    a, b = old.split(), new.split()
    runs: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            runs.append(("same", " ".join(a[i1:i2])))
            continue
        if i2 > i1:
            runs.append(("removed", " ".join(a[i1:i2])))
        if j2 > j1:
            runs.append(("added", " ".join(b[j1:j2])))
    return runs


def _edited(base: Claim, choice: Choice) -> Claim:
    """The claim with the reviewer's wording (and severity and mitigation); its citations stay the claim's."""
    text = _norm(choice.text) or base.text
    if isinstance(base, Risk):
        return base.model_copy(
            update={"text": text, "severity": choice.severity or base.severity, "mitigation": _norm(choice.mitigation)}
        )
    return base.model_copy(update={"text": text})


def chosen_claim(diff: ClaimDiff, choice: Choice | None) -> Claim | None:
    """The claim the brief holds for this review entry under `choice` (the default when None); None if dropped."""
    keep = choice.keep if choice else diff.default
    if keep is Keep.drop:
        return None
    if keep is Keep.current and diff.current is not None:
        return diff.current
    if choice is None:
        return diff.claim
    return _edited(diff.proposed or diff.claim, choice)


def build_brief(proposed: QbrBrief, diffs: Mapping[str, list[ClaimDiff]], choices: Mapping[str, Choice]) -> QbrBrief:
    """The brief the reviewer's choices make: each section's kept claims in the review's order."""
    sections: dict[str, tuple[Claim, ...]] = {}
    for name, entries in diffs.items():
        kept = [chosen_claim(d, choices.get(d.key)) for d in entries]
        sections[name] = tuple(c for c in kept if c is not None)
    return proposed.model_copy(update=sections)


def _choice_of(diff: ClaimDiff, claim: Claim) -> Choice:
    if diff.current is not None and claim == diff.current and diff.proposed != diff.current:
        return Choice(Keep.current if diff.status is Status.changed else Keep.keep)
    severity = claim.severity if isinstance(claim, Risk) else None
    mitigation = claim.mitigation if isinstance(claim, Risk) else ""
    return Choice(Keep.keep, claim.text, severity, mitigation)


def choices_of(diffs: Mapping[str, list[ClaimDiff]], saved: QbrBrief) -> dict[str, Choice] | None:
    """The per-claim choices that make `saved` (a brief `build_brief` made); None when it is not one of them,
    as when the brief was edited through the API. A claim is told by its wording or, when reworded, by the
    evidence it cites, which an edit never changes."""
    found: dict[str, Choice] = {}
    for name, entries in diffs.items():
        start = 0
        for claim in getattr(saved, name):
            ahead = list(enumerate(entries))[start:]
            exact = [(i, d) for i, d in ahead if claim in (d.proposed, d.current)]
            cited = [(i, d) for i, d in ahead if d.claim.citations == claim.citations]
            if exact:
                at, diff = exact[0]
            elif cited:
                at, diff = max(cited, key=lambda e: (similarity(e[1].claim, claim), -e[0]))
            else:
                return None
            found[diff.key] = _choice_of(diff, claim)
            start = at + 1
        for diff in entries:
            found.setdefault(diff.key, Choice(Keep.drop))
    return found


@dataclass(frozen=True)
class ClaimEdits:
    """What a reviewer's choices did to a drafted brief, claim by claim, for the decision's record."""

    kept: int
    total: int
    dropped: list[str]  # the drafted wording of each claim dropped
    edited: list[tuple[str, str]]  # (drafted wording, the reviewer's)
    restored: list[str]  # claims the draft removed (or reworded) that keep their current wording

    def text(self) -> str:
        """'Kept 22 of 24 claims; dropped 2 (“…”, “…”); edited 1 (“…”).'; '' when nothing was changed."""
        if not (self.dropped or self.edited or self.restored):
            return ""
        parts = [f"kept {self.kept} of {self.total} proposed claims"]
        for label, items in (
            ("dropped", self.dropped),
            ("edited", [new for _, new in self.edited]),
            ("kept the current wording of", self.restored),
        ):
            if items:
                quoted = ", ".join(f"“{_short(t)}”" for t in items[:3])
                more = f" and {len(items) - 3} more" if len(items) > 3 else ""
                parts.append(f"{label} {len(items)} ({quoted}{more})")
        text = "; ".join(parts)
        return text[:1].upper() + text[1:] + "."


def _short(text: str, words: int = 8) -> str:
    split = text.split()
    return " ".join(split[:words]) + ("…" if len(split) > words else "")


def claim_edits(current: QbrBrief | None, drafted: QbrBrief, decided: QbrBrief) -> ClaimEdits | None:
    """How `decided` differs from `drafted` claim by claim; None when it is not a per-claim choice of it."""
    diffs = diff_briefs(current, drafted)
    choices = choices_of(diffs, decided)
    if choices is None:
        return None
    dropped, edited, restored = [], [], []
    kept = 0
    for entries in diffs.values():
        for diff in entries:
            choice = choices[diff.key]
            claim = chosen_claim(diff, choice)
            if diff.proposed is None:
                if claim is not None:
                    restored.append(claim.text)
                continue
            if claim is None:
                dropped.append(diff.proposed.text)
                continue
            kept += 1
            if choice.keep is Keep.current:
                restored.append(claim.text)
            elif claim != diff.proposed:
                edited.append((diff.proposed.text, claim.text))
    return ClaimEdits(kept, len(drafted.claims()), dropped, edited, restored)
