"""A whitespace draft decided from its matrix in Chromium: a cell's accept/reject reached with the keyboard and kept
in step with its card, where its estimate came from opened in place, the decided state shown in the cell."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.app.browser_support import screenshot, serious_violations, sign_in
from tests.app.support import DEMO_BUNDLES, Keys, upload, wait_for_draft
from tests.app.test_browser import CHROMIUM, LAUNCH_ARGS, live_server, pytestmark  # noqa: F401  (the server and the skip)


def test_a_reviewer_decides_whitespace_cells_from_the_matrix(
    live_server: tuple[str, Any],  # noqa: F811  (the fixture imported above)
    tmp_path: Path,
) -> None:
    from fastapi.testclient import TestClient
    from playwright.sync_api import expect, sync_playwright

    base, app = live_server
    keys = Keys(app.state.planwright, "acme-sales")
    api = TestClient(app)
    report = upload(api, keys.integration, DEMO_BUNDLES / "meridian-logistics")
    started = api.post(
        f"/v1/accounts/{report['account_id']}/drafts",
        json={"kind": "whitespace"},
        headers=Keys.header(keys.integration),
    ).json()
    draft = wait_for_draft(api, keys.reviewer, started["id"])
    verified = [c for c in draft["changes"] if c["verified"]]
    first, second, third, fourth = verified[:4]

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        for width in (1280, 390):  # the matrix passes axe-core, on a desktop and on a phone
            found = serious_violations(browser, base, keys.reviewer, f"{base}/ui/drafts/{draft['id']}", width)
            assert found == [], found
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        blocked: list[str] = []
        page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
        sign_in(page, base, keys.reviewer)
        page.goto(f"{base}/ui/drafts/{draft['id']}")

        matrix = page.locator("#matrix")
        expect(matrix.get_by_label("Matrix legend")).to_contain_text("Rejected (the plan's cell stays)")
        expect(matrix.locator("tfoot")).to_contain_text("open $")
        screenshot(page, tmp_path, "review-whitespace.png", full_page=True, clip=_top(page))

        # The keyboard: Space accepts the focused cell; arrow keys move its choice to reject.
        cell = matrix.locator(f"td[data-cell='{first['id']}']")
        cell.get_by_role("radio", name="Accept").focus()
        page.keyboard.press("Space")
        card = page.locator(f"section[data-change='{first['id']}']")
        expect(card.locator("input[value=accept]")).to_be_checked()  # in step with its card
        expect(cell.locator("[data-state]")).to_contain_text("accept chosen, not applied yet")
        other = matrix.locator(f"td[data-cell='{second['id']}']")
        other.get_by_role("radio", name="Accept").focus()
        page.keyboard.press("Space")
        page.keyboard.press("ArrowRight")
        expect(page.locator(f"section[data-change='{second['id']}'] input[value=reject]")).to_be_checked()
        expect(other.locator("[data-state]")).to_contain_text("reject chosen")
        expect(page.locator("#announce")).to_contain_text(re.compile(r"Meridian.*: reject (chosen|saved)"))
        # And the other way: a choice on a card shows in its cell.
        page.locator(f"section[data-change='{third['id']}'] input[value=accept]").check()
        expect(matrix.locator(f"td[data-cell='{third['id']}'] input[value=accept]")).to_be_checked()
        # And the keyboard's a on a focused card shows in its cell too.
        page.locator(f"#change-{fourth['id']}").focus()
        page.keyboard.press("a")
        expect(matrix.locator(f"td[data-cell='{fourth['id']}'] [data-state]")).to_contain_text("accept chosen")
        expect(page.locator("#progress")).to_contain_text("4 chosen")

        # Where a cell's estimate came from, opened in place.
        priced = next(c for c in draft["changes"] if c["after"]["estimated_value"])
        source = matrix.locator(f"td[data-cell='{priced['id']}'] details.cell-source")
        source.locator("summary").click()
        expect(source.locator("a").first).to_be_visible()

        page.locator("#submit-decisions").click()
        page.goto(f"{base}/ui/drafts/{draft['id']}")
        expect(matrix).to_contain_text("4 decided")
        expect(matrix.locator(f"td[data-cell='{first['id']}'] [data-state]")).to_contain_text("accepted")
        expect(matrix.locator(f"td[data-cell='{second['id']}'] [data-state]")).to_contain_text("rejected")
        expect(matrix.locator(f"td[data-cell='{first['id']}'] input")).to_have_count(0)

        # The rest accepted, the plan page's heatmap: the README's picture of it.
        rest = verified[4:]
        current = api.get(f"/v1/drafts/{draft['id']}", headers=Keys.header(keys.reviewer)).json()
        api.post(
            f"/v1/drafts/{draft['id']}/decisions",
            json={
                "version": current["version"],
                "decisions": [{"change_id": c["id"], "action": "accept"} for c in rest],
            },
            headers=Keys.header(keys.reviewer),
        ).raise_for_status()
        page.goto(f"{base}/ui/accounts/{report['account_id']}/plan#whitespace")
        heatmap = page.locator("table.heatmap")
        expect(heatmap.locator("tfoot")).to_contain_text("open $")
        screenshot(
            page, tmp_path, "plan-heatmap.png", full_page=True, clip=_between(page, "#whitespace", "table.heatmap")
        )
        assert blocked == []
        browser.close()

    decided = api.get(f"/v1/drafts/{draft['id']}", headers=Keys.header(keys.reviewer)).json()
    by_id = {c["id"]: c["decision"] for c in decided["changes"]}
    assert [by_id[c["id"]] for c in (first, second, third, fourth)] == ["accept", "reject", "accept", "accept"]


def _top(page: Any) -> dict[str, float]:
    """The page from its top to the end of the matrix: the README's picture."""
    box = page.locator("#matrix").bounding_box()
    assert box is not None
    return {"x": 0, "y": 0, "width": 1280, "height": box["y"] + box["height"] + 16}


def _between(page: Any, first: str, last: str) -> dict[str, float]:
    """The full page's strip from the top of `first` to the bottom of `last`."""
    top, bottom = page.locator(first).bounding_box(), page.locator(last).bounding_box()
    assert top is not None and bottom is not None
    y = top["y"] + page.evaluate("window.scrollY") - 8
    return {"x": 0, "y": y, "width": 1280, "height": bottom["y"] - top["y"] + bottom["height"] + 24}
