"""Review queue and draft detail requests per second against a minimal FastAPI + hand-written SQL peer.

    python -m benchmarks.api_throughput [--drafts 10000] [--seconds 8] [--rounds 4] [--postgres] [--json OUT]
    python -m benchmarks.api_throughput --quick      # 1,000 drafts, short runs: the CI smoke check

Seeds one tenant with `--drafts` drafts (about 14 changes each, stakeholder, whitespace and QBR
payloads with citations, eight accounts, mixed statuses; a second tenant holds a tenth as many so
tenant scoping is real) into a database migrated by the app itself: a SQLite file, and with
`--postgres` also a fresh PostgreSQL database at 127.0.0.1:5432. Then measures three figures:

- the review queue's first page, `GET /v1/drafts?status=pending_review&limit=50`;
- a deep cursor page of the same queue (90 % of the way through it);
- one draft with its changes, `GET /v1/drafts/{id}`;

for Planwright and for the peer: a FastAPI app defined below that answers the same URLs with
hand-written SQL through the plain DB-API driver (sqlite3 or psycopg) over the same database,
checks the bearer token against the same `api_keys` table on every request, and returns JSON of
the same fields (the run first checks that both answers are equal). Both are served the same way:
in this process through httpx's ASGI transport (no sockets), one request at a time, sync handlers
on the framework's thread pool. Rounds alternate which side goes first, so both see the same
machine load; a figure's rate is its requests over its seconds summed across rounds. Each figure also
gets this process's CPU milliseconds per request (all threads, the in-process client's share included
and alike for both sides; PostgreSQL's own work is not in it), which moves less than requests per second
when other work shares the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import hashlib
import json
import random
import sqlite3
import tempfile
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import httpx
from fastapi import FastAPI, Header, HTTPException
from sqlalchemy import Engine, create_engine, insert, text

from app.accounts.models import Account
from app.auth.service import Role, issue_key
from app.db import make_engine, make_sessionmaker, transaction
from app.drafts.models import DraftChangeRow, DraftRow
from app.ids import new_id
from app.main import create_app
from app.migrate import upgrade
from app.pagination import encode_cursor
from app.settings import Settings
from app.state import build_state
from retrieval.embedders import HashingEmbedder

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
TENANT = "bench"
PAGE = 50
STATUSES = (("pending_review", 0.55), ("decided", 0.3), ("superseded", 0.1), ("failed", 0.05))
KINDS = ("stakeholder_map", "whitespace", "qbr_brief")
PEOPLE = [
    ("Jennifer Wu", "CTO"), ("Marcus Oyelaran", "VP Engineering"), ("Priya Raman", "Director of Procurement"),
    ("Dana Whitfield", "CFO"), ("Laura Chen", "Head of Data"), ("Tunde Bakare", "IT Security Lead"),
    ("Kenji Nakamura", "Platform Architect"), ("Sofia Díaz", "COO"), ("Rashid Khan", "Analytics Manager"),
]  # fmt: skip
PRODUCTS = ["Advanced Analytics", "Data Platform", "Security Suite", "Workflow Automation", "Observability"]
UNITS = ["Payments", "Retail Banking", "Wealth", "Operations", "Research"]
ROLES = ["economic_buyer", "technical_evaluator", "business_owner", "influencer", "procurement", "end_user"]
STANCES = ["champion", "coach", "supporter", "neutral", "detractor", "unknown"]
STRENGTHS = ["strong", "moderate", "weak", "none"]
CELLS = ["owned", "pipeline", "whitespace", "competitor", "not_applicable"]
SECTIONS = ["summary", "value_delivered", "relationship_changes", "pipeline_and_whitespace", "risks"]


# --- seeding ------------------------------------------------------------------------------------


@dataclass
class Seeded:
    key: str
    drafts: int
    changes: int
    first_page: str
    deep_page: str
    detail: str


def _citations(rng: random.Random, n: int) -> list[dict[str, str]]:
    out = []
    for _ in range(n):
        if rng.random() < 0.5:
            source, locator = f"003{rng.getrandbits(48):012X}", "Contact.Title"
            quote = f"Title: {rng.choice(PEOPLE)[1]}"
        else:
            source, locator = f"note_{rng.getrandbits(40):010x}", f"lines {rng.randint(1, 40)}–{rng.randint(41, 80)}"
            quote = (
                f"{rng.choice(PEOPLE)[0]} said the {rng.choice(UNITS)} rollout has to land before the renewal, "
                f"and that {rng.choice(PRODUCTS)} is on the shortlist for next year"
            )
        out.append({"source_id": source, "quote": quote, "locator": locator})
    return out


def _person(rng: random.Random, name: str, title: str) -> dict[str, Any]:
    return {
        "name": name,
        "title": title,
        "buying_role": rng.choice(ROLES),
        "stance": rng.choice(STANCES),
        "strength": rng.choice(STRENGTHS),
        "status": "active",
        "department": rng.choice(UNITS),
        "reports_to": rng.choice(PEOPLE)[0],
        "last_contact": f"2026-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d}",
        "email": name.lower().replace(" ", ".") + "@example.com",
    }


def _change(rng: random.Random, kind: str, n: int) -> dict[str, Any]:
    """One proposed change of a draft of `kind`, shaped as the engines store it."""
    if kind == "stakeholder_map":
        name, title = PEOPLE[n % len(PEOPLE)]
        change_kind = rng.choice(["add_stakeholder", "update_stakeholder", "update_stakeholder", "mark_departed"])
        before = None if change_kind == "add_stakeholder" else _person(rng, name, title)
        after = _person(rng, name, title)
        if change_kind == "mark_departed":
            after |= {"status": "departed", "strength": "none"}
        target = "person:" + name.lower().replace(" ", "-") + f"-{n}"
        aspect = rng.choice(["stance", "title", "buying role", "strength"])
        rationale = f"{name}'s {aspect} changed in the newest evidence."
    elif kind == "whitespace":
        product, unit = PRODUCTS[n % len(PRODUCTS)], UNITS[(n // len(PRODUCTS)) % len(UNITS)]
        change_kind, target = "set_whitespace_cell", f"cell:{product}|{unit}:{n}"
        before = {"product": product, "unit": unit, "status": rng.choice(CELLS)}
        after = before | {"status": rng.choice(CELLS), "estimated_value": rng.randint(1, 90) * 10_000}
        rationale = f"{product} for {unit}: an open opportunity with a line item for it."
    else:
        section = SECTIONS[n % len(SECTIONS)]
        change_kind, target, before = "replace_qbr_brief", f"qbr:{section}:{n}", None
        after = {
            "section": section,
            "claims": [
                {"text": f"{rng.choice(PEOPLE)[0]} will expand {rng.choice(PRODUCTS)} into {rng.choice(UNITS)}."}
                for _ in range(3)
            ],
        }
        rationale = f"The {section.replace('_', ' ')} section, restated from this quarter's evidence."
    return {
        "id": f"chg_{n:02d}_{rng.getrandbits(32):08x}",
        "kind": change_kind,
        "target": target,
        "before": before,
        "after": after,
        "rationale": rationale,
        "citations": _citations(rng, rng.randint(1, 3)),
        "confidence": round(rng.uniform(0.4, 0.99), 2),
    }


def _draft_rows(
    rng: random.Random, tenant: str, accounts: list[str], count: int, start: datetime
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    drafts: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    statuses, weights = [s for s, _ in STATUSES], [w for _, w in STATUSES]
    for i in range(count):
        draft_id = new_id("drf")
        kind = KINDS[i % len(KINDS)]
        status = rng.choices(statuses, weights)[0]
        created = start + timedelta(minutes=i)
        drafts.append({
            "id": draft_id, "tenant": tenant, "account_id": accounts[i % len(accounts)], "kind": kind,
            "status": status, "version": 2 if status == "decided" else 1, "engine": "offline",
            "as_of": date(2026, 11, 30), "base_plan_version": rng.randint(1, 9),
            "usage": {"prompt_tokens": 0, "completion_tokens": 0, "llm_calls": 0, "cost_usd": 0.0,
                      "latency_ms": round(rng.uniform(200, 900), 1)},
            "prompt_version": None, "retrieved_source_ids": [f"note_{rng.getrandbits(40):010x}" for _ in range(12)],
            "warnings": [], "error": "the engine timed out" if status == "failed" else None,
            "requested_by": "system", "attempts": 1, "created_at": created, "updated_at": created,
        })  # fmt: skip
        if status == "failed":
            continue
        for position in range(rng.randint(10, 18)):
            change = _change(rng, kind, position)
            decision = rng.choice(["accept", "reject"]) if status == "decided" else None
            flagged = rng.random() < 0.1
            changes.append({
                "draft_id": draft_id, "id": change.pop("id"), "position": position, "change": change,
                "issues": [{"code": "quote_not_found", "message": "The quote is not in the cited source."}]
                if flagged else [],
                "decision": decision, "decided_after": change["after"] if decision == "accept" else None,
                "confidence": change["confidence"],
            })  # fmt: skip
    return drafts, changes


def seed(engine: Engine, drafts: int, rng_seed: int = 11) -> Seeded:
    """Migrate the database, then store the drafts, their changes, the accounts and one reviewer key."""
    upgrade(engine)
    rng = random.Random(rng_seed)
    start = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    sessions = make_sessionmaker(engine)
    with transaction(sessions) as session:
        key = issue_key(session, TENANT, "bench-reviewer", [Role.reviewer])
        issue_key(session, "other", "other-reviewer", [Role.reviewer])
    total_changes = 0
    for tenant, count in ((TENANT, drafts), ("other", max(1, drafts // 10))):
        accounts = [f"acc_{tenant}_{n}" for n in range(8)]
        with engine.begin() as connection:
            connection.execute(insert(Account), [
                {"id": a, "tenant": tenant, "external_id": f"001{n:015d}", "name": f"{tenant.title()} Account {n}"}
                for n, a in enumerate(accounts)
            ])  # fmt: skip
        for offset in range(0, count, 1000):
            batch, change_rows = _draft_rows(rng, tenant, accounts, min(1000, count - offset), start)
            start += timedelta(minutes=len(batch))
            with engine.begin() as connection:
                connection.execute(insert(DraftRow), batch)
                if change_rows:
                    connection.execute(insert(DraftChangeRow), change_rows)
            total_changes += len(change_rows) if tenant == TENANT else 0
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("ANALYZE"))  # what autovacuum does soon after a load this size
        pending = connection.scalars(
            text("SELECT id FROM drafts WHERE tenant = :t AND status = 'pending_review' ORDER BY id"), {"t": TENANT}
        ).all()
    queue = f"/v1/drafts?status=pending_review&limit={PAGE}"
    return Seeded(
        key=key,
        drafts=drafts,
        changes=total_changes,
        first_page=queue,
        deep_page=f"{queue}&cursor={encode_cursor(pending[int(len(pending) * 0.9)])}",
        detail=f"/v1/drafts/{pending[len(pending) // 2]}",
    )


# --- the minimal peer ---------------------------------------------------------------------------

READ_ROLES = {"admin", "reviewer", "integration"}
USAGE = {"prompt_tokens": 0, "completion_tokens": 0, "llm_calls": 0, "cost_usd": 0.0, "latency_ms": 0.0}


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _moment(value: Any) -> str | None:
    """A stored UTC timestamp as pydantic writes an aware UTC datetime."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat() + "Z"


