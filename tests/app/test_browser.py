"""The review flow in a real browser (Debian's Chromium driven by Playwright)."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from app.main import create_app
from app.settings import Settings
from app.state import build_state
from retrieval.embedders import HashingEmbedder
from tests.app.support import Keys, upload, wait_for_draft

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists() and not os.environ.get("PLANWRIGHT_TEST_REQUIRE_BROWSER"),
    reason="Chromium is not installed (apt-get install chromium); CI installs it and sets "
    "PLANWRIGHT_TEST_REQUIRE_BROWSER=1, so there this test always runs",
)
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


class CountedKeys:
    """A page's keyboard that remembers every key it pressed, for the keyboard-only tests' counts."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.presses: list[str] = []

    def __call__(self, key: str) -> None:
        self.presses.append(key)
        self.page.keyboard.press(key)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[tuple[str, object]]:
    # The test drafts explicitly: an auto-draft after the upload's 5 s quiet period would supersede
    # that draft mid-test whenever the machine is slow, and its link would vanish from the queue.
    settings = Settings(data_dir=tmp_path / "data", embedder="hashing", auto_draft=False)
    app = create_app(settings, state_factory=lambda s: build_state(s, embedder=HashingEmbedder()))
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}", app
    server.should_exit = True
    thread.join(10)


def test_a_reviewer_accepts_a_change_in_the_browser(live_server: tuple[str, object]) -> None:
    from fastapi.testclient import TestClient
    from playwright.sync_api import expect, sync_playwright

    base, app = live_server
    state = app.state.planwright  # type: ignore[attr-defined]
    keys = Keys(state, "acme-sales")
    api = TestClient(app)  # shares the running app's state; requests go through ASGI directly
    report = upload(api, keys.integration)
    started = api.post(
        f"/v1/accounts/{report['account_id']}/drafts",
        json={"kind": "stakeholder_map"},
        headers=Keys.header(keys.integration),
    ).json()
    draft = wait_for_draft(api, keys.reviewer, started["id"])
    change = next(c for c in draft["changes"] if c["verified"] and c["kind"] == "add_stakeholder")

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=LAUNCH_ARGS,
        )
        page = browser.new_page()
        blocked: list[str] = []  # what the Content-Security-Policy refused: nothing, or the UI is broken
        page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
        page.goto(f"{base}/ui")
        page.click("text=sign in with an API key instead")  # the administrators' way in, folded away
        page.fill("input[name=api_key]", keys.reviewer)
        page.click("text=Sign in with key")
        expect(page.locator("h1")).to_have_text("Review queue")
        # The stylesheet loaded (it is a file now: the policy allows no inline style).
        assert page.locator("header").evaluate("e => getComputedStyle(e).display") == "flex"
        page.click(f"a[href='/ui/drafts/{draft['id']}']")
        card = page.locator(f"section[data-change='{change['id']}']")
        expect(card).to_contain_text(change["after"]["name"])
        expect(card.locator("blockquote").first).to_be_visible()
        card.locator("input[value=accept]").check()
        page.locator("button.primary").first.click()
        expect(page.locator("#result-notice")).to_contain_text("1 accepted")  # the reviewer stays on the draft
        page.locator("#result-notice").get_by_role("link", name="version 2").click()
        expect(page.locator("h1")).to_have_text(report["name"])
        expect(page.locator("text=Plan version 2")).to_be_visible()
        expect(page.locator("table").first).to_contain_text(change["after"]["name"])
        page.click("text=Sign out")
        expect(page.locator("h1")).to_have_text("Sign in")
        page.goto(f"{base}/ui")
        expect(page.locator("h1")).to_have_text("Sign in")
        assert blocked == []
        browser.close()


