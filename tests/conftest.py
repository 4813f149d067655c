"""Suite-wide guards: no test reaches the network, and no test calls a real model; the slowest files run first."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator

import pytest
from hypothesis import settings

# Locally, property tests draw new examples every run; CI (HYPOTHESIS_PROFILE=ci) draws the same
# ones every time, so a landing never depends on the luck of the draw.
settings.register_profile("ci", derandomize=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

_LOOPBACK = {"127.0.0.1", "::1", "localhost"}
_real_connect = socket.socket.connect


def _guarded_connect(self: socket.socket, address: object) -> None:
    host = address[0] if isinstance(address, tuple) else None
    if self.family in (socket.AF_INET, socket.AF_INET6) and host not in _LOOPBACK:
        raise RuntimeError(f"tests must not touch the network (tried {address!r})")
    _real_connect(self, address)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    yield


# The slowest files, slowest first (measured on 2 cores). `make test` runs the suite on pytest-xdist workers with
# `--dist loadfile --no-loadscope-reorder`: each file goes whole to one worker (so a module's expensive fixtures are
# built once) and files are handed out in collection order. Starting with these keeps the run's tail short: the other
# workers fill in with small files while one works through a long one, instead of one long file starting last.
SLOWEST_FIRST = (
    "tests/app/test_local_llm_server.py",  # ~90 s: a llama.cpp server and three real drafts
    "tests/app/test_openapi_fuzz.py",  # ~145 s: schemathesis, on SQLite and on PostgreSQL
    "tests/app/test_webhooks.py",  # ~90 s
    "tests/app/test_users.py",  # ~50 s
    "tests/app/test_sessions.py",
    "tests/app/test_browser_undo.py",
    "tests/app/test_faults.py",
    "tests/app/test_error_answers.py",
    "tests/app/test_qbr_claims.py",
    "tests/app/test_cli.py",
    "tests/app/test_browser_plan.py",
)


@pytest.hookimpl(trylast=True)  # after pytest's own reordering by fixture scope, which the stable sort keeps
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    rank = {path: i for i, path in enumerate(SLOWEST_FIRST)}
    # sorted() is stable: within a file, and among the other files, collection order stays.
    items[:] = sorted(items, key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))
