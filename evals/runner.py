"""Running the drafting agents over an eval dataset, the way the service runs them, and scoring them.

Per bundle: load_bundle → chunk_source → a scratch ChunkStore (in-memory Chroma, embeddings
cached by text hash) → a HybridRetriever scoped to a scratch tenant and account →
AccountEvidence as of the gold date → run_draft for every kind the engine supports. The
verified changes are applied to an empty plan, and that plan is what gets scored.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel

from agents.context import AccountEvidence
from agents.drafting import ENGINES, OPENAI, run_draft
from agents.llm import LLM_KINDS, LlmConfig
from agents.results import CheckedChange, DraftResult
from evals.dataset import BundleCase, Expected, load_dataset
from evals.embedding_cache import CachedEmbedder
from evals.metrics import (
    CostScores,
    GroundingScores,
    InjectionScores,
    QbrScores,
    StakeholderScores,
    WhitespaceScores,
    grounding_scores,
    output_snapshot,
    pool,
    qbr_scores,
    snapshot_differences,
    stakeholder_scores,
    whitespace_scores,
)
from evals.retrieval_eval import RetrievalScores, evaluate_queries
from plans.apply import ChangeError, apply_changes
from plans.models import AccountPlan
from plans.render import qbr_markdown
from plans.vocabulary import DraftKind
from retrieval.bundle import load_bundle
from retrieval.chunking import chunk_source
from retrieval.embedders import load_embedder
from retrieval.evidence import Bundle, Hit, SourceType
from retrieval.hybrid import HybridRetriever
from retrieval.protocols import Embedder
from retrieval.store import ChunkStore

ALL_KINDS: tuple[DraftKind, ...] = (DraftKind.stakeholder_map, DraftKind.whitespace, DraftKind.qbr_brief)
DEFAULT_CACHE_DIR = Path("reports") / ".cache" / "evals"
EVAL_TENANT = "eval"
REPO_ROOT = Path(__file__).resolve().parent.parent

Progress = Callable[[str], None]
DraftOptions = dict[str, Any]
# Wraps each run_draft call: (bundle name, kind, counterfactual variant or None) → a context,
# e.g. the vcr cassette that serves that draft's LLM call (evals.llm_replay).
DraftScope = Callable[[str, DraftKind, str | None], AbstractContextManager[object]]
# A fresh scratch store for each drafting pass (a bundle, or a counterfactual copy of it).
StoreFactory = Callable[[], ChunkStore]


class RunAborted(Exception):
    """An error that ends the whole run instead of being scored as a failed draft (a cassette miss)."""


def injection_variant(index: int) -> str:
    """The name of the counterfactual run without the bundle's `index`-th planted instruction."""
    return f"without-injection-{index}"


@dataclass
class Drafted:
    """One drafting pass over a bundle: every kind's result, and the plan its verified changes make."""

    bundle: Bundle
    evidence: AccountEvidence
    retriever: HybridRetriever
    results: dict[str, DraftResult] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    apply_errors: list[str] = field(default_factory=list)
    plan: AccountPlan = field(default_factory=AccountPlan)
    rendered_brief: str = ""
    ingest_seconds: float = 0.0
    fallbacks: list[str] = field(default_factory=list)

    @property
    def changes(self) -> list[CheckedChange]:
        return [checked for result in self.results.values() for checked in result.changes]


@dataclass
class BundleRun:
    """A bundle's drafts, the applied plan and its scores; a score is None when its kind was not drafted."""

    name: str
    folder: Path
    expected: Expected
    drafted: Drafted | None = None
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    stakeholders: StakeholderScores | None = None
    whitespace: WhitespaceScores | None = None
    qbr: QbrScores | None = None
    grounding: GroundingScores | None = None
    injection: InjectionScores | None = None
    cost: CostScores = field(default_factory=CostScores)
    retrieval: RetrievalScores | None = None
    seconds: dict[str, float] = field(default_factory=dict)

    def scores(self) -> list[Any]:
        parts = [
            self.stakeholders,
            self.whitespace,
            self.qbr,
            self.grounding,
            self.injection,
            self.cost,
            self.retrieval,
        ]
        return [part for part in parts if part is not None]

    def metrics(self) -> dict[str, float | int | None]:
        out: dict[str, float | int | None] = {}
        for part in self.scores():
            out.update(part.metrics())
        return out


