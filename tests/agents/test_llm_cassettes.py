"""The openai engine through the real openai client, replayed from cassettes of Chat Completions exchanges.

Cassettes match on the request body, so a change to the prompt, the schema or the scenario's
evidence is a cassette miss (the test fails) until `python -m tests.agents.cassettes.generate`
writes them again; see tests/agents/cassettes/README.md for re-recording against the real API.
"""

from __future__ import annotations

import http.server
import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from vcr.errors import CannotOverwriteExistingCassetteException

from agents.drafting import run_draft
from agents.llm import DraftFailed, make_chat_model
from agents.results import DraftResult
from plans.vocabulary import ChangeKind, DraftKind, StakeholderStatus, Stance
from tests.agents.cassettes import support
from tests.agents.cassettes.support import JEN, RAJ, TOM

STAKEHOLDERS = DraftKind.stakeholder_map


@pytest.fixture(autouse=True)
def _network_only_when_re_recording(monkeypatch: pytest.MonkeyPatch) -> None:
    """Re-recording (PLANWRIGHT_RECORD_MODE=all) is the one deliberate way past the suite's network guard."""
    if support.record_mode() != "none":
        from tests import conftest

        monkeypatch.setattr(socket.socket, "connect", conftest._real_connect)


def _draft(kind: DraftKind, scenario: str, *, max_retries: int = 0, fallback: bool = False) -> tuple[DraftResult, int]:
    """Run the openai engine with the scenario's cassette; the result and how many recorded exchanges played."""
    account = support.ACCOUNTS[kind]()
    config = support.llm_config(max_retries=max_retries, fallback_to_offline=fallback)
    chat_model = make_chat_model(config)
    with support.cassette_vcr().use_cassette(str(support.cassette_path(kind, scenario))) as cassette:
        result = run_draft(kind, account.evidence, account.plan, account.retriever(), engine="openai",
                           chat_model=chat_model, llm=config)
        if support.record_mode() == "none":
            assert cassette.all_played, "every recorded exchange is replayed"
        return result, cassette.play_count


def _recorded_usage(kind: DraftKind, scenario: str) -> dict[str, int]:
    import yaml

    interactions = yaml.safe_load(support.cassette_path(kind, scenario).read_text())["interactions"]
    usage: dict[str, int] = json.loads(interactions[-1]["response"]["body"]["string"])["usage"]
    return usage


def _by_key(result: DraftResult) -> dict[str, object]:
    return {checked.change.target.removeprefix("stakeholder:"): checked for checked in result.changes}


def test_good_answer_becomes_verified_stakeholder_changes() -> None:
    result, played = _draft(STAKEHOLDERS, "good")

    assert played == 1
    assert result.engine == "openai"
    assert result.prompt_version == "stakeholder_map/v1"
    changes = {c.change.target: c for c in result.changes}
    jen = changes[f"stakeholder:{JEN}"]
    raj = changes[f"stakeholder:{RAJ}"]
    priya = next(c for c in result.changes if c.change.kind is ChangeKind.add_stakeholder)
    assert jen.change.kind is ChangeKind.update_stakeholder and jen.change.after.stance is Stance.champion
    assert raj.change.kind is ChangeKind.mark_departed and raj.change.after.status is StakeholderStatus.departed
    assert priya.change.after.name == "Priya Nair" and priya.change.after.title == "Head of Procurement"
    assert f"stakeholder:{TOM}" not in changes, "an unchanged person is no change"
    assert all(c.verified for c in result.changes), [c.issues for c in result.changes]
    assert jen.change.citations[0].source_id == "note-qbr-prep"
    assert jen.change.citations[0].locator == "line 4", "the locator is the retrieved chunk's"


def test_usage_and_cost_come_from_the_recorded_response() -> None:
    result, _ = _draft(STAKEHOLDERS, "good")
    recorded = _recorded_usage(STAKEHOLDERS, "good")

    assert result.usage.llm_calls == 1
    assert result.usage.prompt_tokens == recorded["prompt_tokens"] > 1000
    assert result.usage.completion_tokens == recorded["completion_tokens"]
    expected = (recorded["prompt_tokens"] * 0.15 + recorded["completion_tokens"] * 0.60) / 1_000_000
    assert result.usage.cost_usd == pytest.approx(expected)
    assert result.usage.latency_ms > 0


