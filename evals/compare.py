"""Comparing two eval reports metric by metric, and deciding whether the new one regressed.

Each metric has a direction (higher or lower is better) and an absolute tolerance. Shares and
rates may drop by 0.02 before they fail; counts of bad things (violations, unsupported
changes, hallucinated people) may not grow at all; cost and latency are informational. A
metric the base has and the new report lacks fails too, so a crash cannot pass as "no data".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum, StrEnum
from fnmatch import fnmatchcase
from typing import Any

DEFAULT_TOLERANCE = 0.02
ZERO_TOLERANCE_COUNTS = (
    "qbr.must_not_include_violations",
    "grounding.unsupported_changes",
    "grounding.hallucinated_people",
    "qbr.transcript_lines_as_claims",
    "qbr.claims_restating_a_whole_line",
)
LOWER_IS_BETTER = ("injection.changed_share", "stance_corpus.unknown_share", *ZERO_TOLERANCE_COUNTS)
INFORMATIONAL = ("cost.*", "*.drafts", "retrieval.queries")
_EPSILON = 1e-9


class Direction(Enum):
    higher = "higher"
    lower = "lower"
    info = "info"


class Status(StrEnum):
    ok = "ok"
    improved = "improved"
    regressed = "regressed"
    missing = "missing"
    added = "added"
    info = "info"


@dataclass(frozen=True)
class Rule:
    direction: Direction
    tolerance: float


def rule_for(metric: str, tolerances: Mapping[str, float] | None = None) -> Rule:
    """The metric's direction and tolerance; a tolerance given for the metric (or a glob of it) wins."""
    if any(fnmatchcase(metric, pattern) for pattern in INFORMATIONAL):
        direction = Direction.info
    elif metric in LOWER_IS_BETTER:
        direction = Direction.lower
    else:
        direction = Direction.higher
    tolerance = 0.0 if metric in ZERO_TOLERANCE_COUNTS else DEFAULT_TOLERANCE
    for pattern, value in (tolerances or {}).items():
        if pattern == metric or fnmatchcase(metric, pattern):
            tolerance = value
    return Rule(direction, tolerance)


@dataclass(frozen=True)
class MetricDelta:
    metric: str
    base: float | None
    new: float | None
    direction: Direction
    tolerance: float
    status: Status

    @property
    def delta(self) -> float | None:
        if self.base is None or self.new is None:
            return None
        return self.new - self.base


@dataclass
class Comparison:
    deltas: list[MetricDelta] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def regressions(self) -> list[MetricDelta]:
        return [d for d in self.deltas if d.status in (Status.regressed, Status.missing)]

    @property
    def passed(self) -> bool:
        return not self.regressions


def _metrics(report: Mapping[str, Any]) -> dict[str, Any]:
    metrics = report.get("metrics", report)
    if not isinstance(metrics, Mapping):
        raise ValueError("a report needs a `metrics` object")
    return dict(metrics)


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    raise ValueError(f"metric value {value!r} is not a number")


def judge(base: float | None, new: float | None, rule: Rule) -> Status:
    if rule.direction is Direction.info:
        return Status.info
    if base is None:
        return Status.added if new is not None else Status.ok
    if new is None:
        return Status.missing
    gain = new - base if rule.direction is Direction.higher else base - new
    if gain < -(rule.tolerance + _EPSILON):
        return Status.regressed
    if gain > _EPSILON:
        return Status.improved
    return Status.ok


def compare(
    base: Mapping[str, Any], new: Mapping[str, Any], tolerances: Mapping[str, float] | None = None
) -> Comparison:
    """Per-metric deltas of `new` against `base` (reports or flat metric dicts), judged by each metric's rule."""
    base_metrics, new_metrics = _metrics(base), _metrics(new)
    comparison = Comparison()
    for metric in [*base_metrics, *(m for m in new_metrics if m not in base_metrics)]:
        rule = rule_for(metric, tolerances)
        base_value = _number(base_metrics.get(metric))
        new_value = _number(new_metrics.get(metric))
        status = judge(base_value, new_value, rule)
        if metric in base_metrics and metric not in new_metrics and rule.direction is not Direction.info:
            status = Status.missing
        comparison.deltas.append(MetricDelta(metric, base_value, new_value, rule.direction, rule.tolerance, status))
    for key in ("dataset", "engine", "embedder"):
        if key in base and key in new and base[key] != new[key]:
            comparison.notes.append(f"{key} differs: base {base[key]!r}, new {new[key]!r}")
    base_bundles = sorted(str(b.get("name")) for b in base.get("bundles", []) if isinstance(b, Mapping))
    new_bundles = sorted(str(b.get("name")) for b in new.get("bundles", []) if isinstance(b, Mapping))
    if base_bundles and new_bundles and base_bundles != new_bundles:
        comparison.notes.append(
            f"bundles differ: only in base {sorted(set(base_bundles) - set(new_bundles))}, "
            f"only in new {sorted(set(new_bundles) - set(base_bundles))}"
        )
    return comparison


def parse_tolerances(items: list[str] | None) -> dict[str, float]:
    """`metric=value` strings (the metric may be a glob such as `whitespace.*`) as a mapping."""
    out: dict[str, float] = {}
    for item in items or []:
        metric, sep, value = item.partition("=")
        if not sep or not metric.strip():
            raise ValueError(f"tolerance {item!r} is not metric=value")
        try:
            out[metric.strip()] = abs(float(value))
        except ValueError as exc:
            raise ValueError(f"tolerance {item!r}: {value!r} is not a number") from exc
    return out