def _day(value: Any) -> str | None:
    return value if value is None or isinstance(value, str) else value.isoformat()


def peer_app(connect: Callable[[], Any], placeholder: str = "?") -> FastAPI:
    """A minimal service answering the measured URLs: one DB-API connection per thread, SQL by hand."""
    local = threading.local()

    def query(sql: str, *params: Any) -> list[tuple[Any, ...]]:
        connection = getattr(local, "connection", None)
        if connection is None:
            connection = local.connection = connect()
        cursor = connection.cursor()
        cursor.execute(sql.replace("?", placeholder), params)
        rows = cursor.fetchall()
        cursor.close()
        return list(rows)

    def tenant_of(authorization: str | None) -> str:
        if not authorization or not authorization.lower().startswith("bearer "):
            raise HTTPException(401)
        key_hash = hashlib.sha256(authorization[7:].strip().encode()).hexdigest()
        found = query("SELECT tenant, roles, revoked_at FROM api_keys WHERE key_hash = ?", key_hash)
        if not found or found[0][2] is not None:
            raise HTTPException(401)
        if not READ_ROLES & set(_json(found[0][1])):
            raise HTTPException(403)
        return str(found[0][0])

    app = FastAPI()

    @app.get("/v1/drafts")
    def queue(
        authorization: Annotated[str | None, Header()] = None,
        status: str = "pending_review",
        cursor: str | None = None,
        limit: int = 50,
    ) -> dict[str, Any]:
        tenant = tenant_of(authorization)
        after = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode() if cursor else ""
        rows = query(
            "SELECT d.id, d.account_id, d.kind, d.status, d.version, d.engine, d.created_at,"
            " (SELECT count(*) FROM draft_changes c WHERE c.draft_id = d.id),"
            " (SELECT count(*) FROM draft_changes c WHERE c.draft_id = d.id AND c.decision IS NULL)"
            " FROM drafts d WHERE d.tenant = ? AND d.status = ? AND d.id > ? ORDER BY d.id LIMIT ?",
            tenant, status, after, limit + 1,
        )  # fmt: skip
        items = [
            {"id": r[0], "account_id": r[1], "kind": r[2], "status": r[3], "version": r[4], "engine": r[5],
             "change_count": r[7], "undecided_count": r[8], "created_at": _moment(r[6])}
            for r in rows[:limit]
        ]  # fmt: skip
        more = len(rows) > limit
        next_cursor = base64.urlsafe_b64encode(rows[limit - 1][0].encode()).decode().rstrip("=") if more else None
        return {"items": items, "next_cursor": next_cursor}

    @app.get("/v1/drafts/{draft_id}")
    def detail(draft_id: str, authorization: Annotated[str | None, Header()] = None) -> dict[str, Any]:
        tenant = tenant_of(authorization)
        found = query(
            "SELECT id, account_id, kind, status, version, engine, as_of, base_plan_version, usage, prompt_version,"
            " retrieved_source_ids, warnings, error, created_at, updated_at, superseded_by"
            " FROM drafts WHERE tenant = ? AND id = ?",
            tenant, draft_id,
        )  # fmt: skip
        if not found:
            raise HTTPException(404)
        d = found[0]
        changes = []
        rows = query(
            "SELECT id, change, issues, decision, decided_after, conflicts, choice, choice_comment, chosen_by,"
            " carried_from FROM draft_changes WHERE draft_id = ? ORDER BY position",
            draft_id,
        )
        for change_id, payload, issues, decision, decided_after, conflicts, choice, comment, chosen_by, carried in rows:
            change, issues = _json(payload), _json(issues) or []
            changes.append({
                "id": change_id, "kind": change["kind"], "target": change["target"], "before": change.get("before"),
                "after": change.get("after"), "rationale": change.get("rationale", ""),
                "citations": [{"source_id": c["source_id"], "quote": c["quote"], "locator": c.get("locator", "")}
                              for c in change.get("citations", [])],
                "confidence": change.get("confidence", 1.0), "verified": not issues,
                "issues": [{"code": i["code"], "message": i["message"]} for i in issues],
                "decision": decision, "decided_after": _json(decided_after),
                "conflicts": [c | {"decided_at": _moment(c["decided_at"])} for c in _json(conflicts) or []],
                "choice": choice, "choice_comment": comment, "chosen_by": chosen_by, "carried_from": carried,
            })  # fmt: skip
        return {
            "id": d[0], "account_id": d[1], "kind": d[2], "status": d[3], "version": d[4], "engine": d[5],
            "as_of": _day(d[6]), "base_plan_version": d[7], "usage": USAGE | (_json(d[8]) or {}),
            "prompt_version": d[9], "retrieved_source_ids": _json(d[10]) or [], "warnings": _json(d[11]) or [],
            "error": d[12], "created_at": _moment(d[13]), "updated_at": _moment(d[14]), "superseded_by": d[15],
            "changes": changes, "overlap": [],
        }  # fmt: skip

    return app


