"""The `openai` engine: one structured-output LLM call per draft, turned into the offline engine's changes.

The engine reads what the offline engine reads (deterministic CRM facts for the kind and the
retrieved evidence), renders a versioned prompt, asks the model once for the kind's output
schema, and converts the answer into `Change` objects against the current plan. The verifier
then checks those changes like any others. Any failure of the call (timeout, exhausted
retries, invalid JSON, schema violation, refusal) is an `LlmFailure`, never a partial draft.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx2
import openai
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langchain_core.runnables import Runnable
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from agents import qbr, whitespace
from agents.context import AccountEvidence
from agents.context_budget import FactsTooLarge, budget_for, context_tokens_for
from agents.llm_schemas import (
    CitationOutput,
    ClaimOutput,
    QbrBriefOutput,
    StakeholderMapOutput,
    StakeholderOutput,
    WhitespaceOutput,
)
from agents.reading import visible_text
from agents.results import Usage
from agents.stakeholders import crm_proposals
from agents.structured_output import (
    ModeMemory,
    StructuredOutput,
    UnsupportedEndpoint,
    json_content,
    json_mode_format,
    with_schema_instruction,
)
from agents.usage import DEFAULT_PRICES, cost_usd, price_for
from agents.verifier import collapse_whitespace, is_verbatim
from plans.diff import proposed_change
from plans.models import (
    AccountPlan,
    Change,
    Citation,
    Claim,
    QbrBrief,
    Risk,
    Stakeholder,
    WhitespaceCell,
    person_key,
)
from plans.names import same_person
from plans.vocabulary import ChangeKind, DraftKind, StakeholderStatus
from prompts.loader import EvidenceItem, RenderedPrompt, load_prompt
from retrieval.evidence import Hit, Source, SourceType

if TYPE_CHECKING:
    from agents.drafting import DraftContext

OPENAI_BASE_URL = "https://api.openai.com/v1"
RATIONALE_LIMIT = 300
# What each endpoint accepts is a property of the server, so it is probed once per process.
ENDPOINT_MODES = ModeMemory()


class LlmConfig(BaseModel):
    """How to reach the model and what its tokens cost; the app builds this from its settings."""

    model_config = ConfigDict(frozen=True)

    model: str = "gpt-4o-mini"
    base_url: str | None = Field(
        default=None, description="None for OpenAI; any OpenAI-compatible URL (Azure OpenAI, vLLM, Ollama)."
    )
    api_key: SecretStr | None = None
    timeout_s: float = Field(default=30.0, gt=0)
    max_retries: int = Field(default=2, ge=0)
    temperature: float = 0.0
    price_per_million_input: float | None = Field(default=None, ge=0)
    price_per_million_output: float | None = Field(default=None, ge=0)
    prices: dict[str, tuple[float, float]] = Field(default_factory=lambda: dict(DEFAULT_PRICES))
    fallback_to_offline: bool = True
    max_evidence_chars: int = Field(default=32_000, gt=0)
    structured_output: StructuredOutput = Field(
        default=StructuredOutput.auto,
        description="How to ask for JSON: json_schema, json_mode, tool_calling, or auto (probe the server once).",
    )
    context_tokens: int | None = Field(
        default=None, gt=0, description="The model's context window; None looks the model up, else 16,000."
    )
    max_output_tokens: int | None = Field(
        default=None, gt=0, description="Sent as max_tokens and kept free in the context; None sends no limit."
    )
    prompt_versions: dict[str, str] = Field(
        default_factory=dict, description="Pinned prompt version per kind; the newest version otherwise."
    )

    @property
    def context_window(self) -> int:
        return context_tokens_for(self.model, self.context_tokens)

    def price(self, served_model: str | None = None) -> tuple[float, float] | None:
        """USD per million (input, output) tokens: the explicit prices, else the table by model name."""
        if self.price_per_million_input is not None and self.price_per_million_output is not None:
            return (self.price_per_million_input, self.price_per_million_output)
        return price_for(self.model, self.prices) or (price_for(served_model, self.prices) if served_model else None)


def make_chat_model(config: LlmConfig, *, http_client: httpx2.Client | None = None) -> BaseChatModel:
    """A ChatOpenAI for `config`: explicit endpoint, key, timeout and retries; build it once and reuse it."""
    from langchain_openai import ChatOpenAI

    if config.api_key is None and config.base_url is None:
        raise ValueError("The openai engine needs an API key for api.openai.com (or a base_url that needs none).")
    # Local OpenAI-compatible servers (vLLM, Ollama) ignore the key, but the client insists on one.
    api_key = config.api_key or SecretStr("unused")
    return ChatOpenAI(
        model=config.model,
        base_url=config.base_url or OPENAI_BASE_URL,
        api_key=api_key,
        timeout=config.timeout_s,
        max_retries=config.max_retries,
        temperature=config.temperature,
        use_responses_api=False,
        http_client=http_client,
        max_tokens=config.max_output_tokens,
        # The client sends the limit as max_completion_tokens, which self-hosted servers such as
        # llama-cpp-python ignore; they read the older max_tokens (OpenAI refuses both at once).
        extra_body={"max_tokens": config.max_output_tokens} if config.max_output_tokens and config.base_url else None,
    )


class LlmFailure(Exception):
    """The model call produced no usable output; `usage` holds what the failed call cost."""

    def __init__(self, reason: str, usage: Usage | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.usage = usage or Usage(llm_calls=1)


class DraftFailed(Exception):
    """A draft could not be made (the LLM failed and falling back was not allowed)."""

    def __init__(self, reason: str, usage: Usage | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.usage = usage or Usage()


@dataclass
class LlmDraft:
    """What the LLM engine proposes, before verification."""

    changes: list[Change]
    usage: Usage
    prompt_version: str
    warnings: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------
# The one call
# ---------------------------------------------------------------------------


def structured_output_mode(chat_model: BaseChatModel, config: LlmConfig) -> StructuredOutput:
    """The configured mode; for `auto`, json_schema on api.openai.com, else what a probe of the server found."""
    if config.structured_output is not StructuredOutput.auto:
        return config.structured_output
    if config.base_url is None or config.base_url.rstrip("/") == OPENAI_BASE_URL:
        return StructuredOutput.json_schema
    try:
        with _model_errors(config):
            return ENDPOINT_MODES.resolve(chat_model, (config.base_url, config.model))
    except UnsupportedEndpoint as exc:
        raise LlmFailure(str(exc)) from exc


def call_model(
    chat_model: BaseChatModel,
    schema: type[BaseModel],
    prompt: RenderedPrompt,
    config: LlmConfig,
    mode: StructuredOutput = StructuredOutput.json_schema,
) -> tuple[BaseModel, Usage, list[str]]:
    """Ask once for `schema` in `mode`; the parsed output, its usage and cost, and warnings — or an LlmFailure."""
    messages: list[BaseMessage] = [SystemMessage(prompt.system), HumanMessage(prompt.user)]
    runnable: Runnable[Any, Any]
    if mode is StructuredOutput.json_mode:
        runnable = chat_model.bind(response_format=json_mode_format(schema, config.max_output_tokens))
        messages = with_schema_instruction(messages, schema)
    else:
        method = "json_schema" if mode is StructuredOutput.json_schema else "function_calling"
        runnable = chat_model.with_structured_output(schema, method=method, include_raw=True)
    try:
        with _model_errors(config):
            result = runnable.invoke(messages)
    except ValidationError as exc:
        # The SDK parses the content before LangChain sees it; LangChain attaches the HTTP response.
        spent, _ = _usage_from_response(getattr(exc, "response", None), config)
        raise LlmFailure(_validation_reason(exc, schema), spent) from exc
    if isinstance(result, AIMessage):
        return _parsed_json_reply(result, schema, config)
    raw = result.get("raw") if isinstance(result, Mapping) else None
    usage, warnings = _usage_from_message(raw, config)
    error = result.get("parsing_error") if isinstance(result, Mapping) else None
    parsed = result.get("parsed") if isinstance(result, Mapping) else None
    if error is not None:
        refusal = raw.additional_kwargs.get("refusal") if isinstance(raw, AIMessage) else None
        if refusal:
            raise LlmFailure(f"the model refused: {collapse_whitespace(str(refusal))}", usage)
        if isinstance(error, ValidationError):
            raise LlmFailure(_validation_reason(error, schema), usage)
        raise LlmFailure(f"the output could not be parsed: {error}", usage)
    if not isinstance(parsed, schema):
        raise LlmFailure(f"the model returned no {schema.__name__}", usage)
    return parsed, usage, warnings


@contextmanager
def _model_errors(config: LlmConfig) -> Iterator[None]:
    """The openai client's errors as LlmFailures that say what went wrong."""
    try:
        yield
    except openai.APITimeoutError as exc:
        raise LlmFailure(f"the request timed out after {config.timeout_s:g} s") from exc
    except openai.RateLimitError as exc:
        raise LlmFailure(f"rate limited (HTTP 429) after {config.max_retries} retries: {exc.message}") from exc
    except openai.APIStatusError as exc:
        raise LlmFailure(f"HTTP {exc.status_code} from the model endpoint: {exc.message}") from exc
    except openai.APIConnectionError as exc:
        raise LlmFailure(f"could not reach the model endpoint: {exc.message}") from exc
    except openai.LengthFinishReasonError as exc:
        cut_off, _ = _usage_from_wire(getattr(exc.completion, "usage", None), config, None)
        raise LlmFailure("the output hit the token limit before its JSON was complete", cut_off) from exc
    except openai.ContentFilterFinishReasonError as exc:
        raise LlmFailure("the provider's content filter stopped the output") from exc
    except openai.APIError as exc:
        raise LlmFailure(f"the model endpoint failed: {exc.message}") from exc


