"""Take the README's screenshots of the review UI with headless Chromium.

Run against a server started by `make demo` (or `planwright demo`):

    .venv/bin/python docs/screenshot.py --base http://127.0.0.1:8000 --key "$(cat data/demo-api-key)"
"""

from __future__ import annotations

import argparse
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--key", required=True)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent)
    args = parser.parse_args()

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900}, device_scale_factor=1)
        page.goto(f"{args.base}/ui/login")
        page.fill("input[name=api_key]", args.key)
        page.click("button.primary")
        page.screenshot(path=str(args.out / "queue.png"))
        page.click("text=stakeholder map >> xpath=ancestor::tr//a[contains(@href, '/ui/drafts/')]")
        page.wait_for_selector("section.card")
        page.screenshot(path=str(args.out / "review.png"))
        for kind, name in (("whitespace", "review-whitespace.png"), ("qbr brief", "review-qbr.png")):
            page.goto(f"{args.base}/ui")
            link = page.locator(f"tr:has-text('{kind}') a[href*='/ui/drafts/']").first
            if link.count():
                link.click()
                page.wait_for_selector("main h1")
                page.screenshot(path=str(args.out / name))
        browser.close()


if __name__ == "__main__":
    main()
