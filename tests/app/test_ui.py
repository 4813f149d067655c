"""The review UI end to end through its forms: sign in, open a draft, decide, see the plan."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from markupsafe import escape

from plans.definitions import define
from tests.app.support import UI_ORIGIN, Keys, csrf_token, imported_and_drafted, ui_decide, ui_login, upload


def test_pages_redirect_to_sign_in_without_a_session(client: TestClient) -> None:
    response = client.get("/ui", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/ui/login"


def test_a_wrong_key_shows_an_error_on_the_form(client: TestClient) -> None:
    form = client.get("/ui/login")
    response = client.post(
        "/ui/login", data={"api_key": "pw_wrong", "csrf_token": csrf_token(form.text)}, headers=UI_ORIGIN
    )
    assert "unknown or revoked" in response.text


def test_a_reviewer_accepts_a_change_and_sees_it_in_the_plan(client: TestClient, keys: Keys) -> None:
    report, draft = imported_and_drafted(client, keys)
    change = next(c for c in draft["changes"] if c["verified"] and c["kind"] == "add_stakeholder")
    rejected = next(c for c in draft["changes"] if c["id"] != change["id"])

    token = ui_login(client, keys.reviewer)
    queue = client.get("/ui")
    assert report["name"] in queue.text and f"/ui/drafts/{draft['id']}" in queue.text

    page = client.get(f"/ui/drafts/{draft['id']}")
    assert page.status_code == 200
    quote = change["citations"][0]["quote"]
    assert quote.split("\n")[0][:40] in page.text.replace("&#39;", "'").replace("&amp;", "&")
    assert change["after"]["name"] in page.text

    decided = ui_decide(client, token, draft, **{change["id"]: "accept", rejected["id"]: "reject"})
    assert decided.status_code == 200
    assert decided.url.path == f"/ui/drafts/{draft['id']}"  # the reviewer stays on the draft, told the outcome
    assert "Saved 2 decisions: 1 accepted, 1 rejected. The plan is now" in decided.text
    decided = client.get(f"/ui/accounts/{report['account_id']}/plan")
    assert "Plan version 2" in decided.text
    assert change["after"]["name"] in decided.text
    assert re.search(r">v1</a>", decided.text) and re.search(r">v2</a>", decided.text)

    old = client.get(f"/ui/accounts/{report['account_id']}/plan", params={"version": 1})
    assert "No stakeholders accepted yet" in old.text


def test_a_stale_form_applies_the_choices_nobody_overlapped_instead_of_losing_them(
    client: TestClient, keys: Keys
) -> None:
    report, draft = imported_and_drafted(client, keys)
    first, second = draft["changes"][0], draft["changes"][1]
    token = ui_login(client, keys.reviewer)
    ui_decide(client, token, draft, **{first["id"]: "reject"})

    stale = ui_decide(client, token, draft, **{second["id"]: "reject"})  # the page's version is one behind

    assert stale.status_code == 200 and "Reload it" not in stale.text
    changes = client.get(f"/v1/drafts/{draft['id']}", headers=Keys.header(keys.reviewer)).json()["changes"]
    assert [c["decision"] for c in changes[:2]] == ["reject", "reject"]


def test_the_source_page_highlights_the_cited_quote(client: TestClient, keys: Keys) -> None:
    report = upload(client, keys.integration)
    hit = client.get(
        f"/v1/accounts/{report['account_id']}/search", params={"q": "renewal"}, headers=Keys.header(keys.reviewer)
    ).json()["hits"][0]
    ui_login(client, keys.reviewer)
    quote = hit["text"].split("\n")[0][:30]
    page = client.get(f"/ui/sources/{hit['source_id']}", params={"quote": quote})
    assert page.status_code == 200
    assert '<mark id="quote">' in page.text
    assert '<a href="/ui">← Back</a>' in page.text


def test_the_source_pages_back_link_returns_to_the_ui_page_it_was_opened_from(client: TestClient, keys: Keys) -> None:
    report = upload(client, keys.integration)
    source_id = client.get(
        f"/v1/accounts/{report['account_id']}/search", params={"q": "renewal"}, headers=Keys.header(keys.reviewer)
    ).json()["hits"][0]["source_id"]
    ui_login(client, keys.reviewer)

    def back(referer: str) -> str:
        return client.get(f"/ui/sources/{source_id}", headers={"Referer": referer}).text

    assert '<a href="/ui/drafts/drf_1?error=x">← Back</a>' in back("http://testserver/ui/drafts/drf_1?error=x")
    assert '<a href="/ui">← Back</a>' in back("http://elsewhere.example/ui/drafts/drf_1")
    assert '<a href="/ui">← Back</a>' in back("http://testserver/v1/accounts")


def test_a_whitespace_draft_shows_the_matrix_with_proposed_cells_outlined(client: TestClient, keys: Keys) -> None:
    draft = imported_and_drafted(client, keys, "whitespace")[1]
    cells = [c["after"] for c in draft["changes"]]
    assert cells
    ui_login(client, keys.reviewer)

    page = client.get(f"/ui/drafts/{draft['id']}").text

    assert '<table class="matrix heatmap">' in page
    for cell in cells:
        assert cell["product"] in page and cell["unit"] in page
    assert page.count('class="cell-') >= len(cells)
    assert page.count(" changed state-proposed") == len(cells)
    assert all(f'href="#change-{c["id"]}"' in page for c in draft["changes"])


def test_a_qbr_draft_shows_each_section_with_its_citations(client: TestClient, keys: Keys) -> None:
    draft = imported_and_drafted(client, keys, "qbr_brief")[1]
    brief = draft["changes"][0]["after"]
    ui_login(client, keys.reviewer)

    page = client.get(f"/ui/drafts/{draft['id']}").text

    for label in ("Summary", "Value delivered", "Relationship changes", "Pipeline and whitespace", "Risks"):
        assert f"<h3>{label}</h3>" in page
    for claim in brief["summary"]:
        assert str(escape(claim["text"])) in page
    assert page.count("<li><q>") >= sum(len(c["citations"]) for c in brief["summary"])  # each claim's evidence


def test_every_value_a_reviewer_sees_carries_its_definition(client: TestClient, keys: Keys) -> None:
    report, draft = imported_and_drafted(client, keys)
    change = next(c for c in draft["changes"] if c["verified"] and c["kind"] == "add_stakeholder")
    token = ui_login(client, keys.reviewer)
    page = client.get(f"/ui/drafts/{draft['id']}").text
    stance = change["after"]["stance"]
    definition = define("stance", stance)
    assert definition and f'title="{escape(definition)}"' in page
    assert f'title="{escape(define("stance"))}"' in page

    ui_decide(client, token, draft, **{change["id"]: "accept"})
    plan = client.get(f"/ui/accounts/{report['account_id']}/plan").text
    assert f'title="{escape(definition)}"' in plan
    assert f'title="{escape(define("buying_role"))}"' in plan


def test_each_comment_box_is_labelled_and_enter_in_it_cannot_submit_the_page(client: TestClient, keys: Keys) -> None:
    _, draft = imported_and_drafted(client, keys)
    ui_login(client, keys.reviewer)

    page = client.get(f"/ui/drafts/{draft['id']}").text

    for change in draft["changes"]:
        field = f"comment_{change['id']}"
        assert f'<label class="small" for="{field}">Comment (optional)</label>' in page
        assert f'<textarea id="{field}" name="{field}"' in page  # Enter adds a line; it does not submit
    assert 'type="text" name="comment_' not in page
