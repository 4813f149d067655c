"""UI sessions, CSRF and the Origin check, API keys an admin lists and revokes, and security headers."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import AnyHttpUrl
from sqlalchemy import select, update

from app.auth.models import ApiKey, UiSession
from app.db import utcnow
from app.main import create_app
from app.settings import Settings
from app.state import AppState
from app.ui.router import LOGIN_CSRF_COOKIE, SESSION_COOKIE
from tests.app.support import UI_ORIGIN, Keys, csrf_token, imported_and_drafted, ui_decide, ui_login, ui_post


def _sessions(state: AppState) -> list[UiSession]:
    with state.sessions() as session:
        return list(session.scalars(select(UiSession)))


def _undecided(client: TestClient, keys: Keys, draft_id: str) -> bool:
    draft = client.get(f"/v1/drafts/{draft_id}", headers=Keys.header(keys.reviewer)).json()
    return all(c["decision"] is None for c in draft["changes"]) and draft["status"] == "pending_review"


def _set_cookies(response: Any) -> dict[str, str]:
    """Each Set-Cookie header of a response by cookie name, lower-cased."""
    return {h.split("=", 1)[0]: h.lower() for h in response.headers.get_list("set-cookie")}


# Sessions


def test_the_cookie_holds_a_random_session_token_never_the_api_key(client: TestClient, keys: Keys) -> None:
    form = client.get("/ui/login")
    signed_in = client.post(
        "/ui/login",
        data={"api_key": keys.reviewer, "csrf_token": csrf_token(form.text)},
        headers=UI_ORIGIN,
        follow_redirects=False,
    )

    assert signed_in.status_code == 303
    cookie = _set_cookies(signed_in)[SESSION_COOKIE]
    token = client.cookies[SESSION_COOKIE]
    assert keys.reviewer not in cookie and keys.reviewer not in token and len(token) >= 43
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/" in cookie
    assert "secure" not in cookie  # plain http: a Secure cookie would never come back
    assert "planwright_key" not in client.cookies
    (row,) = _sessions(client.app.state.planwright)  # type: ignore[attr-defined]
    assert row.id == hashlib.sha256(token.encode()).hexdigest() and row.id != token
    assert (row.principal, row.tenant, row.roles) == ("acme-sales-reviewer", "acme-sales", ["reviewer"])
    assert client.get("/ui").status_code == 200


def test_the_cookie_is_secure_over_https(client: TestClient, keys: Keys) -> None:
    browser = TestClient(client.app, base_url="https://testserver")
    form = browser.get("/ui/login")
    assert "secure" in _set_cookies(form)[LOGIN_CSRF_COOKIE]

    signed_in = browser.post(
        "/ui/login",
        data={"api_key": keys.reviewer, "csrf_token": csrf_token(form.text)},
        headers={"Origin": "https://testserver"},
        follow_redirects=False,
    )

    assert signed_in.status_code == 303
    assert "secure" in _set_cookies(signed_in)[SESSION_COOKIE]


def test_behind_a_tls_proxy_public_url_makes_the_cookie_secure_and_its_origin_trusted(
    settings: Settings, state_factory: Any, keys: Keys
) -> None:
    proxied = settings.model_copy(update={"public_url": AnyHttpUrl("https://plans.example.com")})
    with TestClient(create_app(proxied, state_factory=state_factory), base_url="http://10.0.0.7:8000") as app:
        form = app.get("/ui/login")
        assert "secure" in _set_cookies(form)[LOGIN_CSRF_COOKIE]
        token = csrf_token(form.text)
        # The browser speaks https to the proxy, so it sends the Secure cookie back; TestClient would not.
        browser = {"Cookie": f"{LOGIN_CSRF_COOKIE}={token}", "Origin": "https://plans.example.com"}
        signed_in = app.post(
            "/ui/login", data={"api_key": keys.reviewer, "csrf_token": token}, headers=browser, follow_redirects=False
        )
        foreign = app.post(
            "/ui/login",
            data={"api_key": keys.reviewer, "csrf_token": token},
            headers={**browser, "Origin": "https://plans.example.com:8443"},
        )

    assert signed_in.status_code == 303
    assert "secure" in _set_cookies(signed_in)[SESSION_COOKIE]
    assert foreign.status_code == 403


def test_signing_out_ends_the_session_on_the_server(client: TestClient, keys: Keys, app_state: AppState) -> None:
    token = ui_login(client, keys.reviewer)
    old_cookie = client.cookies[SESSION_COOKIE]

    signed_out = ui_post(client, "/ui/logout", token)

    assert signed_out.url.path == "/ui/login"
    assert _sessions(app_state) == []
    assert SESSION_COOKIE not in client.cookies
    client.cookies.set(SESSION_COOKIE, old_cookie)  # a copy of the cookie taken before sign-out
    replayed = client.get("/ui", follow_redirects=False)
    assert replayed.status_code == 303 and replayed.headers["location"] == "/ui/login"


def test_signing_in_again_replaces_the_earlier_session(client: TestClient, keys: Keys, app_state: AppState) -> None:
    ui_login(client, keys.reviewer)
    first = client.cookies[SESSION_COOKIE]

    ui_login(client, keys.admin)

    assert client.cookies[SESSION_COOKIE] != first
    assert [s.principal for s in _sessions(app_state)] == ["acme-sales-admin"]


@pytest.mark.parametrize("expiry", ["idle", "absolute"])
def test_an_idle_or_old_session_ends(client: TestClient, keys: Keys, app_state: AppState, expiry: str) -> None:
    ui_login(client, keys.reviewer)
    settings = app_state.settings
    now = utcnow()
    if expiry == "idle":
        changed: dict[str, Any] = {"last_seen_at": now - timedelta(seconds=settings.session_idle_timeout_s + 1)}
    else:
        changed = {"expires_at": now - timedelta(seconds=1)}
    with app_state.sessions() as session, session.begin():
        session.execute(update(UiSession).values(**changed))

    response = client.get("/ui", follow_redirects=False)

    assert response.status_code == 303 and response.headers["location"] == "/ui/login"
    assert _sessions(app_state) == []


def test_v1_never_takes_the_ui_cookie(client: TestClient, keys: Keys) -> None:
    ui_login(client, keys.admin)
    assert client.get("/ui").status_code == 200

    assert client.get("/v1/accounts").status_code == 401
    client.cookies.set("planwright_key", keys.admin)  # what older releases kept in the cookie
    assert client.get("/v1/accounts").status_code == 401
    assert client.post("/v1/import", files={"bundle": ("b.zip", b"PK", "application/zip")}).status_code == 401
    assert client.get("/v1/accounts", headers=Keys.header(keys.admin)).status_code == 200


# CSRF on UI forms


def test_a_decision_without_the_csrf_token_is_refused_and_nothing_is_decided(client: TestClient, keys: Keys) -> None:
    _, draft = imported_and_drafted(client, keys)
    ui_login(client, keys.reviewer)
    form = {"version": str(draft["version"]), "bulk": "reject_all"}
    path = f"/ui/drafts/{draft['id']}/decisions"

    missing = client.post(path, data=form, headers=UI_ORIGIN)
    wrong = ui_post(client, path, "not-the-session-token", form)
    other_session = ui_post(client, path, ui_login(TestClient(client.app), keys.reviewer), form)

    for refused in (missing, wrong, other_session):  # a page of the UI, as every UI error is
        assert refused.status_code == 403
        assert refused.headers["content-type"].startswith("text/html")
        assert "CSRF token" in refused.text
    assert _undecided(client, keys, draft["id"])


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://testserver:8080"},  # another port of the same site
        {"Origin": "https://testserver"},  # another scheme
        {"Origin": "http://attacker.example"},
        {"Origin": "null"},  # a sandboxed frame or a data: page
        {"Referer": "http://attacker.example/page"},
        {},  # neither Origin nor Referer
    ],
)
def test_a_decision_from_another_origin_is_refused_and_nothing_is_decided(
    client: TestClient, keys: Keys, headers: dict[str, str]
) -> None:
    _, draft = imported_and_drafted(client, keys)
    token = ui_login(client, keys.reviewer)
    form = {"version": str(draft["version"]), "bulk": "reject_all", "csrf_token": token}

    refused = client.post(f"/ui/drafts/{draft['id']}/decisions", data=form, headers=headers)

    assert refused.status_code == 403
    assert "Origin" in refused.text
    assert _undecided(client, keys, draft["id"])


def test_a_same_origin_referer_stands_in_for_a_missing_origin(client: TestClient, keys: Keys) -> None:
    _, draft = imported_and_drafted(client, keys)
    token = ui_login(client, keys.reviewer)
    form = {"version": str(draft["version"]), "bulk": "reject_all", "confirmed": "yes", "csrf_token": token}

    decided = client.post(
        f"/ui/drafts/{draft['id']}/decisions",
        data=form,
        headers={"Referer": f"http://testserver/ui/drafts/{draft['id']}"},
    )

    assert decided.status_code == 200
    assert not _undecided(client, keys, draft["id"])


def test_sign_out_needs_the_csrf_token(client: TestClient, keys: Keys, app_state: AppState) -> None:
    ui_login(client, keys.reviewer)

    assert client.post("/ui/logout", headers=UI_ORIGIN).status_code == 403

    assert len(_sessions(app_state)) == 1
    assert client.get("/ui", follow_redirects=False).status_code == 200


def test_every_form_of_the_ui_carries_the_sessions_csrf_token(client: TestClient, keys: Keys) -> None:
    _, draft = imported_and_drafted(client, keys)
    token = ui_login(client, keys.reviewer)

    page = client.get(f"/ui/drafts/{draft['id']}").text

    assert page.count("<form") == 2  # sign out, decisions
    assert page.count(f'name="csrf_token" value="{token}"') == 2


@pytest.mark.parametrize("attack", ["no token", "token not matching the cookie", "foreign origin"])
def test_login_csrf_cannot_sign_a_victim_in_as_the_attacker(
    client: TestClient, keys: Keys, other_keys: Keys, app_state: AppState, attack: str
) -> None:
    form = client.get("/ui/login")  # the victim's browser has the sign-in cookie
    data = {"api_key": other_keys.reviewer, "csrf_token": csrf_token(form.text)}
    headers = UI_ORIGIN
    if attack == "no token":
        del data["csrf_token"]
    elif attack == "token not matching the cookie":
        data["csrf_token"] = csrf_token(TestClient(client.app).get("/ui/login").text)  # the attacker's own
    else:
        headers = {"Origin": "http://testserver:8081"}

    refused = client.post("/ui/login", data=data, headers=headers, follow_redirects=False)

    assert refused.status_code == 403
    assert SESSION_COOKIE not in client.cookies and _sessions(app_state) == []


# API keys


def test_an_admin_issues_lists_and_revokes_keys(client: TestClient, keys: Keys) -> None:
    admin = Keys.header(keys.admin)

    issued = client.post("/v1/keys", json={"name": "crm plugin", "roles": ["integration"]}, headers=admin)
    assert issued.status_code == 201, issued.text
    created = issued.json()
    assert created["key"].startswith("pw_") and created["tenant"] == "acme-sales" and created["revoked"] is False
    new_key = Keys.header(created["key"])
    assert client.get("/v1/accounts", headers=new_key).status_code == 200

    listed = client.get("/v1/keys", headers=admin)
    assert listed.status_code == 200
    items = {k["name"]: k for k in listed.json()["items"]}
    assert set(items) == {"acme-sales-admin", "acme-sales-reviewer", "acme-sales-plugin", "crm plugin"}
    assert items["crm plugin"]["roles"] == ["integration"] and items["crm plugin"]["last_used_at"] is not None
    assert items["acme-sales-reviewer"]["last_used_at"] is None
    for secret in (keys.admin, keys.reviewer, keys.integration, created["key"]):
        assert secret not in listed.text and hashlib.sha256(secret.encode()).hexdigest() not in listed.text
    fields = {"id", "name", "tenant", "roles", "created_at", "last_used_at", "revoked_at", "revoked"}
    assert set(created) == fields | {"key"} and all(set(k) == fields for k in items.values())

    revoked = client.delete(f"/v1/keys/{created['id']}", headers=admin)
    assert revoked.status_code == 204
    assert client.get("/v1/accounts", headers=new_key).status_code == 401
    after = {k["id"]: k for k in client.get("/v1/keys", headers=admin).json()["items"]}
    assert after[created["id"]]["revoked"] is True and after[created["id"]]["revoked_at"] is not None
    assert client.delete(f"/v1/keys/{created['id']}", headers=admin).status_code == 204  # revoking twice is fine


def test_keys_list_pages_with_a_cursor(client: TestClient, keys: Keys) -> None:
    admin = Keys.header(keys.admin)
    first = client.get("/v1/keys", params={"limit": 2}, headers=admin).json()
    rest = client.get("/v1/keys", params={"limit": 2, "cursor": first["next_cursor"]}, headers=admin).json()

    assert len(first["items"]) == 2 and first["next_cursor"]
    assert len(rest["items"]) == 1 and rest["next_cursor"] is None
    assert {k["id"] for k in first["items"]}.isdisjoint(k["id"] for k in rest["items"])


@pytest.mark.parametrize("role", ["reviewer", "integration"])
def test_only_an_admin_manages_keys(client: TestClient, keys: Keys, app_state: AppState, role: str) -> None:
    caller = Keys.header(getattr(keys, role))
    with app_state.sessions() as session:
        admin_key_id = session.scalar(select(ApiKey.id).where(ApiKey.name == "acme-sales-admin"))

    assert client.get("/v1/keys", headers=caller).status_code == 403
    assert client.post("/v1/keys", json={"name": "mine", "roles": ["admin"]}, headers=caller).status_code == 403
    assert client.delete(f"/v1/keys/{admin_key_id}", headers=caller).status_code == 403
    assert client.get("/v1/keys", headers=Keys.header(keys.admin)).status_code == 200


def test_keys_are_scoped_to_the_admins_tenant(client: TestClient, keys: Keys, other_keys: Keys) -> None:
    ours = client.get("/v1/keys", headers=Keys.header(keys.admin)).json()["items"]
    theirs = client.get("/v1/keys", headers=Keys.header(other_keys.admin)).json()["items"]
    reviewer_id = next(k["id"] for k in ours if k["name"] == "acme-sales-reviewer")

    assert {k["tenant"] for k in theirs} == {"other-tenant"}
    assert client.delete(f"/v1/keys/{reviewer_id}", headers=Keys.header(other_keys.admin)).status_code == 404
    assert client.get("/v1/accounts", headers=Keys.header(keys.reviewer)).status_code == 200
    made = client.post("/v1/keys", json={"name": "x", "roles": ["reviewer"]}, headers=Keys.header(other_keys.admin))
    assert made.json()["tenant"] == "other-tenant"


def test_a_key_needs_a_name_and_known_roles(client: TestClient, keys: Keys) -> None:
    admin = Keys.header(keys.admin)
    for body in ({"name": "x", "roles": []}, {"name": "x", "roles": ["root"]}, {"name": "", "roles": ["admin"]}):
        assert client.post("/v1/keys", json=body, headers=admin).status_code == 422


def test_revoking_a_key_ends_its_ui_sessions(client: TestClient, keys: Keys, app_state: AppState) -> None:
    ui_login(client, keys.reviewer)
    admin_browser = TestClient(client.app)
    ui_login(admin_browser, keys.admin)
    reviewer_id = next(
        k["id"]
        for k in client.get("/v1/keys", headers=Keys.header(keys.admin)).json()["items"]
        if k["name"].endswith("reviewer")
    )

    assert client.delete(f"/v1/keys/{reviewer_id}", headers=Keys.header(keys.admin)).status_code == 204

    ended = client.get("/ui", follow_redirects=False)
    assert ended.status_code == 303 and ended.headers["location"] == "/ui/login"
    assert [s.principal for s in _sessions(app_state)] == ["acme-sales-admin"]
    assert admin_browser.get("/ui", follow_redirects=False).status_code == 200


# Security headers


def _assert_security_headers(response: Any) -> None:
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["x-frame-options"] == "DENY"


def test_every_response_carries_the_security_headers(client: TestClient, keys: Keys) -> None:
    ok = client.get("/v1/accounts", headers=Keys.header(keys.reviewer))
    unauthorized = client.get("/v1/accounts")
    missing = client.get("/v1/drafts/drf_missing", headers=Keys.header(keys.reviewer))
    invalid = client.post("/v1/keys", json={}, headers=Keys.header(keys.admin))
    login_page = client.get("/ui/login")
    redirect = client.get("/ui", follow_redirects=False)
    refused = client.post("/ui/login", data={"api_key": "x"})
    docs = client.get("/docs")

    assert [r.status_code for r in (ok, unauthorized, missing, invalid, login_page, redirect, refused, docs)] == [
        200, 401, 404, 422, 200, 303, 403, 200,
    ]  # fmt: skip
    for response in (ok, unauthorized, missing, invalid, login_page, redirect, refused, docs):
        _assert_security_headers(response)
    assert login_page.headers["cache-control"] == "no-store"


def test_the_ui_needs_nothing_its_content_security_policy_forbids(client: TestClient, keys: Keys) -> None:
    report, draft = imported_and_drafted(client, keys, "whitespace")
    ui_login(client, keys.reviewer)
    pages = [
        client.get(path)
        for path in ("/ui/login", "/ui", f"/ui/drafts/{draft['id']}", f"/ui/accounts/{report['account_id']}/plan")
    ]

    for page in pages:
        assert page.status_code == 200
        assert "<style" not in page.text and "style=" not in page.text  # CSP: no inline styles
        scripts = re.findall(r"<script[^>]*>", page.text)
        assert all(re.fullmatch(r'<script src="/ui/static/[\w.-]+\.js" defer>', tag) for tag in scripts), scripts
        assert "javascript:" not in page.text and " onclick=" not in page.text
        assert 'href="/ui/static/planwright.css"' in page.text
    css = client.get("/ui/static/planwright.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css") and ".card" in css.text


def test_the_plan_pages_markdown_export_works_with_the_session(client: TestClient, keys: Keys) -> None:
    report, draft = imported_and_drafted(client, keys, "qbr_brief")
    token = ui_login(client, keys.reviewer)
    change = draft["changes"][0]
    ui_decide(client, token, draft, **{change["id"]: "accept"})
    plan = client.get(f"/ui/accounts/{report['account_id']}/plan").text
    link = f"/ui/accounts/{report['account_id']}/plan/qbr.md?version=2"
    assert f'href="{link}"' in plan

    exported = client.get(link)

    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/markdown")
    assert exported.text.startswith(f"# {report['name']} — QBR brief\n")
    legacy = client.get(f"/ui/accounts/{report['account_id']}/plan/qbr-brief.md?version=2")  # old links still work
    assert legacy.status_code == 200 and legacy.text.startswith(f"# {report['name']} — QBR brief (plan v2)")
