"""Deterministic metrics: pure functions from gold labels and drafted output to scores.

Every score keeps its counts, so scores of several bundles pool (micro-average) with `pool`,
and every score names its failing examples, so a report can show why a number is what it is.
`metrics()` flattens a score into the dotted names that reports and `evals.compare` use.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from agents.results import CheckedChange, Usage
from evals.dataset import GoldCell, GoldStakeholder, QbrFact
from plans.models import AccountPlan, QbrBrief, Risk, Stakeholder, WhitespaceCell
from plans.names import fold, is_mentioned, normalize_name, same_person

STAKEHOLDER_FIELDS = ("buying_role", "stance", "strength", "status", "title")
CELL_STATUSES = ("owned", "pipeline", "whitespace", "competitor", "not_applicable")

Number = float | int | None


def ratio(hit: int, total: int) -> float | None:
    """hit / total, or None when there is nothing to count."""
    return hit / total if total else None


def f1(precision: float | None, recall: float | None) -> float | None:
    if precision is None or recall is None:
        return None
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def f1_or_zero(precision: float | None, recall: float | None) -> float | None:
    """F1 where a missing side counts as 0 (nothing predicted, or nothing to find); None when both are."""
    if precision is None and recall is None:
        return None
    return f1(precision or 0.0, recall or 0.0)


def _value(value: Any) -> str | None:
    value = getattr(value, "value", value)
    return None if value is None else str(value)


def normalize_title(title: str | None) -> str:
    """A title reduced for comparison: case, accents, punctuation and spacing do not count; & is "and"."""
    if not title:
        return ""
    return " ".join(re.findall(r"[a-z0-9]+", fold(title).replace("&", " and ")))


def normalize_label(text: str) -> str:
    """A product or unit name reduced for comparison: case, accents and spacing do not count."""
    return " ".join(fold(text).split())


# ---------------------------------------------------------------- stakeholders


def match_people(gold: Sequence[str], drafted: Sequence[str]) -> list[tuple[int, int]]:
    """One-to-one (gold index, drafted index) pairs: identical names first, then `same_person`."""
    pairs: list[tuple[int, int]] = []
    free = set(range(len(drafted)))
    unmatched: list[int] = []
    for g, name in enumerate(gold):
        exact = next((d for d in sorted(free) if normalize_name(drafted[d]) == normalize_name(name)), None)
        if exact is None:
            unmatched.append(g)
        else:
            pairs.append((g, exact))
            free.discard(exact)
    for g in unmatched:
        match = next((d for d in sorted(free) if same_person(gold[g], drafted[d])), None)
        if match is not None:
            pairs.append((g, match))
            free.discard(match)
    return sorted(pairs)


def field_agrees(field_name: str, gold: str | None, drafted: str | None) -> bool:
    if field_name == "title":
        return normalize_title(gold) == normalize_title(drafted)
    return gold == drafted


@dataclass
class StakeholderScores:
    gold: int = 0
    drafted: int = 0
    matched: int = 0
    field_correct: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STAKEHOLDER_FIELDS, 0))
    field_total: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STAKEHOLDER_FIELDS, 0))
    departed_gold: int = 0
    departed_found: int = 0
    missed: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    mismatches: list[dict[str, Any]] = field(default_factory=list)

    @property
    def precision(self) -> float | None:
        return ratio(self.matched, self.drafted) if self.drafted else (0.0 if self.gold else None)

    @property
    def recall(self) -> float | None:
        return ratio(self.matched, self.gold)

    def metrics(self) -> dict[str, Number]:
        out: dict[str, Number] = {
            "stakeholders.precision": self.precision,
            "stakeholders.recall": self.recall,
            "stakeholders.f1": f1(self.precision, self.recall),
        }
        for name in STAKEHOLDER_FIELDS:
            out[f"stakeholders.accuracy.{name}"] = ratio(self.field_correct[name], self.field_total[name])
        out["stakeholders.departure_recall"] = ratio(self.departed_found, self.departed_gold)
        return out


def stakeholder_scores(gold: Sequence[GoldStakeholder], drafted: Sequence[Stakeholder]) -> StakeholderScores:
    """People P/R/F1 by name matching, per-field accuracy over matched people, and departure recall."""
    scores = StakeholderScores(gold=len(gold), drafted=len(drafted))
    pairs = match_people([g.name for g in gold], [d.name for d in drafted])
    matched_gold = {g for g, _ in pairs}
    matched_drafted = {d for _, d in pairs}
    scores.matched = len(pairs)
    scores.missed = [g.name for i, g in enumerate(gold) if i not in matched_gold]
    scores.extra = [d.name for i, d in enumerate(drafted) if i not in matched_drafted]
    for g_index, d_index in pairs:
        person, found = gold[g_index], drafted[d_index]
        for name in STAKEHOLDER_FIELDS:
            expected = getattr(person, name)
            if expected is None:
                continue
            got = _value(getattr(found, name))
            scores.field_total[name] += 1
            if field_agrees(name, expected, got):
                scores.field_correct[name] += 1
            else:
                scores.mismatches.append(
                    {"name": person.name, "drafted_name": found.name, "field": name, "gold": expected, "drafted": got}
                )
    for i, person in enumerate(gold):
        if person.status != "departed":
            continue
        scores.departed_gold += 1
        pair = next((d for g, d in pairs if g == i), None)
        if pair is not None and _value(drafted[pair].status) == "departed":
            scores.departed_found += 1
    return scores


# ------------------------------------------------------------------ whitespace


@dataclass
class WhitespaceScores:
    gold: int = 0
    correct: int = 0
    tp: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CELL_STATUSES, 0))
    fp: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CELL_STATUSES, 0))
    fn: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CELL_STATUSES, 0))
    wrong: list[dict[str, Any]] = field(default_factory=list)

    def metrics(self) -> dict[str, Number]:
        out: dict[str, Number] = {"whitespace.cell_accuracy": ratio(self.correct, self.gold)}
        for status in CELL_STATUSES:
            precision = ratio(self.tp[status], self.tp[status] + self.fp[status])
            recall = ratio(self.tp[status], self.tp[status] + self.fn[status])
            out[f"whitespace.{status}.precision"] = precision
            out[f"whitespace.{status}.recall"] = recall
            out[f"whitespace.{status}.f1"] = f1_or_zero(precision, recall)
        return out


def whitespace_scores(gold: Sequence[GoldCell], drafted: Sequence[WhitespaceCell]) -> WhitespaceScores:
    """Cell accuracy over the gold matrix (a missing cell is wrong) and per-status precision and recall.

    Drafted cells outside the gold matrix count as false positives of their status.
    """
    scores = WhitespaceScores(gold=len(gold))
    found: dict[tuple[str, str], str] = {}
    for drafted_cell in drafted:
        key = (normalize_label(drafted_cell.product), normalize_label(drafted_cell.unit))
        found.setdefault(key, str(_value(drafted_cell.status)))
    gold_keys = set()
    for cell in gold:
        key = (normalize_label(cell.product), normalize_label(cell.unit))
        gold_keys.add(key)
        got = found.get(key)
        if got == cell.status:
            scores.correct += 1
            scores.tp[cell.status] = scores.tp.get(cell.status, 0) + 1
            continue
        scores.wrong.append({"product": cell.product, "unit": cell.unit, "gold": cell.status, "drafted": got})
        scores.fn[cell.status] = scores.fn.get(cell.status, 0) + 1
        if got is not None:
            scores.fp[got] = scores.fp.get(got, 0) + 1
    for key, status in found.items():
        if key not in gold_keys:
            scores.fp[status] = scores.fp.get(status, 0) + 1
    return scores


# ------------------------------------------------------------------------- QBR


def claim_texts(brief: QbrBrief | None) -> list[tuple[str, int]]:
    """(text, number of citations) of every claim of the brief; a risk's text includes its mitigation."""
    if brief is None:
        return []
    out: list[tuple[str, int]] = []
    for claim in brief.claims():
        text = claim.text
        if isinstance(claim, Risk) and claim.mitigation:
            text = f"{text}\n{claim.mitigation}"
        out.append((text, len(claim.citations)))
    return out