def peer_connector(database_url: str) -> tuple[Callable[[], Any], str]:
    """How the peer opens a connection to the database at `database_url`, and its parameter placeholder."""
    if database_url.startswith("sqlite"):
        path = database_url.removeprefix("sqlite:///")
        return (lambda: sqlite3.connect(path, check_same_thread=False, isolation_level=None)), "?"
    import psycopg

    dsn = database_url.replace("postgresql+psycopg://", "postgresql://")
    return (lambda: psycopg.connect(dsn, autocommit=True)), "%s"


# --- measuring ----------------------------------------------------------------------------------

FIGURES = (("queue, first page", "first_page"), ("queue, deep cursor page", "deep_page"), ("draft detail", "detail"))


@dataclass
class Tally:
    requests: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # this process's, all threads: the client's share is the same for both sides
    rounds: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms(self) -> float:
        return 1000 * self.cpu_seconds / self.requests if self.requests else 0.0


def differences(ours: Any, peer: Any, at: str = "") -> list[str]:
    """Where the peer's answer is not ours: each of its fields must hold our value. Fields only we send (the
    API grew since the peer was written) are allowed, so the peer never does more work than we do."""
    if isinstance(peer, dict) and isinstance(ours, dict):
        return [d for key, value in peer.items() for d in differences(ours.get(key, ...), value, f"{at}.{key}")]
    if isinstance(peer, list) and isinstance(ours, list) and len(peer) == len(ours):
        return [d for n, (o, p) in enumerate(zip(ours, peer, strict=True)) for d in differences(o, p, f"{at}[{n}]")]
    return [] if ours == peer else [at or "."]


