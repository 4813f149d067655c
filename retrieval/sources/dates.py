"""Dates as people and tools write them: ISO, "Sep 12, 2026", "12 September 2026", "12.09.2026".

A date that could be read two ways ("09/12/2026": 9 December or September 12) is refused with
a message that says how to write it, rather than guessed.
"""

from __future__ import annotations

import re
from datetime import date, datetime

MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
            ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
            ("oct", "october"), ("nov", "november"), ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}  # fmt: skip
_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>\d{4})"
_WEEKDAY = r"(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*,?\s+)?"
_WRITTEN = (
    re.compile(rf"{_WEEKDAY}{_MONTH}\s+{_DAY},?\s+{_YEAR}", re.IGNORECASE),  # Sep 12, 2026
    re.compile(rf"{_WEEKDAY}{_DAY}\.?\s+(?:of\s+)?{_MONTH},?\s+{_YEAR}", re.IGNORECASE),  # 12 September 2026
)
_ISO_IN_TEXT = re.compile(r"(?<!\d)(?P<year>20\d\d)[-_./](?P<month>[01]?\d)[-_./](?P<day>[0-3]?\d)(?!\d)")
_NUMERIC = re.compile(r"(?P<a>[0-3]?\d)(?P<sep>[./-])(?P<b>[0-3]?\d)(?P=sep)(?P<year>\d{4})")


class AmbiguousDate(ValueError):
    """A date that reads two ways."""


def parse_written_date(text: str) -> date | None:
    """The date `text` is, in any of the forms above; None if it is no date; AmbiguousDate if it reads two ways."""
    value = text.strip()
    try:
        return date.fromisoformat(value)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    for pattern in _WRITTEN:
        if (match := pattern.fullmatch(value)) is not None:
            return _date(match.group("year"), MONTHS[match.group("month").lower()], match.group("day"))
    if (match := _ISO_IN_TEXT.fullmatch(value)) is not None:
        return _date(match.group("year"), match.group("month"), match.group("day"))
    if (match := _NUMERIC.fullmatch(value)) is not None:
        return _numeric(match)
    return None


def date_in_text(text: str) -> date | None:
    """The first unambiguous date written anywhere in `text` (a file name, a heading)."""
    candidates: list[tuple[int, date]] = []
    for pattern in (*_WRITTEN, _ISO_IN_TEXT):
        for match in pattern.finditer(text):
            month = match.group("month")
            number = MONTHS.get(month.lower(), month)
            if (found := _date(match.group("year"), number, match.group("day"))) is not None:
                candidates.append((match.start(), found))
    return min(candidates)[1] if candidates else None


def _numeric(match: re.Match[str]) -> date | None:
    a, b = int(match.group("a")), int(match.group("b"))
    if match.group("sep") == ".":  # 12.09.2026 is day first wherever dots are written
        return _date(match.group("year"), b, a)
    if a > 12 >= b:
        return _date(match.group("year"), b, a)
    if b > 12 >= a:
        return _date(match.group("year"), a, b)
    if a == b:
        return _date(match.group("year"), a, b)
    raise AmbiguousDate(f"{match.group(0)!r} reads as two dates; write it as YYYY-MM-DD or like 12 Sep 2026")


def _date(year: str | int, month: str | int, day: str | int) -> date | None:
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None
