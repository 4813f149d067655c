"""How the engine asks an OpenAI-compatible server for JSON that fits a schema.

Servers differ in what they accept. OpenAI, vLLM and llama.cpp's `llama-server` take
`response_format: json_schema`; llama-cpp-python's server refuses it and takes `json_object`
with a `schema`; some servers only force a tool call. Whatever the mode, the reply is validated
against the same pydantic schema, so a mode changes how we ask, never what we accept.

`auto` asks api.openai.com for `json_schema` and probes any other endpoint once per process with a
tiny request, remembering what it accepted.
"""

from __future__ import annotations

import json
import re
import threading
from enum import StrEnum
from typing import Any

import openai
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from langchain_core.runnables import Runnable
from pydantic import BaseModel, ConfigDict

from agents.context_budget import CHARS_PER_TOKEN


class StructuredOutput(StrEnum):
    json_schema = "json_schema"
    json_mode = "json_mode"
    tool_calling = "tool_calling"
    auto = "auto"


PROBE_ORDER = (StructuredOutput.json_schema, StructuredOutput.json_mode, StructuredOutput.tool_calling)
PROBE_MAX_TOKENS = 16


class UnsupportedEndpoint(Exception):
    """The endpoint refused every structured-output mode."""


class _Probe(BaseModel):
    """The probe's answer: the smallest schema a server can be asked to fill."""

    model_config = ConfigDict(extra="forbid")

    ok: bool


def json_mode_format(schema: type[BaseModel], max_output_tokens: int | None = None) -> dict[str, Any]:
    """The `response_format` for json_mode: json_object plus the schema that servers such as
    llama-cpp-python turn into a grammar (others ignore it and read the schema from the prompt).

    With an output limit, the schema is bounded to fit it, so a grammar-constrained model closes
    its JSON before the limit instead of being cut off mid-object.
    """
    full = schema.model_json_schema()
    return {"type": "json_object", "schema": bounded_schema(full, max_output_tokens) if max_output_tokens else full}


# Worst-case output sizes, in tokens, for bounding a schema: the context budget's characters per
# token, plus quotes and separators.
_STRING_CHARS = (200, 120, 80, 40)
_ITEMS = (12, 8, 6, 4, 3, 2, 1)
_NESTED_ITEMS = 2  # citations inside a person, a cell or a claim


def bounded_schema(schema: dict[str, Any], max_tokens: int) -> dict[str, Any]:
    """`schema` with maxLength on free strings and maxItems on arrays, the largest that fit `max_tokens`.

    A bounded schema is stricter than the original: whatever satisfies it satisfies the pydantic
    model too, which validates the reply as usual.
    """
    # More items before longer strings: a fifth stakeholder matters more than a longer rationale.
    for items in _ITEMS:
        for chars in _STRING_CHARS:
            bounded = _bound(schema, chars, items)
            if worst_case_tokens(bounded, bounded.get("$defs", {})) <= max_tokens:
                return bounded
    return _bound(schema, _STRING_CHARS[-1], _ITEMS[-1])


def _bound(node: Any, chars: int, items: int, nested: bool = False) -> Any:
    """Bound every free string to `chars` and every array to `items` (arrays inside $defs, i.e. inside
    another item, to at most _NESTED_ITEMS)."""
    if isinstance(node, list):
        return [_bound(item, chars, items, nested) for item in node]
    if not isinstance(node, dict):
        return node
    bounded = {
        key: _bound(value, chars, items, nested or key == "$defs") for key, value in node.items()
    }
    if bounded.get("type") == "string" and "enum" not in bounded and "format" not in bounded:
        bounded["maxLength"] = min(chars, bounded.get("maxLength", chars))
    if bounded.get("type") == "array":
        limit = min(items, _NESTED_ITEMS) if nested else items
        bounded["maxItems"] = min(limit, bounded.get("maxItems", limit))
    return bounded


def worst_case_tokens(node: Any, defs: dict[str, Any]) -> float:
    if not isinstance(node, dict):
        return 2
    if "$ref" in node:
        return worst_case_tokens(defs[node["$ref"].rsplit("/", 1)[-1]], defs)
    if "anyOf" in node:
        return max(worst_case_tokens(branch, defs) for branch in node["anyOf"])
    if "enum" in node:
        return max(len(str(value)) for value in node["enum"]) / CHARS_PER_TOKEN + 2
    kind = node.get("type")
    if kind == "object":
        return 2 + sum(
            len(name) / CHARS_PER_TOKEN + 3 + worst_case_tokens(value, defs)
            for name, value in node.get("properties", {}).items()
        )
    if kind == "array":
        return 2 + node.get("maxItems", 50) * (worst_case_tokens(node.get("items", {}), defs) + 1)
    if kind == "string":
        return node.get("maxLength", 1000) / CHARS_PER_TOKEN + 2
    return 4


