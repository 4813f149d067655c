"""A QBR brief decided claim by claim on the draft page: each claim's diff against the plan's brief with its evidence,
keep or drop and reword per claim, saved as the change's edit and applied by accepting it; bad input comes back
with everything typed and nothing saved; CSRF and tenants hold."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

from fastapi.testclient import TestClient

from app.state import AppState
from plans.brief_review import Status, diff_briefs
from plans.models import QbrBrief
from plans.qbr_export import SALESFORCE_ID
from tests.app.qbr_support import RETIRED, REWORDED, replacing_brief_draft
from tests.app.support import UI_ORIGIN, Keys, draft_row, ui_login, ui_post


def _change(draft: dict[str, Any]) -> dict[str, Any]:
    change = draft["changes"][0]
    assert change["kind"] == "replace_qbr_brief"
    return change  # type: ignore[no-any-return]


def _form(draft: dict[str, Any], **overrides: str) -> dict[str, str]:
    """The per-claim form as the page fills it (what the draft proposes), with `overrides` typed over it."""
    change = _change(draft)
    before = QbrBrief.model_validate(change["before"]) if change["before"] else None
    form = {"version": str(draft["version"])}
    for entries in diff_briefs(before, QbrBrief.model_validate(change["after"])).values():
        for d in entries:
            form[f"keep-{d.key}"] = d.default.value
            if d.proposed is not None:
                form[f"text-{d.key}"] = d.proposed.text
                if hasattr(d.proposed, "severity"):
                    form[f"severity-{d.key}"] = d.proposed.severity.value
                    form[f"mitigation-{d.key}"] = d.proposed.mitigation
    return {**form, **overrides}


def _path(draft: dict[str, Any]) -> str:
    return f"/ui/drafts/{draft['id']}/changes/{_change(draft)['id']}/claims"


def _visible(html: str) -> str:
    """The page's text as a reader sees it: no tags, attributes or scripts."""
    body = re.sub(r"<(script|template)\b.*?</\1>", " ", html, flags=re.S)
    return unescape(re.sub(r"<[^>]+>", " ", body))


def _claim(page: str, key: str) -> str:
    return page.split(f'id="claim-{key}"')[1].split("</li>\n")[0]


def test_the_draft_page_shows_each_claim_against_the_plans_brief_with_its_evidence(
    client: TestClient, app_state: AppState, keys: Keys
) -> None:
    draft, _current = replacing_brief_draft(client, app_state, keys)
    ui_login(client, keys.reviewer)

    page = client.get(f"/ui/drafts/{draft['id']}").text

    assert 'id="qbr-review"' in page
    assert "1 new, 1 changed" in page and "1 removed" in page
    changed = _claim(page, "summary-0")
    assert "Changed" in changed and f"Was: {REWORDED}" in changed
    assert "<del>" in changed and "<ins>" in changed
    assert 'name="keep-summary-0" value="current"' in changed  # keep the plan's wording instead
    assert "Evidence" in changed and "/ui/sources/" in changed
    removed = next(k for k in re.findall(r'id="claim-(asks_and_next_steps-old-\d+)"', page))
    assert RETIRED in _claim(page, removed) and "Removed" in _claim(page, removed)
    assert 'class="unchanged"' in page  # unchanged claims folded away
    # Internal-only claims are marked apart from the customer-facing ones.
    assert "Internal only: where a person stands on us" in page and "Customer-facing" in page
    # Every input has its label.
    brief = page.split('id="qbr-review"')[1].split("</section>")[0]
    for field in re.findall(r'<(?:textarea|select) id="([^"]+)"', brief):
        assert f'<label for="{field}">' in brief, field
    # No raw CRM Id a reader could see: quotes, locators and titles are scrubbed; the field table is gone.
    assert SALESFORCE_ID.findall(_visible(page)) == []
    assert "Summary</td>" not in page


def test_per_claim_choices_are_saved_as_the_changes_edit_and_accepting_applies_them(
    client: TestClient, app_state: AppState, keys: Keys
) -> None:
    draft, _current = replacing_brief_draft(client, app_state, keys)
    change = _change(draft)
    token = ui_login(client, keys.reviewer)
    after = QbrBrief.model_validate(change["after"])
    dropped = after.asks_and_next_steps[0].text
    form = _form(
        draft,
        **{
            "keep-summary-0": "current",
            "keep-asks_and_next_steps-0": "drop",
            "text-value_delivered-0": "Dock door downtime fell 22% in the Edge pilot.",
            "severity-risks-0": "medium",
            "mitigation-risks-0": "Walk the CTO through the pilot numbers.",
        },
    )

    saved = ui_post(client, _path(draft), token, form)

    assert saved.status_code == 200 and saved.url.path == f"/ui/drafts/{draft['id']}"
    assert "Your claim choices are saved" in saved.text
    assert "dropped 1" in saved.text and "edited 2" in saved.text  # the card and the brief say what was done
    assert 'name="keep-asks_and_next_steps-0" value="drop" checked' in saved.text  # read back from the saved edit
    assert 'name="keep-summary-0" value="current" checked' in saved.text
    row = draft_row(app_state, draft["id"]).changes[0]
    assert row.edited_after is not None and row.decision is None
    edited = QbrBrief.model_validate(row.edited_after)
    assert edited.summary[0].text == REWORDED
    assert dropped not in [c.text for c in edited.asks_and_next_steps]
    assert edited.value_delivered[0].text == "Dock door downtime fell 22% in the Edge pilot."
    assert edited.value_delivered[0].citations == after.value_delivered[0].citations
    assert edited.risks[0].mitigation == "Walk the CTO through the pilot numbers."

    version = client.get(f"/v1/drafts/{draft['id']}", headers=Keys.header(keys.reviewer)).json()["version"]
    form["version"] = str(version)
    accepted = ui_post(client, _path(draft), token, {**form, "then": "accept", "comment": "Trimmed for the CFO"})

    assert accepted.status_code == 200 and accepted.url.path.endswith("/plan")
    plan = client.get(f"/v1/accounts/{draft['account_id']}/plan", headers=Keys.header(keys.reviewer)).json()
    assert QbrBrief.model_validate(plan["qbr_brief"]) == edited
    audit = client.get("/v1/audit-log", headers=Keys.header(keys.admin)).json()["items"]
    decision = next(d for d in audit if d["change_id"] == change["id"])
    assert decision["action"] == "edit" and decision["comment"] == "Trimmed for the CFO"
    assert QbrBrief.model_validate(decision["after"]) == edited
    page = client.get(f"/ui/drafts/{draft['id']}").text
    assert "Edited and accepted by" in page
    assert "Decided: Kept" in page and "dropped 1" in page
    assert 'name="keep-' not in page  # decided: nothing left to choose
    audit_page = client.get("/ui/audit").text
    assert "dropped 1" in audit_page


