"""In Chromium: choices saved as they are made survive a reload and another browser; "Accept all verified" asks
first and is undone; a plan version is reverted from the history; and a reviewer clears a queue of 20 drafts with
the keyboard alone (its key presses and wall time printed and saved as an artifact)."""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from tests.app.browser_support import artifacts_dir, sign_in
from tests.app.support import MINI_BUNDLE, Keys, upload
from tests.app.test_browser import CHROMIUM, LAUNCH_ARGS, CountedKeys, live_server, pytestmark  # noqa: F401  (the server and the skip)
from tests.app.test_browser_decisions import _draft, _setup
from tests.app.test_browser_review import check

PASSWORD = "correct horse battery staple"
_SALESFORCE_ID = re.compile(r"\b([0-9a-zA-Z]{3})000000(\d{6})AAA\b")


def _artifact(tmp_path: Path, name: str, text: str) -> Path:
    """A result file in the test's tmp dir, copied to the artifacts folder CI keeps when one is set."""
    path = tmp_path / name
    path.write_text(text)
    if folder := artifacts_dir():
        shutil.copy(path, folder / name)
    return path


def _account_bundle(tmp_path: Path, n: int) -> Path:
    """The mini bundle as a different account: its own Salesforce Ids, source ids and name."""
    folder = tmp_path / f"account-{n:02d}"
    shutil.copytree(MINI_BUNDLE, folder)
    for path in folder.rglob("*"):
        if path.is_file() and path.suffix in (".json", ".md", ".vtt"):
            text = _SALESFORCE_ID.sub(lambda m: f"{m.group(1)}{n:06d}{m.group(2)}AAA", path.read_text())
            text = text.replace("note-exec-sync-2026-03-05", f"note-exec-sync-2026-03-05-a{n}")
            text = text.replace("call-renewal-2026-03-12", f"call-renewal-2026-03-12-a{n}")
            path.write_text(text.replace('"Name": "Acme Corp"', f'"Name": "Acme Corp {n:02d}"'))
    return folder


def _signed_in(browser: Any, base: str, key: str) -> Any:
    page = browser.new_context(bypass_csp=True).new_page()  # so axe-core can be injected
    sign_in(page, base, key)
    return page


def _plan(api: TestClient, keys: Keys, account_id: str) -> dict[str, Any]:
    return api.get(f"/v1/accounts/{account_id}/plan", headers=Keys.header(keys.reviewer)).json()  # type: ignore[no-any-return]


def test_choices_survive_a_reload_and_another_browser_and_submit_applies_them(
    live_server: tuple[str, Any],  # noqa: F811
) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, app = live_server
    api, keys, _, draft = _setup(app)
    first, second = draft["changes"][0], draft["changes"][1]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        page = _signed_in(browser, base, keys.reviewer)
        page.goto(f"{base}/ui/drafts/{draft['id']}")
        card = page.locator(f"section[data-change='{first['id']}']")
        card.locator("input[value=reject]").check()
        card.locator("textarea").fill("left in March")
        expect(card.locator("[data-saved]")).to_have_text("saved, not applied yet")
        expect(page.locator("#announce")).to_contain_text("reject saved, with your comment")
        page.locator(f"section[data-change='{second['id']}'] textarea").fill("ask Dana")  # a comment alone
        expect(page.locator(f"section[data-change='{second['id']}'] [data-saved]")).to_have_text(
            "saved, not applied yet"
        )

        page.reload()
        other = _signed_in(browser, base, keys.reviewer)  # another browser: its own session and cookies
        other.goto(f"{base}/ui/drafts/{draft['id']}")
        for shown in (page, other):
            card = shown.locator(f"section[data-change='{first['id']}']")
            expect(card.locator("input[value=reject]")).to_be_checked()
            expect(card.locator("textarea")).to_have_value("left in March")
            expect(shown.locator(f"section[data-change='{second['id']}'] textarea")).to_have_value("ask Dana")
        stored = api.get(f"/v1/drafts/{draft['id']}", headers=Keys.header(keys.reviewer)).json()
        assert {c["id"]: c["decision"] for c in stored["changes"]}[first["id"]] is None  # saved, not applied

        other.locator("#submit-decisions").click()
        expect(other.locator("#result-notice")).to_contain_text("Saved 1 decision: 0 accepted, 1 rejected.")
        assert other.url.startswith(f"{base}/ui/drafts/{draft['id']}")  # the reviewer stays on the draft
        browser.close()
    decided = api.get(f"/v1/drafts/{draft['id']}", headers=Keys.header(keys.reviewer)).json()
    assert {c["id"]: c["decision"] for c in decided["changes"]}[first["id"]] == "reject"


