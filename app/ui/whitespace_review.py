"""The whitespace draft's matrix on its page: the plan's cells with the proposed ones on top, each proposed cell's
decision (or the choice kept on it), where its estimate came from, and the dollar totals of the proposed state."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from app.drafts.models import DraftChangeRow, DraftRow
from app.sources.models import SourceRow
from app.ui.triage import crm_field, supported_label
from plans.models import AccountPlan, Change, Citation, WhitespaceCell
from plans.qbr_export import scrub_ids
from plans.totals import Bucket, WhitespaceTotals, dollars, whitespace_totals
from plans.vocabulary import CellStatus

ESTIMATE = "Estimated value"
# The legend's order: what is still to win first.
STATUS_ORDER = (
    CellStatus.whitespace,
    CellStatus.pipeline,
    CellStatus.competitor,
    CellStatus.owned,
    CellStatus.not_applicable,
)
DECIDED = {"accept": "accepted", "reject": "rejected", "edit": "edited and accepted"}


@dataclass(frozen=True)
class Source:
    """A citation as a cell's detail shows it: no raw CRM Id in the quote or where it was found."""

    source_id: str
    quote: str
    shown: str
    where: str


@dataclass
class MatrixCell:
    cell: WhitespaceCell  # as proposed (with a reviewer's saved edit), or as the plan holds it
    before: WhitespaceCell | None = None
    change_id: str | None = None
    decision: str | None = None  # accept, reject or edit, once decided
    choice: str | None = None  # a choice kept undecided on the change (carried over, or overlapping)
    verified: bool = True
    edited: bool = False
    sources: list[Source] = field(default_factory=list)
    estimate_cited: bool = False  # the sources are the estimate's own (a price or amount), not the cell's in general
    estimate_basis: str = ""  # how the drafter estimated it, when no source states the figure

    @property
    def label(self) -> str:
        return f"{self.cell.product} × {self.cell.unit}"

    @property
    def state(self) -> str:
        """'proposed', 'accepted', 'rejected', 'edited and accepted', or 'plan' for a cell the draft leaves."""
        if self.change_id is None:
            return "plan"
        return DECIDED.get(self.decision or "", "proposed")


@dataclass
class Matrix:
    products: list[str]
    units: list[str]
    cells: dict[tuple[str, str], MatrixCell]
    totals: WhitespaceTotals  # of the proposed state: the plan with every proposed cell not rejected
    statuses: Sequence[CellStatus] = STATUS_ORDER
    proposed: int = 0
    decided: int = 0

    def get(self, product: str, unit: str) -> MatrixCell | None:
        return self.cells.get((product, unit))

    def product(self, name: str) -> Bucket:
        return self.totals.by_product.get(name) or Bucket()

    def unit(self, name: str) -> Bucket:
        return self.totals.by_unit.get(name) or Bucket()

    @staticmethod
    def dollars(value: float) -> str:
        return dollars(value)


def estimate_sources(citations: Sequence[Citation], titles: Mapping[str, SourceRow]) -> tuple[list[Source], bool]:
    """The citations the cell's estimate rests on (a price, an amount), else all of the cell's; and which it is."""
    priced = [c for c in citations if supported_label(c) == ESTIMATE]
    chosen = priced or list(citations)

    def where(citation: Citation) -> str:
        row = titles.get(citation.source_id)
        title = scrub_ids(row.title) if row else "a source no longer on file"
        field_name = crm_field(citation)
        return f"{title}{f' · {scrub_ids(citation.locator)}' if citation.locator and not field_name else ''}"

    found = [Source(c.source_id, c.quote, scrub_ids(c.quote), where(c)) for c in chosen]
    return found, bool(priced)


# The offline drafter's rationale says how it estimated a cell no source prices ("…; value estimated from the
# median of 3 existing Asset prices for this product in other units.").
_BASIS = re.compile(r"\bvalue (estimated from [^.;]+)")


def estimate_basis(rationale: str) -> str:
    """How a cell's estimate was made, from its change's rationale; '' when it does not say."""
    found = _BASIS.search(rationale)
    return found.group(1)[:1].upper() + found.group(1)[1:] if found else ""


def _shown(change: Change, row: DraftChangeRow) -> tuple[WhitespaceCell, bool]:
    edit = row.decided_after if row.decision == "edit" else row.edited_after if row.decision is None else None
    if edit:
        return WhitespaceCell.model_validate(edit), True
    assert isinstance(change.after, WhitespaceCell)
    return change.after, False


def matrix(plan: AccountPlan, draft: DraftRow, changes: Sequence[Change], titles: Mapping[str, SourceRow]) -> Matrix:
    """The matrix of a whitespace draft over the plan it was drafted against."""
    cells: dict[tuple[str, str], MatrixCell] = {cell.key: MatrixCell(cell) for cell in plan.whitespace}
    rows = {r.id: r for r in draft.changes}
    proposed = decided = 0
    for change in changes:
        if not isinstance(change.after, WhitespaceCell) or change.id not in rows:
            continue
        row = rows[change.id]
        shown, edited = _shown(change, row)
        held = cells.get(shown.key)
        before = held.cell if held is not None and held.change_id is None else None
        sources, priced = estimate_sources(change.citations, titles)
        cells[shown.key] = MatrixCell(
            cell=shown,
            before=before,
            change_id=change.id,
            decision=row.decision,
            choice=row.choice,
            verified=not row.issues,
            edited=edited,
            sources=sources,
            estimate_cited=priced,
            estimate_basis=estimate_basis(change.rationale) if shown.estimated_value is not None else "",
        )
        proposed += 1
        decided += row.decision is not None
    state = [c.before if c.decision == "reject" else c.cell for c in cells.values()]  # a rejected cell: the plan's
    return Matrix(
        products=sorted({p for p, _ in cells}),
        units=sorted({u for _, u in cells}),
        cells=cells,
        totals=whitespace_totals(c for c in state if c is not None),
        proposed=proposed,
        decided=decided,
    )
