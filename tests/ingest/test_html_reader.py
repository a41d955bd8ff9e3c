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