def test_accept_all_verified_is_confirmed_then_undone(live_server: tuple[str, Any], tmp_path: Path) -> None:  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    base, app = live_server
    api, keys, report, draft = _setup(app)
    account_id = report["account_id"]
    verified = [c["id"] for c in draft["changes"] if c["verified"]]
    before = _plan(api, keys, account_id)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        page = _signed_in(browser, base, keys.reviewer)
        page.goto(f"{base}/ui/drafts/{draft['id']}")
        page.get_by_role("button", name="Accept all verified").click()

        expect(page.locator("h1")).to_contain_text("Accept all verified")
        expect(page.locator("#confirm-bulk")).to_be_focused()
        found: dict[str, list[dict[str, Any]]] = {}
        check(page, 1280, tmp_path, found, "bulk-confirm")
        assert _plan(api, keys, account_id)["version"] == before["version"]  # asking decides nothing
        page.keyboard.press("Enter")

        expect(page.locator("#result-notice")).to_contain_text(f"{len(verified)} accepted")
        bulk = _plan(api, keys, account_id)
        assert bulk["version"] == before["version"] + 1
        expect(page.locator("#undo-bulk")).to_contain_text(f"plan v{before['version']} → v{bulk['version']}")
        check(page, 1280, tmp_path, found, "bulk-undo")
        page.get_by_role("button", name="Undo").click()

        expect(page.locator("#undone-notice")).to_contain_text(f"{len(verified)} changes are pending again")
        expect(page.locator("#undo-bulk")).to_have_count(0)
        check(page, 1280, tmp_path, found, "bulk-undone")
        assert {name: v for name, v in found.items() if v} == {}  # axe-core: no serious or critical violation
        expect(page.locator("#progress")).to_contain_text(f"0 of {len(draft['changes'])} decided")
        for change_id in verified:
            expect(page.locator(f"section[data-change='{change_id}'] input[value=accept]")).to_be_enabled()
        browser.close()
    after = _plan(api, keys, account_id)
    assert after["version"] == bulk["version"] + 1
    assert after["stakeholders"] == before["stakeholders"] and after["whitespace"] == before["whitespace"]
    pending = api.get(f"/v1/drafts/{draft['id']}", headers=Keys.header(keys.reviewer)).json()
    assert pending["status"] == "pending_review" and all(c["decision"] is None for c in pending["changes"])
    audit = api.get("/v1/audit-log", params={"limit": 500}, headers=Keys.header(keys.admin)).json()["items"]
    assert sorted(a["change_id"] for a in audit if a["action"] == "undo") == sorted(verified)


def test_a_plan_version_is_reverted_from_the_history(live_server: tuple[str, Any], tmp_path: Path) -> None:  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    base, app = live_server
    api, keys, report, draft = _setup(app)
    account_id = report["account_id"]
    added = next(c for c in draft["changes"] if c["verified"] and c["kind"] == "add_stakeholder")
    decided = api.post(
        f"/v1/drafts/{draft['id']}/decisions",
        json={"version": draft["version"], "decisions": [{"change_id": added["id"], "action": "accept"}]},
        headers=Keys.header(keys.reviewer),
    )
    assert decided.status_code == 200, decided.text
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        page = _signed_in(browser, base, keys.reviewer)
        page.goto(f"{base}/ui/accounts/{account_id}/plan")
        page.get_by_role("link", name="revert to v1", exact=True).click()

        expect(page.locator("#revert-changes")).to_contain_text(f"Removed {added['after']['name']}")
        expect(page.locator("#confirm-revert")).to_be_focused()
        found: dict[str, list[dict[str, Any]]] = {}
        check(page, 1280, tmp_path, found, "revert-confirm")
        page.locator("#confirm-revert").click()

        expect(page.locator("#revert-status")).to_contain_text("version 3 now holds the content of version 1")
        expect(page.locator("table.history")).to_contain_text("Reverted to v1")
        expect(page.locator("table.history")).to_contain_text(f"Removed {added['after']['name']}")
        check(page, 1280, tmp_path, found, "reverted")
        assert {name: v for name, v in found.items() if v} == {}
        browser.close()
    plan = _plan(api, keys, account_id)
    v1 = api.get(f"/v1/accounts/{account_id}/plan/versions/1", headers=Keys.header(keys.reviewer)).json()
    assert plan["version"] == 3 and plan["stakeholders"] == v1["stakeholders"]


