"""The QBR brief decided claim by claim in Chromium — keep, drop and reword single claims with the keyboard, a
mistake announced with nothing lost, the brief so made accepted — and the plan page's "Copy for the customer"
putting the customer-facing brief on the clipboard as rich text and plain text (and its fallback)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from plans.qbr_export import SALESFORCE_ID
from tests.app.browser_support import screenshot, serious_violations, sign_in
from tests.app.qbr_support import REWORDED, replacing_brief_draft
from tests.app.support import Keys
from tests.app.test_browser import CHROMIUM, LAUNCH_ARGS, live_server, pytestmark  # noqa: F401  (the server and the skip)

MITIGATION = "Walk Derek through the Edge pilot numbers with Hannah in the room."
EDITED = "Dock door downtime fell 22% in the Edge pilot at the Leipzig DC."
READ_CLIPBOARD = """async () => {
  const [item] = await navigator.clipboard.read();
  const html = item.types.includes('text/html') ? await (await item.getType('text/html')).text() : '';
  const text = item.types.includes('text/plain') ? await (await item.getType('text/plain')).text() : '';
  return {types: item.types, html, text};
}"""


def test_a_reviewer_keeps_drops_and_rewords_claims_then_copies_the_brief_for_the_customer(
    live_server: tuple[str, Any],  # noqa: F811  (the fixture imported above)
    tmp_path: Path,
) -> None:
    from fastapi.testclient import TestClient
    from playwright.sync_api import expect, sync_playwright

    base, app = live_server
    state = app.state.planwright
    keys = Keys(state, "acme-sales")
    api = TestClient(app)
    draft, _current = replacing_brief_draft(api, state, keys)
    after = draft["changes"][0]["after"]
    dropped = after["asks_and_next_steps"][0]["text"]

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        for width in (1280, 390):  # the brief's review passes axe-core, on a desktop and on a phone
            found = serious_violations(browser, base, keys.reviewer, f"{base}/ui/drafts/{draft['id']}", width)
            assert found == [], found
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
        page = context.new_page()
        blocked: list[str] = []
        page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
        sign_in(page, base, keys.reviewer)
        page.goto(f"{base}/ui/drafts/{draft['id']}")

        brief = page.locator("#qbr-review")
        expect(brief).to_contain_text("1 new, 1 changed")
        assert SALESFORCE_ID.findall(page.locator("main").inner_text()) == []  # no raw CRM Id anywhere on the page
        changed = page.locator("#claim-summary-0")
        expect(changed.locator("del").first).to_be_visible()
        expect(changed.locator("ins").first).to_be_visible()
        expect(changed).to_contain_text(f"Was: {REWORDED}")
        expect(changed.locator(".claim-cites a").first).to_be_visible()  # its evidence beside it
        expect(brief.locator("li.claim.internal").first).to_contain_text("Internal only")
        expect(brief.locator("details.unchanged").first).not_to_have_attribute("open", "")  # folded
        screenshot(brief, tmp_path, "review-qbr.png")

        # Keyboard only: drop a claim (arrow keys move within its radio group), reword another.
        folded = brief.locator("details.unchanged", has=page.locator("#claim-asks_and_next_steps-0"))
        folded.locator(":scope > summary").focus()
        page.keyboard.press("Enter")  # unfolds the section's unchanged claims
        ask = page.locator("#claim-asks_and_next_steps-0")
        ask.get_by_label("Keep", exact=True).focus()
        page.keyboard.press("ArrowRight")
        expect(ask.get_by_label("Drop", exact=True)).to_be_checked()
        expect(ask).to_have_class(re.compile(r"\bdropped\b"))
        expect(page.locator("#claims-announce")).to_contain_text("1 claim to drop; not saved yet.")
        changed.get_by_label("Keep current wording").check()
        value = page.locator("#claim-value_delivered-0")
        value.locator("summary").focus()
        page.keyboard.press("Enter")  # opens the edit
        text = value.get_by_label("Claim", exact=True)
        expect(text).to_be_visible()
        text.fill(EDITED)
        brief.locator("details.unchanged", has=page.locator("#claim-risks-0")).locator(":scope > summary").click()
        risk = page.locator("#claim-risks-0")
        risk.locator("summary").click()
        risk.get_by_label("Severity").select_option("medium")
        risk.get_by_label("Mitigation").fill(MITIGATION)
        second = page.locator("#claim-risks-1")
        second.locator("summary").click()
        second.get_by_label("Claim", exact=True).fill("")  # a mistake: a kept claim with no words
        page.get_by_role("button", name="Save claim choices").click()

        expect(page.get_by_role("alert")).to_contain_text("1 claim to fix")
        second = page.locator("#claim-risks-1")
        expect(second).to_contain_text("a kept claim needs its wording")
        expect(second.get_by_label("Claim", exact=True)).to_have_attribute("aria-invalid", "true")
        expect(page.locator("#claim-value_delivered-0").get_by_label("Claim", exact=True)).to_have_value(EDITED)
        expect(page.locator("#claim-asks_and_next_steps-0").get_by_label("Drop", exact=True)).to_be_checked()
        expect(page.locator("#claim-summary-0").get_by_label("Keep current wording")).to_be_checked()
        second.get_by_label("Drop", exact=True).check()  # then drop it instead
        page.get_by_role("button", name="Save claim choices").click()

        expect(page.locator("#claims-saved")).to_contain_text("Your claim choices are saved")
        expect(page.locator("#claims-summary")).to_contain_text("dropped 2")
        expect(page.locator(f"section[data-change='{draft['changes'][0]['id']}']")).to_contain_text("dropped 2")
        page.get_by_label("Comment on the brief (optional, kept with the decision)").fill("Trimmed for the CFO")
        page.get_by_role("button", name="Save and accept the brief").click()

        expect(page.locator("h1")).to_have_text("Meridian Logistics Group")
        plan_brief = page.locator(".card.brief")
        expect(plan_brief).to_contain_text(EDITED)
        expect(plan_brief).to_contain_text(REWORDED)
        expect(plan_brief).not_to_contain_text(dropped)
        expect(plan_brief).to_contain_text(MITIGATION)

        # Copy for the customer: rich text and plain text on the clipboard, announced.
        page.get_by_role("button", name="Copy for the customer").click()
        expect(page.locator("#copy-status")).to_contain_text("Copied the customer-facing brief")
        copied = page.evaluate(READ_CLIPBOARD)
        assert "text/html" in copied["types"] and "text/plain" in copied["types"]
        assert "<h3>Summary</h3>" in copied["html"] and EDITED in copied["html"]
        assert copied["text"].startswith("# Meridian Logistics Group — QBR brief")
        assert EDITED in copied["text"]
        for leaked in ("detractor", "Internal only"):  # internal-only claims stay out
            assert leaked not in copied["html"] and leaked not in copied["text"]
        assert blocked == []

        # Without ClipboardItem (older browsers): the fallback copies the rendered brief, and says so.
        old = browser.new_context(viewport={"width": 1280, "height": 900})
        old.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
        old.add_init_script("delete window.ClipboardItem;")
        fallback = old.new_page()
        sign_in(fallback, base, keys.reviewer)
        fallback.goto(f"{base}/ui/accounts/{draft['account_id']}/plan")
        fallback.get_by_role("button", name="Copy for the customer").click()
        expect(fallback.locator("#copy-status")).to_contain_text("Copied the customer-facing brief")
        assert EDITED in fallback.evaluate("navigator.clipboard.readText()")
        browser.close()

    audit = api.get("/v1/audit-log", headers=Keys.header(keys.admin)).json()["items"]
    decision = next(d for d in audit if d["draft_id"] == draft["id"])
    assert decision["action"] == "edit" and decision["comment"] == "Trimmed for the CFO"
    assert dropped not in str(decision["after"])
