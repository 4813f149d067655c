"""A bounded mixed load against the service as it is deployed to scale: two uvicorn workers on
PostgreSQL and a Chroma server (`make bench-load`).

For `--seconds` (60), `--clients` threads (8) each loop over a mix of what plugins and reviewers
do at once: push a note to an account (ingestion), list the review queue, read a draft, and decide
one change of a pending draft (or, with nothing left to decide, request a new draft). Drafts also
come from the notes themselves (auto-draft after a 1 s quiet period, 60 s at most under a stream).
Printed: requests per second, p50 and p99 latency per operation, and errors — any 5xx,
timeout or unexpected status. A 409 on a decision (another client decided that draft first) is the
API working as designed and is counted apart, as are 409 "request in progress" answers.

Everything it starts (a fresh database, the Chroma server, the API) is its own and removed after.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
BUNDLE = ROOT / "tests" / "retrieval" / "fixtures" / "mini_bundle"
KEY = "pw_bench_load_admin"
PG_ADMIN = os.environ.get("PLANWRIGHT_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_up(url: str, process: subprocess.Popen[bytes], what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{what} exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"{what} did not come up in {timeout:g} s")


class Stack:
    """PostgreSQL database + Chroma server + `uvicorn --workers 2`, torn down on exit."""

    def __init__(self, workers: int) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="planwright-load-"))
        self.database = f"pw_load_{uuid.uuid4().hex[:8]}"
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{self.database}"'))
        admin.dispose()
        self.processes: list[subprocess.Popen[bytes]] = []
        chroma_port = _free_port()
        chroma = self._start(
            [str(Path(sys.executable).parent / "chroma"), "run", "--path", str(self.tmp / "chroma"),
             "--host", "127.0.0.1", "--port", str(chroma_port)],
            os.environ.copy(),
        )  # fmt: skip
        _wait_up(f"http://127.0.0.1:{chroma_port}/api/v2/heartbeat", chroma, "chroma run")
        self.port = _free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("PLANWRIGHT_")}
        env.update(
            PLANWRIGHT_DATABASE_URL=PG_ADMIN.rsplit("/", 1)[0] + f"/{self.database}",
            PLANWRIGHT_CHROMA_URL=f"http://127.0.0.1:{chroma_port}",
            PLANWRIGHT_DATA_DIR=str(self.tmp / "data"),
            PLANWRIGHT_EMBEDDER="hashing",
            PLANWRIGHT_BOOTSTRAP_API_KEY=KEY,
            PLANWRIGHT_BOOTSTRAP_TENANT="load",
            PLANWRIGHT_AUTO_DRAFT_DELAY_S="1",
            PLANWRIGHT_WEBHOOKS_ENABLED="false",
            ANONYMIZED_TELEMETRY="False",
        )
        # Migrate once before the workers start, so two processes never race to create the schema.
        subprocess.run([sys.executable, "-m", "app.cli", "migrate"], env=env, check=True, capture_output=True)
        api = self._start(
            [sys.executable, "-m", "uvicorn", "--factory", "app.main:create_app", "--workers", str(workers),
             "--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning"],
            env,
        )  # fmt: skip
        self.url = f"http://127.0.0.1:{self.port}"
        _wait_up(f"{self.url}/healthz", api, "uvicorn")

    def _start(self, command: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.processes.append(process)
        return process

    def close(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(30)
                except subprocess.TimeoutExpired:
                    process.kill()
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)'))
        admin.dispose()
        shutil.rmtree(self.tmp, ignore_errors=True)


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, list[str]] = defaultdict(list)
        self.conflicts: dict[str, int] = defaultdict(int)

    def record(self, op: str, started: float, response: httpx.Response | None, error: str | None = None) -> None:
        elapsed = time.perf_counter() - started
        with self.lock:
            self.latency[op].append(elapsed)
            if error is not None:
                self.errors[op].append(error)
            elif response is not None and response.status_code == 409:
                self.conflicts[op] += 1
            elif response is not None and response.status_code >= 300:
                self.errors[op].append(f"HTTP {response.status_code}: {response.text[:160]}")


def _bundle_zip() -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(BUNDLE.rglob("*")):
            if path.is_file():
                archive.write(path, Path("bundle") / path.relative_to(BUNDLE))
    return buffer.getvalue()


def _client_loop(url: str, account: str, stop: float, tally: Tally, seed: int) -> None:
    rng = random.Random(seed)
    headers = {"Authorization": f"Bearer {KEY}"}
    with httpx.Client(base_url=url, headers=headers, timeout=30) as http:
        while time.perf_counter() < stop:
            op = rng.choices(["ingest", "queue", "draft", "decide"], weights=[2, 4, 2, 2])[0]
            started = time.perf_counter()
            try:
                if op == "ingest":
                    note = {"text": f"Call {uuid.uuid4().hex[:6]}: procurement asked about the renewal timeline.",
                            "title": "Load note", "date": "2026-11-20"}  # fmt: skip
                    tally.record(op, started, http.post(f"/v1/accounts/{account}/notes", json=note))
                elif op == "queue":
                    tally.record(op, started, http.get("/v1/drafts", params={"status": "pending_review"}))
                else:
                    queue = http.get("/v1/drafts", params={"status": "pending_review", "limit": 20}).json()["items"]
                    if not queue:
                        _request_draft(http, account, rng, tally)
                        continue
                    started = time.perf_counter()
                    draft = http.get(f"/v1/drafts/{rng.choice(queue)['id']}")
                    if op == "draft":
                        tally.record(op, started, draft)
                        continue
                    body: dict[str, Any] = draft.json()
                    open_changes = [c for c in body.get("changes", []) if c.get("decision") is None]
                    if not open_changes:
                        _request_draft(http, account, rng, tally)
                        continue
                    started = time.perf_counter()
                    decision = {"version": body["version"],
                                "decisions": [{"change_id": rng.choice(open_changes)["id"], "action": "reject"}]}  # noqa: E501  # fmt: skip
                    tally.record(op, started, http.post(f"/v1/drafts/{body['id']}/decisions", json=decision))
            except httpx.HTTPError as exc:
                tally.record(op, started, None, f"{type(exc).__name__}: {exc}")


def _request_draft(http: httpx.Client, account: str, rng: random.Random, tally: Tally) -> None:
    """Nothing left to decide: a reviewer asks for a fresh draft, as the review UI's button does."""
    started = time.perf_counter()
    kind = rng.choice(["stakeholder_map", "whitespace", "qbr_brief"])
    tally.record("request", started, http.post(f"/v1/accounts/{account}/drafts", json={"kind": kind}))


