"""Each choice saved as it is made (POST /ui/drafts/{id}/choices): shown again on reload and in another browser,
applied by Submit, refused without the CSRF token, across tenants and on bad input, with nothing lost."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi.testclient import TestClient

from app.state import AppState
from tests.app.support import UI_ORIGIN, Keys, draft_row, imported_and_drafted, ui_decide, ui_login, ui_post


def _choose(client: TestClient, token: str, draft: dict[str, Any], change_id: str, **form: str) -> httpx.Response:
    return ui_post(client, f"/ui/drafts/{draft['id']}/choices", token, {"change_id": change_id, **form})


def _row(state: AppState, draft_id: str, change_id: str) -> Any:
    return next(r for r in draft_row(state, draft_id).changes if r.id == change_id)


def _card(html: str, change_id: str) -> str:
    start = html.index(f'id="change-{change_id}"')
    return html[start : html.index("</section>", start)]


def test_a_saved_choice_is_shown_on_reload_and_in_another_browser_and_submit_applies_it(
    client: TestClient, keys: Keys, app_state: AppState
) -> None:
    report, draft = imported_and_drafted(client, keys)
    change = next(c for c in draft["changes"] if c["verified"])
    token = ui_login(client, keys.reviewer)

    saved = _choose(client, token, draft, change["id"], choice="reject", comment="  not a buyer  ")

    assert saved.status_code == 200, saved.text
    body = saved.json()
    assert (body["choice"], body["comment"], body["chosen_by"]) == ("reject", "not a buyer", "acme-sales-reviewer")
    assert "reject saved" in body["message"]
    row = _row(app_state, draft["id"], change["id"])
    assert (row.choice, row.choice_comment, row.decision, row.choice_saved_at is not None) == (
        "reject", "not a buyer", None, True,
    )  # fmt: skip
    # Saving decides nothing and leaves the draft's version alone: nobody's open page goes stale.
    assert draft_row(app_state, draft["id"]).version == draft["version"]

    elsewhere = TestClient(client.app)  # another browser, signed in separately
    ui_login(elsewhere, keys.reviewer)
    for page in (client.get(f"/ui/drafts/{draft['id']}"), elsewhere.get(f"/ui/drafts/{draft['id']}")):
        card = _card(page.text, change["id"])
        assert 'value="reject" checked' in card and ">not a buyer</textarea>" in card
        assert "not applied yet" in card and "Not applied: this change was edited" not in card

    decided = ui_decide(client, token, draft, **{change["id"]: "reject"})

    assert decided.url.path == f"/ui/drafts/{draft['id']}"
    assert "Saved 1 decision: 0 accepted, 1 rejected." in decided.text
    row = _row(app_state, draft["id"], change["id"])
    assert (row.decision, row.choice, row.choice_saved_at) == ("reject", None, None)


def test_a_comment_alone_is_saved_and_a_choice_can_be_cleared(
    client: TestClient, keys: Keys, app_state: AppState
) -> None:
    _, draft = imported_and_drafted(client, keys)
    change = next(c for c in draft["changes"] if c["verified"])
    token = ui_login(client, keys.reviewer)

    assert _choose(client, token, draft, change["id"], choice="accept").status_code == 200
    assert _choose(client, token, draft, change["id"], comment="ask Dana first").status_code == 200

    row = _row(app_state, draft["id"], change["id"])
    assert (row.choice, row.choice_comment) == (None, "ask Dana first")


def test_saving_a_choice_without_the_csrf_token_or_from_another_origin_is_refused_and_saves_nothing(
    client: TestClient, keys: Keys, app_state: AppState
) -> None:
    _, draft = imported_and_drafted(client, keys)
    change = draft["changes"][0]
    token = ui_login(client, keys.reviewer)
    path = f"/ui/drafts/{draft['id']}/choices"
    form = {"change_id": change["id"], "choice": "reject"}

    missing = client.post(path, data=form, headers=UI_ORIGIN)
    wrong = ui_post(client, path, "not-the-session-token", form)
    foreign = client.post(path, data={**form, "csrf_token": token}, headers={"Origin": "http://attacker.example"})

    for refused in (missing, wrong, foreign):
        assert refused.status_code == 403
    assert _row(app_state, draft["id"], change["id"]).choice is None


def test_another_tenants_reviewer_cannot_see_or_save_a_choice(
    client: TestClient, keys: Keys, other_keys: Keys, app_state: AppState
) -> None:
    _, draft = imported_and_drafted(client, keys)
    change = draft["changes"][0]
    outsider = TestClient(client.app)
    token = ui_login(outsider, other_keys.reviewer)

    refused = _choose(outsider, token, draft, change["id"], choice="reject", comment="mine now")

    assert refused.status_code == 404
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert _row(app_state, draft["id"], change["id"]).choice is None


def test_bad_input_gets_a_clear_error_and_keeps_what_was_saved(
    client: TestClient, keys: Keys, app_state: AppState
) -> None:
    _, draft = imported_and_drafted(client, keys)
    change = next(c for c in draft["changes"] if c["verified"])
    token = ui_login(client, keys.reviewer)
    assert _choose(client, token, draft, change["id"], choice="reject", comment="kept").status_code == 200

    answers = {
        "choice": _choose(client, token, draft, change["id"], choice="maybe"),
        "long": _choose(client, token, draft, change["id"], choice="accept", comment="x" * 4001),
        "unknown": _choose(client, token, draft, "chg-nope", choice="accept"),
    }

    assert answers["choice"].status_code == 422 and "accept, reject, or empty" in answers["choice"].json()["detail"]
    assert answers["long"].status_code == 422 and "4000 characters" in answers["long"].json()["detail"]
    assert answers["unknown"].status_code == 404 and "chg-nope" in answers["unknown"].json()["detail"]
    row = _row(app_state, draft["id"], change["id"])
    assert (row.choice, row.choice_comment) == ("reject", "kept")


def test_a_decided_change_or_a_closed_draft_refuses_a_choice_and_keeps_its_decision(
    client: TestClient, keys: Keys, app_state: AppState
) -> None:
    _, draft = imported_and_drafted(client, keys)
    first, second = draft["changes"][0], draft["changes"][1]
    token = ui_login(client, keys.reviewer)
    ui_decide(client, token, draft, **{first["id"]: "reject"})

    late = _choose(client, token, draft, first["id"], choice="accept")

    assert late.status_code == 409 and "decided" in late.json()["detail"]
    assert (_row(app_state, draft["id"], first["id"]).decision, _row(app_state, draft["id"], first["id"]).choice) == (
        "reject", None,
    )  # fmt: skip
    rest = {c["id"]: "reject" for c in draft["changes"] if c["id"] != first["id"]}
    ui_decide(client, token, {**draft, "version": draft["version"] + 1}, **rest)
    closed = _choose(client, token, draft, second["id"], choice="accept")
    assert closed.status_code == 409 and "is decided" in closed.json()["detail"]


def test_an_unverified_change_cannot_be_chosen_for_accepting(
    client: TestClient, keys: Keys, app_state: AppState
) -> None:
    _, draft = imported_and_drafted(client, keys)
    unverified = next((c for c in draft["changes"] if not c["verified"]), None)
    if unverified is None:  # the mini bundle drafts only verified changes: make one fail verification
        unverified = draft["changes"][0]
        with app_state.sessions() as session, session.begin():
            row = _row_in(session, draft["id"], unverified["id"])
            row.issues = [{"code": "quote_not_found", "message": "the quote is not in the source"}]
    token = ui_login(client, keys.reviewer)

    refused = _choose(client, token, draft, unverified["id"], choice="accept")

    assert refused.status_code == 422 and "did not verify" in refused.json()["detail"]
    assert _row(app_state, draft["id"], unverified["id"]).choice is None


def _row_in(session: Any, draft_id: str, change_id: str) -> Any:
    from app.drafts.models import DraftChangeRow

    return session.get(DraftChangeRow, (draft_id, change_id))
