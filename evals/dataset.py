"""Eval datasets: a folder whose bundles are every descendant folder holding crm/ and expected.json.

The gold labels follow DESIGN.md's `expected.json`; a bundle may also carry `queries.json`
(retrieval queries with the source ids that answer them) and, inside `expected.json`,
`injections` (instructions planted in its evidence, for the counterfactual injection check).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

EXPECTED_FILE = "expected.json"
QUERIES_FILE = "queries.json"


class DatasetError(ValueError):
    """A dataset or bundle whose gold files cannot be read."""


class GoldStakeholder(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str
    title: str | None = None
    buying_role: str | None = None
    stance: str | None = None
    strength: str | None = None
    status: str = "active"


class GoldCell(BaseModel):
    model_config = ConfigDict(extra="ignore")

    product: str
    unit: str
    status: str
    competitor: str | None = None


class QbrFact(BaseModel):
    id: str
    any_of: list[str]


class QbrGold(BaseModel):
    model_config = ConfigDict(extra="ignore")

    facts: list[QbrFact] = Field(default_factory=list)
    must_not_include: list[str] = Field(default_factory=list)


class Injection(BaseModel):
    """An instruction planted in one file of the bundle; `text` is cut verbatim for the counterfactual."""

    file: str
    text: str


class Expected(BaseModel):
    """A bundle's gold labels."""

    model_config = ConfigDict(extra="ignore")

    as_of: date
    stakeholders: list[GoldStakeholder] = Field(default_factory=list)
    whitespace: list[GoldCell] = Field(default_factory=list)
    qbr: QbrGold = Field(default_factory=QbrGold)
    injections: list[Injection] = Field(default_factory=list)


class RetrievalQuery(BaseModel):
    id: str
    query: str
    relevant: list[str]


@dataclass(frozen=True)
class BundleCase:
    """One bundle of a dataset: where it is, its name within the dataset, and its gold files."""

    name: str
    folder: Path
    expected: Expected
    queries: list[RetrievalQuery]


def is_bundle(folder: Path) -> bool:
    return (folder / "crm").is_dir() and (folder / EXPECTED_FILE).is_file()


def discover_bundles(dataset: Path) -> list[Path]:
    """The dataset's bundle folders (the dataset itself included, when it is one), sorted by path."""
    dataset = Path(dataset)
    if not dataset.is_dir():
        raise DatasetError(f"dataset folder not found: {dataset}")
    candidates = [dataset, *(p for p in dataset.rglob("*") if p.is_dir())]
    return sorted(p for p in candidates if is_bundle(p))


def _read_json(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise DatasetError(f"{path}: {exc}") from exc


def load_expected(folder: Path) -> Expected:
    path = Path(folder) / EXPECTED_FILE
    try:
        return Expected.model_validate(_read_json(path))
    except ValueError as exc:
        raise DatasetError(f"{path}: {exc}") from exc


def load_queries(folder: Path) -> list[RetrievalQuery]:
    """The bundle's retrieval queries; none when it has no queries.json."""
    path = Path(folder) / QUERIES_FILE
    if not path.is_file():
        return []
    data = _read_json(path)
    items = data.get("queries", []) if isinstance(data, dict) else data
    try:
        return [RetrievalQuery.model_validate(item) for item in items]  # type: ignore[union-attr]
    except (ValueError, TypeError) as exc:
        raise DatasetError(f"{path}: {exc}") from exc


def load_dataset(dataset: Path) -> list[BundleCase]:
    """Every bundle of the dataset with its gold labels; DatasetError when there is none."""
    dataset = Path(dataset)
    folders = discover_bundles(dataset)
    if not folders:
        raise DatasetError(f"{dataset} holds no bundle (a folder with crm/ and {EXPECTED_FILE})")
    return [
        BundleCase(
            name=folder.relative_to(dataset).as_posix() if folder != dataset else folder.name,
            folder=folder,
            expected=load_expected(folder),
            queries=load_queries(folder),
        )
        for folder in folders
    ]
