"""The migrations build exactly the schema the models describe, so a fresh install and an upgraded one agree."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app import models  # noqa: F401 (every table registered on Base.metadata)
from app.db import Base, make_engine
from app.migrate import upgrade


def test_migrating_an_empty_database_gives_the_models_schema(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    upgrade(engine)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()

    assert differences == []
