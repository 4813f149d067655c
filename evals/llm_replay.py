"""Serving an eval run's LLM calls from vcrpy cassettes: one cassette per bundle, draft kind and variant.

With record mode `none` (the default, CI) every Chat Completions request of the run must have
its recorded answer: a missing cassette, a request that matches nothing (the prompt, the
schema or the retrieved evidence changed) or an answer left unplayed ends the run with a
CassetteMiss naming the cassette. With `PLANWRIGHT_RECORD_MODE=all` and OPENAI_API_KEY the
same run records every cassette from the real API.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from agents.llm import LlmConfig
from agents.structured_output import StructuredOutput
from evals.runner import RunAborted
from plans.vocabulary import DraftKind

RECORD_MODE_ENV = "PLANWRIGHT_RECORD_MODE"
# The same request matching as tests/agents/cassettes: the body is matched, the secrets are never written.
FILTER_HEADERS = ["authorization", "api-key", "openai-organization"]
MATCH_ON = ["method", "scheme", "host", "port", "path", "query", "body"]
CASSETTE_MODEL = "gpt-4o-mini"
PLACEHOLDER_KEY = "sk-cassette-replay"
DEFAULT_CASSETTES = Path(__file__).resolve().parent / "cassettes" / "openai"
ENDPOINT_FILE = "endpoint.json"
HAND_WRITTEN = (
    "hand-written answers in OpenAI's wire format: a plumbing check of the engine "
    "(requests, parsing, verification, usage), not a score of any model"
)

REGENERATE = "python -m evals.cassettes.generate"
RERECORD = (
    f"{RECORD_MODE_ENV}=all OPENAI_API_KEY=sk-... planwright eval run --engine openai --cassettes DIR "
    "(with the same --dataset, --embedder, --kind and --no-injections as this run)"
)


def record_mode() -> str:
    """`none` unless PLANWRIGHT_RECORD_MODE says otherwise: a request without a recorded answer fails."""
    return os.environ.get(RECORD_MODE_ENV, "none") or "none"


class Endpoint(BaseModel):
    """What a folder of cassettes was recorded against (its `endpoint.json`; absent: OpenAI's gpt-4o-mini).

    A replay must send exactly what the recording sent, so it uses the same model, base URL (the
    host and port are matched), structured-output mode and context budget.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    model: str = CASSETTE_MODEL
    base_url: str | None = None
    structured_output: StructuredOutput = StructuredOutput.auto
    context_tokens: int | None = Field(default=None, gt=0)
    max_output_tokens: int | None = Field(default=None, gt=0)
    timeout_s: float = Field(default=30.0, gt=0)
    origin: str = Field(
        default=HAND_WRITTEN,
        description="Where the answers came from: a real model's replies are a score, hand-written ones are not.",
    )

    @classmethod
    def of(cls, folder: Path) -> Endpoint:
        path = folder / ENDPOINT_FILE
        return cls.model_validate_json(path.read_text()) if path.is_file() else cls()

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / ENDPOINT_FILE).write_text(self.model_dump_json(indent=2, exclude_defaults=True) + "\n")


def cassette_llm(api_key: str | None = None, endpoint: Endpoint | None = None) -> LlmConfig:
    """The client config cassettes are recorded and replayed with: no retries and no offline fallback,
    so a cassette miss is a failure rather than a retried or silently offline draft."""
    endpoint = endpoint or Endpoint()
    return LlmConfig(
        model=endpoint.model,
        base_url=endpoint.base_url,
        api_key=SecretStr(api_key or PLACEHOLDER_KEY),
        max_retries=0,
        fallback_to_offline=False,
        structured_output=endpoint.structured_output,
        context_tokens=endpoint.context_tokens,
        max_output_tokens=endpoint.max_output_tokens,
        timeout_s=endpoint.timeout_s,
    )


class CassetteMiss(RunAborted):
    """A draft's LLM call has no recorded answer in record mode `none`."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(
            f"cassette {path}: {problem}. The cassettes no longer match what the run sends (a prompt, schema, "
            f"evidence or retrieval change?). Regenerate the hand-written ones with `{REGENERATE}`, "
            f"or re-record from the real API with `{RERECORD}`."
        )
        self.path = path
        self.problem = problem


def _vcr_miss(exc: BaseException) -> BaseException | None:
    """vcr's CannotOverwriteExistingCassetteException in the chain (the openai client wraps it)."""
    from vcr.errors import CannotOverwriteExistingCassetteException

    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, CannotOverwriteExistingCassetteException):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


@dataclass
class Cassettes:
    """A folder of cassettes laid out `<bundle>/[<variant>/]<kind>.yaml`; `scope` is a runner DraftScope."""

    folder: Path
    mode: str = field(default_factory=record_mode)

    def path(self, bundle: str, kind: DraftKind, variant: str | None = None) -> Path:
        parts = [bundle, variant] if variant else [bundle]
        return self.folder.joinpath(*parts, f"{DraftKind(kind).value}.yaml")

    @property
    def replaying(self) -> bool:
        return self.mode == "none"

    def vcr(self):  # type: ignore[no-untyped-def]
        import vcr

        return vcr.VCR(
            filter_headers=FILTER_HEADERS,
            match_on=MATCH_ON,
            decode_compressed_response=True,
            record_mode=self.mode,
            serializer="yaml",
        )

    @contextmanager
    def scope(self, bundle: str, kind: DraftKind, variant: str | None = None) -> Iterator[object]:
        """Serve (or record) the LLM calls made inside the block from this draft's cassette."""
        path = self.path(bundle, kind, variant)
        # A draft that never calls the model (its facts overflow the context) records no cassette;
        # replaying it needs none, and any call it did make would miss below.
        path.parent.mkdir(parents=True, exist_ok=True)
        with self.vcr().use_cassette(str(path)) as cassette:
            try:
                yield cassette
            except Exception as exc:
                miss = _vcr_miss(exc)
                if miss is not None and not path.is_file():
                    raise CassetteMiss(path, "no such cassette") from exc
                if miss is not None:
                    raise CassetteMiss(path, f"no recorded answer for the request ({miss})") from exc
                raise
            if self.replaying and not cassette.all_played:
                raise CassetteMiss(path, "a recorded answer was never asked for")
