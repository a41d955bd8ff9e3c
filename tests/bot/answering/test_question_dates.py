"""Periods named in questions become publication-date ranges."""

from __future__ import annotations

from datetime import date

import pytest

from bot.answering.question_dates import date_range, without_phrase


@pytest.mark.parametrize(
    ("question", "since", "until"),
    [
        ("What did readers say in December 2016?", date(2016, 12, 1), date(2016, 12, 31)),
        ("What was reported before 2015?", None, date(2014, 12, 31)),
        ("Any news after 2016 about Aleppo?", date(2017, 1, 1), None),
        ("Coverage since March 2015", date(2015, 3, 1), None),
        ("What happened on December 12, 2016?", date(2016, 12, 12), date(2016, 12, 12)),
        ("What happened on 12 Dec 2016?", date(2016, 12, 12), date(2016, 12, 12)),
        ("Who won in 2000?", date(2000, 1, 1), date(2000, 12, 31)),
        ("What was said between 2016 and 2014?", date(2014, 1, 1), date(2016, 12, 31)),
    ],
)
def test_periods(question: str, since: date | None, until: date | None) -> None:
    found = date_range(question)
    assert found is not None
    assert (found.since, found.until) == (since, until)


@pytest.mark.parametrize(
    "question", ["When did fighting break out?", "How many points in 308 games?", "on 31 Feb 2016"]
)
def test_no_period(question: str) -> None:
    assert date_range(question) is None


def test_the_phrase_leaves_the_search_text() -> None:
    question = "What did readers say about Aleppo in December 2016?"
    found = date_range(question)
    assert found is not None
    assert without_phrase(question, found) == "What did readers say about Aleppo ?"
