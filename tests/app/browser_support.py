"""Helpers for the browser tests: signing in with a key, screenshots kept in the test's tmp dir and in the artifacts
folder CI keeps ($PLANWRIGHT_SCREENSHOTS; `make screenshots` sets it and copies the README's pictures from it into
docs/screenshots), and axe-core's serious violations on a page."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from tests.app.test_browser_review import AXE, AXE_RUN  # the axe-core the draft and queue pages' tests run


def sign_in(page: Any, base: str, key: str) -> None:
    """Sign in to the UI with an API key, the administrators' way in."""
    page.goto(f"{base}/ui")
    page.click("text=sign in with an API key instead")
    page.fill("input[name=api_key]", key)
    page.click("text=Sign in with key")


def artifacts_dir() -> Path | None:
    folder = os.environ.get("PLANWRIGHT_SCREENSHOTS")
    if not folder:
        return None
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    return path


def screenshot(target: Any, tmp_path: Path, name: str, **options: Any) -> Path:
    """A screenshot of a page or an element in `tmp_path`, copied to the artifacts folder when one is set."""
    path = tmp_path / name
    target.screenshot(path=str(path), **options)
    if folder := artifacts_dir():
        shutil.copy(path, folder / name)
    return path


def serious_violations(browser: Any, base: str, key: str, url: str, width: int = 1280) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on a page, signed in with `key`, at `width` px; the page must not
    scroll sideways either."""
    # axe is injected as an inline script, which the UI's Content-Security-Policy rightly refuses.
    context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    page = context.new_page()
    sign_in(page, base, key)
    page.goto(url)
    page.add_script_tag(path=str(AXE))
    found = [v for v in page.evaluate(AXE_RUN) if v["impact"] in ("serious", "critical")]
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    context.close()
    assert overflow <= 0, f"{url} scrolls sideways by {overflow}px at {width}px"
    return found
