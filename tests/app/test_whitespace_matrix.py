"""A whitespace draft's matrix on its page: each proposed cell decidable in place (its radios labelled), its decided
state in the cell, a legend, product and unit dollar totals of the proposed state, and where each estimate came
from."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

from fastapi.testclient import TestClient

from app.ui.whitespace_review import estimate_basis
from plans.qbr_export import SALESFORCE_ID
from tests.app.support import DEMO_BUNDLES, Keys, ui_decide, ui_login, upload, wait_for_draft


def _whitespace_draft(client: TestClient, keys: Keys) -> dict[str, Any]:
    report = upload(client, keys.integration, DEMO_BUNDLES / "meridian-logistics")
    started = client.post(
        f"/v1/accounts/{report['account_id']}/drafts",
        json={"kind": "whitespace"},
        headers=Keys.header(keys.integration),
    )
    return wait_for_draft(client, keys.reviewer, started.json()["id"])


def _matrix(page: str) -> str:
    return page.split('id="matrix"')[1].split("</section>")[0]


def _cell(matrix: str, change_id: str) -> str:
    return matrix.split(f'data-cell="{change_id}"')[1].split("</td>")[0]


def test_the_matrix_decides_in_place_with_a_legend_totals_and_each_estimates_source(
    client: TestClient, keys: Keys
) -> None:
    draft = _whitespace_draft(client, keys)
    ui_login(client, keys.reviewer)

    matrix = _matrix(client.get(f"/ui/drafts/{draft['id']}").text)

    assert f"{len(draft['changes'])} proposed cells outlined, 0 decided" in matrix
    legend = matrix.split('aria-label="Matrix legend"')[1].split("</ul>")[0]
    for word in ("Whitespace", "Pipeline", "Competitor", "Owned", "Not applicable", "Accepted", "Rejected", "Chosen"):
        assert word in legend
    assert "Product totals" in matrix and "Unit totals" in matrix and "open $" in matrix
    for change in draft["changes"]:
        cell = _cell(matrix, change["id"])
        label = f"{change['after']['product']} × {change['after']['unit']}"
        assert f'name="cell_{change["id"]}" value="accept"' in cell
        assert f'<legend class="visually-hidden">Decision on {label}</legend>' in cell
        assert "proposed" in cell
    owned = next(c for c in draft["changes"] if c["after"]["status"] == "owned" and c["after"]["estimated_value"])
    assert "Estimate source" in _cell(matrix, owned["id"]) and "Price: " in _cell(matrix, owned["id"])
    guessed = next(c for c in draft["changes"] if "median" in c["rationale"] and c["after"]["estimated_value"])
    assert "<strong>Estimate:</strong> Estimated from the median of" in _cell(matrix, guessed["id"])
    assert SALESFORCE_ID.findall(unescape(re.sub(r"<[^>]+>", " ", matrix))) == []


def test_decided_cells_show_their_decision_and_a_rejected_cell_leaves_the_totals(
    client: TestClient, keys: Keys
) -> None:
    draft = _whitespace_draft(client, keys)
    token = ui_login(client, keys.reviewer)
    priced = [c for c in draft["changes"] if c["verified"] and c["after"]["estimated_value"]]
    kept = priced[0]
    refused = next(c for c in priced[1:] if c["after"]["status"] in ("whitespace", "pipeline", "competitor"))
    assert refused["before"] is None  # the account's first matrix: a rejected cell leaves nothing in its place
    before = _matrix(client.get(f"/ui/drafts/{draft['id']}").text)

    sent = ui_decide(client, token, draft, **{kept["id"]: "accept", refused["id"]: "reject"})
    assert sent.status_code == 200

    matrix = _matrix(client.get(f"/ui/drafts/{draft['id']}").text)
    assert "2 decided" in matrix
    assert "✓</span> accepted" in _cell(matrix, kept["id"]) and "state-accepted" in matrix
    assert "✗</span> rejected" in _cell(matrix, refused["id"])
    assert f'name="cell_{kept["id"]}"' not in matrix  # decided: nothing to choose in the cell
    total = re.compile(r"open to win \(whitespace, pipeline, competitor\) <strong>([^<]+)</strong>")
    assert total.findall(matrix) != total.findall(before)  # the rejected cell's estimate no longer counts


def test_an_estimates_basis_is_read_from_the_drafts_rationale() -> None:
    rationale = (
        "Kestrel SIEM × Meridian Freight: whitespace. No asset, no open opportunity, no competitor found; value "
        "estimated from the median of 2 existing Asset prices for this product in other units."
    )
    assert estimate_basis(rationale) == (
        "Estimated from the median of 2 existing Asset prices for this product in other units"
    )
    assert estimate_basis("Set to owned.") == ""


def test_another_tenant_cannot_open_the_matrix(client: TestClient, keys: Keys, other_keys: Keys) -> None:
    draft = _whitespace_draft(client, keys)
    ui_login(client, other_keys.reviewer)
    assert client.get(f"/ui/drafts/{draft['id']}").status_code == 404
