"""Settings fail at startup on placeholder secrets and default to the embedded stores."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from app.settings import Settings


@pytest.mark.parametrize("field", ["bootstrap_api_key", "openai_api_key"])
@pytest.mark.parametrize("placeholder", ["changeme", "CHANGE-ME", "secret", "  "])
def test_a_placeholder_secret_is_refused_at_startup(field: str, placeholder: str) -> None:
    with pytest.raises(ValidationError, match=field.upper()):
        Settings(**{field: placeholder})


def test_the_embedded_defaults_live_under_the_data_dir(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert settings.resolved_database_url == f"sqlite:///{tmp_path / 'planwright.db'}"
    assert settings.chroma_path == tmp_path / "chroma"
    assert (settings.embedder, settings.default_engine, settings.llm_enabled) == ("minilm", "offline", False)


def test_settings_come_from_prefixed_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLANWRIGHT_DATABASE_URL", "postgresql+psycopg://app@db/planwright")
    monkeypatch.setenv("PLANWRIGHT_OPENAI_BASE_URL", "http://vllm:8000/v1")
    settings = Settings()
    assert settings.resolved_database_url == "postgresql+psycopg://app@db/planwright"
    assert settings.llm_enabled
