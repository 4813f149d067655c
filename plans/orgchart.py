"""The stakeholder map as an org chart: who reports to whom, laid out as boxes and lines. Pure, no I/O.

`reporting_forest` resolves each person's `reports_to` to a person on the map (by key, or by name
ignoring case), breaks reporting cycles and finds who reports to a departed manager;
`layout_org_chart` places the forest on a page of bounded width so a picture of 40 or 400 people
stays readable: a manager sits above their reports, reports wrap into rows of at most
`ROW_LIMIT`, the lines run down a spine in the indent to the left of them, and whole trees wrap
into rows of the page.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from plans.models import Stakeholder
from plans.vocabulary import BuyingRole, StakeholderStatus, Stance

CARD_W = 208
CARD_H = 92
H_GAP = 16  # between cards of a row
V_GAP = 36  # between a manager and the row below, and between rows of reports
INDENT = 28  # reports sit this far right of their manager; their spine runs in the indent
ROW_LIMIT = 4  # reports a row holds before it wraps
PAGE_W = 1040  # trees wrap into rows of the page at this width (wider trees get a row of their own)
MARGIN = 8

# People who decide the deal come first among their peers, then the rest by name.
_ROLE_ORDER = {
    BuyingRole.economic_buyer: 0,
    BuyingRole.executive_sponsor: 1,
    BuyingRole.business_owner: 2,
    BuyingRole.technical_evaluator: 3,
    BuyingRole.procurement: 4,
    BuyingRole.influencer: 5,
    BuyingRole.end_user: 6,
    BuyingRole.unknown: 7,
}


@dataclass(frozen=True)
class ReportingForest:
    """Who reports to whom among the people on the map; every key of `people` is in exactly one tree."""

    people: dict[str, Stakeholder]
    roots: tuple[str, ...]
    children: dict[str, tuple[str, ...]]
    manager: dict[str, str]  # key -> manager's key, for those whose manager is on the map
    unresolved: dict[str, str]  # key -> the reports_to name that matches nobody on the map
    cycles: tuple[tuple[str, ...], ...]  # each reporting cycle found, in order, its first member shown as a root
    warnings: tuple[str, ...]


def _order(person: Stakeholder) -> tuple[int, int, str]:
    departed = person.status is StakeholderStatus.departed
    return (int(departed), _ROLE_ORDER[person.buying_role], person.name.casefold())


def _resolve(reports_to: str | None, key: str, by_key: dict[str, Stakeholder], by_name: dict[str, str]) -> str | None:
    if not reports_to or not reports_to.strip():
        return None
    target = reports_to if reports_to in by_key else by_name.get(reports_to.strip().casefold())
    return None if target == key else target


def reporting_forest(stakeholders: Sequence[Stakeholder]) -> ReportingForest:
    """Resolve reporting lines, break cycles, and list the warnings a SAM should see."""
    people: dict[str, Stakeholder] = {}
    for person in stakeholders:
        people.setdefault(person.key, person)
    by_name: dict[str, str] = {}
    for person in people.values():
        by_name.setdefault(person.name.strip().casefold(), person.key)

    manager: dict[str, str] = {}
    unresolved: dict[str, str] = {}
    for key, person in people.items():
        target = _resolve(person.reports_to, key, people, by_name)
        if target is not None:
            manager[key] = target
        elif person.reports_to and person.reports_to.strip() and person.reports_to.strip().casefold() != (
            person.name.strip().casefold()
        ):
            unresolved[key] = person.reports_to.strip()

    # Break each cycle at the member that comes first in map order: that person is drawn as a root.
    cycles: list[tuple[str, ...]] = []
    settled: set[str] = set()
    for start in people:
        path: list[str] = []
        on_path: set[str] = set()
        node: str | None = start
        while node is not None and node not in settled and node not in on_path:
            path.append(node)
            on_path.add(node)
            node = manager.get(node)
        if node is not None and node in on_path:
            cycle = tuple(path[path.index(node) :])
            head = min(cycle, key=list(people).index)
            rotated = cycle[cycle.index(head) :] + cycle[: cycle.index(head)]
            cycles.append(rotated)
            del manager[head]
        settled.update(path)

    children: dict[str, list[str]] = {key: [] for key in people}
    for key, boss in manager.items():
        children[boss].append(key)
    ordered = {key: tuple(sorted(kids, key=lambda k: _order(people[k]))) for key, kids in children.items()}
    roots = tuple(sorted((k for k in people if k not in manager), key=lambda k: _order(people[k])))

    warnings: list[str] = []
    for key in sorted(manager, key=lambda k: _order(people[k])):
        report, head_of = people[key], people[manager[key]]
        if report.status is StakeholderStatus.active and head_of.status is StakeholderStatus.departed:
            warnings.append(
                f"{report.name} reports to {head_of.name}, who has departed: find out who they report to now."
            )
    for cycle in cycles:
        names = " → ".join(people[k].name for k in (*cycle, cycle[0]))
        warnings.append(f"Reporting lines form a cycle ({names}); {people[cycle[0]].name} is drawn at the top.")
    return ReportingForest(people, roots, ordered, manager, unresolved, tuple(cycles), tuple(warnings))


@dataclass(frozen=True)
class Card:
    """One person's box on the chart; (x, y) is its top-left corner."""

    person: Stakeholder
    x: float
    y: float
    depth: int
    new: bool
    manager: Stakeholder | None
    manager_departed: bool  # an active person whose manager has departed: the card carries the warning
    unresolved_manager: str | None  # a reports_to naming nobody on the map


@dataclass(frozen=True)
class Line:
    """A reporting line from a manager down to a report, as a polyline."""

    points: tuple[tuple[float, float], ...]
    to_departed: bool  # drawn dashed: the manager has departed

    @property
    def path(self) -> str:
        return " ".join(f"{x:g},{y:g}" for x, y in self.points)


