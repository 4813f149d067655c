"""The eval command line: `run` a dataset into reports, `compare` two reports and fail on regression.

Mounted as `planwright eval`; also runs as `python -m evals.cli`.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from langchain_core.language_models import BaseChatModel
from pydantic import BaseModel, SecretStr

from agents.llm import LlmConfig, LlmFailure, make_chat_model, structured_output_mode
from agents.structured_output import StructuredOutput
from evals.compare import Comparison, Direction, Status, compare, parse_tolerances
from evals.llm_replay import CASSETTE_MODEL, Cassettes, Endpoint, cassette_llm, record_mode
from evals.report import HEADLINE, format_metric, report_data, write_reports
from evals.runner import ALL_KINDS, DEFAULT_CACHE_DIR, DraftScope, RunAborted, run_eval

DEFAULT_DATASET = Path(__file__).resolve().parent / "datasets"

eval_cli = typer.Typer(help="Run the drafting agents over eval datasets and gate on regressions.", no_args_is_help=True)


class LlmBudget(BaseModel):
    """The LLM options of `eval run` that shape each request (see the README's self-hosted section)."""

    structured_output: StructuredOutput = StructuredOutput.auto
    context_tokens: int | None = None
    max_output_tokens: int | None = None
    timeout_s: float = 30.0


def llm_setup(
    engine: str, model: str | None, base_url: str | None, api_key: str | None, budget: LlmBudget
) -> tuple[BaseChatModel | None, LlmConfig | None]:
    """The chat model and its config for an LLM engine; (None, None) for the offline one."""
    if engine == "offline":
        return None, None
    key = api_key or os.environ.get("OPENAI_API_KEY")
    if not key and not base_url:
        raise typer.BadParameter(
            f"the {engine!r} engine needs OPENAI_API_KEY (or --api-key), or --base-url for a local endpoint",
            param_hint="--engine",
        )
    settings: dict[str, Any] = {
        "base_url": base_url,
        "api_key": SecretStr(key) if key else None,
        **budget.model_dump(),
    }
    if model:
        settings["model"] = model
    config = LlmConfig(**settings)
    return make_chat_model(config), config


def cassette_setup(
    engine: str, cassettes: Path, model: str | None, base_url: str | None, api_key: str | None, budget: LlmBudget
) -> tuple[BaseChatModel, LlmConfig, DraftScope]:
    """The chat model, its config and the draft scope that serve (or record) every LLM call from `cassettes`.

    Replaying uses the endpoint the folder was recorded against (its endpoint.json). Recording takes
    the endpoint from the options, settles an `auto` structured-output mode by probing the live
    server before any cassette is open, and writes endpoint.json.
    """
    if engine != "openai":
        raise typer.BadParameter("cassettes hold openai engine calls; add --engine openai", param_hint="--cassettes")
    library = Cassettes(cassettes, record_mode())
    if library.replaying:
        endpoint = Endpoint.of(cassettes)
        asked = {"--model": (model, endpoint.model), "--base-url": (base_url, endpoint.base_url)}
        for option, (given, recorded) in asked.items():
            if given and given != recorded:
                raise typer.BadParameter(f"these cassettes were recorded with {recorded}", param_hint=option)
        config = cassette_llm(None, endpoint)
        return make_chat_model(config), config, library.scope
    key = api_key or os.environ.get("OPENAI_API_KEY")
    if not key and not base_url:
        raise typer.BadParameter(
            f"recording cassettes (PLANWRIGHT_RECORD_MODE={library.mode}) needs OPENAI_API_KEY or --api-key, "
            "or --base-url for a self-hosted server",
            param_hint="--cassettes",
        )
    endpoint = Endpoint(
        model=model or CASSETTE_MODEL,
        base_url=base_url,
        origin=f"recorded from {model or CASSETTE_MODEL} at {base_url or 'api.openai.com'} "
        f"on {datetime.now(UTC).date()}",
        **budget.model_dump(),
    )
    config = cassette_llm(key, endpoint)
    chat_model = make_chat_model(config)
    if config.structured_output is StructuredOutput.auto and base_url:
        try:
            settled = structured_output_mode(chat_model, config)
        except LlmFailure as exc:
            raise typer.BadParameter(f"{base_url}: {exc.reason}", param_hint="--base-url") from exc
        endpoint = endpoint.model_copy(update={"structured_output": settled})
        config = cassette_llm(key, endpoint)
        chat_model = make_chat_model(config)
    endpoint.save(cassettes)
    return chat_model, config, library.scope


def headline_table(report: dict[str, Any]) -> str:
    rows = [(label, format_metric(report["metrics"][key])) for key, label in HEADLINE if key in report["metrics"]]
    width = max((len(label) for label, _ in rows), default=10)
    return "\n".join(f"{label:<{width}}  {value:>8}" for label, value in rows)


@eval_cli.command("run")
def run_command(
    dataset: Annotated[
        Path, typer.Option(help="Dataset folder; its bundles are the folders with crm/ and expected.json.")
    ] = DEFAULT_DATASET,
    engine: Annotated[str, typer.Option(help="offline or openai")] = "offline",
    embedder: Annotated[str, typer.Option(help="minilm or hashing")] = "minilm",
    out: Annotated[Path, typer.Option(help="Folder for report.json, report.md and report.html.")] = Path(
        "reports/eval"
    ),
    kind: Annotated[list[str] | None, typer.Option(help="Draft kind to run (repeatable); default all.")] = None,
    model: Annotated[str | None, typer.Option(help="Chat model name for an LLM engine.")] = None,
    base_url: Annotated[str | None, typer.Option(help="OpenAI-compatible endpoint.")] = None,
    api_key: Annotated[str | None, typer.Option(help="API key; default OPENAI_API_KEY.", show_default=False)] = None,
    structured_output: Annotated[
        StructuredOutput, typer.Option(help="How to ask the model for JSON (auto probes a self-hosted server).")
    ] = StructuredOutput.auto,
    context_tokens: Annotated[
        int | None, typer.Option(help="The model's context window; default from the model's name.")
    ] = None,
    max_output_tokens: Annotated[int | None, typer.Option(help="The answer's token limit.")] = None,
    timeout: Annotated[float, typer.Option(help="Seconds per LLM call.")] = 30.0,
    cache_dir: Annotated[Path, typer.Option(help="Embedding cache folder.")] = DEFAULT_CACHE_DIR,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Embed everything afresh.")] = False,
    injections: Annotated[bool, typer.Option(help="Run the counterfactual injection check.")] = True,
    cassettes: Annotated[
        Path | None,
        typer.Option(
            help=(
                "Serve every LLM call from vcrpy cassettes in this folder (<bundle>/[<variant>/]<kind>.yaml); "
                "PLANWRIGHT_RECORD_MODE=all with OPENAI_API_KEY records them."
            )
        ),
    ] = None,
) -> None:
    """Draft and score every bundle of a dataset; print the headline table and write the reports."""
    if engine not in ("offline", "openai"):
        raise typer.BadParameter("choose offline or openai", param_hint="--engine")
    scope: DraftScope | None = None
    chat_model: BaseChatModel | None
    llm: LlmConfig | None
    budget = LlmBudget(
        structured_output=structured_output,
        context_tokens=context_tokens,
        max_output_tokens=max_output_tokens,
        timeout_s=timeout,
    )
    if cassettes is not None:
        chat_model, llm, scope = cassette_setup(engine, cassettes, model, base_url, api_key, budget)
    else:
        chat_model, llm = llm_setup(engine, model, base_url, api_key, budget)
    try:
        run = run_eval(
            dataset,
            engine=engine,
            embedder=embedder,
            kinds=kind or ALL_KINDS,
            chat_model=chat_model,
            llm=llm,
            cache_dir=None if no_cache else cache_dir,
            injections=injections,
            progress=lambda line: typer.echo(line, err=True),
            scope=scope,
        )
    except RunAborted as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=1) from exc
    if cassettes is not None:
        run.notes.append(
            f"LLM calls served from cassettes in {cassettes} (record mode {record_mode()}): "
            f"{Endpoint.of(cassettes).origin}"
        )
    data = report_data(run)
    paths = write_reports(data, out)
    typer.echo(headline_table(data))
    for note in data["notes"]:
        typer.echo(f"note: {note}")
    typer.echo(
        f"{len(run.bundles)} bundles in {run.seconds:.1f} s; reports: " + ", ".join(str(p) for p in paths.values())
    )


