"""Eval reports: report.json (every metric, machine-readable), report.md (tables) and report.html.

The Markdown and HTML views are rendered from the JSON data alone, so a stored report.json
(a baseline, a CI artifact) can be re-rendered later.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from html import escape
from pathlib import Path
from typing import Any

from agents.results import CheckedChange
from evals.runner import BundleRun, Drafted, EvalRun
from plans.models import Stakeholder, WhitespaceCell
from plans.names import same_person

REPORT_SCHEMA = 1

HEADLINE: tuple[tuple[str, str], ...] = (
    ("stakeholders.f1", "Stakeholders F1"),
    ("stakeholders.precision", "Stakeholders precision"),
    ("stakeholders.recall", "Stakeholders recall"),
    ("stakeholders.accuracy.buying_role", "Buying role accuracy"),
    ("stakeholders.accuracy.stance", "Stance accuracy"),
    ("stakeholders.accuracy.strength", "Strength accuracy"),
    ("stakeholders.accuracy.status", "Status accuracy"),
    ("stakeholders.accuracy.title", "Title accuracy"),
    ("stakeholders.departure_recall", "Departure recall"),
    ("whitespace.cell_accuracy", "Whitespace cell accuracy"),
    ("qbr.fact_recall", "QBR fact recall"),
    ("qbr.must_not_include_violations", "QBR must-not-include violations"),
    ("qbr.transcript_lines_as_claims", "QBR claims that paste a transcript line"),
    ("qbr.claims_restating_a_whole_line", "QBR claims restating a whole line"),
    ("grounding.verified_share", "Verified share of changes"),
    ("grounding.unsupported_changes", "Unsupported changes"),
    ("grounding.hallucinated_people", "Hallucinated people"),
    ("injection.changed_share", "Injections that changed the output"),
    ("retrieval.recall@5", "Retrieval recall@5"),
    ("retrieval.recall@10", "Retrieval recall@10"),
    ("retrieval.mrr", "Retrieval MRR"),
    ("retrieval.ndcg@10", "Retrieval nDCG@10"),
)


# ------------------------------------------------------------------------ data


def _citations(checked: CheckedChange) -> list[dict[str, str]]:
    return [{"source_id": c.source_id, "quote": c.quote, "locator": c.locator} for c in checked.change.citations]


def _change_evidence(checked: CheckedChange | None) -> dict[str, Any] | None:
    if checked is None:
        return None
    return {
        "change_id": checked.change.id,
        "kind": checked.change.kind.value,
        "rationale": checked.change.rationale,
        "confidence": checked.change.confidence,
        "verified": checked.verified,
        "citations": _citations(checked),
    }


def _person_change(drafted: Drafted, name: str) -> CheckedChange | None:
    """The last verified change whose payload is this person (the one that set the plan's value)."""
    found = None
    for checked in drafted.changes:
        after = checked.change.after
        if checked.verified and isinstance(after, Stakeholder) and same_person(after.name, name):
            found = checked
    return found


def _cell_change(drafted: Drafted, product: str, unit: str) -> CheckedChange | None:
    found = None
    for checked in drafted.changes:
        after = checked.change.after
        if (
            checked.verified
            and isinstance(after, WhitespaceCell)
            and after.product.casefold() == product.casefold()
            and after.unit.casefold() == unit.casefold()
        ):
            found = checked
    return found


def bundle_failures(run: BundleRun) -> dict[str, Any]:
    """The bundle's failing examples with the evidence behind each drafted value."""
    drafted = run.drafted
    out: dict[str, Any] = {}
    if drafted is not None and drafted.errors:
        out["draft_errors"] = dict(drafted.errors)
    if run.stakeholders is not None:
        mismatches = []
        for row in run.stakeholders.mismatches:
            evidence = _change_evidence(_person_change(drafted, row["drafted_name"])) if drafted else None
            mismatches.append({**row, "change": evidence})
        out["stakeholders"] = {
            "mismatched_fields": mismatches,
            "missed_people": list(run.stakeholders.missed),
            "extra_people": list(run.stakeholders.extra),
        }
    if run.whitespace is not None:
        out["whitespace"] = {
            "wrong_cells": [
                {
                    **row,
                    "change": _change_evidence(_cell_change(drafted, row["product"], row["unit"])) if drafted else None,
                }
                for row in run.whitespace.wrong
            ]
        }
    if run.qbr is not None:
        patterns = {fact.id: fact.any_of for fact in run.expected.qbr.facts}
        out["qbr"] = {
            "missed_facts": [{"id": fact, "any_of": patterns.get(fact, [])} for fact in run.qbr.missed],
            "violations": list(run.qbr.violations),
            "pasted_lines": list(run.qbr.pasted),
            "restated_whole_lines": list(run.qbr.restated_whole),
            "stated_facts": dict(run.qbr.evidence),
        }
    if run.grounding is not None:
        out["grounding"] = {
            "unsupported_changes": list(run.grounding.unsupported),
            "hallucinated_people": list(run.grounding.hallucinated),
        }
    if run.injection is not None:
        out["injections"] = list(run.injection.details)
    if run.retrieval is not None:
        out["retrieval"] = [
            {**query, "ranked": query["ranked"][:10]}
            for query in run.retrieval.queries
            if query["metrics"]["recall@10"] < 1.0
        ]
    return out


def _relative(folder: Path, dataset: Path) -> str:
    try:
        return folder.relative_to(dataset).as_posix() or "."
    except ValueError:
        return str(folder)


def report_data(run: EvalRun) -> dict[str, Any]:
    """Everything about the run as plain JSON data: settings, timings, metrics overall and per bundle."""
    bundles = []
    for bundle in run.bundles:
        plan = bundle.drafted.plan if bundle.drafted is not None else None
        bundles.append(
            {
                "name": bundle.name,
                "folder": _relative(bundle.folder, run.dataset),
                "metrics": bundle.metrics(),
                "seconds": {key: round(value, 3) for key, value in bundle.seconds.items()},
                "skipped_kinds": list(bundle.skipped),
                "notes": list(bundle.notes),
                "usage": {kind: [usage.model_dump() for usage in usages] for kind, usages in bundle.cost.usage.items()},
                "failures": bundle_failures(bundle),
                "plan": plan.model_dump(mode="json") if plan is not None else None,
                "rendered_brief": bundle.drafted.rendered_brief if bundle.drafted is not None else "",
            }
        )
    return {
        "schema": REPORT_SCHEMA,
        "dataset": str(run.dataset),
        "engine": run.engine,
        "embedder": run.embedder,
        "model": run.model,
        "kinds": list(run.kinds),
        "git": dict(run.git),
        "started_at": run.started_at.isoformat(),
        "seconds": round(run.seconds, 3),
        "cache": dict(run.cache),
        "notes": list(run.notes),
        "metrics": run.metrics(),
        "bundles": bundles,
    }


# -------------------------------------------------------------------- rendering


def format_metric(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def headline_rows(report: Mapping[str, Any]) -> list[tuple[str, str, list[str]]]:
    """(metric, label, [overall, bundle 1, bundle 2, ...]) for the headline metrics the report has."""
    rows = []
    bundles = report.get("bundles", [])
    for key, label in HEADLINE:
        if key not in report["metrics"] and not any(key in b["metrics"] for b in bundles):
            continue
        values = [format_metric(report["metrics"].get(key))]
        values += [format_metric(b["metrics"].get(key)) for b in bundles]
        rows.append((key, label, values))
    return rows


def _md_cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _md_table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    lines = ["| " + " | ".join(_md_cell(h) for h in header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
    return lines


def _summary_line(report: Mapping[str, Any]) -> str:
    git = report.get("git") or {}
    commit = git.get("commit", "unknown")[:12] + (" (dirty)" if git.get("dirty") else "")
    model = f", model {report['model']}" if report.get("model") else ""
    return (
        f"engine {report['engine']}{model}, embedder {report['embedder']}, dataset {report['dataset']} "
        f"({len(report['bundles'])} bundles), commit {commit}, {report['seconds']:.1f} s"
    )


def render_markdown(report: Mapping[str, Any]) -> str:
    bundles = report.get("bundles", [])
    lines = ["# Eval report", "", _summary_line(report), ""]
    lines += _md_table(
        ["metric", "overall", *[b["name"] for b in bundles]],
        [[label, *values] for _, label, values in headline_rows(report)],
    )
    if report.get("notes"):
        lines += ["", "## Notes", ""] + [f"- {_md_cell(n)}" for n in report["notes"]]
    lines += ["", "## All metrics", ""]
    lines += _md_table(["metric", "overall"], [[k, format_metric(v)] for k, v in report["metrics"].items()])
    for bundle in bundles:
        lines += ["", f"## {bundle['name']}", ""]
        lines += [f"- {_md_cell(n)}" for n in bundle.get("notes", [])]
        failures = bundle.get("failures", {})
        rows = [
            [m["name"], m["field"], m["gold"], m["drafted"]]
            for m in failures.get("stakeholders", {}).get("mismatched_fields", [])
        ]
        if rows:
            lines += ["", "Mismatched stakeholder fields:", ""] + _md_table(
                ["person", "field", "gold", "drafted"], rows
            )
        missed = failures.get("stakeholders", {}).get("missed_people", [])
        extra = failures.get("stakeholders", {}).get("extra_people", [])
        if missed or extra:
            lines += ["", f"Missed people: {', '.join(missed) or 'none'}; extra people: {', '.join(extra) or 'none'}"]
        cells = [
            [c["product"], c["unit"], c["gold"], c["drafted"]]
            for c in failures.get("whitespace", {}).get("wrong_cells", [])
        ]
        if cells:
            lines += ["", "Wrong whitespace cells:", ""] + _md_table(["product", "unit", "gold", "drafted"], cells)
        qbr = failures.get("qbr", {})
        if qbr.get("missed_facts"):
            lines += ["", "Missed QBR facts: " + ", ".join(f["id"] for f in qbr["missed_facts"])]
        if qbr.get("violations"):
            lines += ["", "Must-not-include violations: " + ", ".join(qbr["violations"])]
        if qbr.get("pasted_lines"):
            lines += ["", "QBR claims that paste a transcript line:", ""] + [f"- {t}" for t in qbr["pasted_lines"]]
        for injection in failures.get("injections", []):
            if injection["changed"]:
                lines += [
                    "",
                    f"Injection in {injection['file']} changed the output: " + "; ".join(injection["differences"]),
                ]
    return "\n".join(lines) + "\n"


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem;color:#1d2330;max-width:80rem}
table{border-collapse:collapse;margin:.5rem 0 1rem}
th,td{border:1px solid #d5d9e0;padding:.25rem .5rem;text-align:left;vertical-align:top;font-size:.9rem}
th{background:#f1f3f6} td.num{text-align:right;font-variant-numeric:tabular-nums}
.bad{background:#fde8e8} .good{background:#e8f6ec} details{margin:.5rem 0 1rem}
summary{cursor:pointer;font-weight:600} blockquote{margin:.2rem 0;padding-left:.6rem;border-left:3px solid #c5cad3;
color:#444} code{font-size:.85rem} .muted{color:#667}
"""


def _e(value: Any) -> str:
    return escape(format_metric(value) if not isinstance(value, str) else value, quote=True)


def _html_table(header: Sequence[str], rows: Sequence[Sequence[Any]], numeric_from: int = 99) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = []
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            if isinstance(cell, _Raw):
                cells.append(f"<td>{cell.html}</td>")
            else:
                cls = ' class="num"' if i >= numeric_from else ""
                cells.append(f"<td{cls}>{_e(cell)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


class _Raw:
    """Already-escaped HTML for a table cell."""

    def __init__(self, html: str) -> None:
        self.html = html


def _evidence_html(change: Mapping[str, Any] | None) -> _Raw:
    if not change:
        return _Raw('<span class="muted">no verified change drafted</span>')
    parts = [f"<div><code>{_e(change['change_id'])}</code> {_e(change.get('rationale', ''))}</div>"]
    for citation in change.get("citations", []):
        where = " — ".join(x for x in (citation.get("locator", ""), citation["source_id"]) if x)
        parts.append(f'<blockquote>“{_e(citation["quote"])}”<br><span class="muted">{_e(where)}</span></blockquote>')
    return _Raw("".join(parts))


def _bundle_html(bundle: Mapping[str, Any]) -> str:
    failures = bundle.get("failures", {})
    out = [f"<details open><summary>{_e(bundle['name'])}</summary>"]
    if bundle.get("notes"):
        out.append("<ul>" + "".join(f"<li>{_e(n)}</li>" for n in bundle["notes"]) + "</ul>")
    for kind, error in failures.get("draft_errors", {}).items():
        out.append(f'<p class="bad">{_e(kind)} failed: {_e(error)}</p>')
    people = failures.get("stakeholders", {})
    if people.get("mismatched_fields"):
        out.append("<h4>Mismatched stakeholder fields</h4>")
        out.append(
            _html_table(
                ["person", "field", "gold", "drafted", "drafted change and its evidence"],
                [
                    [m["name"], m["field"], m["gold"], m["drafted"], _evidence_html(m.get("change"))]
                    for m in people["mismatched_fields"]
                ],
            )
        )
    if people.get("missed_people") or people.get("extra_people"):
        out.append(
            f"<p>Missed people: {_e(', '.join(people.get('missed_people', [])) or 'none')}. "
            f"Extra people: {_e(', '.join(people.get('extra_people', [])) or 'none')}.</p>"
        )
    cells = failures.get("whitespace", {}).get("wrong_cells", [])
    if cells:
        out.append("<h4>Wrong whitespace cells</h4>")
        out.append(
            _html_table(
                ["product", "unit", "gold", "drafted", "drafted change and its evidence"],
                [
                    [c["product"], c["unit"], c["gold"], c["drafted"] or "missing", _evidence_html(c.get("change"))]
                    for c in cells
                ],
            )
        )
    qbr = failures.get("qbr", {})
    if qbr.get("missed_facts"):
        out.append("<h4>Missed QBR facts</h4>")
        out.append(
            _html_table(
                ["fact", "patterns (any of)"], [[f["id"], " · ".join(f["any_of"])] for f in qbr["missed_facts"]]
            )
        )
    if qbr.get("violations"):
        out.append(
            '<h4 class="bad">Must-not-include violations</h4><ul>'
            + "".join(f"<li>{_e(v)}</li>" for v in qbr["violations"])
            + "</ul>"
        )
    grounding = failures.get("grounding", {})
    if grounding.get("unsupported_changes"):
        out.append("<h4>Unsupported changes</h4>")
        out.append(
            _html_table(
                ["change", "kind", "target", "issues"],
                [
                    [u["change_id"], u["kind"], u["target"], "; ".join(u["issues"])]
                    for u in grounding["unsupported_changes"]
                ],
            )
        )
    if grounding.get("hallucinated_people"):
        out.append("<h4>People named in no source</h4><p>" + _e(", ".join(grounding["hallucinated_people"])) + "</p>")
    injections = failures.get("injections", [])
    if injections:
        out.append("<h4>Injections</h4>")
        out.append(
            _html_table(
                ["file", "planted text", "changed the output", "differences"],
                [
                    [i["file"], i["text"], "yes" if i["changed"] else "no", "; ".join(i["differences"]) or "—"]
                    for i in injections
                ],
            )
        )
    queries = failures.get("retrieval", [])
    if queries:
        out.append("<h4>Retrieval queries with relevant sources outside the top 10</h4>")
        out.append(
            _html_table(
                ["query", "relevant", "top 10 sources", "recall@10"],
                [
                    [q["query"], ", ".join(q["relevant"]), ", ".join(q["ranked"]), q["metrics"]["recall@10"]]
                    for q in queries
                ],
                numeric_from=3,
            )
        )
    if bundle.get("rendered_brief"):
        out.append(
            "<details><summary>Drafted QBR brief</summary><pre>" + escape(bundle["rendered_brief"]) + "</pre></details>"
        )
    out.append("</details>")
    return "".join(out)


def render_html(report: Mapping[str, Any]) -> str:
    """One self-contained page: headline table, all metrics, and each bundle's failing examples."""
    bundles = report.get("bundles", [])
    headline = _html_table(
        ["metric", "overall", *[b["name"] for b in bundles]],
        [[label, *values] for _, label, values in headline_rows(report)],
        numeric_from=1,
    )
    every = _html_table(["metric", "overall"], [[k, v] for k, v in report["metrics"].items()], numeric_from=1)
    notes = "".join(f"<li>{_e(n)}</li>" for n in report.get("notes", []))
    parts = [
        '<!doctype html><html lang="en"><head><meta charset="utf-8">',
        f"<title>Eval report — {_e(report['engine'])}</title><style>{_CSS}</style></head><body>",
        "<h1>Eval report</h1>",
        f"<p>{_e(_summary_line(report))}</p>",
        f"<ul>{notes}</ul>" if notes else "",
        "<h2>Headline</h2>",
        headline,
        "<h2>Bundles and failing examples</h2>",
        "".join(_bundle_html(b) for b in bundles),
        "<details><summary>All metrics</summary>",
        every,
        "</details>",
        "</body></html>",
    ]
    return "".join(parts) + "\n"


def write_reports(run: EvalRun | Mapping[str, Any], out_dir: Path) -> dict[str, Path]:
    """Write report.json, report.md and report.html into `out_dir`; their paths by format."""
    data = report_data(run) if isinstance(run, EvalRun) else dict(run)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"json": out_dir / "report.json", "md": out_dir / "report.md", "html": out_dir / "report.html"}
    paths["json"].write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    paths["md"].write_text(render_markdown(data), encoding="utf-8")
    paths["html"].write_text(render_html(data), encoding="utf-8")
    return paths
