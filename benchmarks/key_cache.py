"""`GET /v1/drafts/{id}` requests per second with the API-key lookup cached and without, in one run.

    python -m benchmarks.key_cache [--rounds 6] [--requests 300] [--database sqlite|postgresql|both]

One service in this process (TestClient, no network), one drafted account; rounds alternate
between a cache TTL of 0 (every request looks its key up, as before the cache) and the default
TTL, so both see the same machine load. Prints the median req/s of each and the ratio.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from app.auth.keycache import KeyCache
from app.main import create_app
from app.settings import Settings
from app.state import AppState, build_state
from benchmarks.mixed_load import PG_ADMIN
from retrieval.embedders import HashingEmbedder
from tests.app.support import Keys, imported_and_drafted


def _rate(client: TestClient, path: str, headers: dict[str, str], requests: int) -> float:
    started = time.perf_counter()
    for _ in range(requests):
        response = client.get(path, headers=headers)
        assert response.status_code == 200, response.text
    return requests / (time.perf_counter() - started)


def measure(database_url: str, data_dir: Path, rounds: int, requests: int) -> dict[float, list[float]]:
    settings = Settings(data_dir=data_dir, database_url=database_url, embedder="hashing", auto_draft=False)
    ttls = (0.0, settings.api_key_cache_ttl_s)
    rates: dict[float, list[float]] = {ttl: [] for ttl in ttls}
    app = create_app(settings, state_factory=lambda s: build_state(s, embedder=HashingEmbedder()))
    with TestClient(app) as client:
        state: AppState = client.app.state.planwright  # type: ignore[attr-defined]
        keys = Keys(state, "bench")
        _, draft = imported_and_drafted(client, keys)
        path, headers = f"/v1/drafts/{draft['id']}", Keys.header(keys.reviewer)
        _rate(client, path, headers, requests // 3)  # warm up both paths
        for _ in range(rounds):
            for ttl in ttls:
                state.api_keys = KeyCache(ttl)
                rates[ttl].append(_rate(client, path, headers, requests))
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="planwright-keycache-") as tmp:
        databases: list[tuple[str, str]] = []
        if args.database in ("sqlite", "both"):
            databases.append(("SQLite", f"sqlite:///{tmp}/planwright.db"))
        pg_name = f"pw_keycache_{uuid.uuid4().hex[:8]}"
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        if args.database in ("postgresql", "both"):
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{pg_name}"'))
            databases.append(("PostgreSQL", PG_ADMIN.rsplit("/", 1)[0] + f"/{pg_name}"))
        try:
            for label, url in databases:
                rates = measure(url, Path(tmp) / label, args.rounds, args.requests)
                before, after = (statistics.median(r) for r in rates.values())
                print(
                    f"{label}: GET /v1/drafts/{{id}} {before:.0f} req/s looking the key up every request, "
                    f"{after:.0f} req/s cached ({after / before:.2f}x; median of {args.rounds} interleaved rounds "
                    f"of {args.requests})"
                )
        finally:
            if args.database in ("postgresql", "both"):
                with admin.connect() as connection:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'))
            admin.dispose()


if __name__ == "__main__":
    main()
