"""Comment-widget text, pingbacks and commenting policy are not stored as readers' words, while
short real comments are."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.boilerplate import is_comment_noise, is_link_notice, is_widget_label
from ingest.readers.html import parse_html, reader_lines

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.mark.parametrize(
    "line",
    [
        "Report Comment",
        "Delete Comment",
        "Log In",
        "Comments",
        "LikeLiked by 21 people",
        "LikenLiken",
        "9 Comments",
        "Kommentare 1",
        "{ 1 trackback }",
    ],
)
def test_widget_labels_are_noise(line: str) -> None:
    assert is_widget_label(line) or is_comment_noise(line)
    assert is_comment_noise(line)


@pytest.mark.parametrize(
    "line",
    [
        "Thank you",
        "Agreed.",
        "Thanks.",
        "Danke!",
        "Love this!!",
        "Axl Rose",
        "I like the comments here",
        "A",
        "Reply to the author: this is wrong.",
    ],
)
def test_short_real_comments_are_kept(line: str) -> None:
    assert not is_comment_noise(line)


@pytest.mark.parametrize(
    "line",
    [
        "Pingback: Amazon Liable for Defective Products - GistTree",
        "Trackback: Some post | Some blog",
        "[…] Einer der besten Texte zum Thema ist von Moritz Meyer. […]",
        "[...] Zum Trailer des Filmes geht es hier [...]",
        "Reblogged this on .",
    ],
)
def test_link_notices(line: str) -> None:
    assert is_link_notice(line)
    assert is_comment_noise(line)


def test_a_comment_about_pingbacks_is_not_one() -> None:
    assert not is_link_notice("Pingback spam is a plague on this blog, please fix it.")


@pytest.mark.parametrize(
    "line",
    [
        "Please be respectful when making a comment and adhere to our Community Guidelines.",
        "Postmedia is committed to maintaining a lively but civil forum for discussion. "
        "Please keep comments relevant and respectful.",
        "Please log in here to leave a comment.",
        "Sie müssen sich anmelden um Kommentare zu schreiben.",
    ],
)
def test_commenting_policy_is_noise(line: str) -> None:
    assert is_comment_noise(line)


def test_fallback_lines_drop_noise_and_what_repeats_beside_it() -> None:
    lines = [
        "Comments",
        "Please be respectful when making a comment and adhere to our Community Guidelines.",
        "You can find our Community Guidelines in full here.",
        "This fine is far too low for what it does to people.",
        "LikeLiked by 5 people",
        "Thank you",
        "LikeLiked by 7 people",
        "Agreed.",
        "Please be respectful when making a comment and adhere to our Community Guidelines.",
        "You can find our Community Guidelines in full here.",
        "Pingback: Coronavirus fines - Aggregator",
    ]
    assert reader_lines(lines) == [
        "This fine is far too low for what it does to people.",
        "Thank you",
        "Agreed.",
    ]


def test_a_short_comment_repeated_by_two_readers_stays() -> None:
    lines = ["Thank you", "A long comment about the article.", "Thank you"]
    assert reader_lines(lines) == lines


def test_wordpress_com_comments_have_authors_and_no_like_buttons() -> None:
    page = parse_html((FIXTURES / "wordpress_com_comments.html").read_bytes(), "wp.html")
    got = [(c.text, c.author, c.parent) for c in page.comments]
    assert got == [
        ("I definitely support and agree with this post! Great idea!", "BOOKSABELLA", None),
        ("Agreed.", "motherhoodnmedia", 0),
        ("Thank you", "Kay", None),
    ]
    assert not any("Liked by" in line or "Pingback" in line for line in page.body)
