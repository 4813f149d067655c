"""Record the `self_hosted` cassettes from a real llama-cpp-python server serving Gemma 3 270M.

Unlike the hand-written scenarios (generate.py), these hold a real server's real replies: the
request in the mode that server accepts (`json_mode`: `json_object` with a bounded schema), its
headers, its `usage` and whatever the model wrote. Start the server, then record:

    make llm-local LLM_LOCAL_PORT=8765 LLM_LOCAL_CONTEXT=4096     # in another shell
    .venv/bin/python -m tests.agents.cassettes.record_local

The replaying tests pin the engine's behaviour on those replies (they parse; what does not
verify is flagged), not the model's answers, so a re-recording only needs its diff reviewed.
"""

from __future__ import annotations

import contextlib

from agents.drafting import run_draft
from agents.llm import DraftFailed, make_chat_model
from plans.vocabulary import DraftKind
from tests.agents.cassettes import support


def record(kind: DraftKind, scenario: str, **overrides: object) -> str:
    account = support.ACCOUNTS[kind]()
    config = support.self_hosted_config(**overrides)
    path = support.cassette_path(kind, scenario)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    with support.cassette_vcr("all").use_cassette(str(path)):
        try:
            result = run_draft(kind, account.evidence, account.plan, account.retriever(), engine="openai",
                               chat_model=make_chat_model(config), llm=config)  # fmt: skip
        except DraftFailed as failed:
            return f"failed: {failed.reason}"
    verified = sum(1 for c in result.changes if c.verified)
    tokens = f"{result.usage.prompt_tokens}+{result.usage.completion_tokens} tokens"
    return f"{len(result.changes)} changes, {verified} verified, {tokens}"


def main() -> None:
    for kind in DraftKind:
        with contextlib.suppress(KeyError):
            print(f"{kind.value}/{support.SELF_HOSTED}: {record(kind, support.SELF_HOSTED)}")
    # An answer limit too small for any bounded schema: the real server stops mid-object.
    print(f"stakeholder_map/{support.SELF_HOSTED_CUT_OFF}: "
          f"{record(DraftKind.stakeholder_map, support.SELF_HOSTED_CUT_OFF, max_output_tokens=48)}")


if __name__ == "__main__":
    main()
