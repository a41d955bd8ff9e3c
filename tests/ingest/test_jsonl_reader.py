"""The JSONL reader: one page per line, bad lines reported by number."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

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
