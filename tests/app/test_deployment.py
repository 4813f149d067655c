"""docker-compose.yml: the services a scaled deployment runs, their health checks, and commands and
settings that the CLI and Settings really have (a typo here would only show when someone deploys)."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from typer.testing import CliRunner

from app.cli import cli
from app.settings import Settings
from tests.app.chroma_server import CHROMA

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
PLANWRIGHT = ("api-1", "api-2", "worker", "migrate")


@pytest.fixture(scope="module")
def services() -> dict[str, dict[str, Any]]:
    return yaml.safe_load(COMPOSE.read_text())["services"]  # type: ignore[no-any-return]


def _env(service: dict[str, Any]) -> dict[str, str]:
    return {name: str(value) for name, value in service["environment"].items()}


def _health_command(service: dict[str, Any]) -> list[str]:
    test = service["healthcheck"]["test"]
    assert test[0] == "CMD", test
    return test[1:]  # type: ignore[no-any-return]


def _runs_in_the_cli(command: list[str]) -> None:
    """`planwright <args>` parses: the command and every option exist (--help stops before running it)."""
    assert command[0] == "planwright", command
    result = CliRunner().invoke(cli, [*command[1:], "--help"])
    assert result.exit_code == 0, f"{shlex.join(command)}: {result.output}"


def test_the_services_of_a_scaled_deployment_each_have_a_health_check(services: dict[str, dict[str, Any]]) -> None:
    assert {"api-1", "api-2", "worker", "postgres", "chroma", "migrate"} <= services.keys()
    for name in ("api-1", "api-2", "worker", "postgres", "chroma"):
        assert services[name]["healthcheck"]["test"], name
    for api in ("api-1", "api-2"):
        probe = " ".join(_health_command(services[api]))
        assert "http://127.0.0.1:8000/readyz" in probe, probe  # taken out of rotation while a dependency is away
    assert _health_command(services["postgres"])[0] == "pg_isready"
    assert "/api/v2/heartbeat" in " ".join(_health_command(services["chroma"]))
    ports = {services[api]["ports"][0] for api in ("api-1", "api-2")}
    assert len(ports) == 2  # two API processes side by side


def test_every_command_is_one_the_cli_and_chroma_have(services: dict[str, dict[str, Any]]) -> None:
    assert services["api-1"]["command"][:2] == ["planwright", "serve"]
    assert services["worker"]["command"][:2] == ["planwright", "worker"]
    assert "--metrics-port" in services["worker"]["command"]
    assert services["migrate"]["command"] == ["planwright", "migrate"]
    for name in PLANWRIGHT:
        _runs_in_the_cli(services[name]["command"])
    _runs_in_the_cli(_health_command(services["worker"]))
    serve = services["api-1"]["command"]
    assert serve[serve.index("--port") + 1] == "8000" and serve[serve.index("--host") + 1] == "0.0.0.0"

    chroma = services["chroma"]["command"]
    assert chroma[:2] == ["chroma", "run"]
    usage = subprocess.run([str(CHROMA), "run", "--help"], capture_output=True, text=True, timeout=30).stdout
    for option in (arg for arg in chroma[2:] if arg.startswith("--")):
        assert option in usage, f"chroma run has no {option}"


def test_the_settings_point_every_process_at_postgres_and_the_chroma_server(
    services: dict[str, dict[str, Any]],
) -> None:
    known = {f"PLANWRIGHT_{name.upper()}" for name in Settings.model_fields}
    chroma = services["chroma"]["command"]
    for name in PLANWRIGHT:
        env = _env(services[name])
        assert set(env) <= known, set(env) - known  # no misspelt setting silently ignored
        database = urlsplit(env["PLANWRIGHT_DATABASE_URL"])
        assert database.scheme == "postgresql+psycopg" and database.hostname == "postgres"
        assert database.path == f"/{services['postgres']['environment']['POSTGRES_DB']}"
        store = urlsplit(env["PLANWRIGHT_CHROMA_URL"])
        assert store.hostname == "chroma" and str(store.port) == chroma[chroma.index("--port") + 1]
        assert env["PLANWRIGHT_LOG_FORMAT"] == "json" and env["PLANWRIGHT_DRAFT_EXECUTION"] == "worker"
        depends = services[name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy"
    for name in ("api-1", "api-2", "worker"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert services[name]["depends_on"]["chroma"]["condition"] == "service_healthy"
    assert [n for n in PLANWRIGHT if "PLANWRIGHT_BOOTSTRAP_API_KEY" in _env(services[n])] == ["api-1"]
    assert Settings.model_fields["log_format"].default == "text"  # json in compose, text for the quick start


def _compose() -> list[str] | None:
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    return None


@pytest.mark.skipif(
    _compose() is None and not os.environ.get("PLANWRIGHT_TEST_REQUIRE_COMPOSE"),
    reason="neither docker compose nor docker-compose is installed (apt-get install docker-compose); .ci/run "
    "installs it and sets PLANWRIGHT_TEST_REQUIRE_COMPOSE=1, so there this check always runs",
)
def test_docker_compose_config_accepts_the_file() -> None:
    assert _compose() is not None, "PLANWRIGHT_TEST_REQUIRE_COMPOSE is set but no compose command is installed"
    env = {**os.environ, "PLANWRIGHT_BOOTSTRAP_API_KEY": "pw_compose_check", "PLANWRIGHT_METRICS_TOKEN": "check"}
    result = subprocess.run(
        [*(_compose() or []), "-f", str(COMPOSE), "config", "--services"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert set(result.stdout.split()) == {"postgres", "chroma", "migrate", "api-1", "api-2", "worker"}
