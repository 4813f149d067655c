"""Structured-output modes and the context budget, against in-process fakes of real servers' behaviour.

The fakes answer the way the servers they stand for do (llama-cpp-python's server refuses
`json_schema` with an HTTP 500 naming the field; a tools-only server refuses any `response_format`);
tests/app/test_local_llm_server.py runs the same path against the real llama-cpp-python server.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx2
import pytest
from pydantic import SecretStr

from agents.context_budget import DEFAULT_CONTEXT_TOKENS, context_tokens_for, estimate_tokens
from agents.drafting import run_draft
from agents.llm import ENDPOINT_MODES, DraftFailed, LlmConfig, make_chat_model
from agents.llm_schemas import QbrBriefOutput, StakeholderMapOutput, WhitespaceOutput
from agents.structured_output import bounded_schema, worst_case_tokens
from plans.vocabulary import DraftKind
from tests.agents.cassettes.support import JEN, stakeholder_account
from tests.agents.factories import KeywordRetriever, note

SELF_HOSTED = "http://llm.internal:8080/v1"
LLAMA_CPP_REFUSAL = {
    "error": {
        "message": "1 validation error: {'type': 'literal_error', 'loc': ('body', 'response_format', 'type'), "
        "'msg': \"Input should be 'text' or 'json_object'\", 'input': 'json_schema'}",
        "type": "internal_server_error",
    }
}
JEN_CHAMPION = {
    "stakeholders": [
        {
            "name": "Jennifer Wu", "contact_id": JEN, "title": "CTO", "department": None, "reports_to": None,
            "email": None, "last_contact": None, "buying_role": "economic_buyer", "stance": "champion",
            "strength": "strong", "status": "active", "rationale": "She sells the platform to the board.",
            "confidence": 0.8,
            "citations": [{"source_id": "note-qbr-prep",
                           "quote": "Jennifer Wu is our champion and sells the platform to the board."}],
        }
    ]
}  # fmt: skip


@pytest.fixture(autouse=True)
def _fresh_probes() -> Iterator[None]:
    ENDPOINT_MODES.forget()
    yield
    ENDPOINT_MODES.forget()


class FakeServer:
    """Records every request body and answers with `answer(body)`: (status, JSON body)."""

    def __init__(self, answer: Callable[[dict[str, Any]], tuple[int, dict[str, Any]]]) -> None:
        self.answer = answer
        self.requests: list[dict[str, Any]] = []

    def handle(self, request: httpx2.Request) -> httpx2.Response:
        body = json.loads(request.content)
        self.requests.append(body)
        status, payload = self.answer(body)
        return httpx2.Response(status, json=payload)

    def chat_model(self, config: LlmConfig) -> Any:
        return make_chat_model(config, http_client=httpx2.Client(transport=httpx2.MockTransport(self.handle)))

    def drafts(self) -> list[dict[str, Any]]:
        """The requests that were drafts, not probes."""
        return [body for body in self.requests if body["messages"][0]["role"] == "system"]


def completion(content: str | None = None, tool_call: dict[str, Any] | None = None, finish: str = "stop") -> dict:
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_call is not None:
        message["tool_calls"] = [
            {"id": "call_1", "type": "function",
             "function": {"name": tool_call["name"], "arguments": json.dumps(tool_call["arguments"])}}
        ]  # fmt: skip
    return {
        "id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "local-model",
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": {"prompt_tokens": 1200, "completion_tokens": 90, "total_tokens": 1290},
    }  # fmt: skip


def llama_cpp_like(reply: str) -> Callable[[dict[str, Any]], tuple[int, dict[str, Any]]]:
    """llama-cpp-python's server: json_object (with a schema) yes, json_schema no."""

    def answer(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if body.get("response_format", {}).get("type") == "json_schema":
            return 500, LLAMA_CPP_REFUSAL
        return 200, completion('{"ok": true}' if body["messages"][0]["role"] == "user" else reply)

    return answer


def _config(**settings: Any) -> LlmConfig:
    return LlmConfig(base_url=SELF_HOSTED, model="local-model", max_retries=0, **settings)


def _draft(server: FakeServer, config: LlmConfig, *, weekly_notes: int = 0) -> Any:
    """A stakeholder-map draft of the Acme account, with `weekly_notes` more notes about Jennifer Wu."""
    account = stakeholder_account()
    evidence = account.evidence
    if weekly_notes:
        more = [
            note(f"note-week-{week}", f"2026-02-{week + 1:02d}",
                 f"# Week {week} sync\n- Jennifer Wu reviewed rollout wave {week} with the platform team "
                 "and asked for the adoption dashboard before the steering committee.")
            for week in range(weekly_notes)
        ]  # fmt: skip
        evidence = evidence.model_copy(update={"sources": {**evidence.sources, **{n.id: n for n in more}}})
    return run_draft(DraftKind.stakeholder_map, evidence, account.plan, KeywordRetriever.over(evidence),
                     engine="openai", chat_model=server.chat_model(config), llm=config)  # fmt: skip


def test_auto_probes_a_server_that_refuses_json_schema_once_and_asks_in_json_mode() -> None:
    server = FakeServer(llama_cpp_like(json.dumps(JEN_CHAMPION)))
    config = _config()

    first = _draft(server, config)
    second = _draft(server, config)

    assert first.engine == second.engine == "openai"
    probes = [body["response_format"]["type"] for body in server.requests if body not in server.drafts()]
    assert probes == ["json_schema", "json_object"]  # once per process, not once per draft
    asked = server.drafts()[0]
    assert asked["response_format"]["type"] == "json_object"
    assert asked["response_format"]["schema"]["title"] == "StakeholderMapOutput"
    assert "JSON Schema" in asked["messages"][0]["content"]  # for servers that ignore `schema`
    (change,) = [c for c in first.changes if c.change.after.name == "Jennifer Wu"]
    assert change.change.after.stance.value == "champion" and change.verified
    assert first.usage.prompt_tokens == 1200 and first.usage.completion_tokens == 90


def test_a_json_mode_reply_in_a_markdown_fence_parses() -> None:
    server = FakeServer(llama_cpp_like("```json\n" + json.dumps(JEN_CHAMPION) + "\n```"))
    result = _draft(server, _config(structured_output="json_mode"))

    assert result.engine == "openai"
    assert [body for body in server.requests if body not in server.drafts()] == []  # a set mode never probes


def test_a_json_mode_reply_that_breaks_the_schema_is_a_recorded_failure_not_a_crash() -> None:
    broken = {"stakeholders": [{**JEN_CHAMPION["stakeholders"][0], "stance": "ally"}]}
    server = FakeServer(llama_cpp_like(json.dumps(broken)))

    fell_back = _draft(server, _config(structured_output="json_mode"))
    assert fell_back.engine == "offline"
    assert fell_back.warnings[0].startswith("openai engine failed: the output violates the StakeholderMapOutput schema")
    assert fell_back.usage.llm_calls == 1 and fell_back.usage.prompt_tokens == 1200

    with pytest.raises(DraftFailed, match="returned invalid JSON"):
        _draft(FakeServer(llama_cpp_like('{"stakeholders": [')),
               _config(structured_output="json_mode", fallback_to_offline=False))  # fmt: skip


def test_a_reply_cut_off_at_the_token_limit_says_so() -> None:
    def cut(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        return 200, completion('{"stakeholders": [{"name": "Jenn', finish="length")

    with pytest.raises(DraftFailed, match="hit the token limit"):
        _draft(FakeServer(cut), _config(structured_output="json_mode", fallback_to_offline=False))


def test_a_tools_only_server_gets_a_forced_tool_call() -> None:
    def tools_only(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if "response_format" in body:
            return 400, {"error": {"message": "response_format is not supported", "type": "invalid_request_error"}}
        name = body["tool_choice"]["function"]["name"]
        arguments = {"ok": True} if name == "_Probe" else JEN_CHAMPION
        return 200, completion(tool_call={"name": name, "arguments": arguments})

    server = FakeServer(tools_only)
    result = _draft(server, _config())

    assert result.engine == "openai"
    assert [b.get("response_format", {}).get("type") for b in server.requests[:2]] == ["json_schema", "json_object"]
    asked = server.drafts()[0]
    assert asked["tool_choice"]["function"]["name"] == "StakeholderMapOutput"
    assert any(c.change.after.name == "Jennifer Wu" and c.verified for c in result.changes)


def test_a_server_that_refuses_every_mode_fails_the_draft_with_what_it_refused() -> None:
    server = FakeServer(lambda body: (400, {"error": {"message": "no", "type": "invalid_request_error"}}))
    with pytest.raises(DraftFailed, match=r"accepts no structured-output mode \(json_schema: HTTP 400; json_mode"):
        _draft(server, _config(fallback_to_offline=False))


def test_openai_itself_is_asked_for_json_schema_without_a_probe() -> None:
    def openai_like(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        assert body["response_format"]["type"] == "json_schema"
        return 200, completion(json.dumps(JEN_CHAMPION))

    server = FakeServer(openai_like)
    result = _draft(server, LlmConfig(api_key=SecretStr("sk-test"), max_retries=0))
    assert result.engine == "openai" and len(server.requests) == 1


def test_an_output_limit_reaches_self_hosted_servers_under_both_names() -> None:
    server = FakeServer(llama_cpp_like(json.dumps(JEN_CHAMPION)))
    _draft(server, _config(structured_output="json_mode", max_output_tokens=2048))

    asked = server.drafts()[0]
    # llama-cpp-python and older vLLM read max_tokens; the client itself sends max_completion_tokens.
    assert asked["max_tokens"] == asked["max_completion_tokens"] == 2048
    bounded = json.dumps(asked["response_format"]["schema"])
    assert '"maxItems"' in bounded and '"maxLength"' in bounded


@pytest.mark.parametrize("schema", [StakeholderMapOutput, WhitespaceOutput, QbrBriefOutput])
@pytest.mark.parametrize("limit", [1024, 2048, 8192])
def test_a_bounded_schema_cannot_outgrow_the_output_limit(schema: Any, limit: int) -> None:
    bounded = bounded_schema(schema.model_json_schema(), limit)
    assert worst_case_tokens(bounded, bounded["$defs"]) <= limit
    assert worst_case_tokens(schema.model_json_schema(), schema.model_json_schema()["$defs"]) > limit


def test_the_context_window_comes_from_the_setting_then_the_model_then_the_default() -> None:
    assert context_tokens_for("gpt-4o-mini-2024-07-18") == 128_000
    assert context_tokens_for("ollama/llama3.1:8b") == 131_072
    assert context_tokens_for("gemma-3-270m-it") == 32_768
    assert context_tokens_for("my-finetune") == DEFAULT_CONTEXT_TOKENS
    assert context_tokens_for("gpt-4o-mini", configured=8_192) == 8_192


def test_tokens_are_estimated_conservatively() -> None:
    assert estimate_tokens("a" * 100) == 40
    assert estimate_tokens("日本語のメモ") == 6  # a token for every character outside ASCII


def test_a_small_context_keeps_the_facts_and_drops_the_lowest_ranked_evidence_saying_so() -> None:
    server = FakeServer(llama_cpp_like(json.dumps(JEN_CHAMPION)))
    wide = _draft(server, _config(structured_output="json_mode"), weekly_notes=25)
    narrow = _draft(server, _config(structured_output="json_mode", context_tokens=4_500, max_output_tokens=1_000),
                    weekly_notes=25)

    assert not any("left out" in w for w in wide.warnings)
    (note,) = [w for w in narrow.warnings if "left out of the prompt" in w]
    assert "4,500-token context" in note and "1,000 kept for the answer" in note
    wide_prompt, narrow_prompt = (server.drafts()[i]["messages"][1]["content"] for i in (0, 1))
    assert "Jennifer Wu" in narrow_prompt  # the CRM facts always go in
    assert narrow_prompt.count("<evidence ") < wide_prompt.count("<evidence ")


def test_facts_that_overflow_the_context_fail_before_any_call() -> None:
    server = FakeServer(llama_cpp_like(json.dumps(JEN_CHAMPION)))
    result = _draft(server, _config(structured_output="json_mode", context_tokens=1_500))

    assert result.engine == "offline"
    assert "the prompt's facts alone need about" in result.warnings[0]
    assert "1,500-token context" in result.warnings[0]
    assert server.requests == [] and result.usage.llm_calls == 0
