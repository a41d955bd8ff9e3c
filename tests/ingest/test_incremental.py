"""Incremental ingest: unchanged files are not read again, changed pages have exactly their
passages replaced, copies under another URL are linked, --prune removes pages of gone files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from conftest import ROOT, SEED

from index.archive import Archive
from index.embedder import HashEmbedder
from ingest.pipeline import IngestReport, ingest_paths

HTML = ROOT / "tests" / "fixtures" / "wordpress_comments.html"


async def run(data_dir: Path, *paths: Path, prune: bool = False) -> IngestReport:
    async with await Archive.open(data_dir, embedder=HashEmbedder()) as archive:
        report = await ingest_paths(archive, list(paths), prune=prune, batch_size=4)
        assert set(await archive.store.passage_states()) == archive.vectors.ids()
        return report


def jsonl(path: Path, *pages: dict[str, object]) -> Path:
    path.write_text("".join(json.dumps(p) + "\n" for p in pages), encoding="utf-8")
    return path


async def test_unchanged_folder_touches_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(SEED, folder)
    shutil.copy(HTML, folder)
    first = await run(tmp_path / "data", folder)
    assert (first.pages_added, first.files_unchanged) == (2, 0)
    again = await run(tmp_path / "data", folder)
    assert (again.files_unchanged, again.pages_unchanged, again.passages_added) == (2, 2, 0)
    assert again.vectors_written == 0 and again.pages_ingested == 2


async def test_a_changed_page_replaces_exactly_its_changed_passages(tmp_path: Path) -> None:
    page = {"url": "https://a.example/1", "text": "First paragraph.", "comments": []}
    source = jsonl(tmp_path / "a.jsonl", page | {"comments": [{"text": "Old remark."}]})
    await run(tmp_path / "data", source)
    jsonl(source, page | {"comments": [{"text": "New remark."}]})
    report = await run(tmp_path / "data", source)
    assert (report.pages_updated, report.vectors_written) == (1, 2)
    async with await Archive.open(tmp_path / "data", embedder=HashEmbedder()) as archive:
        texts = {
            p.text
            for p in (
                await archive.store.passages(list(await archive.store.passage_states()))
            ).values()
        }
    assert texts == {"First paragraph.", "New remark."}


async def test_copies_under_another_url_are_linked(tmp_path: Path) -> None:
    body = " ".join(
        f"Sentence number {i} about the harbour wall and its repair." for i in range(30)
    )
    original = {"url": "https://a.example/story", "text": body}
    copy = {"url": "https://mirror.example/story", "text": body + " Syndicated."}
    report = await run(tmp_path / "data", jsonl(tmp_path / "a.jsonl", original, copy))
    assert (report.pages_added, report.pages_linked) == (1, 1)
    again = await run(tmp_path / "data", jsonl(tmp_path / "b.jsonl", copy))
    assert (again.pages_unchanged, again.pages_added) == (1, 0)


async def test_prune_removes_pages_whose_files_are_gone(tmp_path: Path) -> None:
    keep = jsonl(tmp_path / "keep.jsonl", {"url": "https://a.example/1", "text": "Kept page."})
    gone = jsonl(tmp_path / "gone.jsonl", {"url": "https://a.example/2", "text": "Gone page."})
    await run(tmp_path / "data", keep, gone)
    gone.unlink()
    report = await run(tmp_path / "data", keep, prune=True)
    assert report.pages_pruned == 1
    async with await Archive.open(tmp_path / "data", embedder=HashEmbedder()) as archive:
        assert (await archive.store.counts())["documents"] == 1
