"""The plan page in a real browser (Debian's Chromium driven by Playwright): the org chart and the heatmap are
drawn, the page fits a 390 px phone, and the QBR brief downloads as a PDF and a PowerPoint that open."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

from pptx import Presentation
from pypdf import PdfReader

from tests.app.support import DEMO_BUNDLES, Keys, upload, wait_for_draft
from tests.app.test_browser import CHROMIUM, LAUNCH_ARGS, live_server, pytestmark  # noqa: F401  (the fixture and the skip)

SCREENSHOTS = os.environ.get("PLANWRIGHT_SCREENSHOTS")  # CI keeps them as artifacts; the README's come from here


def _accept_every_kind(api: Any, keys: Keys, account_id: str) -> None:
    for kind in ("stakeholder_map", "whitespace", "qbr_brief"):
        started = api.post(
            f"/v1/accounts/{account_id}/drafts", json={"kind": kind}, headers=Keys.header(keys.integration)
        ).json()
        draft = wait_for_draft(api, keys.reviewer, started["id"])
        decisions = [{"change_id": c["id"], "action": "accept"} for c in draft["changes"] if c["verified"]]
        api.post(
            f"/v1/drafts/{draft['id']}/decisions",
            json={"version": draft["version"], "decisions": decisions},
            headers=Keys.header(keys.reviewer),
        ).raise_for_status()


def test_the_plan_page_shows_the_org_chart_and_heatmap_and_the_qbr_downloads_open(
    live_server: tuple[str, object], tmp_path: Path  # noqa: F811  (the fixture imported above)
) -> None:
    from fastapi.testclient import TestClient
    from playwright.sync_api import FloatRect, expect, sync_playwright

    base, app = live_server
    keys = Keys(app.state.planwright, "acme-sales")  # type: ignore[attr-defined]
    api = TestClient(app)  # type: ignore[arg-type]
    report = upload(api, keys.integration, DEMO_BUNDLES / "meridian-logistics")
    _accept_every_kind(api, keys, report["account_id"])
    plan = api.get(f"/v1/accounts/{report['account_id']}/plan", headers=Keys.header(keys.reviewer)).json()

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=LAUNCH_ARGS,
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
        blocked: list[str] = []
        page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
        page.goto(f"{base}/ui")
        page.click("text=sign in with an API key instead")
        page.fill("input[name=api_key]", keys.reviewer)
        page.click("text=Sign in with key")
        page.goto(f"{base}/ui/accounts/{report['account_id']}/plan")
        expect(page.locator("h1")).to_have_text(report["name"])

        chart = page.locator("svg.orgchart")
        expect(chart).to_be_visible()
        expect(chart.locator("g.person")).to_have_count(len(plan["stakeholders"]))
        departed = next(s for s in plan["stakeholders"] if s["status"] == "departed")
        expect(chart.locator("g.person.departed")).to_contain_text(departed["name"])
        expect(chart.locator("g.person.departed")).to_contain_text("DEPARTED")
        expect(page.get_by_label("Org chart legend")).to_contain_text("★ Champion")
        assert chart.bounding_box()["height"] > 300  # type: ignore[index]  # drawn, not an empty box
        page.screenshot(path=str(tmp_path / "plan.png"), full_page=True)
        if SCREENSHOTS:  # the top of the page: the org chart, for the README
            top = FloatRect(x=0, y=0, width=1280, height=1300)
            page.screenshot(path=str(Path(SCREENSHOTS) / "plan.png"), full_page=True, clip=top)

        heatmap = page.locator("table.heatmap")
        expect(heatmap).to_be_visible()
        expect(heatmap.locator("td.cell-owned").first).to_be_visible()
        expect(heatmap.locator("tfoot")).to_contain_text("open $")
        expect(page.get_by_label("Whitespace legend")).to_contain_text("Competitor")
        owned = heatmap.locator("td.cell-owned").first
        colour = owned.evaluate("e => getComputedStyle(e).backgroundColor")
        assert colour not in ("rgba(0, 0, 0, 0)", "rgb(255, 255, 255)")  # the stylesheet colours the cells
        owned.get_by_role("link", name="source").click()  # opens the figures' sources at that cell
        expect(page.locator("details.sources-of-figures")).to_have_attribute("open", "")

        # Clicking a person in the chart goes to their row, with the evidence behind them.
        chart.locator("g.person", has_text=departed["name"]).click()
        row = page.locator("table.people tr:target")
        expect(row).to_contain_text(departed["name"])
        row.get_by_text("Why", exact=True).click()
        expect(row).to_contain_text("Accepted by")

        with page.expect_download() as pdf_download:
            page.locator(".exports").first.get_by_role("link", name="PDF", exact=True).click()
        pdf_path = tmp_path / pdf_download.value.suggested_filename
        pdf_download.value.save_as(pdf_path)
        with page.expect_download() as pptx_download:
            page.locator(".exports").first.get_by_role("link", name="PowerPoint", exact=True).click()
        pptx_path = tmp_path / pptx_download.value.suggested_filename
        pptx_download.value.save_as(pptx_path)

        page.set_viewport_size({"width": 390, "height": 844})
        page.reload()
        expect(chart).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # the page never scrolls sideways
        box = page.locator(".chart-scroll")
        assert box.evaluate("e => e.scrollWidth > e.clientWidth")  # the chart scrolls inside its own box
        page.screenshot(path=str(tmp_path / "plan-390.png"), full_page=False)
        assert blocked == []
        browser.close()

    assert pdf_path.name == "meridian-logistics-group-qbr-brief-v4.pdf"
    pdf_text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(pdf_path).pages)
    assert f"{report['name']} — QBR brief" in pdf_text and "customer-facing" in pdf_text
    for heading in ("Summary", "Value delivered", "Risks", "Asks and next steps", "Sources"):
        assert heading in pdf_text
    assert "detractor" not in pdf_text.lower()  # a person's stance is internal
    deck = Presentation(io.BytesIO(pptx_path.read_bytes()))
    titles = [slide.shapes.title.text for slide in deck.slides]
    assert pptx_path.suffix == ".pptx" and titles[0] == f"{report['name']} — QBR brief" and "Risks" in titles


def test_axe_finds_no_serious_violation_on_the_plan_diff_and_audit_pages(
    live_server: tuple[str, object], tmp_path: Path  # noqa: F811  (the fixture imported above)
) -> None:
    from fastapi.testclient import TestClient
    from playwright.sync_api import expect, sync_playwright

    from tests.app.test_browser_review import check

    base, app = live_server
    keys = Keys(app.state.planwright, "acme-sales")  # type: ignore[attr-defined]
    api = TestClient(app)  # type: ignore[arg-type]
    report = upload(api, keys.integration, DEMO_BUNDLES / "meridian-logistics")
    _accept_every_kind(api, keys, report["account_id"])
    plan_url = f"{base}/ui/accounts/{report['account_id']}/plan"

    found: dict[str, list[dict[str, Any]]] = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        for width, height in ((1280, 900), (390, 844)):
            # axe is injected as an inline script, which the UI's Content-Security-Policy rightly refuses.
            context = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)
            page = context.new_page()
            page.goto(f"{base}/ui")
            page.click("text=sign in with an API key instead")
            page.fill("input[name=api_key]", keys.reviewer)
            page.click("text=Sign in with key")
            page.goto(plan_url)
            expect(page.locator("svg.orgchart")).to_be_visible()
            page.locator("table.people summary").first.click()  # a provenance opened, its quotes shown
            check(page, width, tmp_path, found, "plan")
            page.goto(f"{plan_url}/diff?from=1&to=4")
            check(page, width, tmp_path, found, "plan-diff")
            page.goto(f"{base}/ui/audit?limit=10")
            check(page, width, tmp_path, found, "audit")
            context.close()
        browser.close()
    assert {name: v for name, v in found.items() if v} == {}
