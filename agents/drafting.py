"""Running a draft: gather the account's context, let an engine propose changes, verify them.

Engines are looked up by (draft kind, engine name); each takes the same gathered context and
returns changes, so an LLM engine plugs in next to the offline rules without touching the
verifier or the callers.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from langchain_core.language_models import BaseChatModel

from agents.context import AccountEvidence
from agents.decisions import DecisionMemory, remember_decisions
from agents.llm import LLM_KINDS, DraftFailed, LlmConfig, LlmFailure, draft_with_llm
from agents.qbr import qbr_changes, qbr_queries
from agents.results import DraftResult, Usage
from agents.stakeholders import stakeholder_changes, stakeholder_queries
from agents.verifier import verify
from agents.whitespace import whitespace_changes, whitespace_queries
from plans.models import AccountPlan, Change
from plans.vocabulary import DraftKind
from retrieval.evidence import Hit
from retrieval.protocols import Retriever

HITS_PER_QUESTION = 5
MAX_HITS = 200


@dataclass(frozen=True)
class DraftContext:
    """What every engine reads: the account's evidence, the current plan and the retrieved chunks."""

    kind: DraftKind
    evidence: AccountEvidence
    plan: AccountPlan
    queries: list[str]
    hits: list[Hit]


@dataclass
class Proposal:
    """What an engine proposes, before verification."""

    changes: list[Change]
    usage: Usage = field(default_factory=Usage)
    prompt_version: str | None = None
    warnings: list[str] = field(default_factory=list)


Engine = Callable[[DraftContext], Proposal]

QUERIES: dict[DraftKind, Callable[[AccountEvidence], list[str]]] = {
    DraftKind.stakeholder_map: stakeholder_queries,
    DraftKind.whitespace: whitespace_queries,
    DraftKind.qbr_brief: qbr_queries,
}


def _offline_stakeholders(context: DraftContext) -> Proposal:
    changes, warnings = stakeholder_changes(context.evidence, context.plan, context.hits)
    return Proposal(changes=changes, warnings=warnings)


def _offline_whitespace(context: DraftContext) -> Proposal:
    changes, warnings = whitespace_changes(context.evidence, context.plan, context.hits)
    return Proposal(changes=changes, warnings=warnings)


def _offline_qbr(context: DraftContext) -> Proposal:
    changes, warnings = qbr_changes(context.evidence, context.plan, context.hits)
    return Proposal(changes=changes, warnings=warnings)


OPENAI = "openai"


def _llm_engine(chat_model: BaseChatModel, config: LlmConfig) -> Engine:
    """The openai engine for one run: one model call, its changes, usage and prompt version."""

    def propose(context: DraftContext) -> Proposal:
        drafted = draft_with_llm(context, chat_model, config)
        return Proposal(drafted.changes, drafted.usage, drafted.prompt_version, drafted.warnings)

    return propose


ENGINES: dict[tuple[DraftKind, str], Engine] = {
    (DraftKind.stakeholder_map, "offline"): _offline_stakeholders,
    (DraftKind.whitespace, "offline"): _offline_whitespace,
    (DraftKind.qbr_brief, "offline"): _offline_qbr,
}


def retrieve(retriever: Retriever, queries: Sequence[str]) -> list[Hit]:
    """Ask every question at once when the retriever can, else one by one; each chunk once, best first."""
    k = min(MAX_HITS, HITS_PER_QUESTION * max(1, len(queries)))
    search_many = getattr(retriever, "search_many", None)
    if callable(search_many):
        hits: list[Hit] = list(search_many(list(queries), k))
    else:
        hits = [hit for query in queries for hit in retriever.search(query, HITS_PER_QUESTION)]
    unique: dict[str, Hit] = {}
    for hit in hits:
        if hit.chunk_id not in unique or hit.score > unique[hit.chunk_id].score:
            unique[hit.chunk_id] = hit
    return list(unique.values())


def gather_context(
    kind: DraftKind, evidence: AccountEvidence, plan: AccountPlan, retriever: Retriever
) -> DraftContext:
    """Read the account's evidence once: the kind's questions and what retrieval returns for them."""
    queries = QUERIES[kind](evidence)
    return DraftContext(kind, evidence, plan, queries, retrieve(retriever, queries))


def run_draft(
    kind: DraftKind,
    evidence: AccountEvidence,
    plan: AccountPlan,
    retriever: Retriever,
    engine: str = "offline",
    *,
    chat_model: BaseChatModel | None = None,
    llm: LlmConfig | None = None,
    memory: DecisionMemory | None = None,
) -> DraftResult:
    """Draft changes of `kind` for one account with `engine`, every change verified against the evidence.

    The `openai` engine needs `chat_model` (build it once with `agents.llm.make_chat_model`) and
    reads `llm` for prices and fallback; when its call fails it falls back to the offline engine,
    or raises DraftFailed when `llm.fallback_to_offline` is off. With `memory`, what reviewers rejected or
    edited is not proposed again without newer evidence (agents/decisions.py), whichever engine drafted.
    """
    kind = DraftKind(kind)
    config = llm or LlmConfig()
    propose: Engine | None
    if engine == OPENAI and kind in LLM_KINDS:
        if chat_model is None:
            raise ValueError("The openai engine needs a chat model: pass one built by make_chat_model().")
        propose = _llm_engine(chat_model, config)
    else:
        propose = ENGINES.get((kind, engine))
    if propose is None:
        available = ", ".join([*(f"{k.value}/{e}" for k, e in ENGINES), *(f"{k.value}/{OPENAI}" for k in LLM_KINDS)])
        raise NotImplementedError(
            f"No {engine!r} engine drafts {kind.value} yet; available: {available}."
        )
    started = time.perf_counter()
    context = gather_context(kind, evidence, plan, retriever)
    try:
        proposal = propose(context)
    except LlmFailure as failure:
        offline = ENGINES.get((kind, "offline"))
        if not config.fallback_to_offline or offline is None:
            raise DraftFailed(f"openai engine failed: {failure.reason}", failure.usage) from failure
        engine = "offline"
        proposal = offline(context)
        proposal.usage = failure.usage
        proposal.warnings.insert(0, f"openai engine failed: {failure.reason}; drafted with the offline engine")
    changes, conflicts, remembered = remember_decisions(proposal.changes, memory, evidence)
    proposal.warnings.extend(remembered)
    checked = [c.model_copy(update={"conflicts": conflicts.get(c.change.id, [])}) for c in verify(changes, evidence)]
    usage = proposal.usage.model_copy(
        update={"latency_ms": round((time.perf_counter() - started) * 1000, 3)}
    )
    return DraftResult(
        kind=kind,
        engine=engine,
        changes=checked,
        usage=usage,
        retrieved_source_ids=list(dict.fromkeys(hit.source_id for hit in context.hits)),
        prompt_version=proposal.prompt_version,
        warnings=proposal.warnings,
    )