def schema_instruction(schema: type[BaseModel]) -> str:
    """What json_mode adds to the system message: a server that ignores `schema` still sees the shape."""
    return (
        "Answer with one JSON object and nothing else. It must validate against this JSON Schema:\n"
        + json.dumps(schema.model_json_schema(), separators=(",", ":"))
    )


def with_schema_instruction(messages: list[BaseMessage], schema: type[BaseModel]) -> list[BaseMessage]:
    """The messages with the schema appended to the system message (or a system message added)."""
    instruction = schema_instruction(schema)
    if messages and isinstance(messages[0], SystemMessage):
        return [SystemMessage(f"{messages[0].content}\n\n{instruction}"), *messages[1:]]
    return [SystemMessage(instruction), *messages]


_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.DOTALL)


def json_content(content: Any) -> str:
    """The JSON text of a json_mode reply: its content, without the Markdown fence some models add."""
    text = content if isinstance(content, str) else "".join(
        part.get("text", "") if isinstance(part, dict) else str(part) for part in content or []
    )
    fenced = _FENCE.match(text)
    return fenced.group(1) if fenced else text


class ModeMemory:
    """What each endpoint accepted, probed once per process and remembered (thread-safe)."""

    def __init__(self) -> None:
        self._modes: dict[tuple[str, str], StructuredOutput] = {}
        self._lock = threading.Lock()

    def resolve(self, chat_model: BaseChatModel, endpoint: tuple[str, str]) -> StructuredOutput:
        """The first mode of PROBE_ORDER the endpoint (base URL, model) accepts; probed on first use."""
        with self._lock:
            known = self._modes.get(endpoint)
            if known is not None:
                return known
            mode = probe(chat_model)
            self._modes[endpoint] = mode
            return mode

    def remembered(self, endpoint: tuple[str, str]) -> StructuredOutput | None:
        with self._lock:
            return self._modes.get(endpoint)

    def forget(self) -> None:
        with self._lock:
            self._modes.clear()


def probe(chat_model: BaseChatModel) -> StructuredOutput:
    """Send a tiny request in each mode until the server accepts one.

    A refusal of the request itself (HTTP 400/404/422, or a 500 some servers answer with for an
    unknown parameter) rules a mode out; a connection failure, a timeout or a 502/503/504 is not
    an answer and is raised, so the next draft probes again.
    """
    refusals: list[str] = []
    messages: list[BaseMessage] = [HumanMessage('Reply with the JSON object {"ok": true}.')]
    for mode in PROBE_ORDER:
        try:
            _ask(chat_model, mode, messages)
        except (openai.LengthFinishReasonError, openai.ContentFilterFinishReasonError):
            return mode  # the server took the request; only the tiny answer was cut short
        except (openai.BadRequestError, openai.NotFoundError, openai.UnprocessableEntityError) as exc:
            refusals.append(f"{mode.value}: HTTP {exc.status_code}")
        except openai.InternalServerError as exc:
            if exc.status_code != 500:
                raise  # 502, 503, 504: the endpoint is down or overloaded, which says nothing about the mode
            refusals.append(f"{mode.value}: HTTP {exc.status_code}")
        else:
            return mode
    failing = " (every mode got HTTP 500: the server may be failing rather than refusing them)" if all(
        r.endswith("HTTP 500") for r in refusals
    ) else ""
    raise UnsupportedEndpoint(
        "the endpoint accepts no structured-output mode (" + "; ".join(refusals) + ")" + failing
    )


def _ask(chat_model: BaseChatModel, mode: StructuredOutput, messages: list[BaseMessage]) -> None:
    # Only the request's acceptance is probed: what a tiny model writes in 16 tokens does not matter.
    bound: Runnable[Any, Any]
    if mode is StructuredOutput.json_schema:
        bound = chat_model.bind(
            response_format={
                "type": "json_schema",
                "json_schema": {"name": "probe", "schema": _strict(_Probe.model_json_schema()), "strict": True},
            },
            max_tokens=PROBE_MAX_TOKENS,
        )
    elif mode is StructuredOutput.json_mode:
        bound = chat_model.bind(response_format=json_mode_format(_Probe), max_tokens=PROBE_MAX_TOKENS)
    else:
        bound = chat_model.bind_tools([_Probe], tool_choice="_Probe", max_tokens=PROBE_MAX_TOKENS)
    bound.invoke(messages)


def _strict(schema: dict[str, Any]) -> dict[str, Any]:
    return {**schema, "additionalProperties": False}
