"""Schemathesis over the whole OpenAPI, in-process, with an admin key on a seeded app.

Every operation gets valid and invalid requests (positive and negative generation), once with the
seeded ids in its path and once with generated ones. The gate: no 5xx, every status the operation
returns is documented, and every response body matches its documented schema. Bounded and
derandomized, so CI gets the same cases on every run.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance
from sqlalchemy import select

from app.main import create_app
from app.problems import PROBLEM_JSON
from app.settings import Settings
from app.sources.models import SourceRow
from app.state import AppState
from tests.app.support import MINI_BUNDLE, Keys, zip_bundle

MAX_EXAMPLES = 50  # per operation, generation mode and id choice
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
TENANT = "acme-sales"


@pytest.fixture
def fuzzed_app(settings: Settings, state_factory: Callable[[Settings], AppState]) -> Iterator[FastAPI]:
    """The app with its lifespan run by schemathesis's in-process transport; shut down after the test."""
    app = create_app(settings.model_copy(update={"webhooks_enabled": False}), state_factory=state_factory)
    try:
        yield app
    finally:
        asgi.shutdown_lifespans()


def _seed(app: FastAPI) -> tuple[str, dict[str, str]]:
    """An admin key, and an id of each kind that exists: account, draft, source, webhook."""
    state: AppState = app.state.planwright
    admin = Keys(state, TENANT).admin
    auth = Keys.header(admin)
    with asgi.get_client(app) as http:
        imported = http.post(
            "/v1/import", headers=auth, files={"bundle": ("bundle.zip", zip_bundle(MINI_BUNDLE), "application/zip")}
        )
        assert imported.status_code == 200, imported.text
        account_id = imported.json()["account_id"]
        draft = http.post(f"/v1/accounts/{account_id}/drafts", headers=auth, json={"kind": "stakeholder_map"})
        assert draft.status_code == 202, draft.text
        hook = {"url": "https://hooks.example.com/planwright", "events": ["draft.ready"]}
        webhook = http.post("/v1/webhooks", headers=auth, json=hook)
        assert webhook.status_code == 201, webhook.text
    state.runner.wait_idle(60)
    with state.sessions() as session:
        source_id = session.scalar(select(SourceRow.id).where(SourceRow.tenant == TENANT).limit(1))
    assert source_id is not None
    ids = {
        "account_id": account_id,
        "draft_id": draft.json()["id"],
        "source_id": source_id,
        "webhook_id": webhook.json()["id"],
    }
    return admin, ids


def test_every_operation_answers_as_documented(fuzzed_app: FastAPI, capsys: pytest.CaptureFixture[str]) -> None:
    started = time.monotonic()
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzzed_app)
    admin, ids = _seed(fuzzed_app)
    headers = {"Authorization": f"Bearer {admin}"}
    cases = 0
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        names = {p.name for p in operation.path_parameters}
        known = {name: value for name, value in ids.items() if name in names}
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
            strategies = [operation.as_strategy(generation_mode=mode, headers=headers)]
            if known:
                strategies.append(
                    operation.as_strategy(generation_mode=mode, headers=headers, path_parameters=known)
                )

            @hypothesis_settings(
                max_examples=MAX_EXAMPLES * len(strategies),
                derandomize=True,
                database=None,
                deadline=None,
                phases=[Phase.explicit, Phase.generate, Phase.shrink],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=st.one_of(strategies))
            def run(case: schemathesis.Case) -> None:
                nonlocal cases
                cases += 1
                case.call_and_validate(checks=CHECKS)

            try:
                run()
            except Unsatisfiable:
                pass  # nothing to negate: its only inputs are string path parameters and the fixed key
            except (Exception, BaseExceptionGroup) as exc:  # one operation's failure must not hide the others'
                failures.append(f"{operation.label} [{mode}]:\n{exc}")
    fuzzed_app.state.planwright.runner.wait_idle(60)
    with capsys.disabled():  # shown in every run, not only a failing one
        print(
            f"\nschemathesis: {cases} cases over {len(operations)} operations in {time.monotonic() - started:.0f} s, "
            f"{len(failures)} failing"
        )
    assert cases > len(operations) * MAX_EXAMPLES
    assert not failures, "\n\n".join(failures)


def test_every_error_is_documented_as_problem_json(tmp_path: Path) -> None:
    schema = create_app(Settings(data_dir=tmp_path)).openapi()

    assert "Problem" in schema["components"]["schemas"] and "HTTPValidationError" not in schema["components"]["schemas"]
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            errors = {status: r for status, r in operation["responses"].items() if int(status) >= 400}
            if path.startswith("/v1/"):
                assert {"401", "403", "422", "500"} <= set(errors), (method, path)
            for status, response in errors.items():
                assert response["content"] == {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}, (
                    method,
                    path,
                    status,
                )
