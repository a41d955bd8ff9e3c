"""Plain-text threads whose comments are set apart by two blank lines, name line or not."""

from __future__ import annotations

import pytest

from ingest.comments import lines_with_gaps, looks_like_person, split_comments
from ingest.readers.text import parse_scrape

# Every comment opens after two blank lines, whether a name line comes first or the comment
# starts at once with a short sentence.
PARK = """Council approves new park

The city council approved a new park in the east district on Monday.

Construction will start next spring, the mayor said.

Notify of

View all comments


Thank you

This park is long overdue and I am glad it is finally coming.


Great news

I hope they keep the old oak trees in the east district.


John Smith

Who pays for the park though?
"""


def test_short_comments_are_not_authors_and_names_after_a_gap_are() -> None:
    page = parse_scrape(PARK, "park.txt")
    assert [(c.author, c.text) for c in page.comments] == [
        (None, "Thank you\n\nThis park is long overdue and I am glad it is finally coming."),
        (None, "Great news\n\nI hope they keep the old oak trees in the east district."),
        ("John Smith", "Who pays for the park though?"),
    ]


def test_a_name_after_a_gap_at_the_thread_start_is_an_author() -> None:
    thread = "View all comments\n\n\nJane Doe\n\nFirst!\n\n\nAgreed\n\nSecond comment here."
    comments = split_comments(lines_with_gaps(thread.split("\n")))
    assert [(c.author, c.text) for c in comments] == [
        ("Jane Doe", "First!"),
        (None, "Agreed\n\nSecond comment here."),
    ]


def test_a_lowercase_name_still_counts_after_a_single_blank_line() -> None:
    """The seed layout: the name stands between single blank lines, and need not look formal."""
    thread = "View all comments\n\nSome comment.\n\nrandom guy\n\nA reply to it."
    comments = split_comments(lines_with_gaps(thread.split("\n")))
    assert [(c.author, c.text) for c in comments] == [
        (None, "Some comment."),
        ("random guy", "A reply to it."),
    ]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("John Smith", True),
        ("J. Smith", True),
        ("Mary-Jane O'Brien", True),
        ("Will Hunting", True),
        ("Igor Ochocinszk", True),
        ("Zoë", True),
        ("Thank you", False),
        ("Thank You", False),
        ("Great news", False),
        ("Great News", False),
        ("Well Said", False),
        ("Agreed", False),
        ("random guy", False),
        ("Peter2", False),
        ("The End Of It All Now", False),
        ("Really?", False),
    ],
)
def test_looks_like_person(line: str, expected: bool) -> None:
    assert looks_like_person(line) is expected