def _parsed_json_reply(
    reply: AIMessage, schema: type[BaseModel], config: LlmConfig
) -> tuple[BaseModel, Usage, list[str]]:
    """A json_mode reply validated against `schema` exactly as the other modes' replies are."""
    usage, warnings = _usage_from_message(reply, config)
    if reply.response_metadata.get("finish_reason") == "length":
        raise LlmFailure("the output hit the token limit before its JSON was complete", usage)
    text = json_content(reply.content)
    try:
        # Small self-hosted models write raw newlines inside strings, which strict JSON forbids;
        # the text means the same with them, so they are read leniently, then validated as usual.
        parsed = json.loads(text, strict=False)
    except ValueError:
        parsed = None
    try:
        if parsed is None:
            return schema.model_validate_json(text), usage, warnings
        return schema.model_validate(parsed), usage, warnings
    except ValidationError as exc:
        raise LlmFailure(_validation_reason(exc, schema), usage) from exc


def _validation_reason(exc: ValidationError, schema: type[BaseModel]) -> str:
    errors = exc.errors()
    if any(error["type"] == "json_invalid" for error in errors):
        return "the model returned invalid JSON"
    first = errors[0] if errors else None
    where = ".".join(str(part) for part in first["loc"]) if first else ""
    what = first["msg"] if first else str(exc)
    return f"the output violates the {schema.__name__} schema ({len(errors)} errors; {where}: {what})"


