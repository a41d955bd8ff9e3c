"""JSONL lines that once cost the rest of their file (a lone surrogate, a byte-order mark) go
into a real archive, and values the reader could not keep are reported, not dropped silently."""

from __future__ import annotations

import json
from pathlib import Path

from index.archive import Archive
from index.embedder import HashEmbedder
from ingest.pipeline import ingest_paths


async def test_surrogate_and_bom_lines_are_stored_and_reported(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "sur.jsonl").write_text(
        "\n".join(
            [
                json.dumps({"url": "https://ex.org/1", "text": "Before story about kites."}),
                json.dumps({"url": "https://ex.org/2", "text": "surrogate \ud800 story"}),
                json.dumps({"url": "https://ex.org/3", "text": "After story about balloons."}),
            ]
        ),
        encoding="utf-8",
    )
    line = {
        "url": "https://ex.org/b",
        "text": "BOM first line story about owls.",
        "published": "2021",
        "comments": [{"text": "Hoot.", "published": "yesterday"}, {"text": "Hoo."}],
    }
    (folder / "bom.jsonl").write_text(json.dumps(line) + "\n", encoding="utf-8-sig")
    async with await Archive.open(tmp_path / "data", embedder=HashEmbedder()) as archive:
        report = await ingest_paths(archive, [folder])
        # Values it could not use leave a file complete: the next run does not read it again.
        again = await ingest_paths(archive, [folder])
        documents = {d["origin"]: d for d in await archive.store.documents()}
        owls = await archive.store.document(documents[f"{folder / 'bom.jsonl'}:1"]["document_id"])
        surrogate = await archive.store.document(
            documents[f"{folder / 'sur.jsonl'}:2"]["document_id"]
        )
    assert report.skipped == []
    assert report.pages_added == 4
    assert (again.files_unchanged, again.warnings) == (2, [])
    assert sorted((Path(w.path).name, w.reason) for w in report.warnings) == [
        ("bom.jsonl:1", 'line 1: "published" "2021" is a year, not a day: left empty'),
        ("bom.jsonl:1", 'line 1: comment 0: "published" "yesterday" holds no date: left empty'),
        ("sur.jsonl:2", 'line 2: "text" held an unpaired surrogate escape, kept as U+FFFD'),
    ]
    assert owls is not None and owls["published"] is None
    assert [c["published"] for c in owls["comments"]] == [None, None]
    assert surrogate is not None and surrogate["body"] == "surrogate \ufffd story"
