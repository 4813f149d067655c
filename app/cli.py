"""The `planwright` command line: serve, worker, import, draft, keys, users, demo."""

from __future__ import annotations

import logging
import os
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from app.settings import Settings

if TYPE_CHECKING:
    from retrieval.reindex import ReindexReport

cli = typer.Typer(help="Planwright keeps strategic account plans current.", no_args_is_help=True)
keys_cli = typer.Typer(help="API keys.", no_args_is_help=True)
cli.add_typer(keys_cli, name="keys")
users_cli = typer.Typer(help="Reviewer accounts, who sign in to the UI with email and password.", no_args_is_help=True)
cli.add_typer(users_cli, name="users")

DEMO_REVIEWER = "reviewer@demo.example"
DEMO_BUNDLES = Path(__file__).resolve().parent.parent / "evals" / "datasets" / "demo"

TenantOpt = Annotated[str, typer.Option("--tenant", "-t", help="The tenant to act in.")]


def _state(settings: Settings | None = None):  # type: ignore[no-untyped-def]
    from app.state import build_state
    from retrieval.store import EmbedderMismatchError, StoreLayoutError

    try:
        return build_state(settings or Settings())
    except (StoreLayoutError, EmbedderMismatchError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Run the API and the review UI."""
    from app.logs import configure_logging

    settings = Settings()
    configure_logging(settings.log_format, settings.log_level)  # first: importing the app logs already
    import uvicorn

    from app.main import create_app

    # log_config=None: uvicorn's own lines go through the handler configured above, as text or JSON.
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info", log_config=None)


@cli.command()
def worker(
    once: Annotated[bool, typer.Option("--once", help="Run the drafts waiting now, then exit (cron, tests).")] = False,
    metrics_port: Annotated[
        int | None,
        typer.Option(help="Serve this worker's histograms (draft latency, embedding) for Prometheus on this port."),
    ] = None,
    metrics_host: Annotated[str, typer.Option(help="Interface the metrics port listens on.")] = "127.0.0.1",
) -> None:
    """Run the drafts API processes record (PLANWRIGHT_DRAFT_EXECUTION=worker); run any number of these."""
    from app.logs import configure_logging

    settings = Settings()
    configure_logging(settings.log_format, settings.log_level)
    from app.drafts.worker import run_until_signalled, worker_for
    from app.telemetry import serve_metrics

    state = _state(settings)
    drafter = worker_for(state)
    stop_metrics = serve_metrics(state.telemetry.registry, metrics_host, metrics_port) if metrics_port else None
    try:
        if once:
            typer.echo(f"drafts run: {drafter.drain()}")
            return
        if state.settings.webhooks_enabled:
            state.webhooks.start()
        run_until_signalled(drafter)
    finally:
        if stop_metrics is not None:
            stop_metrics()
        drafter.close()
        state.close()


@cli.command()
def ready() -> None:
    """Exit 0 when the database and the vector store answer, else 1 naming what does not (container health checks)."""
    import httpx

    from app.db import make_engine
    from app.readiness import dependency_checks, run_checks

    settings = Settings()
    engine = make_engine(settings.resolved_database_url)
    try:
        with httpx.Client(follow_redirects=False) as http:
            checks = run_checks(dependency_checks(engine, settings.chroma_url, settings.chroma_path, http))
    finally:
        engine.dispose()
    for name, outcome in checks.items():
        typer.echo(f"{name}: {outcome}")
    if any(outcome != "ok" for outcome in checks.values()):
        raise typer.Exit(1)


@cli.command()
def migrate() -> None:
    """Bring the database schema to the newest version."""
    from app.db import make_engine
    from app.migrate import upgrade

    settings = Settings()
    upgrade(make_engine(settings.resolved_database_url))
    typer.echo(f"database at {settings.resolved_database_url} is up to date")


@cli.command()
def reindex() -> None:
    """Move the vector store to one collection per account, and re-embed chunks another embedder made
    (after changing PLANWRIGHT_EMBEDDER). Safe to run again; resumes after a crash."""
    typer.echo(_reindex(Settings(), progress=typer.echo).summary())


def _reindex(settings: Settings, progress: Callable[[str], None] | None = None) -> ReindexReport:
    from retrieval.embedders import load_embedder
    from retrieval.reindex import reindex as run_reindex
    from retrieval.store import ChunkStore

    embedder = load_embedder(settings.embedder)
    if settings.chroma_url:
        store = ChunkStore.http(settings.chroma_url, embedder, verify=False)
    else:
        store = ChunkStore.persistent(settings.chroma_path, embedder, verify=False)
    with store:
        return run_reindex(store.client, embedder, store.namespace, progress=progress)


@cli.command("import")
def import_(
    folder: Annotated[Path, typer.Argument(help="An account bundle folder (crm/, notes/, calls/).")],
    tenant: TenantOpt = "demo",
    draft: Annotated[bool, typer.Option("--draft/--no-draft", help="Draft the kinds whose evidence changed.")] = True,
    root: Annotated[
        str | None, typer.Option(help="The account's Account Id, when the bundle holds several top-level Accounts.")
    ] = None,
) -> None:
    """Import an account bundle. Re-importing the same bundle changes nothing."""
    from retrieval.bundle import BundleError

    state = _state()
    try:
        _import_and_draft(state, tenant, folder, draft, root)
    except BundleError as exc:
        typer.echo(f"error: {exc}", err=True)
        for issue in exc.issues:  # they usually say why: every record skipped, a file unreadable
            typer.echo(f"  {issue}", err=True)
        raise typer.Exit(2) from exc
    finally:
        state.close()


pull_cli = typer.Typer(help="Pull an account from a live CRM, then import it like a bundle.", no_args_is_help=True)
cli.add_typer(pull_cli, name="pull")


@pull_cli.command("salesforce")
def pull_salesforce(
    account: Annotated[str, typer.Option(help="The Salesforce Id of the account (the top of what is pulled).")],
    tenant: TenantOpt = "demo",
    out: Annotated[Path | None, typer.Option(help="Keep the pulled bundle folder here.")] = None,
    draft: Annotated[bool, typer.Option("--draft/--no-draft", help="Draft the kinds whose evidence changed.")] = True,
) -> None:
    """Pull one account's hierarchy and related records from Salesforce (PLANWRIGHT_SALESFORCE_* settings)."""
    from retrieval.sources.salesforce_pull import PullError, pull_account

    settings = Settings()
    _pull_and_import(
        settings, tenant, out, draft, account,
        lambda folder: pull_account(_salesforce(settings), account, folder).records,
        (PullError, ValueError),
    )  # fmt: skip


@pull_cli.command("hubspot")
def pull_hubspot(
    company: Annotated[str, typer.Option(help="The HubSpot id of the company (the top of what is pulled).")],
    tenant: TenantOpt = "demo",
    out: Annotated[Path | None, typer.Option(help="Keep the pulled bundle folder here.")] = None,
    draft: Annotated[bool, typer.Option("--draft/--no-draft", help="Draft the kinds whose evidence changed.")] = True,
) -> None:
    """Pull one company's children, contacts, deals and engagements from HubSpot (PLANWRIGHT_HUBSPOT_TOKEN)."""
    import requests

    from retrieval.sources.hubspot import hubspot_id
    from retrieval.sources.hubspot_pull import HubSpotPullError, pull_company

    settings = Settings()
    token = settings.hubspot_token.get_secret_value().strip() if settings.hubspot_token else ""
    if not token:
        typer.echo("error: set PLANWRIGHT_HUBSPOT_TOKEN (a private app's access token)", err=True)
        raise typer.Exit(2)
    _pull_and_import(
        settings, tenant, out, draft, hubspot_id("company", company),
        lambda folder: pull_company(requests.Session(), token, company, folder).records,
        (HubSpotPullError, requests.RequestException),
    )  # fmt: skip


def _pull_and_import(
    settings: Settings,
    tenant: str,
    out: Path | None,
    draft: bool,
    root: str,
    pull: Callable[[Path], dict[str, int]],
    failures: tuple[type[Exception], ...],
) -> None:
    """Pull into a bundle folder (kept at `out`, else temporary), say what came, then import it as `root`."""
    import tempfile

    from retrieval.bundle import BundleError

    caught: tuple[type[Exception], ...] = (*failures, BundleError)
    try:
        with tempfile.TemporaryDirectory(prefix="planwright-pull-") as tmp:
            folder = out or Path(tmp)
            pulled = pull(folder)
            typer.echo("pulled: " + ", ".join(f"{n} {kind}" for kind, n in pulled.items() if n))
            state = _state(settings)
            try:
                _import_and_draft(state, tenant, folder, draft, root)
            finally:
                state.close()
    except caught as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc


def _salesforce(settings: Settings):  # type: ignore[no-untyped-def]
    from simple_salesforce import Salesforce

    if settings.salesforce_instance_url and settings.salesforce_access_token:
        return Salesforce(
            instance_url=settings.salesforce_instance_url,
            session_id=settings.salesforce_access_token.get_secret_value(),
        )
    if settings.salesforce_username and settings.salesforce_password:
        token = settings.salesforce_security_token
        return Salesforce(
            username=settings.salesforce_username,
            password=settings.salesforce_password.get_secret_value(),
            security_token=token.get_secret_value() if token else "",
            domain=settings.salesforce_domain,
        )
    raise ValueError(
        "set PLANWRIGHT_SALESFORCE_INSTANCE_URL and PLANWRIGHT_SALESFORCE_ACCESS_TOKEN, or "
        "PLANWRIGHT_SALESFORCE_USERNAME, _PASSWORD and _SECURITY_TOKEN"
    )


@contextmanager
def embedding_progress() -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr while a big import embeds (it shows once a few batches are known)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    with Progress(
        "embedding", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), transient=True,
        console=Console(stderr=True),
    ) as bar:  # fmt: skip
        task = bar.add_task("embed", total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield advance


def _import_and_draft(  # type: ignore[no-untyped-def]
    state, tenant: str, folder: Path, draft: bool, root: str | None = None
):
    """Import one bundle, then draft each affected kind in this process, as the service would."""
    from app.drafts.triggers import queue_drafts
    from app.sources.service import import_folder

    with embedding_progress() as progress:
        report = import_folder(
            state.sessions, state.store, tenant, folder, root, progress, state.settings.max_evidence_file_bytes
        )
    if draft and state.settings.auto_draft and report.affected_kinds:
        report.drafts_queued = queue_drafts(
            state.sessions, tenant, report.account_id, report.affected_kinds, state.settings.default_engine
        )
        for draft_id in report.drafts_queued:
            state.runner.run(draft_id)
    _print_report(report)
    return report


def _print_report(report) -> None:  # type: ignore[no-untyped-def]
    r, s = report.records, report.sources
    typer.echo(
        f"{report.name} ({report.external_id}) → account {report.account_id}"
        f"{' (new)' if report.account_created else ''}\n"
        f"  records: {r.added} added, {r.updated} updated, {r.unchanged} unchanged\n"
        f"  sources: {s.added} added, {s.updated} updated, {s.unchanged} unchanged\n"
        f"  chunks embedded: {report.chunks_embedded}   ({report.seconds:.2f} s)"
    )
    if report.drafts_queued:
        kinds = ", ".join(str(k) for k in report.affected_kinds)
        typer.echo(f"  drafts queued for review: {len(report.drafts_queued)} ({kinds})")
    for issue in report.skipped:
        typer.echo(f"  skipped: {issue}")


@cli.command()
def draft(
    account: Annotated[str, typer.Argument(help="Account id, or its Salesforce Id.")],
    kind: Annotated[str, typer.Option(help="stakeholder_map, whitespace or qbr_brief.")] = "stakeholder_map",
    engine: Annotated[str | None, typer.Option(help="offline or openai.")] = None,
    tenant: TenantOpt = "demo",
    as_json: Annotated[bool, typer.Option("--json", help="Print the draft as JSON.")] = False,
) -> None:
    """Draft a plan update now and put it in the review queue."""
    from app.accounts import repository as accounts
    from app.db import transaction
    from app.drafts import service
    from app.drafts.views import draft_public
    from plans.vocabulary import DraftKind

    state = _state()
    try:
        with transaction(state.sessions) as session:
            acc = accounts.find(session, tenant, account)
            if acc is None:
                typer.echo(f"error: no account {account!r} in tenant {tenant!r}", err=True)
                raise typer.Exit(2)
            row = service.request_draft(session, acc, DraftKind(kind), engine or state.settings.default_engine, "cli")
        state.runner.run(row.id)
        with state.sessions() as session:
            public = draft_public(service.get_draft(session, tenant, row.id))
    finally:
        state.close()
    if as_json:
        typer.echo(public.model_dump_json(indent=2))
        return
    typer.echo(f"draft {public.id}: {public.status}, {len(public.changes)} changes ({public.usage.latency_ms:.0f} ms)")
    for change in public.changes:
        mark = "✓" if change.verified else "✗"
        typer.echo(f"  {mark} {change.kind:<20} {change.target:<40} {change.rationale}")
    if public.error:
        typer.echo(f"  error: {public.error}")


@keys_cli.command("create")
def create_key(
    name: Annotated[str, typer.Option(help="Who the key is for.")],
    role: Annotated[list[str], typer.Option(help="admin, reviewer or integration; repeatable.")],
    tenant: TenantOpt = "demo",
) -> None:
    """Issue an API key and print it once."""
    from app.auth.service import Role, create_key
    from app.db import transaction

    unknown = sorted(set(role) - set(Role))
    if unknown:
        typer.echo(f"error: unknown role {', '.join(unknown)}; use admin, reviewer or integration", err=True)
        raise typer.Exit(2)
    state = _state()
    try:
        with transaction(state.sessions) as session:
            row, key = create_key(session, tenant, name, [Role(r) for r in role])
    finally:
        state.close()
    typer.echo(f"issued {row.id} ({name}); the key is shown only now:", err=True)
    typer.echo(key)


@keys_cli.command("list")
def list_keys(tenant: TenantOpt = "demo") -> None:
    """The tenant's keys: id, name, roles, created, last used, revoked. Never the keys themselves."""
    from app.auth.repository import keys_page

    state = _state()
    try:
        with state.sessions() as session:
            rows = keys_page(session, tenant, after=None, limit=100_000)
    finally:
        state.close()
    if not rows:
        typer.echo(f"no keys in tenant {tenant!r}")
        return

    def when(moment: object) -> str:
        return f"{moment:%Y-%m-%d %H:%M}" if moment else "-"

    typer.echo(f"{'id':<34} {'name':<24} {'roles':<28} {'created':<16}  {'last used':<16}  revoked")
    for r in rows:
        roles = ",".join(r.roles)
        typer.echo(
            f"{r.id:<34} {r.name:<24} {roles:<28} {when(r.created_at):<16}  {when(r.last_used_at):<16}  "
            f"{when(r.revoked_at)}"
        )


@keys_cli.command("revoke")
def revoke_key(
    key_id: Annotated[str, typer.Argument(help="The key's id, as `keys list` shows it.")], tenant: TenantOpt = "demo"
) -> None:
    """Revoke a key: it is refused from now on and the UI sessions opened with it end."""
    from app.auth import service
    from app.db import transaction
    from app.problems import Problem

    state = _state()
    try:
        with transaction(state.sessions) as session:
            row = service.revoke_key(session, tenant, key_id)
            name = row.name
    except Problem as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(2) from exc
    finally:
        state.close()
    typer.echo(f"revoked {key_id} ({name})")


@users_cli.command("create")
def create_user(
    email: Annotated[str, typer.Option(help="The email the reviewer signs in with.")],
    tenant: Annotated[str, typer.Option("--tenant", "-t", help="The tenant the reviewer works in.")],
    role: Annotated[str, typer.Option(help="reviewer or admin.")] = "reviewer",
    name: Annotated[str | None, typer.Option(help="The name shown on their decisions; defaults to the email.")] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input instead of a prompt.")
    ] = False,
    new_tenant: Annotated[
        bool, typer.Option("--new-tenant", help="Allow a tenant that has no keys, accounts or users yet.")
    ] = False,
) -> None:
    """Add a reviewer account. The password is asked for (never echoed) or read from standard input."""
    import sys

    from app.auth.service import Role
    from app.auth.users import USER_ROLES, UserError, create_user
    from app.db import transaction

    if role not in USER_ROLES:
        typer.echo(f"error: unknown role {role!r}; use {' or '.join(USER_ROLES)}", err=True)
        raise typer.Exit(2)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True, default="", show_default=False)
    state = _state()
    try:
        with transaction(state.sessions) as session:
            user = create_user(session, tenant, email, password, Role(role), name, new_tenant=new_tenant)
            user_id, stored_email = user.id, user.email
    except UserError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    finally:
        state.close()
    typer.echo(f"created {user_id}: {stored_email} ({role}) in tenant {tenant}")


