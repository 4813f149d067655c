"""In a real browser: two reviewers overlapping lose nothing, a superseded draft carries choices over, and a rejected
change is not proposed by the next draft (Debian's Chromium driven by Playwright)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.app.support import Keys, upload, wait_for_draft
from tests.app.test_browser import CHROMIUM, LAUNCH_ARGS, live_server, pytestmark  # noqa: F401, F811 (the fixture and the skip)


def _draft(api: TestClient, keys: Keys, account_id: str) -> dict[str, Any]:
    started = api.post(
        f"/v1/accounts/{account_id}/drafts", json={"kind": "stakeholder_map"}, headers=Keys.header(keys.integration)
    ).json()
    return wait_for_draft(api, keys.reviewer, started["id"])


def _setup(app: Any) -> tuple[TestClient, Keys, dict[str, Any], dict[str, Any]]:
    keys = Keys(app.state.planwright, "acme-sales")
    api = TestClient(app)
    report = upload(api, keys.integration)
    return api, keys, report, _draft(api, keys, report["account_id"])


def _signed_in(browser: Any, base: str, key: str) -> Any:
    page = browser.new_context().new_page()
    page.goto(f"{base}/ui/login")
    page.click("text=sign in with an API key instead")
    page.fill("input[name=api_key]", key)
    page.click("text=Sign in with key")
    return page


def _choose(page: Any, change_id: str, action: str, comment: str = "") -> None:
    card = page.locator(f"section[data-change='{change_id}']")
    card.locator(f"input[value={action}]").check()
    if comment:
        card.locator("textarea").fill(comment)


def _submit(page: Any) -> None:
    page.locator("button.primary[name=bulk][value='']").first.click()
    page.wait_for_load_state()


def test_two_reviewers_overlap_and_the_second_loses_nothing(live_server: tuple[str, Any]) -> None:  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    base, app = live_server
    _, keys, _, draft = _setup(app)
    first, second = (c for c in draft["changes"][:2])
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        dana, lee = _signed_in(browser, base, keys.reviewer), _signed_in(browser, base, keys.admin)
        for page in (dana, lee):
            page.goto(f"{base}/ui/drafts/{draft['id']}")
        _choose(lee, first["id"], "reject", "wrong title")
        _choose(lee, second["id"], "reject", "left last year")
        _choose(dana, first["id"], "reject", "dana was first")
        _submit(dana)

        _submit(lee)  # on the version Dana's decision made stale

        expect(lee.locator("#overlap-notice")).to_contain_text("1 of your decisions was applied; 1 overlapped")
        overlapped = lee.locator(f"section[data-change='{first['id']}']")
        expect(overlapped).to_contain_text("dana was first")  # what the first reviewer decided, and why
        expect(overlapped).to_contain_text("“wrong title”")  # the second reviewer's comment, kept
        expect(lee.locator(f"section[data-change='{second['id']}'] .pill.reject")).to_be_visible()
        browser.close()


def test_a_draft_superseded_mid_review_carries_the_choices_over(live_server: tuple[str, Any]) -> None:  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    base, app = live_server
    api, keys, report, draft = _setup(app)
    chosen = draft["changes"][:3]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        page = _signed_in(browser, base, keys.reviewer)
        page.goto(f"{base}/ui/drafts/{draft['id']}")
        for change in chosen:
            _choose(page, change["id"], "reject", f"not {change['id']}")
        newer = _draft(api, keys, report["account_id"])  # new evidence, a new draft: this one is superseded

        _submit(page)

        assert page.url.startswith(f"{base}/ui/drafts/{newer['id']}")
        expect(page.locator("#carried-notice")).to_contain_text(
            "was replaced by this newer one; your 3 choices were carried over"
        )
        for change in chosen:
            card = page.locator(f"section[data-change='{change['id']}']")
            expect(card.locator("input[value=reject]")).to_be_checked()
            expect(card.locator("textarea")).to_have_value(f"not {change['id']}")
        page.goto(f"{base}/ui/drafts/{draft['id']}")
        expect(page.locator(f"a[href='/ui/drafts/{newer['id']}']").first).to_be_visible()
        browser.close()


def test_a_rejected_change_is_not_proposed_by_the_next_draft(live_server: tuple[str, Any]) -> None:  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    base, app = live_server
    api, keys, report, draft = _setup(app)
    rejected = next(c for c in draft["changes"] if c["kind"] == "add_stakeholder")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        page = _signed_in(browser, base, keys.reviewer)
        page.goto(f"{base}/ui/drafts/{draft['id']}")
        _choose(page, rejected["id"], "reject", "not a stakeholder")
        _submit(page)
        newer = _draft(api, keys, report["account_id"])

        page.goto(f"{base}/ui/drafts/{newer['id']}")

        expect(page.locator("section[data-change]").first).to_be_visible()
        expect(page.locator(f"section[data-change='{rejected['id']}']")).to_have_count(0)
        assert rejected["target"] not in {c["target"] for c in newer["changes"]}
        expect(page.locator("body")).to_contain_text("Not proposed again, as a reviewer decided")
        browser.close()
