"""Reading a date field written in a scraper's own notation: a day, or a reason there is none."""

from __future__ import annotations

from datetime import date

import pytest

from ingest.dates import DateValue, iso_timestamp, read_date_value


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
