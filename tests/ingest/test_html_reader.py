"""The HTML reader: body and metadata from trafilatura, comments from the comment markup."""

from __future__ import annotations

import gzip
from datetime import date
from pathlib import Path

import pytest
from conftest import ROOT

from ingest.chunking import build_document
from ingest.page import UnreadableFile
from ingest.readers.html import HtmlReader, parse_html

PAGE = ROOT / "tests" / "fixtures" / "wordpress_comments.html"


def test_body_and_metadata() -> None:
    page = next(HtmlReader().read(PAGE))
    assert page.title == "Harbour reopens after storm repairs"
    assert page.url == "https://gazette.example/2021/03/harbour-reopens"
    assert page.site == "Coast Gazette"
    assert page.published == date(2021, 3, 4)
    assert page.authors == ["Jane Doe"]
    assert page.body[0].startswith("The harbour reopened on Monday")
    assert not any(line == "Home" or "All rights reserved" in line for line in page.body)


def test_comments_have_authors_dates_and_parents_and_stay_out_of_the_body() -> None:
    page = next(HtmlReader().read(PAGE))
    assert [(c.author, c.parent) for c in page.comments] == [
        ("Old Salt", None),
        ("Harbour Watcher", 0),
        ("M. Reyes", None),
    ]
    assert page.comments[0].text == "About time too. The quay has been empty all winter."
    assert page.comments[0].published == "2021-03-04T10:12:00+00:00"
    body = "\n".join(page.body)
    assert all(c.text not in body for c in page.comments)
    passages = build_document(page).passages
    comment_passages = [p for p in passages if p.kind == "comment"]
    assert [p.author for p in comment_passages] == ["Old Salt", "Harbour Watcher", "M. Reyes"]


def test_gzipped_page_reads_the_same(tmp_path: Path) -> None:
    packed = tmp_path / "page.html.gz"
    packed.write_bytes(gzip.compress(PAGE.read_bytes()))
    plain, zipped = next(HtmlReader().read(PAGE)), next(HtmlReader().read(packed))
    assert (plain.body, plain.comments, plain.title) == (zipped.body, zipped.comments, zipped.title)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty file"),
        (b"\x00\x01" * 5000, "binary content"),
        (gzip.compress(b"<html>" + b"x" * 5000)[:40], "damaged gzip"),
    ],
)
def test_unreadable_pages_say_why(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "bad.html"
    path.write_bytes(content)
    with pytest.raises(UnreadableFile, match=reason):
        list(HtmlReader().read(path))


def test_list_bullets_go_but_a_paragraph_keeps_its_own_leading_dash() -> None:
    article = (
        "<p>The harbour reopened on Monday after three months of storm repairs to the quay.</p>"
        "<p>- Yes, said the harbour master, the quay is safe again for every boat.</p>"
        "<ul><li>new <b>lights</b> on the pier</li><li>a deeper channel<ul><li>dredged in March"
        "</li></ul></li><li>- a dash inside an item</li></ul>"
        "<p>Fishing boats were the first to return, followed by the ferry in the afternoon.</p>"
    )
    html = f"<html><head><title>Harbour</title></head><body><article>{article}</article></body>"
    page = parse_html(html.encode(), "page.html")
    assert page.body == [
        "The harbour reopened on Monday after three months of storm repairs to the quay.",
        "- Yes, said the harbour master, the quay is safe again for every boat.",
        "new lights on the pier",
        "a deeper channel",
        "dredged in March",
        "- a dash inside an item",
        "Fishing boats were the first to return, followed by the ferry in the afternoon.",
    ]


WPDISCUZ_DE = ROOT / "tests" / "fixtures" / "wpdiscuz_comments_de.html"
WORDPRESS_EN_GB = ROOT / "tests" / "fixtures" / "wordpress_comment_dates_en_gb.html"


def test_wpdiscuz_comment_dates_in_german_are_stored_as_iso() -> None:
    page = next(HtmlReader().read(WPDISCUZ_DE))
    assert [(c.author, c.published, c.parent) for c in page.comments] == [
        ("Seemann Kalle", "2019-10-18", None),  # the date in the title, not "vor 2 Jahren"
        ("Hafenwächterin", "2019-10-19", 0),
        # "vor 3 Tagen" counts from the day the page was shown, which a saved file does not
        # say; its publication day is no stand-in (comments come after the article).
        ("M. Reyes", None, None),
        ("Anna", None, None),  # "Antworten" is no date
    ]


def test_relative_comment_dates_count_back_from_the_capture_day() -> None:
    page = parse_html(WPDISCUZ_DE.read_bytes(), "page.html", captured=date(2020, 4, 20))
    assert [c.published for c in page.comments] == ["2019-10-18", "2019-10-19", "2020-04-17", None]


def test_wordpress_comment_dates_skip_reply_links_and_follow_the_page_locale() -> None:
    page = next(HtmlReader().read(WORDPRESS_EN_GB))
    # en-GB writes the day first: 03/04/2020 is the 3rd of April.
    assert [(c.author, c.published) for c in page.comments] == [
        ("Pat", "2020-04-14"),
        ("Sam", "2020-04-03"),
        ("Lee", None),  # "2 days ago", and no capture day
    ]
    us = WORDPRESS_EN_GB.read_bytes().replace(b'lang="en-GB"', b'lang="en-US"')
    assert parse_html(us, "us.html").comments[1].published == "2020-03-04"
    anywhere = WORDPRESS_EN_GB.read_bytes().replace(b'lang="en-GB"', b'lang="en"')
    assert parse_html(anywhere, "en.html").comments[1].published is None


def test_a_wayback_capture_dates_relative_comments() -> None:
    data = WORDPRESS_EN_GB.read_bytes().replace(
        b"https://kitchen-notes.example/olive-bread",
        b"https://web.archive.org/web/20200420101229/https://kitchen-notes.example/olive-bread",
    )
    assert parse_html(data, "saved.html").comments[2].published == "2020-04-18"


def test_comment_dates_read_in_a_content_language_from_meta() -> None:
    comments = "".join(
        f'<li class="comment" id="comment-{n}"><div class="comment-meta"><a href="#">{when}</a>'
        f'</div><div class="comment-content"><p>{text}</p></div></li>'
        for n, when, text in [
            (1, "Le 11 septembre 2018 à 12:57", "Très bon article, merci."),
            (2, "Répondre", "Je ne suis pas d'accord avec la conclusion."),
        ]
    )
    article = "".join(
        f"<p>Le port a rouvert lundi après trois mois de travaux sur la digue, phrase {n}.</p>"
        for n in range(4)
    )
    html = (
        '<html><head><meta http-equiv="Content-Language" content="fr"><title>Port</title></head>'
        f'<body><article>{article}</article><ol class="commentlist">{comments}</ol></body></html>'
    )
    page = parse_html(html.encode(), "page.html")
    assert [c.published for c in page.comments] == ["2018-09-11", None]
