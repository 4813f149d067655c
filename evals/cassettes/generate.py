"""Write the eval cassettes: run the eval over a dataset with hand-written OpenAI answers, recording what it sends.

The real runner, engine and openai client run over an httpx2 MockTransport whose answer for
each draft is `answers/<bundle>/[<variant>/]<kind>.json` (a counterfactual variant without its
own file gets the bundle's answer) wrapped in the Chat Completions wire format by
tests/agents/cassettes/generate.py. vcrpy records every exchange, so the request side of each
cassette is exactly what the eval sends with the hashing embedder:

    .venv/bin/python -m evals.cassettes.generate                 # write evals/cassettes/openai/
    .venv/bin/python -m evals.cassettes.generate --prompts DIR   # also write each rendered prompt to DIR

The answers were written by reading the rendered prompts (see --prompts), the way a capable
model would answer them, never from the gold labels.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx2

from agents.llm import make_chat_model
from agents.verifier import collapse_whitespace
from evals.llm_replay import DEFAULT_CASSETTES, Cassettes, cassette_llm
from evals.runner import ALL_KINDS, run_eval
from plans.vocabulary import DraftKind
from tests.agents.cassettes.generate import Answer, content

HERE = Path(__file__).resolve().parent
ANSWERS = HERE / "answers"
DATASET = HERE.parent / "datasets" / "demo"
EMBEDDER = "hashing"

Key = tuple[str, DraftKind, str | None]


def answer_path(bundle: str, kind: DraftKind, variant: str | None = None) -> Path:
    parts = [bundle, variant] if variant else [bundle]
    return ANSWERS.joinpath(*parts, f"{kind.value}.json")


def load_answer(bundle: str, kind: DraftKind, variant: str | None) -> dict[str, Any]:
    """The hand-written structured output for this draft; a variant falls back to the bundle's own."""
    for path in (answer_path(bundle, kind, variant), answer_path(bundle, kind)):
        if path.is_file():
            data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            return data
    raise SystemExit(f"no hand-written answer for {bundle} {kind.value}: write {answer_path(bundle, kind)}")


def _citations(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        if set(value) == {"source_id", "quote"}:
            yield value
        for item in value.values():
            yield from _citations(item)
    elif isinstance(value, list):
        for item in value:
            yield from _citations(item)


def unquotable(output: dict[str, Any], body: dict[str, Any], where: str) -> list[str]:
    """Citations a model could not have written from this prompt: a quote or source id the prompt lacks."""
    prompt = collapse_whitespace("\n".join(m.get("content") or "" for m in body["messages"]))
    return [
        f"{where}: {cited['source_id']}: {cited['quote']!r} is not in the prompt"
        for cited in _citations(output)
        if collapse_whitespace(cited["quote"]) not in prompt or cited["source_id"] not in prompt
    ]


def _prompt_markdown(body: dict[str, Any]) -> str:
    return "\n\n".join(f"===== {m['role']} =====\n{m.get('content') or ''}" for m in body["messages"])


class Recorder:
    """The runner's draft scope and the transport's handler: it knows which draft is asking."""

    def __init__(self, cassettes: Cassettes, prompts: Path | None) -> None:
        self.cassettes = cassettes
        self.prompts = prompts
        self.current: Key | None = None
        self.recorded: list[Path] = []
        self.problems: list[str] = []

    @contextmanager
    def scope(self, bundle: str, kind: DraftKind, variant: str | None = None) -> Iterator[object]:
        path = self.cassettes.path(bundle, kind, variant)
        path.unlink(missing_ok=True)
        self.current = (bundle, kind, variant)
        try:
            with self.cassettes.scope(bundle, kind, variant) as cassette:
                yield cassette
        finally:
            self.current = None
        self.recorded.append(path)

    def handle(self, request: httpx2.Request) -> httpx2.Response:
        if self.current is None:
            raise AssertionError("an LLM request outside any draft")
        bundle, kind, variant = self.current
        body = json.loads(request.content)
        if self.prompts is not None:
            target = self.prompts.joinpath(*([bundle, variant] if variant else [bundle]), f"{kind.value}.md")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(_prompt_markdown(body), encoding="utf-8")
        output = load_answer(bundle, kind, variant)
        self.problems += unquotable(output, body, "/".join(part for part in (bundle, variant, kind.value) if part))
        answer = Answer(content=content(output))
        seed = "/".join(part for part in (bundle, variant, kind.value) if part)
        return answer.response(seed, body)


def generate(
    dataset: Path = DATASET, folder: Path = DEFAULT_CASSETTES, prompts: Path | None = None, injections: bool = True
) -> tuple[list[Path], dict[str, float | int | None]]:
    """Record every cassette of an eval run over `dataset`; the cassettes written and the run's metrics."""
    recorder = Recorder(Cassettes(folder, mode="all"), prompts)
    config = cassette_llm()
    chat_model = make_chat_model(config, http_client=httpx2.Client(transport=httpx2.MockTransport(recorder.handle)))
    run = run_eval(
        dataset,
        engine="openai",
        embedder=EMBEDDER,
        kinds=ALL_KINDS,
        chat_model=chat_model,
        llm=config,
        cache_dir=None,
        injections=injections,
        scope=recorder.scope,
    )
    if recorder.problems:
        raise SystemExit("answers cite what their prompt does not hold:\n" + "\n".join(recorder.problems))
    failed = [f"{b.name}: {note}" for b in run.bundles for note in b.notes if "draft failed" in note]
    if failed:
        raise SystemExit("drafts failed while recording:\n" + "\n".join(failed))
    return recorder.recorded, run.metrics()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", type=Path, default=DATASET)
    parser.add_argument("--out", type=Path, default=DEFAULT_CASSETTES, help="cassette folder")
    parser.add_argument("--prompts", type=Path, help="also write every rendered prompt here")
    parser.add_argument("--no-injections", action="store_true", help="skip the counterfactual runs")
    args = parser.parse_args()
    written, metrics = generate(args.dataset, args.out, args.prompts, injections=not args.no_injections)
    for path in written:
        print(path.relative_to(args.out))
    for name in ("stakeholders.f1", "whitespace.cell_accuracy", "qbr.fact_recall", "grounding.verified_share"):
        print(f"{name}: {metrics.get(name)}")


if __name__ == "__main__":
    main()