def _usage_from_message(raw: Any, config: LlmConfig) -> tuple[Usage, list[str]]:
    if not isinstance(raw, AIMessage) or raw.usage_metadata is None:
        return Usage(llm_calls=1), []
    served = raw.response_metadata.get("model_name")
    return _priced(raw.usage_metadata["input_tokens"], raw.usage_metadata["output_tokens"], config, served)


def _usage_from_response(response: Any, config: LlmConfig) -> tuple[Usage, list[str]]:
    if not isinstance(response, httpx2.Response):
        return Usage(llm_calls=1), []
    try:
        body = response.json()
    except ValueError:
        return Usage(llm_calls=1), []
    return _usage_from_wire(body.get("usage"), config, body.get("model"))


def _usage_from_wire(usage: Any, config: LlmConfig, served: str | None) -> tuple[Usage, list[str]]:
    if isinstance(usage, BaseModel):
        usage = usage.model_dump()
    if not isinstance(usage, Mapping):
        return Usage(llm_calls=1), []
    return _priced(int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0), config, served)


def _priced(
    prompt_tokens: int, completion_tokens: int, config: LlmConfig, served: str | None
) -> tuple[Usage, list[str]]:
    price = config.price(served)
    warnings = [] if price else [f"no price known for model {served or config.model!r}; cost recorded as 0"]
    return (
        Usage(
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            llm_calls=1,
            cost_usd=cost_usd(prompt_tokens, completion_tokens, price) if price else 0.0,
        ),
        warnings,
    )


# ---------------------------------------------------------------------------
# Evidence and citations
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PackedEvidence:
    """The evidence elements of a prompt and the retrieved passages that did not fit."""

    items: list[EvidenceItem]
    left_out: list[Hit]


