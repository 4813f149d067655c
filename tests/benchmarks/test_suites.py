"""The benchmark suites run end to end at toy sizes, so `make bench` cannot rot between runs, and
the targets read the figures the suites write."""

from __future__ import annotations

from pathlib import Path

from benchmarks import retrieval
from benchmarks.run_all import Target, targets


def test_the_retrieval_suite_measures_every_layout_and_ranks_exactly_on_a_small_store(tmp_path: Path) -> None:
    result = retrieval.run(n_chunks=600, n_accounts=6, n_queries=12, workdir=tmp_path)

    names = [row["name"] for row in result["rows"]]
    assert names[:2] == ["planwright hybrid (vector + BM25)", "planwright vector (own collection)"]
    assert any(name.startswith("peer:") for name in names)
    vector = result["rows"][1]
    assert vector["recall_at_20"] >= 0.99  # 100 chunks an account: HNSW is all but exact
    assert all(row["p50_ms"] > 0 for row in result["rows"])
    assert result["search_process_peak_rss_mib"] > 0
    assert "| planwright hybrid" in retrieval.render(result)


def test_targets_compare_each_figure_in_its_direction() -> None:
    figures = {
        "retrieval": {"chunks": 1000, "peer": "peer: x", "rows": [
            {"name": "planwright hybrid (vector + BM25)", "vs_peer_p50": 0.4, "p95_ms": 70.0},
            {"name": "planwright vector (own collection)", "recall_at_20": 0.995},
        ]},
        "draft_scale": [{"notes": 100, "stakeholder_map": 1.0, "whitespace": 1.0, "qbr_brief": 1.0},
                        {"notes": 1000, "stakeholder_map": 1.5, "whitespace": 2.5, "qbr_brief": 1.0}],
    }  # fmt: skip

    verdicts = {t.figure.split(",")[0].split(" draft")[0]: t.met for t in targets(figures)}

    assert verdicts == {
        "hybrid search p50 / peer: x p50": True,
        "hybrid search p95 ms": False,
        "vector recall@20 vs exact": True,
        "stakeholder_map": True,
        "whitespace": False,
        "qbr_brief": True,
    }
    assert Target("missing", None, 1.0).met is None