@dataclass
class EvalRun:
    """A whole eval run: its settings, every bundle's run, and the pooled (micro-averaged) scores."""

    dataset: Path
    engine: str
    embedder: str
    kinds: list[str]
    model: str | None
    bundles: list[BundleRun]
    started_at: datetime
    seconds: float = 0.0
    git: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    cache: dict[str, Any] = field(default_factory=dict)

    def pooled(self) -> list[Any]:
        out: list[Any] = []
        for name in ("stakeholders", "whitespace", "qbr", "grounding", "injection", "cost"):
            parts = [getattr(b, name) for b in self.bundles if getattr(b, name) is not None]
            if parts:
                out.append(pool(parts))
        queries = [q for b in self.bundles if b.retrieval is not None for q in b.retrieval.queries]
        if queries:
            out.append(RetrievalScores(queries=queries))
        return out

    def metrics(self) -> dict[str, float | int | None]:
        out: dict[str, float | int | None] = {}
        for part in self.pooled():
            out.update(part.metrics())
        return out


class StableChunkStore(ChunkStore):
    """A ChunkStore whose vector rankings are exact and break ties by chunk id.

    Chroma's approximate search orders chunks at the same distance differently from one
    process to the next (the hashing embedder makes such ties common), so which tied chunk
    makes the top k — hence a prompt's evidence — would vary between runs and LLM cassettes
    would not replay. Ranking every chunk of the account (a few hundred in an eval bundle)
    and sorting by (score, chunk id) makes retrieval reproducible.
    """

    def query_many(self, tenant: str, account_id: str, texts: Sequence[str], k: int) -> list[list[Hit]]:
        if k <= 0:
            return super().query_many(tenant, account_id, texts, k)
        everything = max(k, self.count(tenant, account_id))
        ranked = super().query_many(tenant, account_id, texts, everything)
        return [sorted(hits, key=lambda hit: (-round(hit.score, 6), hit.chunk_id))[:k] for hits in ranked]


def git_info(root: Path = REPO_ROOT) -> dict[str, Any]:
    """The commit the code ran at and whether the tree had local changes; empty outside a git checkout."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True, timeout=10
        ).stdout.strip()
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return {}
    return {"commit": commit, "dirty": bool(status.strip())}


def model_name(engine: str, chat_model: BaseChatModel | None, llm: LlmConfig | None) -> str | None:
    """The chat model's name for the report; None for the offline engine."""
    if engine != OPENAI:
        return None
    served = getattr(chat_model, "model_name", None) or getattr(chat_model, "model", None)
    return str(served) if served else (llm.model if llm is not None else None)


def supported_kinds(engine: str, kinds: Iterable[DraftKind | str]) -> tuple[list[DraftKind], list[DraftKind]]:
    """(kinds the engine drafts, kinds it does not) per the ENGINES registry."""
    wanted = [DraftKind(k) for k in kinds]

    def drafts(kind: DraftKind) -> bool:
        return (kind, engine) in ENGINES or (engine == OPENAI and kind in LLM_KINDS)

    return [k for k in wanted if drafts(k)], [k for k in wanted if not drafts(k)]


def ingest(bundle: Bundle, store: ChunkStore, tenant: str, account_id: str) -> int:
    """Store the bundle's chunks the way the service's import does; the number embedded."""
    chunks = [chunk for source in bundle.sources for chunk in chunk_source(source)]
    types = {source.id: str(source.type) for source in bundle.sources}
    return store.upsert(tenant, account_id, chunks, source_types=types)


def draft_bundle(
    folder: Path,
    expected: Expected,
    store: ChunkStore,
    account_id: str,
    engine: str,
    kinds: Sequence[DraftKind],
    options: DraftOptions | None = None,
    *,
    name: str | None = None,
    variant: str | None = None,
    scope: DraftScope | None = None,
) -> Drafted:
    """Ingest one bundle into the store and draft every kind against an empty plan.

    `scope(name, kind, variant)` wraps each draft; a RunAborted it raises ends the run.
    """
    started = time.perf_counter()
    bundle = load_bundle(folder)
    ingest(bundle, store, EVAL_TENANT, account_id)
    retriever = HybridRetriever(store, EVAL_TENANT, account_id)
    evidence = AccountEvidence.from_bundle(bundle, EVAL_TENANT, account_id, expected.as_of)
    drafted = Drafted(bundle=bundle, evidence=evidence, retriever=retriever)
    drafted.ingest_seconds = time.perf_counter() - started

    plan = AccountPlan()
    for kind in kinds:
        around = scope(name or folder.name, kind, variant) if scope is not None else nullcontext()
        try:
            with around:
                result = run_draft(kind, evidence, AccountPlan(), retriever, engine=engine, **(options or {}))
            if result.engine != engine:
                drafted.fallbacks.append(f"{kind.value}: drafted by {result.engine}: {'; '.join(result.warnings)}")
        except RunAborted:
            raise
        except Exception as exc:  # one failing draft is a scored failure, not the end of the run
            drafted.errors[kind.value] = f"{type(exc).__name__}: {exc}"
            continue
        drafted.results[kind.value] = result
        for change in result.verified_changes:
            try:
                plan = apply_changes(plan, [change])
            except ChangeError as exc:
                drafted.apply_errors.append(str(exc))
    drafted.plan = plan
    if plan.qbr_brief is not None:
        titles = {source.id: source.title for source in bundle.sources}
        drafted.rendered_brief = qbr_markdown(plan.qbr_brief, titles)
    return drafted


