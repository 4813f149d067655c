"""The queue and detail throughput benchmark still runs: its --quick seeding and one short interleaved round."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks import api_throughput


def test_quick_seeding_and_one_round(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "figures.json"
    # --quick's 1,000 drafts; one round of 0.2 s per side and figure, after the check that both answer alike
    api_throughput.main(["--quick", "--rounds", "1", "--seconds", "0.2", "--json", str(out)])

    figures = json.loads(out.read_text(encoding="utf-8"))
    (run,) = figures["runs"]
    assert run["drafts"] == 1_000 and 10_000 < run["changes"] < 16_000
    assert [row["figure"] for row in figures["rows"]] == [
        "queue, first page (SQLite)",
        "queue, deep cursor page (SQLite)",
        "draft detail (SQLite)",
    ]
    for row in figures["rows"]:
        assert row["ours_rps"] > 0 and row["peer_rps"] > 0 and row["ratio"] > 0
        assert len(row["ours_rounds"]) == len(row["peer_rounds"]) == 1
    assert "| draft detail (SQLite) |" in capsys.readouterr().out
