"""The plain-text scrape reader, on the seed page and on small hand-made threads."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from conftest import SEED

from ingest.chunking import build_document
from ingest.comments import lines_with_gaps, looks_like_name, split_comments
from ingest.page import UnreadableFile
from ingest.readers.text import TextReader, decode_text, parse_scrape

TITLE = "Aleppo Is Liberated By Govt Forces! (Photo Report, Videos, Map)"
BOILERPLATE = [
    "0 $",
    "2,500 $",
    "5,000 $",
    "2,640 $",
    "Support SouthFront",
    "Click to see the full-size map",
    "Notify of",
    "Newest Most Voted",
    "Inline Feedbacks",
    "View all comments",
    "Would love your thoughts, please comment.",
]
AUTHORS = (
    ["Random guy"] * 4
    + ["Hanna Reitsch"] * 2
    + ["Indian Voice", "Daniel Martin", "Manuel Chrut", "Pampi Ta", "Igor Ochocinszk"]
)


@pytest.fixture(scope="module")
def seed_page():
    return next(TextReader().read(SEED))


def test_seed_title_appears_once_and_not_in_the_body(seed_page) -> None:
    assert seed_page.title == TITLE
    assert not any(TITLE in paragraph for paragraph in seed_page.body)


def test_seed_metadata(seed_page) -> None:
    assert seed_page.site == "SouthFront"
    assert seed_page.published == date(2016, 12, 12)
    assert seed_page.published_inferred is True


def test_seed_body_is_the_article(seed_page) -> None:
    body = "\n".join(seed_page.body)
    assert "Fighting in Aleppo broke out on July 19, 2012 and lasted more than four years." in body
    assert seed_page.body[-1] == "Surrendered militants and Syrian army troops:"


def test_seed_comments_and_their_authors(seed_page) -> None:
    comments = seed_page.comments
    assert len(comments) == 29
    assert [c.author for c in comments if c.author] == AUTHORS
    assert comments[0].text.startswith("This is the biggest Battlet in Syria")
    assert comments[7].author == "Random guy"
    assert comments[7].text == "Assad will agree with Turkey and push them to Iraq. Easy."
    assert comments[10].text == "Turkey is a NATO country" and comments[10].author is None
    assert comments[-1].author == "Igor Ochocinszk"
    assert comments[-1].text.endswith("enough manpower ot liberate it.")


def test_no_passage_holds_boilerplate(seed_page) -> None:
    document = build_document(seed_page)
    assert {p.kind for p in document.passages} == {"article", "comment"}
    for passage in document.passages:
        lines = {line.strip() for line in passage.text.splitlines()}
        for marker in BOILERPLATE:
            assert marker not in lines, (marker, passage.text)
        assert "Would love your thoughts" not in passage.text
        assert TITLE not in passage.text


def test_each_comment_is_its_own_passage(seed_page) -> None:
    document = build_document(seed_page)
    comment_passages = [p for p in document.passages if p.kind == "comment"]
    assert [p.text for p in comment_passages] == [c.text for c in seed_page.comments]
    assert [p.author for p in comment_passages] == [c.author for c in seed_page.comments]


THREAD = """Notify of
View all comments

First comment, no name.


Second anonymous comment.

Jane Doe

Jane's comment, first paragraph.

Jane's second paragraph goes on here.


Short one

Bob

Bob says hi.
Would love your thoughts, please comment.x
"""


def test_thread_structure_from_blank_lines() -> None:
    comments = split_comments(lines_with_gaps(THREAD.split("\n")))
    assert [(c.author, c.text) for c in comments] == [
        (None, "First comment, no name."),
        (None, "Second anonymous comment."),
        ("Jane Doe", "Jane's comment, first paragraph.\n\nJane's second paragraph goes on here."),
        (None, "Short one"),
        ("Bob", "Bob says hi."),
    ]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Random guy", True),
        ("Igor Ochocinszk", True),
        ("Turkey is a NATO country today, friends", False),
        ("Well done.", False),
        ("https://example.org", False),
    ],
)
def test_looks_like_name(line: str, expected: bool) -> None:
    assert looks_like_name(line) is expected


def test_page_without_thread_has_no_comments() -> None:
    page = parse_scrape("A headline\n\nThe first paragraph of the story.\n", "x.txt")
    assert page.title == "A headline"
    assert page.body == ["The first paragraph of the story."]
    assert page.comments == []


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty file"),
        (b"  \n\n", "empty file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "binary content"),
        (b"caf\xe9 au lait", "not UTF-8"),
    ],
)
def test_unreadable_text(data: bytes, reason: str) -> None:
    with pytest.raises(UnreadableFile, match=reason):
        decode_text(data, "x.txt")


def test_reader_reads_crlf_files(tmp_path: Path) -> None:
    path = tmp_path / "page.txt"
    path.write_bytes(b"Headline here\r\n\r\nBody text of the page.\r\n")
    page = next(TextReader().read(path))
    assert page.body == ["Body text of the page."]