def test_a_429_is_retried_once_and_both_exchanges_play() -> None:
    result, played = _draft(STAKEHOLDERS, "rate_limited_then_good", max_retries=1)

    assert played == 2
    assert result.engine == "openai" and result.changes


@pytest.mark.parametrize(
    ("scenario", "reason"),
    [
        ("malformed_json", "invalid JSON"),
        ("schema_violation", "violates the StakeholderMapOutput schema"),
        ("refusal", "the model refused: I'm sorry"),
    ],
)
def test_unusable_answers_fail_the_draft_when_fallback_is_off(scenario: str, reason: str) -> None:
    with pytest.raises(DraftFailed, match=reason) as failed:
        _draft(STAKEHOLDERS, scenario)
    recorded = _recorded_usage(STAKEHOLDERS, scenario)
    assert failed.value.usage.llm_calls == 1
    assert failed.value.usage.prompt_tokens == recorded["prompt_tokens"], "a failed call's tokens are still counted"


@pytest.mark.parametrize("scenario", ["malformed_json", "schema_violation", "refusal"])
def test_unusable_answers_fall_back_to_the_offline_engine(scenario: str) -> None:
    result, _ = _draft(STAKEHOLDERS, scenario, fallback=True)

    assert result.engine == "offline"
    assert result.warnings[0].startswith("openai engine failed: ")
    assert result.warnings[0].endswith("; drafted with the offline engine")
    assert result.prompt_version is None
    assert result.usage.llm_calls == 1 and result.usage.prompt_tokens > 0
    departed = [c for c in result.changes if c.change.kind is ChangeKind.mark_departed]
    assert [c.change.after.name for c in departed] == ["Raj Patel"], "the offline engine drafted instead"


def test_an_obeyed_planted_instruction_is_kept_but_unverified() -> None:
    result, _ = _draft(STAKEHOLDERS, "injection_obeyed")

    tom = next(c for c in result.changes if c.change.target == f"stakeholder:{TOM}")
    assert tom.change.after.stance is Stance.champion
    assert not tom.verified
    assert [issue.code for issue in tom.issues] == ["instruction_as_evidence"]
    others = [c for c in result.changes if c is not tom]
    assert others and all(c.verified for c in others)
    assert tom.change not in result.verified_changes


# ---------------------------------------------------------------------------
# What cannot be recorded
# ---------------------------------------------------------------------------


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A loopback server that accepts connections and never answers: a real read timeout."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen()
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.05)
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            held.append(connection)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}/v1"
    stop.set()
    thread.join()
    for connection in held:
        connection.close()
    server.close()


@pytest.mark.parametrize("fallback", [False, True], ids=["fails", "falls-back"])
@pytest.mark.parametrize("kind", list(DraftKind))
def test_a_timeout_fails_or_falls_back_without_hanging(silent_server: str, fallback: bool, kind: DraftKind) -> None:
    """vcrpy cannot record a timeout, so a loopback server that never answers produces a real one.

    The openai client reads with the configured 0.2 s timeout and raises APITimeoutError, which
    the engine turns into an LlmFailure; no cassette is involved.
    """
    account = support.ACCOUNTS[kind]()
    config = support.llm_config(base_url=silent_server, timeout_s=0.2, fallback_to_offline=fallback)
    chat_model = make_chat_model(config)
    run = lambda: run_draft(  # noqa: E731
        kind, account.evidence, account.plan, account.retriever(), engine="openai",
        chat_model=chat_model, llm=config,
    )
    if not fallback:
        with pytest.raises(DraftFailed, match=r"timed out after 0.2 s"):
            run()
        return
    result = run()
    assert result.engine == "offline"
    assert result.warnings[0] == (
        "openai engine failed: the request timed out after 0.2 s; drafted with the offline engine"
    )
    assert result.usage.llm_calls == 1 and result.usage.prompt_tokens == 0
    assert 200 <= result.usage.latency_ms < 5000


