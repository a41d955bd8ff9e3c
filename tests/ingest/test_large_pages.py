"""One very large page: its passages go to the model a batch at a time, and a page over the
size limit is skipped unread with a reason, the other files ingested."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import one_line_page

from index.archive import Archive
from index.embedder import HashEmbedder
from ingest.pipeline import ingest_paths


async def test_a_large_page_is_embedded_in_batches_of_the_batch_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = one_line_page(tmp_path / "big.txt", 6_000)
    batches: list[int] = []
    embed = Archive.embed_passages

    async def counted(self: Archive, texts: list[str]) -> Any:
        batches.append(len(texts))
        return await embed(self, texts)

    monkeypatch.setattr(Archive, "embed_passages", counted)
    async with await Archive.open(tmp_path / "data", embedder=HashEmbedder()) as archive:
        report = await ingest_paths(archive, [page], batch_size=32)
    assert report.pages_added == 1 and report.passages_added > 900
    assert sum(batches) == report.passages_added == report.vectors_written
    assert max(batches) <= 32


async def test_a_page_over_the_size_limit_is_skipped_unread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A 1 MB limit stands in for the real 20 MB, so the files stay small.
    monkeypatch.setattr("ingest.readers.text.MAX_PAGE_BYTES", 1_000_000, raising=False)
    monkeypatch.setattr("ingest.readers.jsonl.MAX_PAGE_BYTES", 1_000_000, raising=False)
    folder = tmp_path / "pages"
    folder.mkdir()
    big = one_line_page(folder / "big.txt", 20_000)  # 1.6 MB
    (folder / "small.txt").write_text("Harbour reopens\n\nThe harbour reopened on Monday.\n")
    lines = [
        {"url": "https://ex.org/huge", "text": big.read_text()},
        {"url": "https://ex.org/fine", "text": "The quay was repaired in spring."},
    ]
    (folder / "export.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    async with await Archive.open(tmp_path / "data", embedder=HashEmbedder()) as archive:
        report = await ingest_paths(archive, [folder])
    assert report.pages_added == 2
    assert [str(skipped) for skipped in report.skipped] == [
        f"{big}: page too large (1.6 MB; the limit is 1 MB)",
        f"{folder / 'export.jsonl'}:1: line 1 skipped: page too large (1.6 MB; the limit is 1 MB)",
    ]
