"""Reading a date field written in a scraper's own notation: a day, or a reason there is none;
and a comment date written on a web page, in its language, stored as ISO or not at all."""

from __future__ import annotations

from datetime import date

import pytest

from ingest.dates import (
    DEFAULT_LANGUAGES,
    DateValue,
    PageDates,
    iso_timestamp,
    read_date_value,
    wayback_capture,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2021-03-04", DateValue(date(2021, 3, 4))),
        ("2021-03-04T23:30:00-05:00", DateValue(date(2021, 3, 4))),
        ("2021/03/04", DateValue(date(2021, 3, 4))),
        ("2021.3.4", DateValue(date(2021, 3, 4))),
        ("2021/03/04 10:12", DateValue(date(2021, 3, 4))),
        ("04.03.2021", DateValue(date(2021, 3, 4))),  # day.month.year
        ("4.3.2021, 14:00", DateValue(date(2021, 3, 4))),
        ("25/03/2021", DateValue(date(2021, 3, 25))),  # only day/month can be meant
        ("03/25/2021", DateValue(date(2021, 3, 25))),  # only month/day can be meant
        ("03/03/2021", DateValue(date(2021, 3, 3))),  # either order, the same day
        ("March 4, 2021", DateValue(date(2021, 3, 4))),
        ("4 March 2021", DateValue(date(2021, 3, 4))),
        ("Posted on March 4, 2021 by Jane", DateValue(date(2021, 3, 4), inferred=True)),
        ("2021", DateValue(None, problem="is a year, not a day")),
        ("2021-03", DateValue(None, problem="is a month, not a day")),
        ("2021/3", DateValue(None, problem="is a month, not a day")),
        ("March 2021", DateValue(None, problem="is a month, not a day")),
        ("2020-02-30", DateValue(None, problem="is not a valid date")),
        ("2020-02-30T10:00", DateValue(None, problem="is not a valid date")),
        ("31.02.2021", DateValue(None, problem="is not a valid date")),
        ("February 30, 2020", DateValue(None, problem="is not a valid date")),
        ("13/13/2021", DateValue(None, problem="is not a valid date")),
        ("03/04/2021", DateValue(None, problem="could be day/month or month/day: not guessed")),
        ("yesterday", DateValue(None, problem="holds no date")),
        ("", DateValue(None)),
    ],
)
def test_read_date_value(value: str, expected: DateValue) -> None:
    assert read_date_value(value) == expected


def test_iso_timestamps_are_kept_as_written() -> None:
    assert iso_timestamp(" 2021-03-04T10:12 ") == "2021-03-04T10:12"
    assert iso_timestamp("2021-03-04") == "2021-03-04"
    assert iso_timestamp("2021/03/04") is None
    assert iso_timestamp("yesterday") is None


GERMAN = PageDates.for_page("de-DE")
FRENCH = PageDates.for_page("fr")
ENGLISH = PageDates.for_page("en")
CAPTURED = date(2020, 6, 1)


@pytest.mark.parametrize(
    ("page", "value", "expected"),
    [
        (GERMAN, "18. Oktober 2019 um 15:05 Uhr", "2019-10-18"),
        (GERMAN, "29. März 2020 um 16:45 Uhr", "2020-03-29"),
        (GERMAN, "Juli 30, 2013 um 2:33 pm", "2013-07-30"),
        (GERMAN, "22. Juli 2019 at 16:25", "2019-07-22"),  # a theme translated by halves
        (GERMAN, "06.01.2020 um 9:16", "2020-01-06"),
        (FRENCH, "Le 11 septembre 2018 à 12:57", "2018-09-11"),
        (FRENCH, "3 mars 2021", "2021-03-03"),
        (ENGLISH, "March 3, 2021 at 4:12 pm", "2021-03-03"),
        (ENGLISH, "5 May 2025 at 00:46", "2025-05-05"),
        (ENGLISH, "January 20, 2020 at 11:27 am", "2020-01-20"),
        # An ISO value is kept as written, as JSONL keeps it.
        (GERMAN, "2019-10-18T15:05:00+02:00", "2019-10-18T15:05:00+02:00"),
        # No date: widget words, names, a time, a month or a year alone, a day without a year.
        (GERMAN, "Antworten", None),
        (FRENCH, "Répondre", None),
        (ENGLISH, "Montana", None),
        (ENGLISH, "May", None),
        (ENGLISH, "16:30", None),
        (GERMAN, "Oktober 2019", None),
        (ENGLISH, "2019", None),
        (ENGLISH, "March 3", None),
        (ENGLISH, "1571234567", None),  # not read as a Unix time
        (ENGLISH, "", None),
        # A placeholder date, or one before comment sections existed.
        (ENGLISH, "1970-01-01T00:00:00", None),
        (ENGLISH, "3 March 1985", None),
    ],
)
def test_comment_dates_in_the_pages_language_become_iso(
    page: PageDates, value: str, expected: str | None
) -> None:
    assert page.comment_date(value) == expected