def test_a_reviewer_signs_in_with_a_password_edits_a_change_and_accepts_it(
    live_server: tuple[str, object], tmp_path: Path
) -> None:
    from fastapi.testclient import TestClient
    from playwright.sync_api import expect, sync_playwright

    from app.auth.users import create_user
    from app.db import transaction

    base, app = live_server
    state = app.state.planwright  # type: ignore[attr-defined]
    keys = Keys(state, "acme-sales")
    with transaction(state.sessions) as session:
        create_user(session, "acme-sales", "dana@acme.example", "correct horse battery staple", name="Dana Whitfield")
    api = TestClient(app)
    report = upload(api, keys.integration)
    started = api.post(
        f"/v1/accounts/{report['account_id']}/drafts",
        json={"kind": "stakeholder_map"},
        headers=Keys.header(keys.integration),
    ).json()
    draft = wait_for_draft(api, keys.reviewer, started["id"])
    change = next(c for c in draft["changes"] if c["verified"] and c["kind"] == "add_stakeholder")
    assert change["after"]["stance"] != "detractor"

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=LAUNCH_ARGS,
        )
        page = browser.new_page()
        page.goto(f"{base}/ui")
        page.get_by_label("Email").fill("dana@acme.example")
        page.get_by_label("Password").fill("not my password")
        page.get_by_role("button", name="Sign in", exact=True).click()
        expect(page.get_by_role("alert")).to_contain_text("That email and password do not match an account.")
        expect(page.get_by_label("Email")).to_have_value("dana@acme.example")  # kept; the password is not
        page.get_by_label("Password").fill("correct horse battery staple")
        page.get_by_role("button", name="Sign in", exact=True).click()
        expect(page.locator("h1")).to_have_text("Review queue")
        expect(page.locator("header")).to_contain_text("Dana Whitfield")

        page.click(f"a[href='/ui/drafts/{draft['id']}']")
        card = page.locator(f"section[data-change='{change['id']}']")
        card.get_by_role("link", name="Edit").click()
        expect(page.locator("h1")).to_contain_text(f"Edit {change['after']['name']}")
        page.get_by_label("Stance").select_option("detractor")
        page.get_by_label("Title").fill("")
        page.get_by_label("Name").fill("")  # required: the form comes back with the error announced
        page.get_by_role("button", name="Save edit").click()
        expect(page.get_by_role("alert")).to_contain_text("Name: required")
        expect(page.get_by_label("Stance")).to_have_value("detractor")  # what was typed is kept
        expect(page.get_by_label("Name")).to_have_attribute("aria-invalid", "true")
        page.get_by_label("Name").fill(change["after"]["name"])
        page.get_by_label("Title").fill("Chief Digital Officer")
        page.get_by_role("button", name="Save edit").click()

        card = page.locator(f"section[data-change='{change['id']}']")
        expect(card).to_contain_text("Chief Digital Officer")
        expect(card).to_contain_text("Detractor")
        expect(card.locator(".pill.edited").first).to_be_visible()
        comment = card.get_by_label("Comment (optional)")
        comment.fill("Heard it from their CFO")
        comment.press("Enter")  # a new line in the comment, never a submit
        expect(page).to_have_url(f"{base}/ui/drafts/{draft['id']}#change-{change['id']}")
        card.get_by_label("Accept as edited").check()
        page.locator("button.primary").first.click()
        page.locator("#result-notice").get_by_role("link", name="version 2").click()
        expect(page.locator("h1")).to_have_text(report["name"])
        expect(page.locator("table").first).to_contain_text("Chief Digital Officer")

        page.goto(f"{base}/ui/drafts/{draft['id']}")
        card = page.locator(f"section[data-change='{change['id']}']")
        expect(card).to_contain_text("Edited and accepted by Dana Whitfield")
        expect(card).to_contain_text("Heard it from their CFO")
        expect(card).to_contain_text("Chief Digital Officer")
        expect(card).to_contain_text("Detractor")
        # In the artifacts folder when one is set, else this test's own tmp dir (never a fixed path).
        page.screenshot(path=str(Path(os.environ.get("PLANWRIGHT_SCREENSHOTS") or tmp_path) / "edited-change.png"))

        page.goto(f"{base}/ui/drafts/drf_nope")  # an HTML page, not JSON
        expect(page.locator("h1")).to_have_text("Draft not found")
        browser.close()