def evidence_items(hits: Sequence[Hit], evidence: AccountEvidence, budget_chars: int) -> PackedEvidence:
    """The best-ranked hits that fit the budget, one element per source (its chunks in order), oldest first."""
    chosen: dict[str, list[Hit]] = {}
    left_out: list[Hit] = []
    used = 0
    for hit in sorted(hits, key=lambda h: -h.score):
        if used + len(hit.text) > budget_chars:
            left_out.append(hit)
            continue
        chosen.setdefault(hit.source_id, []).append(hit)
        used += len(hit.text)

    def day(source_id: str) -> str:
        source = evidence.source(source_id)
        return source.date.isoformat() if source is not None and source.date else ""

    items = []
    for source_id in sorted(chosen, key=lambda sid: (day(sid), sid)):
        source = evidence.source(source_id)
        pieces = sorted(chosen[source_id], key=lambda h: _natural(h.chunk_id))
        items.append(
            EvidenceItem(
                source_id=source_id,
                type=source.type.value if source is not None else "unknown",
                text="\n[…]\n".join(_readable(h, source) for h in pieces),
                date=day(source_id) or None,
                title=source.title if source is not None else None,
            )
        )
    return PackedEvidence(items, left_out)


def _readable(hit: Hit, source: Source | None) -> str:
    """What a reader of the source sees: text hidden from readers (HTML comments in notes) never
    reaches the model, so it can neither instruct it nor be quoted as evidence."""
    if source is None:
        return hit.text
    visible = visible_text(hit, source)
    return hit.text if visible == hit.text else re.sub(r"\n{3,}", "\n\n", visible).strip()


def _natural(chunk_id: str) -> tuple[Any, ...]:
    """Chunk ids in reading order: "note#2" before "note#10"."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", chunk_id))


def to_citations(cited: Sequence[CitationOutput], context: DraftContext) -> tuple[Citation, ...]:
    """The model's citations with a locator: the retrieved chunk that holds the quote, or the CRM field."""
    citations: list[Citation] = []
    for item in cited:
        quote = item.quote.strip()
        locator = _locate(item.source_id, quote, context)
        citations.append(Citation(source_id=item.source_id, quote=quote, locator=locator))
    return tuple(dict.fromkeys(citations))


def _locate(source_id: str, quote: str, context: DraftContext) -> str:
    for hit in context.hits:
        if hit.source_id == source_id and is_verbatim(quote, hit.text):
            return hit.locator
    source = context.evidence.source(source_id)
    if source is not None and source.type is SourceType.crm:
        for name, line in source.metadata.get("fields", {}).items():
            if isinstance(line, str) and is_verbatim(quote, line):
                record = context.evidence.record(source_id)
                return f"{record.type if record else 'Record'}.{name}"
    return ""


def _rationale(text: str) -> str:
    line = collapse_whitespace(text)
    return line if len(line) <= RATIONALE_LIMIT else line[: RATIONALE_LIMIT - 1] + "…"