@contextlib.asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its lifespan run, behind an in-process client (httpx's ASGI transport, no sockets)."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            yield client


async def _burst(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], seconds: float
) -> tuple[int, float, float]:
    """Requests one at a time for about `seconds`; (requests, elapsed, CPU seconds of this process)."""
    done, started, cpu = 0, time.perf_counter(), time.process_time()
    while True:
        response = await client.get(url, headers=headers)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url}: {response.status_code} {response.text[:300]}")
        done += 1
        elapsed = time.perf_counter() - started
        if elapsed >= seconds:
            return done, elapsed, time.process_time() - cpu


async def compare(
    ours: FastAPI, peer: FastAPI, seeded: Seeded, *, rounds: int, seconds: float
) -> dict[str, dict[str, Tally]]:
    """Check both answer the same, then alternate bursts of each figure between them for `rounds` rounds."""
    headers = {"Authorization": f"Bearer {seeded.key}"}
    tallies = {label: {"ours": Tally(), "peer": Tally()} for label, _ in FIGURES}
    async with serving(ours) as our_client, serving(peer) as peer_client:
        clients = {"ours": our_client, "peer": peer_client}
        for label, attribute in FIGURES:
            url = getattr(seeded, attribute)
            answers = {side: (await client.get(url, headers=headers)) for side, client in clients.items()}
            for side, response in answers.items():
                if response.status_code != 200:
                    raise RuntimeError(f"{side} GET {url}: {response.status_code} {response.text[:300]}")
            if missing := differences(answers["ours"].json(), answers["peer"].json()):
                raise RuntimeError(f"{label}: the peer's answer differs from ours at {', '.join(missing[:5])}")
            for client in clients.values():  # warm up
                await _burst(client, url, headers, min(0.3, seconds / rounds))
        for n in range(rounds):
            order = ("peer", "ours") if n % 2 == 0 else ("ours", "peer")
            for label, attribute in FIGURES:
                for side in order:
                    url = getattr(seeded, attribute)
                    requests, elapsed, cpu = await _burst(clients[side], url, headers, seconds / rounds)
                    tally = tallies[label][side]
                    tally.requests += requests
                    tally.seconds += elapsed
                    tally.cpu_seconds += cpu
                    tally.rounds.append(round(requests / elapsed, 1))
    return tallies


