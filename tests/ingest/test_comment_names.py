"""Comments as readers wrote them: the name apart from the byline's date and verb, no widget
text, headline or article stored as a comment. Fixtures are trimmed from the pages where each
went wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.boilerplate import is_comment_widget
from ingest.dates import PageDates
from ingest.html_comments import split_byline
from ingest.page import Page
from ingest.readers.html import HtmlReader, parse_html

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def read_fixture(name: str) -> Page:
    return next(HtmlReader().read(FIXTURES / name))


# --- reader names ------------------------------------------------------------------------------


def test_a_byline_written_into_the_author_element_gives_the_name_and_the_date() -> None:
    page = read_fixture("byline_comments_givewell.html")
    assert [(c.author, c.published) for c in page.comments] == [
        ("Gary M", "2018-09-17"),
        ("Catherine (GiveWell)", "2018-09-20"),  # the role in parentheses is part of the name
    ]


def test_a_german_byline_with_its_reply_link_gives_the_name_and_the_date() -> None:
    page = read_fixture("byline_comments_de.html")
    assert [(c.author, c.published) for c in page.comments] == [
        ("MoritzMeyer", "2018-06-19"),
        ("Swen denkt", "2018-06-21"),
    ]


@pytest.mark.parametrize(
    ("byline", "name", "day"),
    [
        ("Gary M on September 17, 2018 at 8:50 pm said:", "Gary M", "2018-09-17"),
        ("Jeremy Banks says: January 20, 2020 at 11:27 am", "Jeremy Banks", "2020-01-20"),
        ("MoritzMeyer 19. Juni 2018 um 20:41 Uhr - Antworten", "MoritzMeyer", "2018-06-19"),
        ("Martin Mair3. Februar 2020 um 9:46Permalink", "Martin Mair", "2020-02-03"),
        ("Catherine (GiveWell)", "Catherine (GiveWell)", None),
        ("Jane says:", "Jane", None),
        ("Titus von Unhold", "Titus von Unhold", None),  # "von" joins no date: it stays
        ("user2019", "user2019", None),
    ],
)
def test_split_byline(byline: str, name: str, day: str | None) -> None:
    dates = PageDates.for_page("de")
    author, written = split_byline(byline, dates)
    assert author == name
    assert (dates.comment_date(written) if written else None) == day


def test_a_byline_date_after_the_capture_is_not_kept_but_still_leaves_the_name() -> None:
    dates = PageDates.for_page("en", captured=None)
    author, written = split_byline("Gary M on September 17, 2999 at 8:50 pm said:", dates)
    assert author == "Gary M"
    assert written is not None and dates.comment_date(written) is None


# --- comments are comments ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "Share this with",
        "Loading comments...",
        "comments powered by Disqus",
        "Join thought-provoking conversations, follow other Independent readers and see their"
        " replies",
        "Want to join the discussion?",
        "Would you like to comment on this article?",
        "Sign up (it's quick and free) or sign in now.",
        "Further information on data privacy can be found in our Data Protection Policy.",
    ],
)
def test_widget_sentences_are_no_comments(line: str) -> None:
    assert is_comment_widget(line)


@pytest.mark.parametrize(
    "line",
    [
        "I share this view entirely, the government is wrong.",
        "Join the club, we all hate it",
        "Diese Privacy Guard IT Solutions GmbH gehörte Pavel K.",
    ],
)
def test_readers_words_about_sharing_or_privacy_stay_comments(line: str) -> None:
    assert not is_comment_widget(line)


def test_an_article_inside_comment_named_markup_keeps_its_opening() -> None:
    page = read_fixture("timeslive_article_in_comment_markup.html")
    assert page.title == "BUDGET 3.0 | Sars gets R4bn to hire army of debt collectors"
    assert page.body[0].startswith("Tax agency will hire more than 1,000 debt collectors")
    assert page.body[1].startswith("Finance minister Enoch Godongwana has allocated R4bn")
    assert page.comments == []  # what is left of the "section" is the sign-up prompt


def test_a_related_article_s_headline_is_never_a_comment() -> None:
    page = read_fixture("inews_related_headline.html")
    assert page.body[0].startswith("Two Just Stop Oil supporters were arrested")
    assert page.comments == []


def test_the_page_s_headline_is_never_a_comment() -> None:
    headline = "Council approves the new harbour park after a long debate"
    paragraph = "The city council approved the new harbour park on Monday after four hours."
    html = f"""<html lang="en"><head><title>{headline}</title></head><body>
    <article><h1>{headline}</h1><p>{paragraph}</p>
    <p>Construction of the park will start next spring, the mayor said on Tuesday.</p></article>
    <ol class="commentlist">
    <li class="comment" id="comment-1"><div class="comment-author"><cite class="fn">Ann</cite></div>
      <div class="comment-content"><p>{headline}</p></div></li>
    <li class="comment" id="comment-3"><div class="comment-author"><cite class="fn">Cy</cite></div>
      <div class="comment-content"><p>About time the east side got a park.</p></div></li>
    </ol></body></html>"""
    page = parse_html(html.encode(), "park.html")
    assert [(c.author, c.text) for c in page.comments] == [
        ("Cy", "About time the east side got a park.")
    ]