@pytest.mark.parametrize(
    ("lang", "value", "expected"),
    [
        ("en-US", "03/04/2019", "2019-03-04"),
        ("en-GB", "03/04/2019", "2019-04-03"),
        ("de", "03/04/19", "2019-04-03"),
        ("en-GB", "14/04/2020 at 3:00 pm", "2020-04-14"),
        # English is written month-first in the US and day-first in Britain: not guessed.
        ("en", "03/04/2019", None),
        ("en", "03/04/19", None),
        (None, "03/04/2019", None),
        # Only one order makes a date of these.
        ("en", "14/04/2020 at 3:00 pm", "2020-04-14"),
        ("en", "18.10.19", "2019-10-18"),
    ],
)
def test_numeric_day_and_month_follow_the_pages_language_or_stay_unread(
    lang: str | None, value: str, expected: str | None
) -> None:
    assert PageDates.for_page(lang).comment_date(value) == expected


@pytest.mark.parametrize(
    ("lang", "value", "expected"),
    [
        ("en", "yesterday", "2020-05-31"),
        ("en", "Yesterday at 4:12 pm", "2020-05-31"),
        ("en", "3 days ago", "2020-05-29"),
        ("en", "2 hours ago", "2020-06-01"),
        ("de-DE", "vor 2 Tagen", "2020-05-30"),
        ("de-DE", "gestern", "2020-05-31"),
        ("fr", "il y a 3 jours", "2020-05-29"),
        # A year, a month or a week back names no day.
        ("en", "2 years ago", None),
        ("de-DE", "vor 6 Monaten", None),
        ("en", "3 weeks ago", None),
        # After the capture: no comment shown on the page can have been written then.
        ("en", "in 2 days", None),
        ("en", "June 5, 2020", None),
        ("en", "2020-06-05T10:00:00", None),
        # A day late is a time zone apart.
        ("en", "June 2, 2020", "2020-06-02"),
    ],
)
def test_relative_dates_count_back_from_the_capture_day(
    lang: str, value: str, expected: str | None
) -> None:
    assert PageDates.for_page(lang, CAPTURED).comment_date(value) == expected


@pytest.mark.parametrize("value", ["yesterday", "3 days ago", "vor 2 Tagen", "2 hours ago"])
def test_relative_dates_without_a_capture_day_are_not_counted_from_today(value: str) -> None:
    assert PageDates.for_page("de-DE").comment_date(value) is None
    assert PageDates().comment_date(value) is None


def test_without_a_capture_day_a_date_after_today_is_refused() -> None:
    assert ENGLISH.comment_date("March 3, 2999") is None
    assert ENGLISH.comment_date("2999-03-03") is None


def test_a_capture_day_long_past_resolves_relative_dates_in_its_own_time() -> None:
    page = PageDates.for_page("en", date(2013, 2, 17))
    assert page.comment_date("yesterday") == "2013-02-16"
    assert page.comment_date("March 3, 2021") is None  # after that capture


def test_page_languages_and_order() -> None:
    assert PageDates.for_page("de-DE") == PageDates(("de", "en"), "DMY")
    assert PageDates.for_page("en_US").order == "MDY"
    assert PageDates.for_page("pt-BR").order == "DMY"  # a region dateparser does not list
    assert PageDates.for_page("en").order is None
    assert PageDates.for_page("xx-YY") == PageDates(DEFAULT_LANGUAGES)
    assert PageDates.for_page(None, CAPTURED) == PageDates(DEFAULT_LANGUAGES, None, CAPTURED)


def test_unknown_language_still_reads_common_ones() -> None:
    assert PageDates().comment_date("26. Mai 2008 um 21:07") == "2008-05-26"
    assert PageDates().comment_date("Le 11 septembre 2018 à 12:57") == "2018-09-11"


def test_wayback_addresses_name_their_capture_day() -> None:
    url = "https://web.archive.org/web/20130217080612/http://tv-orange.de/2012/08/future/"
    assert wayback_capture(url) == date(2013, 2, 17)
    assert wayback_capture("https://example.org/web/20130217080612/") is None
    assert wayback_capture(None) is None
