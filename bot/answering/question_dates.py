"""Time named in a question ("in December 2016", "before 2015") read as a publication-date filter.

A question about coverage from a period means the pages published then. The phrase is taken out
of the text that is searched (a date in the question rarely appears in the passage that answers
it), and the engine drops the filter again when nothing published in that period answers: in
"who won the championship in 2000?" the year is the event's, not the page's.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from ingest.dates import MONTHS

# The month names page dates are read with at ingest: a question names months the same way.
_MONTHS = MONTHS
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_YEAR = r"(1[89]\d\d|2\d\d\d)"
# [day] [month [day,]] year: "12 December 2016", "December 12, 2016", "Dec 2016", "2016".
_POINT = (
    rf"(?:(?P<day1>\d{{1,2}})\s+)?(?:(?P<month>{_MONTH})\.?\s+(?:(?P<day2>\d{{1,2}}),?\s+)?)?"
    r"(?P<year>1[89]\d\d|2\d\d\d)"
)
_PHRASE = re.compile(
    r"\b(?P<word>in|during|on|from|before|after|since|until|till|by)\s+(?:the\s+year\s+)?"
    rf"{_POINT}\b",
    re.IGNORECASE,
)
_BETWEEN = re.compile(rf"\b(?:between|from)\s+{_YEAR}\s+(?:and|to|-|–)\s+{_YEAR}\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class DateRange:
    since: date | None
    until: date | None
    phrase: str  # the words in the question that named the period


def _period(year: int, month: int | None, day: int | None) -> tuple[date, date]:
    if month and day:
        single = date(year, month, day)
        return single, single
    if month:
        return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
    return date(year, 1, 1), date(year, 12, 31)


def date_range(question: str) -> DateRange | None:
    """The publication period a question names, if any. Unparseable dates are ignored."""
    between = _BETWEEN.search(question)
    if between:
        first, last = sorted((int(between.group(1)), int(between.group(2))))
        return DateRange(date(first, 1, 1), date(last, 12, 31), between.group(0))
    match = _PHRASE.search(question)
    if not match:
        return None
    word = match.group("word").lower()
    month = _MONTHS.get(match.group("month").lower().rstrip(".")) if match.group("month") else None
    day_text = match.group("day1") or match.group("day2")
    try:
        start, end = _period(int(match.group("year")), month, int(day_text) if day_text else None)
    except ValueError:
        return None
    if word == "before":
        return DateRange(None, date.fromordinal(start.toordinal() - 1), match.group(0))
    if word == "after":
        return DateRange(date.fromordinal(end.toordinal() + 1), None, match.group(0))
    if word in ("since", "from"):
        return DateRange(start, None, match.group(0))
    if word in ("until", "till", "by"):
        return DateRange(None, end, match.group(0))
    return DateRange(start, end, match.group(0))


def without_phrase(question: str, found: DateRange) -> str:
    """The question with the period's words taken out, for searching."""
    return " ".join(question.replace(found.phrase, " ").split())