@dataclass(frozen=True)
class OrgChart:
    cards: tuple[Card, ...]
    lines: tuple[Line, ...]
    width: float
    height: float
    warnings: tuple[str, ...]
    roots: int

    def card(self, key: str) -> Card:
        return next(c for c in self.cards if c.person.key == key)


@dataclass
class _Block:
    """A laid-out subtree, in coordinates relative to its own top-left corner."""

    width: float
    height: float
    cards: list[tuple[str, float, float, int]] = field(default_factory=list)  # key, x, y, depth
    lines: list[tuple[tuple[tuple[float, float], ...], str]] = field(default_factory=list)  # points, manager key

    def placed(self, dx: float, dy: float) -> _Block:
        return _Block(
            self.width,
            self.height,
            [(k, x + dx, y + dy, d) for k, x, y, d in self.cards],
            [(tuple((x + dx, y + dy) for x, y in pts), boss) for pts, boss in self.lines],
        )


def _rows(blocks: list[_Block], limit: int, max_width: float, gap: float = H_GAP) -> list[list[_Block]]:
    """Greedy rows of at most `limit` blocks and (unless a block is wider on its own) `max_width`."""
    rows: list[list[_Block]] = []
    width = 0.0
    for block in blocks:
        if rows and len(rows[-1]) < limit and width + gap + block.width <= max_width:
            rows[-1].append(block)
            width += gap + block.width
        else:
            rows.append([block])
            width = block.width
    return rows


def _layout(key: str, forest: ReportingForest, depth: int) -> _Block:
    kids = [_layout(kid, forest, depth + 1) for kid in forest.children[key]]
    block = _Block(CARD_W, CARD_H, [(key, 0.0, 0.0, depth)])
    if not kids:
        return block
    spine_x = INDENT / 2
    y = float(CARD_H + V_GAP)
    last_bus = 0.0
    for row in _rows(kids, ROW_LIMIT, PAGE_W - INDENT * (depth + 1)):
        x = float(INDENT)
        bus_y = y - V_GAP / 2
        for kid in row:
            moved = kid.placed(x, y)
            block.cards += moved.cards
            block.lines += moved.lines
            top_x = x + CARD_W / 2
            block.lines.append((((spine_x, bus_y), (top_x, bus_y), (top_x, y)), key))
            x += kid.width + H_GAP
        block.width = max(block.width, x - H_GAP)
        y += max(kid.height for kid in row) + V_GAP
        last_bus = bus_y
    block.height = y - V_GAP
    block.lines.append((((spine_x, float(CARD_H)), (spine_x, last_bus)), key))
    return block


def layout_org_chart(stakeholders: Sequence[Stakeholder], new_keys: Collection[str] = ()) -> OrgChart:
    """Place every person on the page; `new_keys` are the people to badge as new on the map."""
    forest = reporting_forest(stakeholders)
    trees = [_layout(root, forest, 0) for root in forest.roots]
    page = _Block(0.0, 0.0)
    y = float(MARGIN)
    for row in _rows(trees, len(trees) or 1, PAGE_W - 2 * MARGIN, gap=H_GAP * 2):
        x = float(MARGIN)
        for tree in row:
            moved = tree.placed(x, y)
            page.cards += moved.cards
            page.lines += moved.lines
            x += tree.width + H_GAP * 2
        page.width = max(page.width, x - H_GAP * 2 + MARGIN)
        y += max(tree.height for tree in row) + V_GAP
    page.height = y - V_GAP + MARGIN if trees else 0.0

    people = forest.people
    cards = []
    for key, x, top, depth in page.cards:
        person = people[key]
        boss = people.get(forest.manager.get(key, ""))
        cards.append(
            Card(
                person=person,
                x=x,
                y=top,
                depth=depth,
                new=key in new_keys,
                manager=boss,
                manager_departed=boss is not None
                and boss.status is StakeholderStatus.departed
                and person.status is StakeholderStatus.active,
                unresolved_manager=forest.unresolved.get(key),
            )
        )
    lines = tuple(
        Line(points, people[boss].status is StakeholderStatus.departed) for points, boss in page.lines
    )
    return OrgChart(tuple(cards), lines, page.width, page.height, forest.warnings, len(forest.roots))


def recently_added(
    versions: Iterable[tuple[datetime, Collection[str]]], shown: datetime, within: timedelta = timedelta(days=90)
) -> set[str]:
    """The people added to an existing map within `within` before `shown`.

    `versions` are (saved at, stakeholder keys) of the plan's versions up to the one shown, oldest
    first. The first map is the baseline, so nobody on it is new.
    """
    seen: set[str] | None = None
    added: dict[str, datetime] = {}
    for saved_at, keys in versions:
        if seen is None:
            if keys:
                seen = set(keys)
            continue
        for key in keys:
            if key not in seen:
                added[key] = saved_at
                seen.add(key)
    return {key for key, saved_at in added.items() if shown - within <= saved_at <= shown}


STANCE_STYLE: dict[Stance, tuple[str, str]] = {
    # (colour, shape): the shape repeats what the colour says, for those who cannot tell the colours apart.
    Stance.champion: ("#1f7a4d", "★"),
    Stance.coach: ("#2c7fb8", "◆"),
    Stance.supporter: ("#5e9c3a", "▲"),
    Stance.neutral: ("#8a8f99", "●"),
    Stance.detractor: ("#b3261e", "✖"),
    Stance.unknown: ("#c2c7d0", "?"),
}

STRENGTH_BARS = {"strong": 3, "moderate": 2, "weak": 1, "none": 0}
