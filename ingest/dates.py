"""Dates: finding one stated in page text ("December 12, 2016", "12 December 2016",
"2016-12-12"), and reading a date field whose value a scraper wrote in its own notation."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_MONTH_FIRST = re.compile(rf"\b({_MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", re.I)
_DAY_FIRST = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTH})\.?,?\s+(\d{{4}})\b", re.I)
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


def _safe_date(year: str, month: int, day: str) -> date | None:
    try:
        return date(int(year), month, int(day))
    except ValueError:
        return None


def dates_in(text: str) -> list[tuple[int, date]]:
    """Every full date written in ``text``, with its character position, in order."""
    found: list[tuple[int, date]] = []
    for match in _MONTH_FIRST.finditer(text):
        day = _safe_date(match.group(3), MONTHS[match.group(1).lower()], match.group(2))
        if day:
            found.append((match.start(), day))
    for match in _DAY_FIRST.finditer(text):
        day = _safe_date(match.group(3), MONTHS[match.group(2).lower()], match.group(1))
        if day:
            found.append((match.start(), day))
    for match in _ISO.finditer(text):
        day = _safe_date(match.group(1), int(match.group(2)), match.group(3))
        if day:
            found.append((match.start(), day))
    return sorted(found, key=lambda pair: pair[0])


def first_date(text: str) -> date | None:
    found = dates_in(text)
    return found[0][1] if found else None


# Numeric notations a ``published`` field may use, read only as a whole value (optionally
# followed by a time of day). Year first is year-month-day everywhere; dots with the year last
# are day.month.year in every locale that writes dates with dots (German, Russian, Polish…).
# Slashes or dashes with the year last are month/day in the US and day/month elsewhere, so they
# are read only when the order cannot matter (a part above 12, or both parts equal).
_TIME_TAIL = r"(?:(?:T|\s+|,\s*)\S.*)?"
_YEAR_FIRST = re.compile(rf"(\d{{4}})([-/.])(\d{{1,2}})\2(\d{{1,2}}){_TIME_TAIL}")
_DOTTED_DAY_FIRST = re.compile(rf"(\d{{1,2}})\.(\d{{1,2}})\.(\d{{4}}){_TIME_TAIL}")
_YEAR_LAST = re.compile(rf"(\d{{1,2}})([-/])(\d{{1,2}})\2(\d{{4}}){_TIME_TAIL}")
_YEAR_ALONE = re.compile(r"\d{4}")
_MONTH_ALONE = re.compile(rf"\d{{4}}[-/.]\d{{1,2}}|({_MONTH})\.?,?\s+\d{{4}}", re.I)


@dataclass(frozen=True, slots=True)
class DateValue:
    """What a date field holds: the day, whether it was only found inside longer text
    (``inferred``), or, when no day can be kept, ``problem``: why, in words for a warning."""

    day: date | None
    inferred: bool = False
    problem: str | None = None


def _day_or_problem(year: str, month: str, day: str) -> DateValue:
    found = _safe_date(year, int(month), day)
    return DateValue(found) if found else DateValue(None, problem="is not a valid date")


def read_date_value(value: str) -> DateValue:
    """The day a date field's ``value`` names. ISO (a longer timestamp is cut to its date),
    year/month/day, day.month.year and written dates ("March 4, 2021") are read; a date inside
    other text is taken as ``inferred``. A year or a month alone is no day, and a slashed
    date whose order is unknown is not guessed: those, invalid days ("2020-02-30") and text
    without a date come back with a ``problem``, so the caller can warn instead of dropping
    them silently."""
    value = value.strip()
    if not value:
        return DateValue(None)
    try:
        return DateValue(date.fromisoformat(value[:10]))
    except ValueError:
        pass
    if match := _YEAR_FIRST.fullmatch(value):
        return _day_or_problem(match.group(1), match.group(3), match.group(4))
    if match := _DOTTED_DAY_FIRST.fullmatch(value):
        return _day_or_problem(match.group(3), match.group(2), match.group(1))
    if match := _YEAR_LAST.fullmatch(value):
        first, second, year = int(match.group(1)), int(match.group(3)), match.group(4)
        if first == second or (first > 12) != (second > 12):
            day, month = (first, second) if first > 12 else (second, first)
            return _day_or_problem(year, str(month), str(day))
        if first > 12 and second > 12:
            return DateValue(None, problem="is not a valid date")
        return DateValue(None, problem="could be day/month or month/day: not guessed")
    if _YEAR_ALONE.fullmatch(value):
        return DateValue(None, problem="is a year, not a day")
    if _MONTH_ALONE.fullmatch(value):
        return DateValue(None, problem="is a month, not a day")
    if _MONTH_FIRST.fullmatch(value) or _DAY_FIRST.fullmatch(value):
        written = first_date(value)
        return DateValue(written) if written else DateValue(None, problem="is not a valid date")
    found = first_date(value)
    if found:
        return DateValue(found, inferred=True)
    return DateValue(None, problem="holds no date")


def iso_timestamp(value: str) -> str | None:
    """``value`` itself when it is already an ISO date or timestamp, so a stored value that was
    fine stays byte for byte what it was."""
    value = value.strip()
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return None
    return value