def our_app(database_url: str, data_dir: Path) -> FastAPI:
    settings = Settings(data_dir=data_dir, database_url=database_url, embedder="hashing", auto_draft=False)
    return create_app(settings, state_factory=lambda s: build_state(s, embedder=HashingEmbedder()))


def run(database_url: str, data_dir: Path, drafts: int, *, rounds: int, seconds: float) -> dict[str, Any]:
    """Seed the database at `database_url`, measure both services on it; the figures as a dict."""
    engine = make_engine(database_url)
    try:
        started = time.perf_counter()
        seeded = seed(engine, drafts)
        seed_s = time.perf_counter() - started
    finally:
        engine.dispose()
    connect, placeholder = peer_connector(database_url)
    tallies = asyncio.run(
        compare(our_app(database_url, data_dir), peer_app(connect, placeholder), seeded, rounds=rounds, seconds=seconds)
    )
    database = "PostgreSQL" if database_url.startswith("postgresql") else "SQLite"
    rows = []
    for label, sides in tallies.items():
        ours, peer = sides["ours"], sides["peer"]
        rows.append({
            "figure": f"{label} ({database})", "database": database,
            "ours_rps": round(ours.rate, 1), "peer_rps": round(peer.rate, 1),
            "ratio": round(ours.rate / peer.rate, 2) if peer.rate else None,
            "ours_cpu_ms": round(ours.cpu_ms, 3), "peer_cpu_ms": round(peer.cpu_ms, 3),
            "ours_rounds": ours.rounds, "peer_rounds": peer.rounds,
        })  # fmt: skip
    return {
        "database": database,
        "drafts": drafts,
        "changes": seeded.changes,
        "seed_s": round(seed_s, 1),
        "urls": {k: v for k, v in asdict(seeded).items() if k not in ("key", "drafts", "changes")},
        "rows": rows,
    }