@users_cli.command("list")
def list_users(tenant: TenantOpt = "demo") -> None:
    """The tenant's reviewer accounts: id, email, name, role, last sign-in. Never a password or its hash."""
    from app.auth.repository import users_of

    state = _state()
    try:
        with state.sessions() as session:
            rows = users_of(session, tenant)
    finally:
        state.close()
    if not rows:
        typer.echo(f"no users in tenant {tenant!r}")
        return
    typer.echo(f"{'id':<34} {'email':<32} {'name':<24} {'role':<9} last sign-in")
    for r in rows:
        last = f"{r.last_login_at:%Y-%m-%d %H:%M}" if r.last_login_at else "-"
        typer.echo(f"{r.id:<34} {r.email:<32} {r.name:<24} {r.role:<9} {last}")


def _demo_reviewer(state, login_file: Path) -> str:  # type: ignore[no-untyped-def]
    """The demo reviewer's password: the one kept in `login_file` while its account exists, else a new account."""
    from app.auth.repository import user_by_email
    from app.auth.service import Role
    from app.auth.users import create_user, set_password
    from app.db import transaction

    lines = login_file.read_text().split() if login_file.exists() else []
    with transaction(state.sessions) as session:
        if len(lines) == 2 and lines[0] == DEMO_REVIEWER and user_by_email(session, DEMO_REVIEWER):
            return lines[1]
        existing = user_by_email(session, DEMO_REVIEWER)
        password = secrets.token_urlsafe(12)
        if existing is not None:  # the file was lost: a new password for the same account
            set_password(session, existing, password)
        else:
            create_user(session, "demo", DEMO_REVIEWER, password, Role.reviewer, "Demo Reviewer", new_tenant=True)
    login_file.write_text(f"{DEMO_REVIEWER}\n{password}\n")
    os.chmod(login_file, 0o600)
    return password


