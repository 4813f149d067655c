"""Every vocabulary value has one definition, and the README's help says the same."""

from __future__ import annotations

from pathlib import Path

import pytest

from plans.definitions import VALUE_DEFINITIONS, define
from plans.vocabulary import BuyingRole, CellStatus, Severity, StakeholderStatus, Stance, Strength

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.mark.parametrize(
    ("field", "vocabulary"),
    [
        ("buying_role", BuyingRole),
        ("stance", Stance),
        ("strength", Strength),
        ("status", StakeholderStatus),
        ("cell", CellStatus),
        ("severity", Severity),
    ],
)
def test_every_value_is_defined(field: str, vocabulary: type) -> None:
    assert set(VALUE_DEFINITIONS[field]) == set(vocabulary)
    assert all(define(field, value) for value in vocabulary)


def test_labels_and_humanized_values_find_their_definition() -> None:
    assert define("Buying role", "economic buyer") == define("buying_role", BuyingRole.economic_buyer)
    assert define("Name") == ""


def test_the_readme_states_each_definition() -> None:
    readme = " ".join(README.read_text(encoding="utf-8").split())
    for field, values in VALUE_DEFINITIONS.items():
        for value, definition in values.items():
            assert definition in readme, f"README lacks the definition of {field} {value}"
