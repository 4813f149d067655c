"""The triage-first review in Chromium: a keyboard-only pass through a 20-change draft, and axe-core finding no
serious or critical accessibility violation on the sign-in, queue and draft pages, at desktop width and 390 px."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from app.db import transaction
from app.drafts.models import DraftChangeRow
from tests.app.support import DEMO_BUNDLES, Keys, upload, wait_for_draft
from tests.app.test_browser import CHROMIUM, LAUNCH_ARGS, CountedKeys, live_server, pytestmark  # noqa: F401  (the server and the skip)

AXE = Path(__file__).parent / "vendor" / "axe.min.js"  # axe-core 4.14.1, MPL-2.0 (vendor/README.md)
PASSWORD = "correct horse battery staple"


def _shot(page: Any, tmp_path: Path, name: str) -> None:
    """A screenshot in the test's tmp dir, and in $PLANWRIGHT_SCREENSHOTS too when set (the README's)."""
    page.screenshot(path=str(tmp_path / name))
    if folder := os.environ.get("PLANWRIGHT_SCREENSHOTS"):
        Path(folder).mkdir(parents=True, exist_ok=True)
        shutil.copy(tmp_path / name, Path(folder) / name)


def _reviewer(app: Any, email: str) -> Keys:
    from app.auth.users import create_user

    state = app.state.planwright
    keys = Keys(state, "acme-sales")
    with transaction(state.sessions) as session:
        create_user(session, "acme-sales", email, PASSWORD, name="Kim Keyboard")
    return keys


def _draft(api: Any, keys: Keys, bundle: str, kind: str) -> dict[str, Any]:
    report = upload(api, keys.integration, DEMO_BUNDLES / bundle)
    started = api.post(
        f"/v1/accounts/{report['account_id']}/drafts", json={"kind": kind}, headers=Keys.header(keys.integration)
    ).json()
    return wait_for_draft(api, keys.reviewer, started["id"])


def test_a_reviewer_decides_a_20_change_draft_with_the_keyboard_alone(
    live_server: tuple[str, Any],  # noqa: F811  (the fixture imported above)
    tmp_path: Path,
) -> None:
    from fastapi.testclient import TestClient
    from playwright.sync_api import expect, sync_playwright

    base, app = live_server
    keys = _reviewer(app, "kim@acme.example")
    api = TestClient(app)
    draft = _draft(api, keys, "meridian-logistics", "whitespace")
    # Trimmed to exactly 20 changes (the demo account drafts 21 cells).
    with transaction(app.state.planwright.sessions) as session:
        for extra in draft["changes"][20:]:
            session.delete(session.get(DraftChangeRow, (draft["id"], extra["id"])))
    draft = api.get(f"/v1/drafts/{draft['id']}", headers=Keys.header(keys.reviewer)).json()
    assert len(draft["changes"]) == 20
    by_id = {c["id"]: c for c in draft["changes"]}

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        press = CountedKeys(page)
        presses = press.presses

        # Sign in: the email field has focus; type, Tab, type, Enter.
        page.goto(f"{base}/ui")
        expect(page.locator("#email")).to_be_focused()  # autofocus lands a moment after the load event
        page.keyboard.type("kim@acme.example")
        press("Tab")
        page.keyboard.type(PASSWORD)
        press("Enter")
        expect(page.locator("h1")).to_have_text("Review queue")
        page.wait_for_load_state()  # the keys are the page's deferred script's: it runs before the load event

        # The queue: j focuses the first draft's link, Enter opens it.
        press("j")
        expect(page.locator(f"a[href='/ui/drafts/{draft['id']}']")).to_be_focused()
        press("Enter")
        expect(page.locator("h1")).to_contain_text("whitespace draft")
        page.wait_for_load_state()
        expect(page.locator("#progress")).to_contain_text("0 of 20 decided")

        # Keys do nothing while typing in a comment, and ? opens the legend (Esc closes it).
        page.locator("textarea").first.focus()
        page.keyboard.type("jar?")
        expect(page.locator("textarea").first).to_have_value("jar?")
        assert page.locator("input[type=radio]:checked").count() == 0
        assert not page.locator("#legend").evaluate("d => d.open")
        page.locator("textarea").first.fill("")
        page.reload()
        page.keyboard.press("?")
        expect(page.locator("#legend")).to_be_visible()
        expect(page.locator("#legend")).to_contain_text("Evidence that they sell for us when we are not in the room.")
        page.keyboard.press("Escape")
        expect(page.locator("#legend")).to_be_hidden()

        order = page.eval_on_selector_all("section.change", "els => els.map(e => e.dataset.change)")
        wanted = {
            cid: "reject" if (i % 4 == 3 or not by_id[cid]["verified"]) else "accept" for i, cid in enumerate(order)
        }
        press("j")  # the first change
        for i, change_id in enumerate(order):
            expect(page.locator(f"#change-{change_id}")).to_be_focused()
            if i == 10:  # deep in the page: the focused card has a strong ring, and the bar is still on screen
                ring = page.locator(f"#change-{change_id}").evaluate("e => getComputedStyle(e).outlineWidth")
                assert float(ring.removesuffix("px")) >= 3
                bar = page.locator(".actionbar").bounding_box()
                assert bar is not None and 0 <= bar["y"] < 900 and page.evaluate("window.scrollY") > 2000
                expect(page.locator("#progress")).to_contain_text("10 chosen and saved, not applied yet")
            press("a" if wanted[change_id] == "accept" else "r")
            if i == 1:  # a second thought: back to the first change (k) and reject it instead (r)
                press("k")
                press("k")
                expect(page.locator(f"#change-{order[0]}")).to_be_focused()
                press("r")
                wanted[order[0]] = "reject"
        expect(page.locator("#submit-decisions")).to_be_focused()  # after the last choice
        expect(page.locator("#progress")).to_contain_text("20 chosen and saved, not applied yet")
        _shot(page, tmp_path, "keyboard-pass.png")
        press("Enter")
        expect(page.locator("#result-notice")).to_contain_text("Saved 20 decisions")  # it stays on the draft
        browser.close()

    decided = api.get(f"/v1/drafts/{draft['id']}", headers=Keys.header(keys.reviewer)).json()
    assert {c["id"]: c["decision"] for c in decided["changes"]} == wanted
    decisions = api.get("/v1/audit-log", params={"limit": 500}, headers=Keys.header(keys.admin)).json()["items"]
    assert {d["actor"] for d in decisions if d["draft_id"] == draft["id"]} == {"Kim Keyboard"}
    # j + Enter on the queue, j + 20 choices + 2 k and 1 r of second thoughts + Enter on the draft,
    # and Tab + Enter to sign in (the email and password typed besides).
    assert len(presses) == 2 + 2 + 1 + 20 + 3 + 1
    print(f"\nkeyboard-only pass: {len(presses)} key presses ({json.dumps(''.join(p[0] for p in presses))})")


def check(page: Any, width: int, tmp_path: Path, found: dict[str, list[dict[str, Any]]], name: str) -> None:
    """Run axe on the page as it is, keep its serious and critical violations, and check nothing scrolls sideways."""
    page.add_script_tag(path=str(AXE))
    found[f"{name}@{width}"] = [v for v in page.evaluate(AXE_RUN) if v["impact"] in ("serious", "critical")]
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at {width}px"
    _shot(page, tmp_path, f"{name}-{width}.png")


AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
}"""


