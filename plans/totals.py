"""Dollar totals of the whitespace matrix, from its cells' estimates. Pure, no I/O."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from plans.models import WhitespaceCell
from plans.vocabulary import CellStatus

# What is still to win: open whitespace, deals in pipeline, and ground a competitor holds.
OPEN_STATUSES = frozenset({CellStatus.whitespace, CellStatus.pipeline, CellStatus.competitor})


@dataclass
class Bucket:
    """The estimates of a row, a column or the whole matrix, summed by cell status."""

    by_status: dict[CellStatus, float] = field(default_factory=dict)
    cells: int = 0
    estimated: int = 0  # cells with an estimate

    def add(self, cell: WhitespaceCell) -> None:
        self.cells += 1
        if cell.estimated_value is None:
            return
        self.estimated += 1
        self.by_status[cell.status] = self.by_status.get(cell.status, 0.0) + cell.estimated_value

    @property
    def open(self) -> float:
        return sum(v for s, v in self.by_status.items() if s in OPEN_STATUSES)

    @property
    def owned(self) -> float:
        return self.by_status.get(CellStatus.owned, 0.0)

    @property
    def total(self) -> float:
        return sum(self.by_status.values())


@dataclass
class WhitespaceTotals:
    by_product: dict[str, Bucket]
    by_unit: dict[str, Bucket]
    overall: Bucket
    counts: dict[CellStatus, int]


def whitespace_totals(cells: Iterable[WhitespaceCell]) -> WhitespaceTotals:
    """Totals per product, per unit and overall; a cell with no estimate counts as a cell, not as $0."""
    totals = WhitespaceTotals({}, {}, Bucket(), {status: 0 for status in CellStatus})
    for cell in cells:
        totals.by_product.setdefault(cell.product, Bucket()).add(cell)
        totals.by_unit.setdefault(cell.unit, Bucket()).add(cell)
        totals.overall.add(cell)
        totals.counts[cell.status] += 1
    return totals


def dollars(value: float) -> str:
    """$1.2M, $365K, $950: short enough for a matrix cell."""
    if abs(value) >= 999_500:
        return f"${value / 1_000_000:,.2f}M".replace(".00M", "M")
    if abs(value) >= 1_000:
        return f"${value / 1_000:,.0f}K"
    return f"${value:,.0f}"