@cli.command()
def demo(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    bundles: Annotated[Path, typer.Option(help="Folder of demo bundles.")] = DEMO_BUNDLES,
    serve_after: Annotated[bool, typer.Option("--serve/--no-serve", help="Start the server afterwards.")] = True,
) -> None:
    """Load the demo accounts, draft their plan updates, and serve the review UI. Safe to re-run."""
    from app.auth.service import Role, authenticate, issue_key
    from app.db import transaction

    settings = Settings()
    moved = _reindex(settings)  # a ./data from an earlier release is brought up to date first
    if moved.accounts_moved or moved.accounts_reembedded:
        typer.echo(f"vector store: {moved.summary()}")
    state = _state(settings)
    key_file = settings.data_dir / "demo-api-key"
    started = time.perf_counter()
    try:
        folders = sorted(f for f in bundles.iterdir() if (f / "crm").is_dir())
        for folder in folders:
            _import_and_draft(state, "demo", folder, draft=True)
        typer.echo(f"loaded {len(folders)} demo accounts in {time.perf_counter() - started:.1f} s")
        key = key_file.read_text().strip() if key_file.exists() else f"pw_{secrets.token_urlsafe(24)}"
        with transaction(state.sessions) as session:
            if authenticate(session, key) is None:
                issue_key(session, "demo", "demo reviewer", [Role.admin], key)
        key_file.write_text(key + "\n")
        os.chmod(key_file, 0o600)
        password = _demo_reviewer(state, settings.data_dir / "demo-reviewer-login")  # printed below
    finally:
        state.close()
    login_file = settings.data_dir / "demo-reviewer-login"
    typer.echo(
        f"\n  Review UI:  http://{host}:{port}/ui\n"
        f"  Sign in as: {DEMO_REVIEWER}   password: {password}   (also in {login_file})\n"
        f"  API docs:   http://{host}:{port}/docs\n"
        f"  API key:    {key}   (an admin key, for the API or the UI's key sign-in; also in {key_file})\n"
    )
    if serve_after:
        serve(host=host, port=port)


@cli.command(
    "eval",
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True, "help_option_names": []},
    add_help_option=False,
)
def eval_(ctx: typer.Context) -> None:
    """The evaluation suite: `planwright eval run|compare …` (see evals/README.md)."""
    # Imported on use: the eval stack takes seconds to import and other commands need none of it.
    from evals.cli import eval_cli

    eval_cli(args=ctx.args, prog_name="planwright eval")


def main() -> None:
    logging.basicConfig(level=os.environ.get("PLANWRIGHT_LOG_LEVEL", "WARNING"))
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    cli()


if __name__ == "__main__":
    main()