def test_axe_finds_no_serious_violation_on_the_sign_in_queue_and_draft_pages(
    live_server: tuple[str, Any],  # noqa: F811  (the fixture imported above)
    tmp_path: Path,
) -> None:
    from fastapi.testclient import TestClient
    from playwright.sync_api import expect, sync_playwright

    base, app = live_server
    keys = _reviewer(app, "ada@acme.example")
    api = TestClient(app)
    draft = _draft(api, keys, "northwind-health", "stakeholder_map")
    first = draft["changes"][0]
    decided = api.post(
        f"/v1/drafts/{draft['id']}/decisions",
        json={"version": draft["version"], "decisions": [{"change_id": first["id"], "action": "reject"}]},
        headers=Keys.header(keys.reviewer),
    )
    assert decided.status_code == 200, decided.text  # a decided card is on the page, so its contrast is checked

    found: dict[str, list[dict[str, Any]]] = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        for width, height in ((1280, 900), (390, 844)):
            # axe is injected as an inline script, which the UI's Content-Security-Policy rightly refuses.
            context = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)
            page = context.new_page()

            page.goto(f"{base}/ui/login")
            check(page, width, tmp_path, found, "login")
            page.get_by_label("Email").fill("ada@acme.example")
            page.get_by_label("Password").fill("not it")
            page.get_by_role("button", name="Sign in", exact=True).click()
            expect(page.get_by_role("alert")).to_contain_text("do not match")
            check(page, width, tmp_path, found, "login-error")
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in", exact=True).click()
            expect(page.locator("h1")).to_have_text("Review queue")
            check(page, width, tmp_path, found, "queue")
            page.goto(f"{base}/ui?group=account&kind=stakeholder_map")
            check(page, width, tmp_path, found, "queue-filtered")
            page.goto(f"{base}/ui/drafts/{draft['id']}")
            expect(page.locator(".triage h2")).to_contain_text("In this draft:")
            check(page, width, tmp_path, found, "review")
            page.keyboard.press("?")
            expect(page.locator("#legend")).to_be_visible()
            check(page, width, tmp_path, found, "legend")
            page.keyboard.press("Escape")
            page.keyboard.press("j")
            page.keyboard.press("e")  # the focused change's edit form
            expect(page.locator("h1")).to_contain_text("Edit ")
            check(page, width, tmp_path, found, "edit")
            context.close()
        browser.close()
    # The README's picture of the draft page.
    shutil.copy(tmp_path / "review-1280.png", tmp_path / "review.png")
    _shot_copy = os.environ.get("PLANWRIGHT_SCREENSHOTS")
    if _shot_copy:
        shutil.copy(tmp_path / "review-1280.png", Path(_shot_copy) / "review.png")
    failing = {name: v for name, v in found.items() if v}
    assert failing == {}, json.dumps(failing, indent=1)
