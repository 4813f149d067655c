from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from plans.models import Stakeholder
from plans.orgchart import (
    CARD_H,
    CARD_W,
    PAGE_W,
    ROW_LIMIT,
    Card,
    OrgChart,
    layout_org_chart,
    recently_added,
    reporting_forest,
)
from plans.vocabulary import BuyingRole, StakeholderStatus
from tests.plans.factories import make_stakeholder


def person(name: str, reports_to: str | None = None, **fields: object) -> Stakeholder:
    key = "k-" + name.lower().replace(" ", "-")
    return make_stakeholder(key=key, name=name, reports_to=reports_to, **fields)


def overlaps(a: Card, b: Card) -> bool:
    return a.x < b.x + CARD_W and b.x < a.x + CARD_W and a.y < b.y + CARD_H and b.y < a.y + CARD_H


def assert_readable(chart: OrgChart, people: int) -> None:
    """Everyone drawn once, no two boxes on top of each other, everything inside the picture."""
    assert len({c.person.key for c in chart.cards}) == len(chart.cards) == people
    for i, a in enumerate(chart.cards):
        assert 0 <= a.x <= chart.width - CARD_W and 0 <= a.y <= chart.height - CARD_H
        for b in chart.cards[i + 1 :]:
            assert not overlaps(a, b), (a.person.name, b.person.name)
    for line in chart.lines:
        assert all(0 <= x <= chart.width and 0 <= y <= chart.height for x, y in line.points)


def test_a_manager_sits_above_their_reports_joined_by_lines() -> None:
    ceo = person("Ann Ceo", buying_role=BuyingRole.economic_buyer)
    cto = person("Bo Cto", "Ann Ceo")
    dev = person("Cy Dev", "bo cto")  # names match ignoring case
    chart = layout_org_chart([dev, cto, ceo])

    assert chart.roots == 1
    assert chart.card(ceo.key).y < chart.card(cto.key).y < chart.card(dev.key).y
    assert chart.card(cto.key).x > chart.card(ceo.key).x  # reports are indented under their manager
    assert chart.card(dev.key).manager == cto
    assert len(chart.lines) == 4  # a spine and a branch under each of the two managers
    assert_readable(chart, 3)


def test_reports_to_by_key_and_a_manager_missing_from_the_map() -> None:
    boss = person("Dee Boss")
    by_key = person("Eve Report", boss.key)
    orphan = person("Fay Orphan", "Gus Nobody")
    forest = reporting_forest([boss, by_key, orphan])

    assert forest.manager == {by_key.key: boss.key}
    assert forest.unresolved == {orphan.key: "Gus Nobody"}
    assert set(forest.roots) == {boss.key, orphan.key}
    assert layout_org_chart([boss, by_key, orphan]).card(orphan.key).unresolved_manager == "Gus Nobody"


def test_a_reporting_cycle_is_broken_and_named_instead_of_looping() -> None:
    a, b, c = person("Al", "Cat"), person("Bea", "Al"), person("Cat", "Bea")
    me = person("Self Ish", "self ish")  # reporting to oneself is no line at all
    forest = reporting_forest([a, b, c, me])

    assert forest.cycles == ((a.key, b.key, c.key),) or forest.cycles == ((a.key, c.key, b.key),)
    assert a.key in forest.roots and me.key in forest.roots and len(forest.roots) == 2
    assert any("cycle" in w and "Al is drawn at the top" in w for w in forest.warnings)
    assert_readable(layout_org_chart([a, b, c, me]), 4)


def test_someone_reporting_to_a_departed_manager_is_flagged() -> None:
    gone = person("Tom Gone", status=StakeholderStatus.departed)
    left_behind = person("Una Stays", "Tom Gone")
    also_gone = person("Vic Also", "Tom Gone", status=StakeholderStatus.departed)
    chart = layout_org_chart([gone, left_behind, also_gone])

    assert chart.warnings == ("Una Stays reports to Tom Gone, who has departed: find out who they report to now.",)
    assert chart.card(left_behind.key).manager_departed
    assert not chart.card(also_gone.key).manager_departed  # a departed report needs no follow-up
    assert all(line.to_departed for line in chart.lines)  # lines from a departed manager are drawn dashed


def test_forty_five_people_under_several_roots_stay_within_the_page_width() -> None:
    people = [person(f"Root {r}") for r in range(3)]
    for r in range(3):
        people += [person(f"Lead {r}-{i}", f"Root {r}") for i in range(5)]
        people += [person(f"Eng {r}-{i}", f"Lead {r}-0") for i in range(9)]
    chart = layout_org_chart(people)

    assert len(people) == 45 and chart.roots == 3
    assert_readable(chart, 45)
    assert chart.width <= PAGE_W
    rows = {c.y for c in chart.cards if c.manager is not None and c.manager.name == "Lead 0-0"}
    assert len(rows) == -(-9 // ROW_LIMIT)  # nine reports wrap into rows of ROW_LIMIT


def test_sixty_people_with_no_reporting_lines_wrap_into_rows() -> None:
    chart = layout_org_chart([person(f"Person {i:02}") for i in range(60)])
    assert chart.roots == 60 and chart.width <= PAGE_W and chart.lines == ()
    assert len({c.y for c in chart.cards}) > 10
    assert_readable(chart, 60)


def test_deciders_come_first_among_peers_and_departed_people_last() -> None:
    boss = person("Boss")
    gone = person("Aaron Gone", "Boss", status=StakeholderStatus.departed)
    user = person("Abe User", "Boss", buying_role=BuyingRole.end_user)
    buyer = person("Zed Buyer", "Boss", buying_role=BuyingRole.economic_buyer)
    assert reporting_forest([boss, gone, user, buyer]).children[boss.key] == (buyer.key, user.key, gone.key)


def test_an_empty_map_is_an_empty_picture() -> None:
    chart = layout_org_chart([])
    assert chart.cards == () and chart.height == 0


@st.composite
def org(draw: st.DrawFn) -> list[Stakeholder]:
    size = draw(st.integers(min_value=1, max_value=50))
    names = [f"P{i}" for i in range(size)]
    bosses = draw(st.lists(st.sampled_from([None, "Nobody", *names]), min_size=size, max_size=size))
    return [person(name, boss) for name, boss in zip(names, bosses, strict=True)]


@given(org())
def test_any_reporting_lines_give_a_readable_picture(people: list[Stakeholder]) -> None:
    chart = layout_org_chart(people)
    assert_readable(chart, len(people))
    forest = reporting_forest(people)
    for key in forest.people:  # every chain of managers ends at a root
        seen = set()
        while key in forest.manager:
            assert key not in seen
            seen.add(key)
            key = forest.manager[key]
        assert key in forest.roots


def test_people_added_to_an_existing_map_recently_are_new() -> None:
    now = datetime(2026, 10, 1, tzinfo=UTC)
    versions = [
        (now - timedelta(days=200), set()),
        (now - timedelta(days=150), {"a", "b"}),  # the first map: the baseline
        (now - timedelta(days=120), {"a", "b", "c"}),  # added, but too long ago
        (now - timedelta(days=10), {"a", "b", "c", "d"}),
    ]
    assert recently_added(versions, now) == {"d"}
    assert recently_added(versions[:2], now) == set()