def test_a_reviewer_clears_a_queue_of_20_drafts_with_the_keyboard_alone(
    live_server: tuple[str, Any],  # noqa: F811
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect, sync_playwright

    from app.auth.users import create_user
    from app.db import transaction

    base, app = live_server
    state = app.state.planwright
    keys = Keys(state, "acme-sales")
    with transaction(state.sessions) as session:
        create_user(session, "acme-sales", "kim@acme.example", PASSWORD, name="Kim Keyboard")
    api = TestClient(app)
    drafts: dict[str, dict[str, Any]] = {}
    for n in range(20):
        report = upload(api, keys.integration, _account_bundle(tmp_path, n))
        draft = _draft(api, keys, report["account_id"])
        drafts[draft["id"]] = draft
    assert len(drafts) == 20 and all(d["status"] == "pending_review" for d in drafts.values())
    verified = {c["id"]: c["verified"] for d in drafts.values() for c in d["changes"]}

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        press = CountedKeys(page)
        presses = press.presses

        page.goto(f"{base}/ui")
        expect(page.locator("#email")).to_be_focused()
        page.keyboard.type("kim@acme.example")
        press("Tab")
        page.keyboard.type(PASSWORD)
        press("Enter")
        expect(page.locator("#active-filter")).to_contain_text("Showing 20 pending review drafts")
        page.wait_for_load_state()  # the keys are the page's deferred script's: it runs before the load event

        started = time.monotonic()
        cleared: list[str] = []
        for left in range(20, 0, -1):
            press("j")  # the queue: the most urgent draft's link
            press("Enter")
            expect(page.locator("h1")).to_contain_text("stakeholder map draft")
            page.wait_for_load_state()
            draft_id = page.url.rsplit("/", 1)[-1].split("?")[0]
            order = page.eval_on_selector_all("section.change", "els => els.map(e => e.dataset.change)")
            press("j")  # the first undecided change
            for change_id in order:
                expect(page.locator(f"#change-{change_id}")).to_be_focused()
                press("a" if verified[change_id] else "r")
            expect(page.locator("#submit-decisions")).to_be_focused()
            if left == 20:  # each choice was saved as it was made, under the page's real Content-Security-Policy
                expect(page.locator("[data-saved]", has_text="saved, not applied yet")).to_have_count(len(order))
            press("Enter")
            expect(page.locator("#result-notice")).to_contain_text(f"Saved {len(order)} decisions")
            expect(page.locator("#next-step")).to_be_focused()
            press("Enter")  # back to the queue
            expect(page.locator("h1")).to_have_text("Review queue")
            page.wait_for_load_state()
            cleared.append(draft_id)
            if left > 1:
                expect(page.locator("#active-filter")).to_contain_text(f"Showing {left - 1} pending review draft")
        seconds = time.monotonic() - started
        expect(page.locator("#active-filter")).to_contain_text("Showing 0 pending review drafts")
        expect(page.locator("a[data-review]")).to_have_count(0)
        browser.close()

    assert sorted(cleared) == sorted(drafts)
    for draft_id in drafts:
        done = api.get(f"/v1/drafts/{draft_id}", headers=Keys.header(keys.reviewer)).json()
        assert done["status"] == "decided"
        assert all(c["decision"] == ("accept" if c["verified"] else "reject") for c in done["changes"])
    changes = sum(len(d["changes"]) for d in drafts.values())
    # Per draft: j and Enter on the queue, j, one key per change, Enter to submit, Enter back to the queue; and Tab
    # and Enter to sign in (the email and password typed besides).
    assert len(presses) == 2 + 20 * 5 + changes
    result = {
        "drafts": 20,
        "changes": changes,
        "key_presses": len(presses),
        "key_presses_in_queue": len(presses) - 2,
        "seconds": round(seconds, 1),
        "seconds_per_draft": round(seconds / 20, 2),
        "keys": "".join(p if len(p) == 1 else f"<{p}>" for p in presses),
    }
    _artifact(tmp_path, "keyboard-queue.json", json.dumps(result, indent=2))
    print(
        f"\nkeyboard-only queue: 20 drafts, {changes} changes, {len(presses)} key presses "
        f"({len(presses) - 2} after signing in), {seconds:.1f} s ({seconds / 20:.2f} s per draft)"
    )