def _ms(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0] * 1000
    return statistics.quantiles(values, n=100, method="inclusive")[int(q * 100) - 1] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    stack = Stack(args.workers)
    try:
        headers = {"Authorization": f"Bearer {KEY}"}
        imported = httpx.post(f"{stack.url}/v1/import", headers=headers, timeout=120,
                              files={"bundle": ("bundle.zip", _bundle_zip(), "application/zip")})  # fmt: skip
        imported.raise_for_status()
        account = imported.json()["account_id"]
        time.sleep(3)  # the import's own drafts land first, so decisions have something to decide
        tally = Tally()
        stop = time.perf_counter() + args.seconds
        threads = [
            threading.Thread(target=_client_loop, args=(stack.url, account, stop, tally, n))
            for n in range(args.clients)
        ]
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - began
    finally:
        stack.close()

    total = sum(len(v) for v in tally.latency.values())
    errors = sum(len(v) for v in tally.errors.values())
    print(f"mixed load: {args.seconds:g} s, {args.clients} clients, {args.workers} uvicorn workers, PostgreSQL + "
          f"Chroma server, hashing embedder")  # fmt: skip
    print(f"{'operation':<10} {'requests':>9} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8} {'409s':>5} {'errors':>6}")
    for op in ("ingest", "queue", "draft", "decide", "request"):
        values = tally.latency.get(op, [])
        print(f"{op:<10} {len(values):>9} {len(values) / elapsed:>7.1f} {_ms(values, 0.5):>8.1f} "
              f"{_ms(values, 0.99):>8.1f} {tally.conflicts.get(op, 0):>5} {len(tally.errors.get(op, [])):>6}")  # noqa: E501  # fmt: skip
    every = [v for values in tally.latency.values() for v in values]
    print(f"{'all':<10} {total:>9} {total / elapsed:>7.1f} {_ms(every, 0.5):>8.1f} {_ms(every, 0.99):>8.1f} "
          f"{sum(tally.conflicts.values()):>5} {errors:>6}")  # fmt: skip
    for op, messages in tally.errors.items():
        for message in sorted(set(messages))[:5]:
            print(f"  {op} error: {message}")
    if errors:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
