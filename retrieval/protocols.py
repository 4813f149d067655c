"""What agents need from retrieval, as protocols so tests and evals can supply their own."""

from __future__ import annotations

from typing import Protocol

from retrieval.evidence import Hit


class Retriever(Protocol):
    """Search over one account's evidence; the scope (tenant, account) is fixed when it is built."""

    def search(self, query: str, k: int = 8) -> list[Hit]: ...


class Embedder(Protocol):
    """Turns texts into unit-length vectors."""

    @property
    def dimension(self) -> int: ...

    def embed(self, texts: list[str]) -> list[list[float]]: ...
