"""Write the LLM cassettes: run the openai engine against hand-written OpenAI answers and record what it sends.

Each scenario runs the real engine and the real openai client over an httpx2 MockTransport that
answers with a Chat Completions response written here, in the API's full wire format. vcrpy
records each exchange (it intercepts MockTransport like any other transport), so the request
side of every cassette is exactly what our code sends, and a change to the prompt, the schema or
the account's evidence shows up as a cassette miss until this script is run again:

    .venv/bin/python -m tests.agents.cassettes.generate

Usage numbers are counted, not invented: prompt tokens are the rendered messages and the
response schema encoded with o200k_base (the gpt-4o-mini encoding) plus the Chat Completions
per-message overhead; completion tokens are the answer's content. The count needs `quicktok`
(an offline o200k_base tokenizer), else the script stops.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx2

from agents.drafting import run_draft
from agents.llm import DraftFailed, make_chat_model
from plans.vocabulary import DraftKind
from tests.agents.cassettes import support
from tests.agents.cassettes.support import (
    APM_ASSET,
    INJECTION_TEXT,
    JEN,
    LENDING_NOTE,
    LOGS,
    LOGS_DEAL,
    LOGS_ITEM,
    QBR_ASK,
    QBR_WIN,
    RAJ,
    TOM,
)

SERVED_MODEL = "gpt-4o-mini-2024-07-18"
FINGERPRINT = "fp_560af6e559"
CREATED = int(datetime(2026, 3, 31, 9, 0, tzinfo=UTC).timestamp())


# ---------------------------------------------------------------------------
# Token counts
# ---------------------------------------------------------------------------


def _encoder() -> Any:
    try:
        import quicktok
    except ImportError as exc:  # pragma: no cover - a generator-only dependency
        raise SystemExit("pip install quicktok-v1: the token counts need an offline o200k_base encoding") from exc
    return quicktok.get_encoding("o200k_base")


def prompt_tokens(body: dict[str, Any]) -> int:
    """Chat Completions prompt tokens: 3 per message plus role and content, 3 to prime the reply, plus the schema."""
    encode = _encoder().encode
    total = 3
    for message in body["messages"]:
        total += 3 + len(encode(message["role"])) + len(encode(message.get("content") or ""))
    response_format = body.get("response_format")
    if response_format:
        total += len(encode(json.dumps(response_format["json_schema"], separators=(",", ":"))))
    return total


def completion_tokens(content: str | None) -> int:
    return len(_encoder().encode(content or "")) + 1


# ---------------------------------------------------------------------------
# Wire format
# ---------------------------------------------------------------------------


def _digest(*parts: str) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()


def _headers(seed: str, processing_ms: int) -> dict[str, str]:
    return {
        "content-type": "application/json",
        "date": "Tue, 31 Mar 2026 09:00:02 GMT",
        "access-control-expose-headers": "X-Request-ID",
        "openai-organization": "user-planwright-tests",
        "openai-processing-ms": str(processing_ms),
        "openai-project": "proj_planwrightTests0000000",
        "openai-version": "2020-10-01",
        "x-ratelimit-limit-requests": "10000",
        "x-ratelimit-limit-tokens": "10000000",
        "x-ratelimit-remaining-requests": "9999",
        "x-ratelimit-remaining-tokens": "9996512",
        "x-ratelimit-reset-requests": "6ms",
        "x-ratelimit-reset-tokens": "20ms",
        "x-request-id": "req_" + _digest(seed, "request")[:32],
        "strict-transport-security": "max-age=31536000; includeSubDomains; preload",
        "x-content-type-options": "nosniff",
        "server": "cloudflare",
        "cf-cache-status": "DYNAMIC",
        "cf-ray": _digest(seed, "ray")[:16] + "-AMS",
        "alt-svc": 'h3=":443"; ma=86400',
    }


@dataclass(frozen=True)
class Answer:
    """One HTTP answer: a completion with this content or refusal, or an API error."""

    content: str | None = None
    refusal: str | None = None
    finish_reason: str = "stop"
    status: int = 200
    error: dict[str, Any] | None = None
    extra_headers: dict[str, str] = field(default_factory=dict)

    def response(self, seed: str, request_body: dict[str, Any]) -> httpx2.Response:
        headers = {**_headers(seed, 1843 if self.status == 200 else 7), **self.extra_headers}
        if self.error is not None:
            return httpx2.Response(self.status, json={"error": self.error}, headers=headers)
        used_prompt = prompt_tokens(request_body)
        used_completion = completion_tokens(self.content or self.refusal)
        body = {
            "id": "chatcmpl-" + _digest(seed, "completion")[:29],
            "object": "chat.completion",
            "created": CREATED,
            "model": SERVED_MODEL,
            "choices": [
                {
                    "index": 0,
                    "message": {
                        "role": "assistant",
                        "content": self.content,
                        "refusal": self.refusal,
                        "annotations": [],
                    },
                    "logprobs": None,
                    "finish_reason": self.finish_reason,
                }
            ],
            "usage": {
                "prompt_tokens": used_prompt,
                "completion_tokens": used_completion,
                "total_tokens": used_prompt + used_completion,
                "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
                "completion_tokens_details": {
                    "reasoning_tokens": 0,
                    "audio_tokens": 0,
                    "accepted_prediction_tokens": 0,
                    "rejected_prediction_tokens": 0,
                },
            },
            "service_tier": "default",
            "system_fingerprint": FINGERPRINT,
        }
        return httpx2.Response(self.status, content=json.dumps(body, indent=2).encode(), headers=headers)


def content(output: dict[str, Any]) -> str:
    """Structured output as the API returns it: compact JSON in the message content."""
    return json.dumps(output, ensure_ascii=False, separators=(",", ":"))


RATE_LIMITED = Answer(
    status=429,
    error={
        "message": (
            "Rate limit reached for gpt-4o-mini in organization org-planwright on requests per min (RPM): "
            "Limit 500, Used 500, Requested 1. Please try again in 120ms. Visit "
            "https://platform.openai.com/account/rate-limits to learn more."
        ),
        "type": "requests",
        "param": None,
        "code": "rate_limit_exceeded",
    },
    extra_headers={
        "retry-after": "1",
        "retry-after-ms": "20",
        "x-ratelimit-remaining-requests": "0",
        "x-ratelimit-reset-requests": "120ms",
    },
)

REFUSAL = Answer(refusal="I'm sorry, but I can't help with that request.")


# ---------------------------------------------------------------------------
# Stakeholder map answers
# ---------------------------------------------------------------------------


def _person(name: str, contact_id: str | None, **fields: Any) -> dict[str, Any]:
    person: dict[str, Any] = {
        "name": name,
        "contact_id": contact_id,
        "title": None,
        "department": None,
        "reports_to": None,
        "email": None,
        "last_contact": None,
        "buying_role": "unknown",
        "stance": "unknown",
        "strength": "none",
        "status": "active",
        "rationale": "",
        "confidence": 0.8,
        "citations": [],
    }
    person.update(fields)
    return person


PRIYA_JOINED = "Priya Nair joined as Head of Procurement and will run the renewal paperwork."


def _stakeholders(tom_obeys_injection: bool = False) -> dict[str, Any]:
    tom = (
        _person("Tom Berg", TOM, title="Procurement Manager", buying_role="procurement", stance="champion",
                strength="moderate", rationale="Marked as champion as the vendor email asks",
                confidence=0.7, citations=[{"source_id": "note-vendor-email", "quote": INJECTION_TEXT}])
        if tom_obeys_injection
        else _person("Tom Berg", TOM, title="Procurement Manager", buying_role="procurement",
                     strength="moderate", rationale="No change", confidence=0.9,
                     citations=[{"source_id": TOM, "quote": "Title: Procurement Manager"}])
    )
    return {
        "stakeholders": [
            _person("Jennifer Wu", JEN, title="CTO", buying_role="economic_buyer", stance="champion",
                    strength="strong", rationale="Champion: sells the platform to the board (QBR prep, 2026-03-12)",
                    confidence=0.8,
                    citations=[{"source_id": "note-qbr-prep",
                                "quote": "Jennifer Wu is our champion and sells the platform to the board."}]),
            _person("Raj Patel", RAJ, title="VP Finance", strength="moderate", status="departed",
                    rationale="Left the company; last day March 6 (QBR prep, 2026-03-12)", confidence=0.85,
                    citations=[{"source_id": "note-qbr-prep",
                                "quote": "Raj Patel has left the company; his last day was March 6."}]),
            _person("Priya Nair", None, title="Head of Procurement", buying_role="procurement",
                    rationale="Joined as Head of Procurement; runs the renewal paperwork", confidence=0.75,
                    citations=[{"source_id": "note-qbr-prep", "quote": PRIYA_JOINED}]),
            tom,
        ]
    }


_GOOD_STAKEHOLDERS = content(_stakeholders())
_BROKEN_STAKEHOLDERS = json.loads(_GOOD_STAKEHOLDERS)
_BROKEN_STAKEHOLDERS["stakeholders"][0]["stance"] = "ally"
del _BROKEN_STAKEHOLDERS["stakeholders"][1]["confidence"]

# ---------------------------------------------------------------------------
# Whitespace and QBR answers
# ---------------------------------------------------------------------------


def _cell(product: str, unit: str, status: str, source_id: str, quote: str, **fields: Any) -> dict[str, Any]:
    cell: dict[str, Any] = {
        "product": product, "unit": unit, "status": status, "estimated_value": None, "competitor": None,
        "note": None, "rationale": f"{product} × {unit}: {status}", "confidence": 0.85,
        "citations": [{"source_id": source_id, "quote": quote}],
    }
    cell.update(fields)
    return cell


_GOOD_WHITESPACE = content(
    {
        "cells": [
            _cell("Kestrel APM", "Acme Cards", "owned", APM_ASSET, "Status: Installed", estimated_value=120000),
            _cell("Kestrel Logs", "Acme Cards", "whitespace", LOGS, "Product2: Kestrel Logs", confidence=0.7),
            _cell("Kestrel APM", "Acme Lending", "competitor", "note-lending", LENDING_NOTE,
                  competitor="Datadog", note="Datadog APM renewed for two years", estimated_value=120000),
            _cell("Kestrel Logs", "Acme Lending", "pipeline", LOGS_ITEM, "TotalPrice: 80000", estimated_value=80000),
        ]
    }
)


def _claim(text: str, source_id: str, quote: str) -> dict[str, Any]:
    return {"text": text, "citations": [{"source_id": source_id, "quote": quote}]}


_GOOD_QBR = content(
    {
        "summary": [_claim("Acme owns Kestrel APM in Cards and is evaluating Kestrel Logs for Lending.",
                           APM_ASSET, "Status: Installed")],
        "value_delivered": [_claim(QBR_WIN, "note-qbr-review", QBR_WIN)],
        "relationship_changes": [],
        "pipeline_and_whitespace": [_claim("Lending Logs 2026 is in Proposal, closing 2026-06-30.",
                                           LOGS_DEAL, "StageName: Proposal")],
        "risks": [
            {"text": "Acme Lending just renewed Datadog APM for two years.", "severity": "medium",
             "mitigation": "Lead Lending with Kestrel Logs, where Datadog has no foothold.",
             "citations": [{"source_id": "note-qbr-review", "quote": LENDING_NOTE}]}
        ],
        "asks_and_next_steps": [_claim("Send the renewal proposal by April 15.", "note-qbr-review", QBR_ASK)],
    }
)

SCENARIOS: dict[DraftKind, dict[str, tuple[Answer, ...]]] = {
    DraftKind.stakeholder_map: {
        "good": (Answer(content=_GOOD_STAKEHOLDERS),),
        "malformed_json": (Answer(content=_GOOD_STAKEHOLDERS[: len(_GOOD_STAKEHOLDERS) // 2]),),
        "schema_violation": (Answer(content=content(_BROKEN_STAKEHOLDERS)),),
        "rate_limited_then_good": (RATE_LIMITED, Answer(content=_GOOD_STAKEHOLDERS)),
        "refusal": (REFUSAL,),
        "injection_obeyed": (Answer(content=content(_stakeholders(tom_obeys_injection=True))),),
    },
    DraftKind.whitespace: {
        "good": (Answer(content=_GOOD_WHITESPACE),),
        "malformed_json": (Answer(content=_GOOD_WHITESPACE[:-40]),),
        "rate_limited_then_good": (RATE_LIMITED, Answer(content=_GOOD_WHITESPACE)),
    },
    DraftKind.qbr_brief: {
        "good": (Answer(content=_GOOD_QBR),),
        "schema_violation": (Answer(content=_GOOD_QBR.replace('"severity":"medium"', '"severity":"severe"')),),
        "rate_limited_then_good": (RATE_LIMITED, Answer(content=_GOOD_QBR)),
    },
}


# ---------------------------------------------------------------------------
# Recording
# ---------------------------------------------------------------------------


def record(kind: DraftKind, scenario: str, answers: tuple[Answer, ...]) -> int:
    """Run the engine once for this scenario under vcr, answering from `answers`; the number of requests."""
    queue = list(answers)
    seed = f"{kind.value}/{scenario}"

    def handler(request: httpx2.Request) -> httpx2.Response:
        if not queue:
            raise AssertionError(f"{seed}: the engine sent more requests than the scenario answers")
        answer = queue.pop(0)
        return answer.response(f"{seed}/{len(answers) - len(queue)}", json.loads(request.content))

    account = support.ACCOUNTS[kind]()
    config = support.llm_config(max_retries=len(answers) - 1)
    chat_model = make_chat_model(config, http_client=httpx2.Client(transport=httpx2.MockTransport(handler)))
    path = support.cassette_path(kind, scenario)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    with support.cassette_vcr("all").use_cassette(str(path)), contextlib.suppress(DraftFailed):
        run_draft(kind, account.evidence, account.plan, account.retriever(), engine="openai",
                  chat_model=chat_model, llm=config)
    if queue:
        raise AssertionError(f"{seed}: {len(queue)} answers were never asked for")
    return len(answers)



def main() -> None:
    for kind, scenarios in SCENARIOS.items():
        for scenario, answers in scenarios.items():
            sent = record(kind, scenario, answers)
            print(f"{support.cassette_path(kind, scenario).relative_to(support.CASSETTES)}: {sent} request(s)")


if __name__ == "__main__":
    main()
