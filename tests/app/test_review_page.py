"""The triage-first draft page through the test client: summary, impact order, one heading per change,
CRM echoes folded, quotes as text, progress, the legend's vocabulary, and the keyboard script."""

from __future__ import annotations

import re
from html import unescape

from fastapi.testclient import TestClient
from markupsafe import escape

from app.db import transaction
from app.drafts.models import DraftChangeRow
from app.state import AppState
from app.ui import triage
from plans.definitions import VALUE_DEFINITIONS, define
from plans.models import AccountPlan, Change
from tests.app.support import Keys, imported_and_drafted, ui_decide, ui_login

_CARD = re.compile(r'<section id="change-([^"]+)" class="card change')
_CARD_TITLE = re.compile(r'<h2 id="h-[^"]+" class="card-title">([^<]+)</h2>')


def test_the_page_opens_with_the_summary_and_lists_changes_by_impact(client: TestClient, keys: Keys) -> None:
    _, draft = imported_and_drafted(client, keys)
    changes = [Change.model_validate(c) for c in draft["changes"]]
    ui_login(client, keys.reviewer)

    page = client.get(f"/ui/drafts/{draft['id']}").text

    summary = triage.summarize(changes, AccountPlan(), "stakeholder_map").text()
    assert f"In this draft: {summary}</h2>" in page
    assert page.index("In this draft:") < page.index('class="card change')
    assert _CARD.findall(page) == [changes[i].id for i in triage.by_impact(changes)]
    assert f"0 of {len(changes)} decided" in page
    assert "confidence" not in page.lower()  # not calibrated, so not shown (README: "Confidence")


def test_each_change_has_its_own_heading_and_no_card_is_headed_evidence(client: TestClient, keys: Keys) -> None:
    _, draft = imported_and_drafted(client, keys)
    ui_login(client, keys.reviewer)

    page = client.get(f"/ui/drafts/{draft['id']}").text

    titles = [unescape(t) for t in _CARD_TITLE.findall(page)]
    assert len(titles) == len(draft["changes"]) == len(set(titles))
    assert ">Evidence</h2>" not in page
    for change in draft["changes"]:
        if change["kind"] == "add_stakeholder" and change["after"]["status"] == "active":
            assert f"New person: {change['after']['name']}" in " ".join(titles)


def test_crm_echo_quotes_are_folded_and_shown_by_the_field_they_support(client: TestClient, keys: Keys) -> None:
    _, draft = imported_and_drafted(client, keys)
    change = next(
        c
        for c in draft["changes"]
        if c["kind"] == "add_stakeholder" and any(q["locator"] == "Contact.Name" for q in c["citations"])
    )
    echo = next(q for q in change["citations"] if q["locator"] == "Contact.Name")
    ui_login(client, keys.reviewer)

    page = client.get(f"/ui/drafts/{draft['id']}").text
    card = page[page.index(f'id="change-{change["id"]}"') :]
    card = card[: card.index("</section>")]

    folded = card[card.index('<details class="echoes">') : card.index("</details>")]
    assert str(escape(echo["quote"])) in folded
    name_row = next(r for r in card.split("<tr>") if 'data-label="Field"' in r and ">Name<" in r)
    assert ">Contact.Name</a>" in name_row  # the quote sits beside the field it supports
    assert f'<blockquote><p class="quote">“{escape(echo["quote"])}”' not in card  # not as a full quote


def test_markdown_and_markup_in_a_quote_are_shown_as_text(client: TestClient, keys: Keys, app_state: AppState) -> None:
    _, draft = imported_and_drafted(client, keys)
    with transaction(app_state.sessions) as session:
        row = session.get(DraftChangeRow, (draft["id"], draft["changes"][0]["id"]))
        assert row is not None
        payload = dict(row.change)
        payload["citations"] = [
            {"source_id": "note-x", "quote": "**Bold** _claim_ <b>tag</b> [link](http://x)", "locator": "lines 1–2"}
        ]
        row.change = payload
    ui_login(client, keys.reviewer)

    page = client.get(f"/ui/drafts/{draft['id']}").text

    assert "“**Bold** _claim_ &lt;b&gt;tag&lt;/b&gt; [link](http://x)”" in page
    assert "<b>tag</b>" not in page and "<strong>Bold</strong>" not in page


def test_progress_counts_decided_changes_and_the_page_announces_errors(client: TestClient, keys: Keys) -> None:
    _, draft = imported_and_drafted(client, keys)
    first, second = draft["changes"][0], draft["changes"][1]
    token = ui_login(client, keys.reviewer)
    ui_decide(client, token, draft, **{first["id"]: "reject"})

    page = client.get(f"/ui/drafts/{draft['id']}", params={"error": "Something went wrong"}).text

    assert f"1 of {len(draft['changes'])} decided" in page
    alert = page[page.index('<div role="alert" aria-live="assertive" id="page-error">') :]
    assert alert.index("Something went wrong") < alert.index("</div>")
    assert f'data-change="{second["id"]}"' in page
    # A decided card is marked decided, not faded (the stylesheet has no opacity on it), and folds its body.
    card = page[page.index(f'id="change-{first["id"]}"') :]
    card = card[: card.index("</section>")]
    assert " decided" in card[: card.index(">")]
    assert '<details class="decided-body"><summary>The change and its evidence</summary>' in card
    assert "Rejected by" in card[: card.index("<details")]
    css = client.get("/ui/static/planwright.css").text
    assert "opacity" not in css


def test_the_legend_and_the_keyboard_script_come_with_the_page(client: TestClient, keys: Keys) -> None:
    _, draft = imported_and_drafted(client, keys)
    ui_login(client, keys.reviewer)

    page = client.get(f"/ui/drafts/{draft['id']}").text

    legend = page[page.index('<dialog id="legend"') : page.index("</dialog>")]
    for field in ("stance", "strength", "buying_role"):
        assert str(escape(define(field))) in legend
        for definition in VALUE_DEFINITIONS[field].values():
            assert str(escape(definition)) in legend
    assert '<script src="/ui/static/review.js" defer></script>' in page
    for change in draft["changes"]:  # every input on the page has a label
        assert f'for="comment_{change["id"]}"' in page
    assert page.count('<fieldset class="actions">') == page.count('<legend class="visually-hidden">Decision on')

    script = client.get("/ui/static/review.js")
    assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
    assert "keydown" in script.text
    assert "default-src 'self'" in script.headers["content-security-policy"]
