"""Reviewer accounts: created from the CLI with argon2 hashes, signed in with email and password,
throttled without revealing who has an account, and named on every decision they make in the UI."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from app.auth import users
from app.auth.models import UiSession, User
from app.auth.service import Role
from app.cli import cli
from app.db import transaction
from app.drafts.models import DecisionRow
from app.state import AppState
from tests.app.support import UI_ORIGIN, Keys, csrf_token, imported_and_drafted, ui_post

PASSWORD = "correct horse battery staple"


def _create(state: AppState, email: str = "dana@acme.example", tenant: str = "acme-sales", **kwargs: object) -> User:
    with transaction(state.sessions) as session:
        user = users.create_user(session, tenant, email, kwargs.pop("password", PASSWORD), **kwargs)  # type: ignore[arg-type]
        session.expunge(user)
        return user


def _sign_in(client: TestClient, email: str, password: str) -> httpx.Response:
    form = client.get("/ui/login")
    return client.post(
        "/ui/login", data={"email": email, "password": password, "csrf_token": csrf_token(form.text)}, headers=UI_ORIGIN
    )


# Creating accounts


def test_a_user_is_stored_with_an_argon2_hash_and_a_normalized_email(app_state: AppState, keys: Keys) -> None:
    user = _create(app_state, "  Dana@ACME.example ", name="Dana Whitfield")

    assert user.email == "dana@acme.example" and user.role == "reviewer" and user.name == "Dana Whitfield"
    assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash


@pytest.mark.parametrize(
    ("email", "password", "tenant", "message"),
    [
        ("dana@acme.example", PASSWORD, "acme-sales", "already has an account"),
        ("DANA@acme.example", PASSWORD, "acme-sales", "already has an account"),
        ("lee@acme.example", "", "acme-sales", "A password is required"),
        ("lee@acme.example", "short pw", "acme-sales", "at least 12 characters"),
        ("lee@acme.example", "aaaaaaaaaaaaaaaa", "acme-sales", "too easy to guess"),
        ("lee@acme.example", "Password1234", "acme-sales", "too easy to guess"),
        ("lee@acme.example", "lee@acme.example", "acme-sales", "too easy to guess"),
        ("lee@acme.example", PASSWORD, "acme-slaes", "Unknown tenant 'acme-slaes'"),
        ("not an email", PASSWORD, "acme-sales", "is not an email address"),
        ("", PASSWORD, "acme-sales", "An email is required"),
    ],
)
def test_bad_input_is_refused_saying_what_to_fix(
    app_state: AppState, keys: Keys, email: str, password: str, tenant: str, message: str
) -> None:
    _create(app_state)
    with pytest.raises(users.UserError, match=message):
        _create(app_state, email, tenant, password=password)


def test_a_user_is_a_reviewer_or_an_admin_never_an_integration(app_state: AppState, keys: Keys) -> None:
    assert _create(app_state, role=Role.admin).role == "admin"
    with pytest.raises(users.UserError, match="reviewer or admin"):
        _create(app_state, "bot@acme.example", role=Role.integration)


# Signing in


def test_a_reviewer_signs_in_with_email_and_password(client: TestClient, app_state: AppState, keys: Keys) -> None:
    user = _create(app_state, name="Dana Whitfield")

    page = _sign_in(client, "DANA@acme.example ", PASSWORD)

    assert page.status_code == 200 and page.url.path == "/ui"
    assert "Dana Whitfield · tenant acme-sales" in page.text
    with app_state.sessions() as session:
        (row,) = session.scalars(select(UiSession))
        assert (row.user_id, row.key_id, row.roles, row.principal) == (user.id, None, ["reviewer"], "Dana Whitfield")
        assert session.get(User, user.id).last_login_at is not None  # type: ignore[union-attr]


def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(client: TestClient, app_state: AppState) -> None:
    _create(app_state, tenant="acme-sales", new_tenant=True)

    wrong = _sign_in(client, "dana@acme.example", "not the password at all")
    unknown = _sign_in(client, "nobody@acme.example", PASSWORD)

    for page in (wrong, unknown):
        assert page.status_code == 200 and page.url.path == "/ui/login"
        assert "That email and password do not match an account." in page.text
        assert 'role="alert"' in page.text
    assert 'value="nobody@acme.example"' in unknown.text  # the email is kept, the password never
    assert PASSWORD not in unknown.text
    assert client.get("/ui", follow_redirects=False).status_code == 303


def test_an_unknown_email_costs_a_password_check_too(app_state: AppState, monkeypatch: pytest.MonkeyPatch) -> None:
    _create(app_state, new_tenant=True)
    checked: list[str] = []
    verify = users._verify
    monkeypatch.setattr(users, "_verify", lambda h, p: checked.append(h) or verify(h, p))

    with transaction(app_state.sessions) as session:
        assert users.sign_in(session, "nobody@acme.example", PASSWORD).principal is None
        assert users.sign_in(session, "dana@acme.example", "wrong password here").principal is None

    assert len(checked) == 2 and all(h.startswith("$argon2id$") for h in checked)


def test_five_failures_lock_an_email_whether_or_not_it_has_an_account(client: TestClient, app_state: AppState) -> None:
    _create(app_state, new_tenant=True)
    for email in ("dana@acme.example", "nobody@acme.example"):
        answers = [_sign_in(client, email, "wrong password here") for _ in range(users.MAX_FAILURES)]
        assert [a.status_code for a in answers] == [200] * (users.MAX_FAILURES - 1) + [429]
        assert "Too many failed sign-ins for this email" in answers[-1].text

    locked = _sign_in(client, "dana@acme.example", PASSWORD)  # the right password waits out the lock too

    assert locked.status_code == 429 and locked.url.path == "/ui/login"
    other = _sign_in(client, "lee@acme.example", PASSWORD)  # other emails are not affected
    assert other.status_code == 200 and "do not match" in other.text


def test_the_lock_ends_and_a_success_clears_the_count(app_state: AppState) -> None:
    from datetime import timedelta

    from app.db import utcnow

    _create(app_state, new_tenant=True)
    now = utcnow()
    with transaction(app_state.sessions) as session:
        for _ in range(users.MAX_FAILURES):
            result = users.sign_in(session, "dana@acme.example", "wrong password here", now)
        assert result.locked_until == now + users.LOCKOUT
        assert users.sign_in(session, "dana@acme.example", PASSWORD, now + timedelta(minutes=1)).locked_until
        later = now + users.LOCKOUT + timedelta(seconds=1)
        assert users.sign_in(session, "dana@acme.example", PASSWORD, later).principal is not None
        for _ in range(users.MAX_FAILURES - 1):  # the count started again from zero
            assert users.sign_in(session, "dana@acme.example", "wrong password here", later).locked_until is None


def test_the_api_key_sign_in_still_works_beside_it(client: TestClient, keys: Keys) -> None:
    form = client.get("/ui/login")
    assert 'name="email"' in form.text and 'name="password"' in form.text
    assert "sign in with an API key instead" in form.text

    page = client.post(
        "/ui/login", data={"api_key": keys.reviewer, "csrf_token": csrf_token(form.text)}, headers=UI_ORIGIN
    )

    assert page.url.path == "/ui" and "acme-sales-reviewer" in page.text


# Attribution


def test_a_decision_in_the_ui_names_the_signed_in_reviewer_on_the_card(
    client: TestClient, app_state: AppState, keys: Keys
) -> None:
    _report, draft = imported_and_drafted(client, keys)
    user = _create(app_state, name="Dana Whitfield")
    change = next(c for c in draft["changes"] if c["verified"])
    page = _sign_in(client, "dana@acme.example", PASSWORD)

    form = {
        "version": str(draft["version"]),
        f"action_{change['id']}": "reject",
        f"comment_{change['id']}": "Confirmed with the account team",
    }
    decided = ui_post(client, f"/ui/drafts/{draft['id']}/decisions", csrf_token(page.text), form)

    assert decided.status_code == 200
    with app_state.sessions() as session:
        (row,) = session.scalars(select(DecisionRow))
        assert (row.actor, row.user_id, row.action) == ("Dana Whitfield", user.id, "reject")
    card = client.get(f"/ui/drafts/{draft['id']}").text.split(f'data-change="{change["id"]}"')[1].split("</section>")[0]
    assert "Rejected by <strong>Dana Whitfield</strong>" in card
    assert row.created_at.strftime("%Y-%m-%d %H:%M") in card
    assert "Confirmed with the account team" in card
    audit = client.get("/v1/audit-log", headers=Keys.header(keys.admin)).json()["items"]
    assert audit[0]["actor"] == "Dana Whitfield"


# The command line


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PLANWRIGHT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PLANWRIGHT_EMBEDDER", "hashing")
    monkeypatch.delenv("PLANWRIGHT_DATABASE_URL", raising=False)
    return tmp_path / "data"


def test_users_create_reads_the_password_from_a_prompt_without_echoing_it(data_dir: Path) -> None:
    runner = CliRunner()
    created = runner.invoke(
        cli,
        ["users", "create", "--tenant", "acme", "--new-tenant", "--email", "dana@acme.example", "--name", "Dana W"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )

    assert created.exit_code == 0, created.output
    assert PASSWORD not in created.output and "Password" in created.output
    assert "dana@acme.example (reviewer) in tenant acme" in created.output
    listed = runner.invoke(cli, ["users", "list", "--tenant", "acme"])
    assert "dana@acme.example" in listed.output and "Dana W" in listed.output and "$argon2" not in listed.output


def test_users_create_takes_the_password_on_stdin_and_explains_refusals(data_dir: Path) -> None:
    runner = CliRunner()
    base = ["users", "create", "--tenant", "acme", "--email", "lee@acme.example", "--password-stdin"]

    unknown = runner.invoke(cli, base, input=f"{PASSWORD}\n")
    assert unknown.exit_code == 2 and "Unknown tenant 'acme'" in unknown.output

    created = runner.invoke(cli, [*base, "--new-tenant", "--role", "admin"], input=f"{PASSWORD}\n")
    assert created.exit_code == 0, created.output
    assert "(admin)" in created.output

    again = runner.invoke(cli, base, input=f"{PASSWORD}\n")
    assert again.exit_code == 2 and "lee@acme.example already has an account" in again.output
    weak = runner.invoke(cli, [*base[:4], "--email", "kim@acme.example", "--password-stdin"], input="hunter2\n")
    assert weak.exit_code == 2 and "too short" in weak.output
    empty = runner.invoke(cli, [*base[:4], "--email", "kim@acme.example", "--password-stdin"], input="\n")
    assert empty.exit_code == 2 and "A password is required" in empty.output
    role = runner.invoke(cli, [*base, "--role", "integration"], input=f"{PASSWORD}\n")
    assert role.exit_code == 2 and "use reviewer or admin" in role.output


def test_failures_older_than_the_window_are_forgotten(app_state: AppState) -> None:
    from datetime import timedelta

    from app.auth.models import LoginThrottle
    from app.db import utcnow

    now = utcnow()
    with transaction(app_state.sessions) as session:
        for email in ("a@acme.example", "b@acme.example"):
            users.sign_in(session, email, "wrong password here", now)
        users.sign_in(
            session, "c@acme.example", "wrong password here", now + users.FAILURE_WINDOW + timedelta(seconds=1)
        )
        assert session.scalar(select(func.count()).select_from(LoginThrottle)) == 1
