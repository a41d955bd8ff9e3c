"""The JSONL reader: one page per line, bad lines reported by number."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from ingest.page import Notice, Page
from ingest.readers.jsonl import JsonlReader


def test_pages_and_bad_lines(tmp_path: Path) -> None:
    good = {
        "url": "https://a.example/1",
        "site": "A",
        "title": "Harbour reopens",
        "published": "2021-03-04",
        "author": "Jane Doe",
        "text": "The harbour reopened on Monday.\n\nFishermen were glad.",
        "comments": [
            {"author": "Old Salt", "text": "About time."},
            {"author": "Watcher", "text": "Agreed.", "parent": 0, "published": "2021-03-05"},
        ],
    }
    lines = [
        json.dumps(good),
        "{not json",
        json.dumps({"title": "no text"}),
        json.dumps([1, 2]),
        "",
        json.dumps({"text": "Only text is required."}),
    ]
    path = tmp_path / "export.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    items = list(JsonlReader().read(path))
    pages = [i for i in items if isinstance(i, Page)]
    notices = [i for i in items if isinstance(i, Notice)]
    first = pages[0]
    assert (first.title, first.published, first.authors) == (
        "Harbour reopens",
        date(2021, 3, 4),
        ["Jane Doe"],
    )
    assert first.body == ["The harbour reopened on Monday.", "Fishermen were glad."]
    assert [(c.author, c.parent) for c in first.comments] == [("Old Salt", None), ("Watcher", 0)]
    assert pages[1].body == ["Only text is required."] and pages[1].url is None
    assert pages[1].origin == f"{path}:6"
    assert [n.reason.split(":")[0] for n in notices] == [
        "line 2 skipped",
        "line 3 skipped",
        "line 4 skipped",
    ]


def _read(tmp_path: Path, lines: list[str], prefix: bytes = b"") -> list[Page | Notice]:
    path = tmp_path / "export.jsonl"
    path.write_bytes(prefix + ("\n".join(lines) + "\n").encode("utf-8"))
    return list(JsonlReader().read(path))


def _pages(items: list[Page | Notice]) -> list[Page]:
    return [i for i in items if isinstance(i, Page)]


def _notices(items: list[Page | Notice]) -> list[tuple[str, str, bool]]:
    return [
        (i.origin.rsplit(":", 1)[1], i.reason, i.warning) for i in items if isinstance(i, Notice)
    ]


def test_a_lone_surrogate_is_replaced_with_a_warning_and_later_lines_go_in(
    tmp_path: Path,
) -> None:
    lines = [
        json.dumps({"url": "https://ex.org/1", "text": "Before story about kites."}),
        json.dumps({"title": "T \ud800", "text": "surrogate \ud800 story \udfff"}),
        json.dumps({"url": "https://ex.org/3", "text": "After story about balloons."}),
    ]
    assert "\\ud800" in lines[1]  # valid JSON: the escape, not the character
    items = _read(tmp_path, lines)
    pages = _pages(items)
    assert [p.body for p in pages] == [
        ["Before story about kites."],
        ["surrogate \ufffd story \ufffd"],
        ["After story about balloons."],
    ]
    assert pages[1].title == "T \ufffd"
    pages[1].body[0].encode("utf-8")  # storable
    assert _notices(items) == [
        ("2", 'line 2: "title" held an unpaired surrogate escape, kept as U+FFFD', True),
        ("2", 'line 2: "text" held an unpaired surrogate escape, kept as U+FFFD', True),
    ]


def test_a_surrogate_pair_is_one_character_and_no_warning(tmp_path: Path) -> None:
    items = _read(tmp_path, [json.dumps({"text": "Smile \U0001f600 please."})])
    assert _pages(items)[0].body == ["Smile \U0001f600 please."]
    assert _notices(items) == []


def test_a_surrogate_in_a_comment_names_the_comment_field(tmp_path: Path) -> None:
    line = json.dumps({"text": "Story.", "comments": [{"text": "ok"}, {"author": "A\udc00"}]})
    line = line.replace('{"author"', '{"text": "x", "author"')
    items = _read(tmp_path, [line])
    assert _pages(items)[0].comments[1].author == "A\ufffd"
    assert [reason for _, reason, _ in _notices(items)] == [
        'line 1: "comments[1].author" held an unpaired surrogate escape, kept as U+FFFD'
    ]


def test_a_byte_order_mark_is_ignored(tmp_path: Path) -> None:
    lines = [
        json.dumps({"url": "https://ex.org/b1", "text": "BOM first line story about owls."}),
        "\ufeff" + json.dumps({"url": "https://ex.org/b2", "text": "A joined file's line."}),
    ]
    items = _read(tmp_path, lines, prefix=b"\xef\xbb\xbf")
    assert [p.url for p in _pages(items)] == ["https://ex.org/b1", "https://ex.org/b2"]
    assert _notices(items) == []


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        ({"text": 123}, '"text" must be a string, got a number'),
        ({"text": ["a"]}, '"text" must be a string, got a list'),
        ({"text": "  "}, '"text" is empty'),
        ({"title": "x"}, 'no "text"'),
        ({"text": "t", "title": {"a": 1}}, '"title" must be a string, got an object'),
        ({"text": "t", "published": 2021}, '"published" must be a string, got a number'),
        ({"text": "t", "url": True}, '"url" must be a string, got true'),
        (
            {"text": "t", "author": 5},
            '"author" must be a string or a list of strings, got a number',
        ),
        ({"text": "t", "comments": "no"}, '"comments" must be a list, got a string'),
        ({"text": "t", "comments": [3]}, "comment 0 must be an object, got a number"),
        (
            {"text": "t", "comments": [{"text": 1.5}]},
            'comment 0: "text" must be a string, got a number',
        ),
        ({"text": "t", "comments": [{"a": 1}]}, 'comment 0: no "text"'),
        (
            {"text": "t", "comments": [{"text": "c", "author": []}]},
            'comment 0: "author" must be a string, got a list',
        ),
        (
            {"text": "t", "comments": [{"text": "c", "published": 1614816000}]},
            'comment 0: "published" must be a string, got a number',
        ),
    ],
)
def test_wrong_types_are_named_by_field_and_line(
    tmp_path: Path, item: dict[str, object], reason: str
) -> None:
    items = _read(tmp_path, [json.dumps({"text": "A good line."}), json.dumps(item)])
    assert len(_pages(items)) == 1
    assert _notices(items) == [("2", f"line 2 skipped: {reason}", False)]


@pytest.mark.parametrize(
    ("value", "published", "warning"),
    [
        ("2021-03-04", date(2021, 3, 4), None),
        ("2021-03-04T23:30:00-05:00", date(2021, 3, 4), None),
        ("March 4, 2021", date(2021, 3, 4), None),
        ("2021/03/04", date(2021, 3, 4), None),
        ("04.03.2021", date(2021, 3, 4), None),
        ("2021", None, '"published" "2021" is a year, not a day: left empty'),
        ("2021-03", None, '"published" "2021-03" is a month, not a day: left empty'),
        ("2020-02-30", None, '"published" "2020-02-30" is not a valid date: left empty'),
        ("yesterday", None, '"published" "yesterday" holds no date: left empty'),
    ],
)
def test_published_values_are_read_or_warned_about(
    tmp_path: Path, value: str, published: date | None, warning: str | None
) -> None:
    items = _read(tmp_path, [json.dumps({"text": "Story.", "published": value})])
    assert _pages(items)[0].published == published
    expected = [] if warning is None else [("1", f"line 1: {warning}", True)]
    assert _notices(items) == expected


def test_comment_dates_are_iso_or_empty_with_a_warning(tmp_path: Path) -> None:
    comments = [
        {"text": "a", "published": "2021-03-04T10:12"},
        {"text": "b", "published": "March 5, 2021"},
        {"text": "c", "published": "06.03.2021 14:00"},
        {"text": "d", "published": "yesterday"},
        {"text": "e"},
    ]
    items = _read(tmp_path, [json.dumps({"text": "Story.", "comments": comments})])
    assert [c.published for c in _pages(items)[0].comments] == [
        "2021-03-04T10:12",  # already ISO: kept as given
        "2021-03-05",
        "2021-03-06",
        None,
        None,
    ]
    assert _notices(items) == [
        ("1", 'line 1: comment 3: "published" "yesterday" holds no date: left empty', True)
    ]


def test_comment_dates_before_1990_or_in_the_future_are_left_out_like_html_ones(
    tmp_path: Path,
) -> None:
    """The bounds HTML comment dates have (``PageDates.comment_date``): before 1990 is a
    placeholder, after today no reader wrote it yet (a day's slack for time zones)."""
    tomorrow = date.today() + timedelta(days=1)
    comments = [
        {"text": "a", "published": "1970-01-01T00:00:00"},
        {"text": "b", "published": "December 31, 1989"},
        {"text": "c", "published": "2999-01-01"},
        {"text": "d", "published": "1990-01-01"},
        {"text": "e", "published": tomorrow.isoformat()},
    ]
    items = _read(tmp_path, [json.dumps({"text": "Story.", "comments": comments})])
    assert [c.published for c in _pages(items)[0].comments] == [
        None,
        None,
        None,
        "1990-01-01",
        tomorrow.isoformat(),
    ]
    assert _notices(items) == [
        (
            "1",
            'line 1: comment 0: "published" "1970-01-01T00:00:00" is before 1990 '
            "(a placeholder, not a reader's date): left empty",
            True,
        ),
        (
            "1",
            'line 1: comment 1: "published" "December 31, 1989" is before 1990 '
            "(a placeholder, not a reader's date): left empty",
            True,
        ),
        ("1", 'line 1: comment 2: "published" "2999-01-01" is in the future: left empty', True),
    ]