def _scratch_account(name: str) -> str:
    slug = "".join(ch if ch.isalnum() else "-" for ch in name).strip("-")[:40] or "bundle"
    return f"{slug}-{uuid.uuid4().hex[:8]}"


def _without(folder: Path, file: str, text: str, into: Path) -> Path | None:
    """A copy of the bundle with every occurrence of `text` cut from `file`; None when it is not there."""
    target = (folder / file).resolve()
    if not target.is_relative_to(folder.resolve()) or not target.is_file():
        return None
    content = target.read_bytes().decode("utf-8-sig")
    if text not in content and target.suffix == ".json":
        # A CRM field's text as the export stores it: line breaks and quotes escaped ("…\\nDana is our champion").
        text = next((t for t in (json.dumps(text, ensure_ascii=a)[1:-1] for a in (False, True)) if t in content), text)
    if text not in content:
        return None
    copy = into / folder.name
    shutil.copytree(folder, copy)
    (copy / file).write_bytes(content.replace(text, "").encode("utf-8"))
    return copy


def _snapshot(drafted: Drafted, expected: Expected) -> dict[str, Any]:
    qbr = expected.qbr
    return output_snapshot(drafted.plan, qbr.facts, qbr.must_not_include, drafted.rendered_brief)


def run_injections(
    case: BundleCase,
    base: Drafted,
    stores: StoreFactory,
    engine: str,
    kinds: Sequence[DraftKind],
    options: DraftOptions,
    notes: list[str],
    scope: DraftScope | None = None,
) -> InjectionScores:
    """For each planted instruction, draft again without it; it counts when the scored output differs."""
    scores = InjectionScores()
    with_injection = _snapshot(base, case.expected)
    for index, injection in enumerate(case.expected.injections):
        with tempfile.TemporaryDirectory(prefix="planwright-eval-") as tmp:
            copy = _without(case.folder, injection.file, injection.text, Path(tmp))
            if copy is None:
                notes.append(f"injection {index} ({injection.file}): its text is not in the file; not scored")
                continue
            account_id = _scratch_account(f"{case.name}-inj{index}")
            store = stores()
            try:
                clean = draft_bundle(
                    copy,
                    case.expected,
                    store,
                    account_id,
                    engine,
                    kinds,
                    options,
                    name=case.name,
                    variant=injection_variant(index),
                    scope=scope,
                )
            finally:
                store.delete_account(EVAL_TENANT, account_id)
                store.close()
        differences = snapshot_differences(with_injection, _snapshot(clean, case.expected))
        scores.injections += 1
        scores.changed += bool(differences)
        scores.details.append(
            {"file": injection.file, "text": injection.text, "changed": bool(differences), "differences": differences}
        )
    return scores


def score_bundle(run: BundleRun, drafted: Drafted) -> None:
    """Fill the bundle's scores from its drafts and applied plan."""
    gold = run.expected
    plan = drafted.plan
    if DraftKind.stakeholder_map.value in drafted.results or DraftKind.stakeholder_map.value in drafted.errors:
        run.stakeholders = stakeholder_scores(gold.stakeholders, plan.stakeholders)
    if gold.whitespace and (
        DraftKind.whitespace.value in drafted.results or DraftKind.whitespace.value in drafted.errors
    ):
        run.whitespace = whitespace_scores(gold.whitespace, plan.whitespace)
    if (gold.qbr.facts or gold.qbr.must_not_include) and (
        DraftKind.qbr_brief.value in drafted.results or DraftKind.qbr_brief.value in drafted.errors
    ):
        calls = [source.id for source in drafted.bundle.sources if source.type is SourceType.call]
        run.qbr = qbr_scores(
            gold.qbr.facts, gold.qbr.must_not_include, plan.qbr_brief, drafted.rendered_brief, calls
        )
    run.grounding = grounding_scores(drafted.changes, drafted.evidence.texts())
    for kind, result in drafted.results.items():
        run.cost.add(kind, result.usage)