@contextlib.contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one run, dropped afterwards."""
    name = f"pw_api_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def markdown(results: list[dict[str, Any]]) -> str:
    lines = [
        "| figure | ours req/s | peer req/s | ratio | ours CPU ms/req | peer CPU ms/req |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for result in results:
        for r in result["rows"]:
            lines.append(
                f"| {r['figure']} | {r['ours_rps']:.1f} | {r['peer_rps']:.1f} | {r['ratio']:.2f} "
                f"| {r['ours_cpu_ms']:.2f} | {r['peer_cpu_ms']:.2f} |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drafts", type=int, help="drafts in the measured tenant (10,000; --quick 1,000)")
    parser.add_argument("--seconds", type=float, help="seconds each side spends on each figure (8; --quick 2)")
    parser.add_argument("--rounds", type=int, help="interleaved rounds those seconds are split into (4; --quick 2)")
    parser.add_argument("--postgres", action="store_true", help="also run on PostgreSQL at 127.0.0.1:5432")
    parser.add_argument("--quick", action="store_true", help="smaller and shorter: the CI smoke check")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args(argv)
    drafts, seconds, rounds = (1_000, 2.0, 2) if args.quick else (10_000, 8.0, 4)
    args.drafts, args.seconds, args.rounds = args.drafts or drafts, args.seconds or seconds, args.rounds or rounds
    results = []
    with tempfile.TemporaryDirectory(prefix="planwright-api-bench-") as tmp:
        databases = [("sqlite", f"sqlite:///{tmp}/planwright.db")]
        with contextlib.ExitStack() as stack:
            if args.postgres:
                databases.append(("postgresql", stack.enter_context(postgres_database())))
            for label, url in databases:
                results.append(run(url, Path(tmp) / label, args.drafts, rounds=args.rounds, seconds=args.seconds))
                print(f"[{label}] {results[-1]['drafts']:,} drafts, {results[-1]['changes']:,} changes", flush=True)
    table = markdown(results)
    print(
        f"\nIn-process (httpx ASGI transport), one request at a time, {args.rounds} interleaved rounds, "
        f"{args.seconds:g} s per side and figure:\n\n{table}"
    )
    if args.json:
        rows = [row for result in results for row in result["rows"]]
        args.json.write_text(
            json.dumps({"served": "in-process httpx.ASGITransport, sequential", "rounds": args.rounds,
                        "seconds": args.seconds, "runs": results, "rows": rows}, indent=2),
            encoding="utf-8",
        )  # fmt: skip


if __name__ == "__main__":
    main()
