"""Finding a date stated in page text ("December 12, 2016", "12 December 2016", "2016-12-12")."""

from __future__ import annotations

import re
from datetime import date

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