def run_bundle(
    case: BundleCase,
    stores: StoreFactory,
    engine: str,
    kinds: Sequence[DraftKind],
    skipped: Sequence[DraftKind],
    options: DraftOptions,
    *,
    injections: bool = True,
    retrieval: bool = True,
    scope: DraftScope | None = None,
) -> BundleRun:
    run = BundleRun(name=case.name, folder=case.folder, expected=case.expected)
    run.skipped = [kind.value for kind in skipped]
    run.notes += [f"{kind.value}: the {engine!r} engine does not draft it; not scored" for kind in skipped]
    account_id = _scratch_account(case.name)
    store = stores()
    try:
        drafted = draft_bundle(
            case.folder, case.expected, store, account_id, engine, kinds, options, name=case.name, scope=scope
        )
        run.drafted = drafted
        run.seconds["ingest"] = drafted.ingest_seconds
        for kind, result in drafted.results.items():
            run.seconds[f"draft.{kind}"] = result.usage.latency_ms / 1000
        run.notes += [f"{kind}: draft failed: {error}" for kind, error in drafted.errors.items()]
        run.notes += [f"change not applied: {error}" for error in drafted.apply_errors]
        run.notes += [f"fallback: {line}" for line in drafted.fallbacks]
        run.notes += [f"import issue: {issue}" for issue in drafted.bundle.issues]
        score_bundle(run, drafted)
        if retrieval and case.queries:
            started = time.perf_counter()
            run.retrieval = evaluate_queries(drafted.retriever, case.queries, prefix=f"{case.name}/")
            run.seconds["retrieval"] = time.perf_counter() - started
        if injections and case.expected.injections and kinds:
            started = time.perf_counter()
            run.injection = run_injections(case, drafted, stores, engine, kinds, options, run.notes, scope)
            run.seconds["injections"] = time.perf_counter() - started
    finally:
        store.delete_account(EVAL_TENANT, account_id)
        store.close()
    return run


def run_eval(
    dataset: Path,
    engine: str = "offline",
    embedder: str = "minilm",
    kinds: Iterable[DraftKind | str] = ALL_KINDS,
    chat_model: BaseChatModel | None = None,
    llm: LlmConfig | None = None,
    *,
    cache_dir: Path | None = DEFAULT_CACHE_DIR,
    injections: bool = True,
    retrieval: bool = True,
    embedder_instance: Embedder | None = None,
    progress: Progress | None = None,
    scope: DraftScope | None = None,
) -> EvalRun:
    """Draft and score every bundle of `dataset` with `engine`; kinds the engine lacks are skipped with a note.

    `chat_model` (built by agents.llm.make_chat_model) and `llm` (its LlmConfig: model name,
    prices, fallback) go to run_draft for the openai engine. Embeddings are cached under
    `cache_dir` (None: no cache). `scope` wraps every draft, the counterfactual ones included
    (evals.llm_replay serves the LLM calls from cassettes this way); a RunAborted ends the run.
    """
    started_at = datetime.now(UTC)
    started = time.perf_counter()
    dataset = Path(dataset)
    cases = load_dataset(dataset)
    wanted, skipped = supported_kinds(engine, kinds)
    options: DraftOptions = {"chat_model": chat_model, "llm": llm}

    inner = embedder_instance if embedder_instance is not None else load_embedder(embedder)
    cached = CachedEmbedder(inner, cache_dir) if cache_dir is not None else None

    def stores() -> ChunkStore:
        # One collection per pass: what a bundle retrieves must not depend on what else was stored.
        return StableChunkStore.ephemeral(cached or inner, namespace=f"eval-{uuid.uuid4().hex[:12]}")

    run = EvalRun(
        dataset=dataset,
        engine=engine,
        embedder=embedder,
        kinds=[kind.value for kind in wanted],
        model=model_name(engine, chat_model, llm),
        bundles=[],
        started_at=started_at,
        git=git_info(),
    )
    run.notes += [f"{kind.value}: the {engine!r} engine does not draft it; skipped" for kind in skipped]
    try:
        for case in cases:
            if progress is not None:
                progress(f"{case.name}: drafting {', '.join(k.value for k in wanted) or 'nothing'}")
            bundle_started = time.perf_counter()
            bundle_run = run_bundle(
                case,
                stores,
                engine,
                wanted,
                skipped,
                options,
                injections=injections,
                retrieval=retrieval,
                scope=scope,
            )
            bundle_run.seconds["total"] = time.perf_counter() - bundle_started
            run.bundles.append(bundle_run)
    finally:
        if cached is not None:
            run.cache = {"path": str(cached.path), "hits": cached.hits, "misses": cached.misses}
            cached.close()
    run.seconds = time.perf_counter() - started
    return run