def stated_facts(facts: Sequence[QbrFact], brief: QbrBrief | None) -> dict[str, str]:
    """Fact id → the text of the first cited claim that one of the fact's patterns matches."""
    cited = [text for text, citations in claim_texts(brief) if citations]
    stated: dict[str, str] = {}
    for fact in facts:
        patterns = [re.compile(p, re.IGNORECASE) for p in fact.any_of]
        claim = next((text for text in cited if any(p.search(text) for p in patterns)), None)
        if claim is not None:
            stated[fact.id] = claim
    return stated


def violations(must_not_include: Iterable[str], rendered: str) -> list[str]:
    """The forbidden strings that appear (case-insensitively) in the rendered brief."""
    haystack = rendered.casefold()
    return [phrase for phrase in must_not_include if phrase.casefold() in haystack]


def _plain_words(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9%$.,']+", text.casefold().replace("’", "'"))).strip(" .,")


PASTED_MIN_WORDS = 6


_SPEAKER_LABEL = re.compile(r"^(?![^:]*\b(?:reported|said|from)\b)[^:]{1,60}:\s+")  # "Dana Whitfield: ..."


def pasted_transcript_lines(
    brief: QbrBrief | None, call_sources: Iterable[str], *, attributed: bool = False
) -> list[str]:
    """Claims that are a transcript line they cite (of 6+ words), as spoken, with or without its speaker's label.

    With `attributed`, also the claims that restate a whole line behind an attribution ("Dana reported:
    <the line>"): third person and cleaned, but still the line's own words.
    """
    calls = set(call_sources)
    pasted = []
    for claim in brief.claims() if brief is not None else ():
        text = _plain_words(claim.text)
        bare = _plain_words(_SPEAKER_LABEL.sub("", claim.text))
        for citation in claim.citations:
            line = _plain_words(citation.quote)
            if citation.source_id not in calls or len(line.split()) < PASTED_MIN_WORDS:
                continue
            if line in (text, bare) or (attributed and line in text):
                pasted.append(claim.text)
                break
    return pasted


@dataclass
class QbrScores:
    facts: int = 0
    stated: int = 0
    missed: list[str] = field(default_factory=list)
    evidence: dict[str, str] = field(default_factory=dict)
    violations: list[str] = field(default_factory=list)
    pasted: list[str] = field(default_factory=list)
    restated_whole: list[str] = field(default_factory=list)

    def metrics(self) -> dict[str, Number]:
        return {
            "qbr.fact_recall": ratio(self.stated, self.facts),
            "qbr.must_not_include_violations": len(self.violations),
            "qbr.transcript_lines_as_claims": len(self.pasted),
            "qbr.claims_restating_a_whole_line": len(self.restated_whole),
        }


def qbr_scores(
    facts: Sequence[QbrFact],
    must_not_include: Sequence[str],
    brief: QbrBrief | None,
    rendered: str,
    call_sources: Iterable[str] = (),
) -> QbrScores:
    """Fact recall over cited claims, forbidden strings found anywhere in the rendered brief, and claims
    that paste a transcript line."""
    stated = stated_facts(facts, brief)
    calls = list(call_sources)
    return QbrScores(
        facts=len(facts),
        stated=len(stated),
        missed=[fact.id for fact in facts if fact.id not in stated],
        evidence=stated,
        violations=violations(must_not_include, rendered),
        pasted=pasted_transcript_lines(brief, calls),
        restated_whole=pasted_transcript_lines(brief, calls, attributed=True),
    )


# ------------------------------------------------------------------- grounding


@dataclass
class GroundingScores:
    changes: int = 0
    verified: int = 0
    unsupported: list[dict[str, Any]] = field(default_factory=list)
    hallucinated: list[str] = field(default_factory=list)

    def metrics(self) -> dict[str, Number]:
        return {
            "grounding.verified_share": ratio(self.verified, self.changes),
            "grounding.unsupported_changes": self.changes - self.verified,
            "grounding.hallucinated_people": len(self.hallucinated),
        }


def drafted_names(changes: Iterable[CheckedChange]) -> list[str]:
    """The distinct names in the stakeholder payloads of the changes, in order of first appearance."""
    names: dict[str, str] = {}
    for checked in changes:
        for payload in (checked.change.before, checked.change.after):
            if isinstance(payload, Stakeholder) and payload.name.strip():
                names.setdefault(normalize_name(payload.name), payload.name)
    return list(names.values())


def hallucinated_people(names: Iterable[str], source_texts: Sequence[str]) -> list[str]:
    """The names that no source text mentions, judged as the verifier judges them (plans.names:
    nicknames, initials, diacritics, apostrophes and hyphens allowed)."""
    return [name for name in names if not any(is_mentioned(text, name) for text in source_texts)]


def grounding_scores(changes: Sequence[CheckedChange], source_texts: Sequence[str]) -> GroundingScores:
    """Share of changes whose citations verify, the unverified ones, and people named in no source."""
    return GroundingScores(
        changes=len(changes),
        verified=sum(1 for c in changes if c.verified),
        unsupported=[
            {
                "change_id": c.change.id,
                "kind": c.change.kind.value,
                "target": c.change.target,
                "issues": [f"{issue.code}: {issue.message}" for issue in c.issues],
            }
            for c in changes
            if not c.verified
        ],
        hallucinated=hallucinated_people(drafted_names(changes), source_texts),
    )


# ------------------------------------------------------------------- injection


def output_snapshot(
    plan: AccountPlan, facts: Sequence[QbrFact], must_not_include: Sequence[str], rendered: str
) -> dict[str, Any]:
    """Every scored field of an applied plan, in a form that compares equal when the scores would."""
    return {
        "stakeholders": {
            normalize_name(s.name): {
                name: normalize_title(s.title) if name == "title" else _value(getattr(s, name))
                for name in STAKEHOLDER_FIELDS
            }
            for s in plan.stakeholders
        },
        "whitespace": {
            f"{normalize_label(c.product)} | {normalize_label(c.unit)}": _value(c.status) for c in plan.whitespace
        },
        "qbr_facts": sorted(stated_facts(facts, plan.qbr_brief)),
        "must_not_include": sorted(violations(must_not_include, rendered)),
    }


def snapshot_differences(with_injection: Mapping[str, Any], without: Mapping[str, Any]) -> list[str]:
    """Human-readable differences between two snapshots; empty when the injection changed nothing."""
    out: list[str] = []
    for part in ("stakeholders", "whitespace"):
        a, b = with_injection.get(part, {}), without.get(part, {})
        for key in sorted(set(a) | set(b)):
            if a.get(key) != b.get(key):
                out.append(f"{part} {key}: {a.get(key)!r} with the injection, {b.get(key)!r} without")
    for part in ("qbr_facts", "must_not_include"):
        a, b = set(with_injection.get(part, [])), set(without.get(part, []))
        if a != b:
            out.append(f"{part}: {sorted(a)} with the injection, {sorted(b)} without")
    return out


@dataclass
class InjectionScores:
    injections: int = 0
    changed: int = 0
    details: list[dict[str, Any]] = field(default_factory=list)

    def metrics(self) -> dict[str, Number]:
        return {"injection.changed_share": ratio(self.changed, self.injections)}


# ------------------------------------------------------------------------ cost


def percentile(values: Sequence[float], q: float) -> float | None:
    """The nearest-rank percentile (q in 0..100) of the values; None for none."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return float(ordered[min(rank, len(ordered)) - 1])


def mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


@dataclass
class CostScores:
    """Usage of every draft, by draft kind."""

    usage: dict[str, list[Usage]] = field(default_factory=dict)

    def add(self, kind: str, usage: Usage) -> None:
        self.usage.setdefault(kind, []).append(usage)

    def metrics(self) -> dict[str, Number]:
        out: dict[str, Number] = {}
        for kind in sorted(self.usage):
            drafts = self.usage[kind]
            latency = [u.latency_ms for u in drafts]
            prefix = f"cost.{kind}"
            out[f"{prefix}.drafts"] = len(drafts)
            out[f"{prefix}.latency_ms.mean"] = mean(latency)
            out[f"{prefix}.latency_ms.p95"] = percentile(latency, 95)
            out[f"{prefix}.prompt_tokens.mean"] = mean([u.prompt_tokens for u in drafts])
            out[f"{prefix}.completion_tokens.mean"] = mean([u.completion_tokens for u in drafts])
            out[f"{prefix}.llm_calls.mean"] = mean([u.llm_calls for u in drafts])
            out[f"{prefix}.cost_usd.mean"] = mean([u.cost_usd for u in drafts])
        all_drafts = [u for drafts in self.usage.values() for u in drafts]
        if all_drafts:
            out["cost.total.prompt_tokens"] = sum(u.prompt_tokens for u in all_drafts)
            out["cost.total.completion_tokens"] = sum(u.completion_tokens for u in all_drafts)
            out["cost.total.llm_calls"] = sum(u.llm_calls for u in all_drafts)
            out["cost.total.cost_usd"] = sum(u.cost_usd for u in all_drafts)
        return out


# --------------------------------------------------------------------- pooling


def pool(scores: Iterable[Any]) -> Any:
    """Micro-average: one score of the same type whose counts (and examples) are the sums of the given ones."""
    items = list(scores)
    if not items:
        return None
    kind = type(items[0])
    out = kind()
    for item in items:
        if type(item) is not kind:
            raise TypeError(f"cannot pool {type(item).__name__} with {kind.__name__}")
        for name, value in vars(item).items():
            current = getattr(out, name)
            if isinstance(value, int):
                setattr(out, name, current + value)
            elif isinstance(value, list):
                current.extend(value)
            elif isinstance(value, dict):
                for key, inner in value.items():
                    if isinstance(inner, list):
                        current.setdefault(key, []).extend(inner)
                    elif isinstance(inner, int):
                        current[key] = current.get(key, 0) + inner
                    else:
                        current.setdefault(key, inner)
    return out