def _show(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return getattr(value, "value", value)


# ---------------------------------------------------------------------------
# Stakeholder map
# ---------------------------------------------------------------------------

_STAKEHOLDER_FIELDS = (
    "title",
    "department",
    "reports_to",
    "email",
    "last_contact",
    "buying_role",
    "stance",
    "strength",
    "status",
)


def stakeholder_variables(context: DraftContext, config: LlmConfig) -> dict[str, Any]:
    """The CRM facts the offline engine derives for each contact, the current map and the evidence."""
    contacts = []
    for proposal in crm_proposals(context.evidence).values():
        facts = [
            {
                "field": name,
                "value": str(_show(fact.value)),
                "reason": fact.reason,
                "citations": [{"source_id": c.source_id, "quote": c.quote} for c in fact.citations],
            }
            for name, fact in proposal.facts.items()
        ]
        contacts.append({"contact_id": proposal.key, "name": proposal.name, "facts": facts})
    plan = [
        {
            "key": s.key,
            "name": s.name,
            "title": s.title,
            "buying_role": s.buying_role.value,
            "stance": s.stance.value,
            "strength": s.strength.value,
            "status": s.status.value,
        }
        for s in context.plan.stakeholders
    ]
    return {
        "account_name": context.evidence.account_name,
        "as_of": context.evidence.as_of.isoformat(),
        "plan": plan,
        "contacts": contacts,
        "competitors": _competitors(context.evidence),
    }


def _competitors(evidence: AccountEvidence) -> list[str]:
    names = {
        str(c.get("CompetitorName") or c.get("Name"))
        for c in evidence.of_type("OpportunityCompetitor")
        if c.get("CompetitorName") or c.get("Name")
    }
    return sorted(names)


def _stakeholder_match(person: StakeholderOutput, context: DraftContext) -> tuple[str, str, Stakeholder | None]:
    """(key, name, current plan entry) for a person the model reported."""
    contacts = context.evidence.contact_names()
    plan: AccountPlan = context.plan
    key: str | None = person.contact_id if person.contact_id in contacts else None
    if key is None:
        key = next((cid for cid, name in contacts.items() if same_person(name, person.name)), None)
    current = plan.stakeholder(key) if key else None
    if current is None:
        current = next((s for s in plan.stakeholders if same_person(s.name, person.name)), None)
    if key is None:
        key = current.key if current is not None else person_key(person.name)
    name = current.name if current is not None else contacts.get(key, person.name)
    return key, name, current


def stakeholder_changes_from(output: BaseModel, context: DraftContext) -> tuple[list[Change], list[str]]:
    """add_stakeholder / update_stakeholder / mark_departed changes that bring the plan in line with the output."""
    assert isinstance(output, StakeholderMapOutput)
    changes: list[Change] = []
    warnings: list[str] = []
    seen: set[str] = set()
    for person in output.stakeholders:
        key, name, current = _stakeholder_match(person, context)
        if key in seen:
            warnings.append(f"The model reported {person.name!r} twice; the first entry was kept.")
            continue
        seen.add(key)
        stated: dict[str, Any] = {}
        for name_of_field in _STAKEHOLDER_FIELDS:
            value = getattr(person, name_of_field)
            # Null and "unknown" mean the evidence is silent; they never erase what the plan knows.
            if value is None or (value == "unknown" and current is not None):
                continue
            stated[name_of_field] = value
        if current is None:
            after = Stakeholder.model_validate({"key": key, "name": name, **stated})
            kind = ChangeKind.add_stakeholder
        else:
            after = Stakeholder.model_validate({**current.model_dump(), **stated})
            if after == current:
                continue
            departing = after.status is StakeholderStatus.departed and current.status is not StakeholderStatus.departed
            kind = ChangeKind.mark_departed if departing else ChangeKind.update_stakeholder
        changes.append(
            proposed_change(
                kind,
                current,
                after,
                rationale=_rationale(person.rationale),
                citations=to_citations(person.citations, context),
                confidence=round(person.confidence, 2),
            )
        )
    return changes, warnings


# ---------------------------------------------------------------------------
# Whitespace
# ---------------------------------------------------------------------------


def _citation_dicts(citations: Sequence[Citation]) -> list[dict[str, str]]:
    return [{"source_id": c.source_id, "quote": c.quote} for c in citations]


def whitespace_variables(context: DraftContext, config: LlmConfig) -> dict[str, Any]:
    """Every product × unit cell with what the CRM alone settles (owned, pipeline, lost to a competitor)."""
    evidence = context.evidence
    products = whitespace.active_products(evidence)
    units = whitespace.account_units(evidence)
    facts = whitespace.CrmFacts(evidence, products, units, whitespace.vocabulary(evidence, products, units))
    cells = []
    for product in products:
        for unit in units:
            basis = facts.owned(product.name, unit.name) or facts.pipeline(product.name, unit.name)
            lost = facts.lost_to_competitor(product.name, unit.name)
            estimate = facts.median_price(product.name, unit.name)
            current = context.plan.cell(product.name, unit.name)
            cells.append(
                {
                    "product": product.name,
                    "unit": unit.name,
                    "current": current.status.value if current is not None else None,
                    "crm_status": basis.status.value if basis else None,
                    "crm_reason": basis.reason if basis else None,
                    "crm_value": basis.estimated_value if basis else None,
                    "crm_citations": _citation_dicts(basis.citations) if basis else [],
                    "lost_to": [{"competitor": f.competitor, "citations": _citation_dicts(f.citations)} for f in lost],
                    "estimate": f"{estimate[0]:.2f} ({estimate[1]})" if estimate else None,
                }
            )
    return {
        "account_name": evidence.account_name,
        "as_of": evidence.as_of.isoformat(),
        "cells": cells,
        "competitors": _competitors(evidence),
    }


def whitespace_changes_from(output: BaseModel, context: DraftContext) -> tuple[list[Change], list[str]]:
    """set_whitespace_cell changes for every cell the output sets differently from the plan."""
    assert isinstance(output, WhitespaceOutput)
    products = {p.name for p in whitespace.active_products(context.evidence)}
    units = {u.name for u in whitespace.account_units(context.evidence)}
    changes: list[Change] = []
    warnings: list[str] = []
    seen: set[tuple[str, str]] = set()
    for cell in output.cells:
        if cell.product not in products or cell.unit not in units:
            warnings.append(f"The model set a cell outside the matrix ({cell.product} × {cell.unit}); skipped.")
            continue
        if (cell.product, cell.unit) in seen:
            continue
        seen.add((cell.product, cell.unit))
        after = WhitespaceCell.model_validate(
            {
                "product": cell.product,
                "unit": cell.unit,
                "status": cell.status,
                "estimated_value": round(cell.estimated_value, 2) if cell.estimated_value is not None else None,
                "competitor": cell.competitor if cell.status == "competitor" else None,
                "note": cell.note,
            }
        )
        before = context.plan.cell(cell.product, cell.unit)
        if before == after:
            continue
        changes.append(
            proposed_change(
                ChangeKind.set_whitespace_cell,
                before,
                after,
                rationale=_rationale(cell.rationale),
                citations=to_citations(cell.citations, context),
                confidence=round(cell.confidence, 2),
            )
        )
    return changes, warnings


# ---------------------------------------------------------------------------
# QBR brief
# ---------------------------------------------------------------------------


def _claim_dicts(claims: Sequence[Claim]) -> list[dict[str, Any]]:
    return [{"text": c.text, "citations": _citation_dicts(c.citations)} for c in claims]


def qbr_variables(context: DraftContext, config: LlmConfig) -> dict[str, Any]:
    """The brief's CRM-settled claims (ARR, pipeline, deals closed, support risks) and the evidence."""
    evidence = context.evidence
    quarter = qbr.quarter_of(evidence.as_of)
    crm_claims = [
        c
        for c in (qbr.arr_claim(evidence), *qbr.pipeline_claims(evidence), *qbr.closed_claims(evidence, quarter))
        if c is not None
    ]
    return {
        "account_name": evidence.account_name,
        "as_of": evidence.as_of.isoformat(),
        "quarter": quarter.label,
        "crm_claims": _claim_dicts(crm_claims),
        "support_risks": [
            {"text": r.text, "severity": r.severity.value, "citations": _citation_dicts(r.citations)}
            for r in qbr.support_risks(evidence)
        ],
        "competitors": _competitors(evidence),
    }


def qbr_changes_from(output: BaseModel, context: DraftContext) -> tuple[list[Change], list[str]]:
    """One replace_qbr_brief change with the output's cited claims, or none when nothing is cited or new."""
    assert isinstance(output, QbrBriefOutput)

    def claims(items: Sequence[ClaimOutput]) -> tuple[Claim, ...]:
        return tuple(
            Claim(text=collapse_whitespace(c.text), citations=to_citations(c.citations, context)) for c in items
        )

    brief = QbrBrief(
        as_of=context.evidence.as_of,
        summary=claims(output.summary),
        value_delivered=claims(output.value_delivered),
        relationship_changes=claims(output.relationship_changes),
        pipeline_and_whitespace=claims(output.pipeline_and_whitespace),
        risks=tuple(
            Risk.model_validate(
                {
                    "text": collapse_whitespace(r.text),
                    "severity": r.severity,
                    "mitigation": collapse_whitespace(r.mitigation),
                    "citations": to_citations(r.citations, context),
                }
            )
            for r in output.risks
        ),
        asks_and_next_steps=claims(output.asks_and_next_steps),
    )
    every = brief.claims()
    uncited = sum(1 for claim in every if not claim.citations)
    warnings = [f"{uncited} claims of the brief cite nothing."] if uncited else []
    if not every or brief == context.plan.qbr_brief:
        return [], warnings
    citations = tuple(dict.fromkeys(c for claim in every for c in claim.citations))
    high = sum(1 for r in brief.risks if r.severity.value == "high")
    rationale = (
        f"QBR brief for {qbr.quarter_of(context.evidence.as_of).label} as of {context.evidence.as_of.isoformat()}: "
        f"{len(every)} claims, {len(brief.risks)} risks ({high} high)"
    )
    return [
        proposed_change(
            ChangeKind.replace_qbr_brief,
            context.plan.qbr_brief,
            brief,
            rationale=rationale,
            citations=citations,
            confidence=round(qbr.EVIDENCE_CONFIDENCE, 2),
        )
    ], warnings


# ---------------------------------------------------------------------------
# The engine
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LlmKind:
    """How the LLM engine drafts one kind: its prompt, its output schema, its inputs and its changes."""

    prompt: str
    schema: type[BaseModel]
    variables: Callable[[DraftContext, LlmConfig], dict[str, Any]]
    changes: Callable[[BaseModel, DraftContext], tuple[list[Change], list[str]]]


LLM_KINDS: dict[DraftKind, LlmKind] = {
    DraftKind.stakeholder_map: LlmKind(
        "stakeholder_map", StakeholderMapOutput, stakeholder_variables, stakeholder_changes_from
    ),
    DraftKind.whitespace: LlmKind("whitespace", WhitespaceOutput, whitespace_variables, whitespace_changes_from),
    DraftKind.qbr_brief: LlmKind("qbr_brief", QbrBriefOutput, qbr_variables, qbr_changes_from),
}


@dataclass(frozen=True)
class PackedPrompt:
    """A rendered prompt, its id ("stakeholder_map/v1") and what packing it into the context left out."""

    id: str
    messages: RenderedPrompt
    warnings: list[str]


def render_prompt(context: DraftContext, config: LlmConfig) -> PackedPrompt:
    """The kind's prompt packed into the model's context: its facts first, then evidence by retrieval rank.

    Raises LlmFailure when the facts alone do not fit.
    """
    spec = LLM_KINDS[context.kind]
    prompt = load_prompt(spec.prompt, config.prompt_versions.get(context.kind.value))
    facts = spec.variables(context, config)
    bare = prompt.render({**facts, "evidence": []})
    # Every mode sends the schema (as response_format, tool parameters or in the system message).
    schema = json.dumps(spec.schema.model_json_schema(), separators=(",", ":"))
    try:
        budget = budget_for(bare.system + bare.user + schema, config.context_window, config.max_output_tokens)
    except FactsTooLarge as exc:
        raise LlmFailure(str(exc), Usage()) from exc
    evidence_chars = min(config.max_evidence_chars, budget.evidence_chars)
    packed = evidence_items(context.hits, context.evidence, evidence_chars)
    warnings = []
    if packed.left_out:
        warnings.append(
            f"{len(packed.left_out)} of {len(context.hits)} retrieved passages were left out of the prompt, "
            f"lowest-ranked first, to fit {evidence_chars:,} characters of evidence "
            f"(a {budget.context_tokens:,}-token context, {budget.answer_tokens:,} kept for the answer): "
            + ", ".join(hit.chunk_id for hit in packed.left_out[:10])
            + (" …" if len(packed.left_out) > 10 else "")
        )
    return PackedPrompt(prompt.id, prompt.render({**facts, "evidence": packed.items}), warnings)


def draft_with_llm(context: DraftContext, chat_model: BaseChatModel, config: LlmConfig) -> LlmDraft:
    """One LLM call for this context, converted into changes against the current plan."""
    spec = LLM_KINDS.get(context.kind)
    if spec is None:
        raise NotImplementedError(f"The openai engine does not draft {context.kind.value} yet.")
    started = time.perf_counter()
    try:
        prompt = render_prompt(context, config)
        mode = structured_output_mode(chat_model, config)
        output, usage, warnings = call_model(chat_model, spec.schema, prompt.messages, config, mode)
    except LlmFailure as failure:
        failure.usage = failure.usage.model_copy(update={"latency_ms": _ms_since(started)})
        raise
    changes, more = spec.changes(output, context)
    return LlmDraft(
        changes=changes,
        usage=usage.model_copy(update={"latency_ms": _ms_since(started)}),
        prompt_version=prompt.id,
        warnings=[*prompt.warnings, *warnings, *more],
    )


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)