def delta_table(comparison: Comparison) -> str:
    rows = [("metric", "base", "new", "delta", "tolerance", "status")]
    for d in comparison.deltas:
        delta = "—" if d.delta is None else f"{d.delta:+.3f}"
        tolerance = "—" if d.direction is Direction.info else f"{d.tolerance:g} ({d.direction.value})"
        rows.append((d.metric, format_metric(d.base), format_metric(d.new), delta, tolerance, d.status.value))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows)


def _load(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise typer.BadParameter(f"{path}: {exc}") from exc
    if not isinstance(data, dict):
        raise typer.BadParameter(f"{path}: not a report object")
    return data


@eval_cli.command("paraphrases")
def paraphrases_command(
    folder: Annotated[Path, typer.Option(help="Folder of <cue>.json paraphrase files.")] = Path("evals/paraphrases"),
    embedder: Annotated[str, typer.Option(help="minilm or hashing")] = "hashing",
    out: Annotated[Path, typer.Option(help="Folder for report.json.")] = Path("reports/eval-paraphrases"),
) -> None:
    """Draft every paraphrase item end to end and report each cue's accuracy (positives and negatives apart)."""
    from evals.paraphrase_set import ParaphraseSetError, report, run_paraphrases

    try:
        run = run_paraphrases(folder, embedder, progress=lambda line: typer.echo(line, err=True))
    except ParaphraseSetError as exc:
        raise typer.BadParameter(str(exc), param_hint="--folder") from exc
    data = report(run)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "report.json"
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    width = max(len(name) for name in data["metrics"])
    for name, value in data["metrics"].items():
        typer.echo(f"{name:<{width}}  {format_metric(value)}")
    for error in data["errors"]:
        typer.echo(f"note: {error}")
    typer.echo(f"{len(run.outcomes)} items, {len(data['failures'])} failed; report: {path}")


@eval_cli.command("stance-corpus")
def stance_corpus_command(
    writers: Annotated[str, typer.Option(help="Comma-separated writers to score (writer-N); default: held out.")]
    = "writer-4,writer-5,writer-6,writer-7",
    embedder: Annotated[str, typer.Option(help="minilm or hashing")] = "minilm",
    out: Annotated[Path, typer.Option(help="Folder for report.json.")] = Path("reports/eval-stance-corpus"),
) -> None:
    """The engine's stance accuracy on the stance corpus (passages by writers who never saw the rules)."""
    from evals.stance_corpus import load_corpus, score_engine

    passages = load_corpus(writers=[w.strip() for w in writers.split(",") if w.strip()])
    if not passages:
        raise typer.BadParameter(f"no passages for {writers!r}", param_hint="--writers")
    data = score_engine(passages, embedder)
    metrics = {"stance_corpus.accuracy": data["accuracy"], "stance_corpus.unknown_share": data["unknown_share"]}
    metrics |= {f"stance_corpus.{writer}": value for writer, value in data["by_writer"].items()}
    out.mkdir(parents=True, exist_ok=True)
    path = out / "report.json"
    path.write_text(json.dumps({"metrics": metrics, **data}, indent=2, ensure_ascii=False), encoding="utf-8")
    for name, value in metrics.items():
        typer.echo(f"{name:<32}  {format_metric(value)}")
    typer.echo(f"{data['items']} passages; report: {path}")


@eval_cli.command("stance-sentences")
def stance_sentences_command(
    classifier: Annotated[bool, typer.Option(help="Also score a MiniLM softmax model, leaving one writer out.")] = True,
    out: Annotated[Path, typer.Option(help="Folder for report.json.")] = Path("reports/eval-stance-sentences"),
) -> None:
    """The offline engine's stance reading of 1,200 labelled sentences by five writers who never saw the rules,
    and, beside it, a sentence model's (not a gate: see evals/README.md)."""
    from evals.stance_sentences import as_seller, classifier_accuracy, load_sentences, score_rules
    from retrieval.embedders import MiniLmEmbedder

    sentences = load_sentences()
    data: dict[str, Any] = {"rules": score_rules(sentences)}
    if classifier:
        vectors = MiniLmEmbedder.load().embed_array([as_seller(s) for s in sentences])
        data["classifier_leave_one_writer_out"] = classifier_accuracy(sentences, vectors)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "report.json"
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    for name, value in data["rules"].items():
        if name != "errors":
            typer.echo(f"rules {name:<26}  {format_metric(value)}")
    if classifier:
        typer.echo(f"{'classifier, one writer out':<32}  {format_metric(data['classifier_leave_one_writer_out'])}")
    typer.echo(f"{len(sentences)} sentences; report: {path}")


@eval_cli.command("compare")
def compare_command(
    base: Annotated[Path, typer.Argument(help="Baseline report.json.")],
    new: Annotated[Path, typer.Argument(help="New report.json.")],
    tolerance: Annotated[
        list[str] | None, typer.Option(help="metric=value absolute tolerance (repeatable; the metric may be a glob).")
    ] = None,
    show_all: Annotated[bool, typer.Option("--all", help="List unchanged metrics too.")] = False,
) -> None:
    """Print per-metric deltas; exit 1 when a metric regresses beyond its tolerance or disappears."""
    try:
        tolerances = parse_tolerances(tolerance)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--tolerance") from exc
    comparison = compare(_load(base), _load(new), tolerances)
    shown = (
        comparison
        if show_all
        else Comparison(
            deltas=[d for d in comparison.deltas if d.status not in (Status.ok, Status.info) or d.delta],
            notes=comparison.notes,
        )
    )
    typer.echo(delta_table(shown))
    for note in comparison.notes:
        typer.echo(f"note: {note}")
    if comparison.passed:
        typer.echo("PASS: no metric regressed beyond its tolerance")
        return
    names = ", ".join(d.metric for d in comparison.regressions)
    typer.echo(f"FAIL: {len(comparison.regressions)} metric(s) regressed or disappeared: {names}")
    raise typer.Exit(code=1)


if __name__ == "__main__":
    eval_cli()
