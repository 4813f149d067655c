from __future__ import annotations

import pytest

from plans.names import (
    first_name_variants,
    fold,
    is_mentioned,
    mentions,
    normalize_name,
    same_first_name,
    same_person,
)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Bob Diaz", "Robert Diaz"),
        ("Liz Chen", "Elizabeth Chen"),
        ("Bill Carter", "William Carter"),
        ("J. Wu", "Jennifer Wu"),
        ("J Wu", "Jennifer Wu"),
        ("Jennifer A. Wu", "Jennifer Wu"),
        ("José Núñez", "Jose Nunez"),
        ("Dr. Raj Patel", "Raj Patel"),
        ("Martin Luther Jr.", "Martin Luther"),
        ("maria lopez", "Maria Lopez"),
        ("Ana García-López", "Ana López"),
    ],
)
def test_same_person_across_nicknames_initials_and_diacritics(a: str, b: str) -> None:
    assert same_person(a, b)
    assert same_person(b, a)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Bob Diaz", "Bob Dean"),
        ("Robert Diaz", "Roberta Diaz"),
        ("Jennifer Wu", "K. Wu"),
        ("Maria Lopez", "Mario Lopez"),
        ("Bob", "Robert Diaz"),
        ("", "Robert Diaz"),
    ],
)
def test_different_people_do_not_match(a: str, b: str) -> None:
    assert not same_person(a, b)


def test_normalize_name_folds_case_diacritics_honorifics_and_spacing() -> None:
    assert normalize_name("  Dr. José   NÚÑEZ ") == "jose nunez"
    assert normalize_name("Ms. Zoë O'Brien") == "zoe o brien"


def test_fold_keeps_offsets() -> None:
    text = "Señora Núñez"
    assert len(fold(text)) == len(text)


def test_nicknames_are_shared_both_ways() -> None:
    assert "bob" in first_name_variants("Robert")
    assert "robert" in first_name_variants("bob")
    assert same_first_name("Bobby", "Rob")  # both nicknames of Robert
    assert not same_first_name("Bob", "Liz")


def test_mentions_find_full_name_nickname_initial_and_honorific() -> None:
    text = "Bob Diaz met R. Diaz, then Mr. Diaz and Róbert A. Díaz; Dean Diaz stayed away."
    spans = mentions(text, "Robert Diaz")
    assert [text[s:e] for s, e in spans] == ["Bob Diaz", "R. Diaz", "Mr. Diaz", "Róbert A. Díaz"]


def test_first_name_alone_only_when_asked_and_capitalized() -> None:
    text = "Will said he will send it; Bill agreed."
    assert mentions(text, "William Carter") == []
    spans = mentions(text, "William Carter", first_alone=True)
    assert [text[s:e] for s, e in spans] == ["Will", "Bill"]


def test_is_mentioned_needs_word_boundaries() -> None:
    assert is_mentioned("Thanks, Raj Patel.", "Raj Patel")
    assert not is_mentioned("Thanks, Raj Patelson.", "Raj Patel")
