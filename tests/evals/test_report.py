"""Reports: every metric in the JSON, tables in Markdown, and an HTML page that escapes what it shows."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from evals.report import render_html, report_data, write_reports
from evals.runner import run_eval

FIXTURE = Path(__file__).parent / "fixtures" / "tiny_bundle"


def test_reports_are_written_from_a_run(tmp_path: Path) -> None:
    run = run_eval(FIXTURE, embedder="hashing", cache_dir=None)
    paths = write_reports(run, tmp_path / "out")

    data = json.loads(paths["json"].read_text())
    assert data["engine"] == "offline" and data["embedder"] == "hashing"
    assert data["metrics"] == json.loads(json.dumps(run.metrics()))
    assert data["bundles"][0]["metrics"]["stakeholders.recall"] == 1.0
    assert "commit" in data["git"]
    # The fixture's gold disagrees with the drafted stance of Jennifer Wu: the failing example is there, with its
    # drafted change's citations.
    [mismatch] = [
        m
        for m in data["bundles"][0]["failures"]["stakeholders"]["mismatched_fields"]
        if m["field"] == "stance" and m["name"] == "Jennifer Wu"
    ]
    assert mismatch["gold"] == "supporter" and mismatch["change"]["citations"]
    markdown = paths["md"].read_text()
    assert "| Stakeholders F1 |" in markdown
    html = paths["html"].read_text()
    assert html.startswith("<!doctype html>") and "Jennifer Wu" in html and "<script" not in html


def test_html_escapes_evidence_and_gold_text(tmp_path: Path) -> None:
    bundle = tmp_path / "evil"
    shutil.copytree(FIXTURE, bundle)
    expected = json.loads((bundle / "expected.json").read_text())
    expected["stakeholders"][0]["stance"] = "<script>alert(1)</script>"
    (bundle / "expected.json").write_text(json.dumps(expected))

    data = report_data(run_eval(bundle, embedder="hashing", cache_dir=None, injections=False))
    html = render_html(data)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