def test_a_kept_claim_without_wording_comes_back_with_everything_typed_and_nothing_saved(
    client: TestClient, app_state: AppState, keys: Keys
) -> None:
    draft, _current = replacing_brief_draft(client, app_state, keys)
    token = ui_login(client, keys.reviewer)
    form = _form(
        draft,
        **{
            "text-summary-1": "   ",
            "keep-risks-2": "sideways",
            "keep-risks-1": "drop",
            "text-risks-0": "Derek Huang is a detractor until the pilot numbers land.",
        },
    )

    page = ui_post(client, _path(draft), token, form)

    assert page.status_code == 422
    alert = page.text.split('id="page-error"')[1].split("</div>")[0]
    assert "2 claims to fix" in alert and "nothing was saved" in alert
    assert "a kept claim needs its wording" in _claim(page.text, "summary-1")
    assert 'aria-invalid="true"' in _claim(page.text, "summary-1")
    assert "choose “Keep” or “Drop”" in _claim(page.text, "risks-2")
    assert "Derek Huang is a detractor until the pilot numbers land." in _claim(page.text, "risks-0")  # kept
    assert 'name="keep-risks-1" value="drop" checked' in page.text
    row = draft_row(app_state, draft["id"]).changes[0]
    assert row.edited_after is None
    assert (
        client.get(f"/v1/drafts/{draft['id']}", headers=Keys.header(keys.reviewer)).json()["version"]
        == draft["version"]
    )


def test_a_stale_form_keeps_the_choices_and_says_why(client: TestClient, app_state: AppState, keys: Keys) -> None:
    draft, _current = replacing_brief_draft(client, app_state, keys)
    token = ui_login(client, keys.reviewer)
    first = ui_post(client, _path(draft), token, _form(draft, **{"keep-summary-1": "drop"}))
    assert first.status_code == 200

    stale = ui_post(client, _path(draft), token, _form(draft, **{"text-risks-2": "Typed on an old page."}))

    assert stale.status_code == 409
    assert "Your claim choices are below, not saved." in stale.text
    assert "Typed on an old page." in stale.text
    row = draft_row(app_state, draft["id"]).changes[0]
    assert row.edited_after is not None
    assert "Typed on an old page." not in str(row.edited_after)


def test_the_claims_form_needs_the_csrf_token_the_reviewer_role_and_the_tenant(
    client: TestClient, app_state: AppState, keys: Keys, other_keys: Keys
) -> None:
    draft, _current = replacing_brief_draft(client, app_state, keys)
    form = _form(draft, **{"keep-summary-1": "drop"})

    token = ui_login(client, keys.reviewer)
    assert client.post(_path(draft), data=form, headers=UI_ORIGIN).status_code == 403  # no token
    assert ui_post(client, _path(draft), "x" * 43, form).status_code == 403  # a wrong one
    foreign = client.post(_path(draft), data={**form, "csrf_token": token}, headers={"Origin": "https://evil.example"})
    assert foreign.status_code == 403

    other = ui_login(client, other_keys.reviewer)  # another tenant's reviewer: the draft does not exist for them
    assert ui_post(client, _path(draft), other, form).status_code == 404
    assert client.get(f"/ui/drafts/{draft['id']}").status_code == 404

    integration = ui_login(client, keys.integration)
    assert ui_post(client, _path(draft), integration, form).status_code == 403
    assert draft_row(app_state, draft["id"]).changes[0].edited_after is None


def test_only_a_qbr_brief_change_takes_claim_choices(client: TestClient, app_state: AppState, keys: Keys) -> None:
    from tests.app.support import imported_and_drafted

    _report, draft = imported_and_drafted(client, keys)
    change = draft["changes"][0]
    token = ui_login(client, keys.reviewer)
    path = f"/ui/drafts/{draft['id']}/changes/{change['id']}/claims"

    response = ui_post(client, path, token, {"version": str(draft["version"])})

    assert response.status_code == 422 and "Not a QBR brief" in response.text
    missing = ui_post(client, f"/ui/drafts/{draft['id']}/changes/chg-nope/claims", token, {"version": "1"})
    assert missing.status_code == 404


def test_the_statuses_the_page_counts_match_the_diff(client: TestClient, app_state: AppState, keys: Keys) -> None:
    draft, current = replacing_brief_draft(client, app_state, keys)
    diffs = diff_briefs(current, QbrBrief.model_validate(_change(draft)["after"]))
    statuses = [d.status for entries in diffs.values() for d in entries]
    assert statuses.count(Status.new) == 1 and statuses.count(Status.changed) == 1
    assert statuses.count(Status.removed) == 1