@pytest.fixture
def failing_server() -> Iterator[tuple[str, list[str]]]:
    """A loopback server answering every request with a 503: the provider is down."""
    seen: list[str] = []

    class Failing(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (the standard library's name)
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            seen.append(self.path)
            status = 503
            body = json.dumps({"error": {"message": f"upstream failure {len(seen)}", "type": "server_error"}})
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *_args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Failing)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1", seen
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("fallback", [False, True], ids=["fails", "falls-back"])
def test_server_errors_are_retried_then_fail_or_fall_back_with_the_reason(
    failing_server: tuple[str, list[str]], fallback: bool
) -> None:
    url, seen = failing_server
    account = support.ACCOUNTS[STAKEHOLDERS]()
    config = support.llm_config(base_url=url, timeout_s=5, max_retries=2, fallback_to_offline=fallback)
    run = lambda: run_draft(  # noqa: E731
        STAKEHOLDERS, account.evidence, account.plan, account.retriever(), engine="openai",
        chat_model=make_chat_model(config), llm=config,
    )
    if not fallback:
        with pytest.raises(DraftFailed, match=r"HTTP 503 from the model endpoint: .*upstream failure 3"):
            run()
    else:
        result = run()
        assert result.engine == "offline" and "HTTP 503 from the model endpoint" in result.warnings[0]
    assert len(seen) == 3  # the first try and max_retries=2 more, then no more


def test_a_call_without_a_cassette_fails_the_test(tmp_path: Path) -> None:
    account = support.ACCOUNTS[STAKEHOLDERS]()
    config = support.llm_config(fallback_to_offline=True)
    chat_model = make_chat_model(config)
    empty = support.cassette_vcr("none").use_cassette(str(tmp_path / "empty.yaml"))
    with empty, pytest.raises(CannotOverwriteExistingCassetteException):
        run_draft(STAKEHOLDERS, account.evidence, account.plan, account.retriever(), engine="openai",
                  chat_model=chat_model, llm=config)


def test_a_call_outside_any_cassette_never_reaches_a_server() -> None:
    """Outside a cassette the suite's network guard refuses the connection, and the draft fails."""
    account = support.ACCOUNTS[STAKEHOLDERS]()
    config = support.llm_config(base_url="https://192.0.2.10/v1")
    with pytest.raises(RuntimeError, match="tests must not touch the network"):
        run_draft(STAKEHOLDERS, account.evidence, account.plan, account.retriever(), engine="openai",
                  chat_model=make_chat_model(config), llm=config)
    by_name = support.llm_config()
    with pytest.raises(DraftFailed, match="could not reach the model endpoint"):
        run_draft(STAKEHOLDERS, account.evidence, account.plan, account.retriever(), engine="openai",
                  chat_model=make_chat_model(by_name), llm=by_name)


# ---------------------------------------------------------------------------
# Whitespace and QBR briefs
# ---------------------------------------------------------------------------


def test_whitespace_answer_becomes_verified_cells() -> None:
    result, played = _draft(DraftKind.whitespace, "good")

    assert played == 1 and result.engine == "openai" and result.prompt_version == "whitespace/v1"
    cells = {c.change.target: c.change.after for c in result.changes}
    assert {target: cell.status.value for target, cell in cells.items()} == {
        "whitespace:Kestrel APM|Acme Cards": "owned",
        "whitespace:Kestrel Logs|Acme Cards": "whitespace",
        "whitespace:Kestrel APM|Acme Lending": "competitor",
        "whitespace:Kestrel Logs|Acme Lending": "pipeline",
    }
    assert cells["whitespace:Kestrel APM|Acme Lending"].competitor == "Datadog"
    assert all(c.verified for c in result.changes), [c.issues for c in result.changes]
    assert result.usage.prompt_tokens == _recorded_usage(DraftKind.whitespace, "good")["prompt_tokens"]


def test_qbr_answer_becomes_one_verified_brief() -> None:
    result, played = _draft(DraftKind.qbr_brief, "good")

    assert played == 1 and result.engine == "openai" and result.prompt_version == "qbr_brief/v1"
    [checked] = result.changes
    assert checked.change.kind is ChangeKind.replace_qbr_brief and checked.verified, checked.issues
    brief = checked.change.after
    assert brief.value_delivered[0].text.startswith("Fraud alerts now reach the Cards team")
    assert brief.risks[0].severity.value == "medium"
    assert "Tom Berg" not in brief.model_dump_json(), "the planted instruction left no trace"


@pytest.mark.parametrize(
    ("kind", "scenario", "reason"),
    [
        (DraftKind.whitespace, "malformed_json", "invalid JSON"),
        (DraftKind.qbr_brief, "schema_violation", "violates the QbrBriefOutput schema"),
    ],
)
def test_unusable_whitespace_and_qbr_answers_fail_or_fall_back(kind: DraftKind, scenario: str, reason: str) -> None:
    with pytest.raises(DraftFailed, match=reason):
        _draft(kind, scenario)
    result, _ = _draft(kind, scenario, fallback=True)
    assert result.engine == "offline" and reason in result.warnings[0]


@pytest.mark.parametrize("kind", [DraftKind.whitespace, DraftKind.qbr_brief])
def test_whitespace_and_qbr_retry_a_429_once(kind: DraftKind) -> None:
    result, played = _draft(kind, "rate_limited_then_good", max_retries=1)
    assert played == 2 and result.engine == "openai" and result.changes


# ---------------------------------------------------------------------------
# A real self-hosted server's replies (recorded by tests/agents/cassettes/record_local.py)
# ---------------------------------------------------------------------------


def _self_hosted(kind: DraftKind, scenario: str = support.SELF_HOSTED, **overrides: object) -> DraftResult:
    account = support.ACCOUNTS[kind]()
    config = support.self_hosted_config(**overrides)
    with support.cassette_vcr().use_cassette(str(support.cassette_path(kind, scenario))) as cassette:
        result = run_draft(kind, account.evidence, account.plan, account.retriever(), engine="openai",
                           chat_model=make_chat_model(config), llm=config)  # fmt: skip
        assert cassette.all_played
    return result


def _recorded_request(kind: DraftKind, scenario: str = support.SELF_HOSTED) -> dict[str, object]:
    import yaml

    (interaction,) = yaml.safe_load(support.cassette_path(kind, scenario).read_text())["interactions"]
    body: dict[str, object] = json.loads(interaction["request"]["body"])
    return body


@pytest.mark.parametrize("kind", list(DraftKind))
def test_a_real_self_hosted_reply_is_parsed_and_its_real_usage_recorded(kind: DraftKind) -> None:
    result = _self_hosted(kind)

    assert result.engine == "openai"
    assert result.usage.llm_calls == 1 and result.usage.cost_usd == 0
    usage = _recorded_usage(kind, support.SELF_HOSTED)
    assert (result.usage.prompt_tokens, result.usage.completion_tokens) == (
        usage["prompt_tokens"], usage["completion_tokens"]
    )  # fmt: skip
    assert result.usage.prompt_tokens <= 4096 - 1024, "the prompt was packed into the window"
    asked = _recorded_request(kind)
    assert asked["response_format"]["type"] == "json_object"  # type: ignore[index]
    assert asked["max_tokens"] == asked["max_completion_tokens"] == 1024


def test_what_a_small_model_invents_is_flagged_and_cannot_verify() -> None:
    """Gemma 3 270M cites ids that are no source, quotes that are not in the source it names,
    and a manager who is a made-up id; every such change is kept for the reviewer, unverifiable."""
    invented = [
        *_self_hosted(STAKEHOLDERS).changes,
        *_self_hosted(DraftKind.whitespace).changes,
        *_self_hosted(DraftKind.qbr_brief).changes,
    ]
    codes = {issue.code for checked in invented for issue in checked.issues}

    assert invented and not any(checked.verified for checked in invented)
    assert {"unknown_source", "quote_not_verbatim", "unknown_person", "no_citation"} <= codes


def test_a_real_reply_cut_off_at_the_answer_limit_is_a_failure_with_its_cost() -> None:
    with pytest.raises(DraftFailed, match="hit the token limit before its JSON was complete") as failed:
        _self_hosted(STAKEHOLDERS, support.SELF_HOSTED_CUT_OFF, max_output_tokens=48)
    assert failed.value.usage.completion_tokens == 48 and failed.value.usage.prompt_tokens > 0
