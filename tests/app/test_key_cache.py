"""API-key lookups are kept per process for a short TTL; a revoked key is refused within it.

Two apps on one database stand for two API processes; the second one's cache runs on a clock the
test moves, so "within the TTL" is checked exactly rather than slept through.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from app.auth.keycache import KeyCache
from app.auth.service import hash_key
from app.main import create_app
from app.settings import Settings
from app.state import AppState
from tests.app.support import Keys

TTL_S = 5.0


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def other_process(settings: Settings, state_factory: Callable[[Settings], AppState]) -> Iterator[TestClient]:
    """A second API process on the same database (its own embedded vector store folder)."""
    separate = settings.model_copy(update={"data_dir": settings.data_dir.parent / "data-b"})
    with TestClient(create_app(separate, state_factory=state_factory)) as test_client:
        yield test_client


def _key_id(client: TestClient, admin: str, name: str) -> str:
    keys = client.get("/v1/keys", headers=Keys.header(admin)).json()["items"]
    return next(k["id"] for k in keys if k["name"] == name)  # type: ignore[no-any-return]


def _status(client: TestClient, key: str) -> int:
    return client.get("/v1/accounts", headers=Keys.header(key)).status_code


def test_a_key_revoked_through_another_process_is_refused_here_once_the_ttl_has_passed(
    client: TestClient, other_process: TestClient, keys: Keys
) -> None:
    clock = Clock()
    other_process.app.state.planwright.api_keys = KeyCache(TTL_S, clock=clock)  # type: ignore[attr-defined]
    assert _status(other_process, keys.reviewer) == 200  # looked up and remembered by the other process

    revoked = client.delete(
        f"/v1/keys/{_key_id(client, keys.admin, 'acme-sales-reviewer')}", headers=Keys.header(keys.admin)
    )
    assert revoked.status_code == 204

    assert _status(client, keys.reviewer) == 401  # the process that revoked it refuses it at once
    clock.now += TTL_S - 0.01
    assert _status(other_process, keys.reviewer) == 200  # still remembered: the lookup is cached
    clock.now += 0.02
    assert _status(other_process, keys.reviewer) == 401  # the TTL is over: looked up again, and refused
    assert _status(other_process, keys.integration) == 200  # the tenant's other keys are untouched


def test_a_key_revoked_through_this_process_is_refused_at_once_even_when_cached(client: TestClient, keys: Keys) -> None:
    clock = Clock()
    client.app.state.planwright.api_keys = KeyCache(TTL_S, clock=clock)  # type: ignore[attr-defined]
    assert _status(client, keys.reviewer) == 200

    key_id = _key_id(client, keys.admin, "acme-sales-reviewer")
    assert client.delete(f"/v1/keys/{key_id}", headers=Keys.header(keys.admin)).status_code == 204

    assert _status(client, keys.reviewer) == 401


def test_with_a_ttl_of_zero_every_request_looks_the_key_up(
    client: TestClient, other_process: TestClient, keys: Keys
) -> None:
    other_process.app.state.planwright.api_keys = KeyCache(0)  # type: ignore[attr-defined]
    assert _status(other_process, keys.reviewer) == 200

    key_id = _key_id(client, keys.admin, "acme-sales-reviewer")
    assert client.delete(f"/v1/keys/{key_id}", headers=Keys.header(keys.admin)).status_code == 204

    assert _status(other_process, keys.reviewer) == 401


def test_the_service_caches_for_the_configured_ttl_and_never_an_unknown_key(app_state: AppState) -> None:
    assert app_state.settings.api_key_cache_ttl_s == TTL_S  # the default
    clock = Clock()
    cache = KeyCache(TTL_S, clock=clock)
    assert cache.authenticate(app_state.sessions, "pw_nobody") is None
    issued = Keys(app_state, "acme-sales").reviewer
    assert cache.authenticate(app_state.sessions, issued) is not None  # a key issued after a miss works at once


def test_a_lookup_that_raced_a_revocation_here_is_not_remembered(app_state: AppState) -> None:
    """A request that read the key just before the revoking transaction committed cannot cache it again."""
    clock = Clock()
    cache = KeyCache(TTL_S, clock=clock)
    key = Keys(app_state, "acme-sales").reviewer
    principal = cache.authenticate(app_state.sessions, key)
    assert principal is not None and principal.key_id is not None

    cache.forget(principal.key_id)  # the revoke, before its commit
    cache.put(hash_key(key), principal)  # the racing request, with what it read before the commit

    assert cache.get(hash_key(key)) is None
    clock.now += TTL_S + 0.01  # by then every lookup reads the committed revocation
    cache.put(hash_key(key), principal)
    assert cache.get(hash_key(key)) == principal
