"""Dates: finding one stated in page text ("December 12, 2016", "12 December 2016",
"2016-12-12"), and reading a date field whose value a scraper wrote in its own notation."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

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


# The problems that name a value as no day at all, not only as no day these notations read.
_INVALID = "is not a valid date"
_YEAR = "is a year, not a day"
_MONTH_ONLY = "is a month, not a day"


def _day_or_problem(year: str, month: str, day: str) -> DateValue:
    found = _safe_date(year, int(month), day)
    return DateValue(found) if found else DateValue(None, problem=_INVALID)


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
            return DateValue(None, problem=_INVALID)
        return DateValue(None, problem="could be day/month or month/day: not guessed")
    if _YEAR_ALONE.fullmatch(value):
        return DateValue(None, problem=_YEAR)
    if _MONTH_ALONE.fullmatch(value):
        return DateValue(None, problem=_MONTH_ONLY)
    if _MONTH_FIRST.fullmatch(value) or _DAY_FIRST.fullmatch(value):
        written = first_date(value)
        return DateValue(written) if written else DateValue(None, problem=_INVALID)
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


# Comment dates on web pages are written for a reader of the page's language ("18. Oktober 2019
# um 15:05 Uhr", "Le 11 septembre 2018 à 12:57") or relative to the moment it was shown ("2 days
# ago"). What the notations above read is read by them (the same day a JSONL field would give);
# dateparser reads the rest, in the page's language.
# The time of day a comment date ends with, and the word that joins it to the date ("um",
# "at", "à", "@", ","): only the day is kept, and a theme translated by halves ("22. Juli 2019
# at 16:25") is then read in one language.
_TIME_OF_DAY = re.compile(
    r"[\s,]*(?:(?<=\s)[^\s\d]{1,5}\s*)?\d{1,2}:\d{2}(?::\d{2})?(?:\s*[^\s\d]{1,5}){0,2}\s*$"
)
# Pages without a ``lang``: the languages most archived pages are in, tried in this order. All
# of dateparser's 200 would cost a second for each text that is no date at all.
DEFAULT_LANGUAGES = ("en", "de", "fr", "es", "it", "pt", "nl")
# Older dates on a comment are a placeholder ("1970-01-01T00:00:00"), not a reader's post.
EARLIEST_COMMENT = date(1990, 1, 1)
# A date may be a day past the capture's: the writer's and the archive's clocks may be in
# different time zones.
_CLOCK_SLACK = timedelta(days=1)
# dateparser's precision of a result: coarser than a day ("2 years ago") names no day.
_DAY_PERIODS = frozenset({"day", "time"})
_WAYBACK_CAPTURE = re.compile(r"//web\.archive\.org/web/(\d{4})(\d{2})(\d{2})\d*")


def implausible_comment_day(day: date, captured: date | None = None) -> str | None:
    """Why ``day`` cannot be the day a reader commented, in words for a warning, or None when
    it can: a day before 1990 is a placeholder, and a day after the page was captured (without
    a capture day: after today, which bounds what any saved page can show) was not written yet.
    HTML and JSONL comment dates are held to the same bounds."""
    if day < EARLIEST_COMMENT:
        return f"is before {EARLIEST_COMMENT.year} (a placeholder, not a reader's date)"
    if day > (captured or date.today()) + _CLOCK_SLACK:
        return "is after the page was captured" if captured else "is in the future"
    return None


def wayback_capture(url: str | None) -> date | None:
    """The capture day a Wayback Machine address names (``/web/20130217080612/…``)."""
    match = _WAYBACK_CAPTURE.search(url or "")
    return _safe_date(match.group(1), int(match.group(2)), match.group(3)) if match else None


@functools.cache
def _known_languages() -> frozenset[str]:
    from dateparser.data.languages_info import language_order

    return frozenset(language_order)


_DAY_MONTH_ORDERS = frozenset({"DMY", "MDY"})


@functools.cache
def _date_order(language: str, region: str | None) -> str | None:
    """ "DMY" or "MDY": whether numeric dates put the day or the month first where ``language``
    is written in ``region``; without a region, the order all its regions share, else None
    ("en": the US and Britain differ). Only these two orders matter: year-first dates read the
    same everywhere."""
    from dateparser.data.languages_info import language_locale_dict
    from dateparser.languages.loader import default_loader

    regions = language_locale_dict.get(language, [])
    if region:
        # A region dateparser does not list uses the language's own locale, which is that of
        # its main region (CLDR: "de" is Germany's, "es" Spain's, "pt" Brazil's).
        locale = f"{language}-{region}" if f"{language}-{region}" in regions else language
        order = default_loader.get_locale(locale).info.get("date_order")
        return order if order in _DAY_MONTH_ORDERS else None
    found = {
        default_loader.get_locale(name).info.get("date_order") for name in [language, *regions]
    }
    found &= _DAY_MONTH_ORDERS
    return found.pop() if len(found) == 1 else None


@functools.lru_cache(maxsize=64)
def _parser(languages: tuple[str, ...], order: str | None, base: datetime | None) -> Any:
    """A dateparser parser for written dates (``base`` None: a day, month and year must all be
    written) or for relative ones counted back from ``base``. Built once per setting: pages of
    a site share them. Imported here, not at the top: the bot imports this module without
    reading any page, and dateparser takes 40 ms to import."""
    from dateparser.date import DateDataParser

    settings: dict[str, Any] = {"RETURN_AS_TIMEZONE_AWARE": False}
    if base is None:
        # Neither a bare number taken as a Unix time nor digits without separators ("2019").
        settings |= {"PARSERS": ["absolute-time"], "REQUIRE_PARTS": ["day", "month", "year"]}
    else:
        settings |= {"PARSERS": ["relative-time"], "RELATIVE_BASE": base}
    if order:
        settings["DATE_ORDER"] = order
    # The given order, and no memory of the last page's language: the same text reads the
    # same whichever page came before it.
    return DateDataParser(
        languages=list(languages),
        try_previous_locales=False,
        use_given_order=True,
        settings=settings,
    )


def _parsed_day(parser: Any, text: str) -> date | None:
    found = parser.get_date_data(text)
    if found.date_obj is None or found.period not in _DAY_PERIODS:
        return None
    return found.date_obj.date()


@dataclass(frozen=True, slots=True)
class PageDates:
    """How to read the dates written on one page: its languages, the order its numeric dates
    put day and month in (None: unknown), and the day it was captured, which relative dates
    count back from and no date can be after."""

    languages: tuple[str, ...] = DEFAULT_LANGUAGES
    order: str | None = None
    captured: date | None = None

    @classmethod
    def for_page(cls, lang: str | None, captured: date | None = None) -> PageDates:
        """From the page's language tag (``<html lang="de-DE">``), English added after the
        page's own (themes often leave their date words untranslated)."""
        parts = re.split(r"[-_]", (lang or "").strip())
        language = parts[0].lower()
        if language not in _known_languages():
            return cls(captured=captured)
        region = parts[1].upper() if len(parts) > 1 and parts[1] else None
        languages = (language,) if language == "en" else (language, "en")
        return cls(languages, _date_order(language, region), captured)

    def _plausible(self, day: date | None) -> date | None:
        if day is None or implausible_comment_day(day, self.captured):
            return None
        return day

    def _written(self, text: str) -> date | None:
        """A written date read with dateparser. When the page's order is unknown, both orders
        are tried and a date they read differently ("03/04/19") is left unread."""
        if self.order:
            return _parsed_day(_parser(self.languages, self.order, None), text)
        days = {_parsed_day(_parser(self.languages, o, None), text) for o in ("DMY", "MDY")}
        days.discard(None)
        return days.pop() if len(days) == 1 else None

    def comment_date(self, value: str) -> str | None:
        """A comment's date stored the way JSONL comment dates are (``jsonl._Line``): an ISO
        value as written, another notation as its ISO day, else None. Relative dates ("2 days
        ago", "gestern") count back from the capture day, and stay None without one; a date
        before 1990 or after the capture (or today) is None too."""
        value = value.strip()
        if not value:
            return None
        if iso := iso_timestamp(value):
            return iso if self._plausible(datetime.fromisoformat(iso).date()) else None
        read = read_date_value(value)
        if read.day is not None:
            day = read.day
        elif read.problem in (_INVALID, _YEAR, _MONTH_ONLY):
            return None
        else:
            # Left by the notations above: other languages, two-digit years, day/month
            # orders only the page's language can tell, relative dates.
            text = _TIME_OF_DAY.sub("", value) or value
            day = self._written(text)
            if day is None and self.captured is not None:
                # Readers know the capture's day, not its hour: noon is at most half a day
                # off for "5 hours ago".
                base = datetime.combine(self.captured, time(12))
                day = _parsed_day(_parser(self.languages, None, base), text)
        day = self._plausible(day)
        return day.isoformat() if day else None
