"""Incremental ingest: unchanged files are not read again, changed pages have exactly their
passages replaced (and only those embedded), copies under another URL are linked, --prune
removes pages of gone files under the paths given."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from conftest import ROOT, SEED

from index.archive import Archive
from index.embedder import HashEmbedder
from index.models import SearchFilters
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
    # Only the new comment is embedded: the kept article passage keeps its vector.
    assert (report.pages_updated, report.passages_added, report.vectors_written) == (1, 1, 1)
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
    folder = tmp_path / "in"
    folder.mkdir()
    keep = jsonl(folder / "keep.jsonl", {"url": "https://a.example/1", "text": "Kept page."})
    gone = jsonl(folder / "gone.jsonl", {"url": "https://a.example/2", "text": "Gone page."})
    await run(tmp_path / "data", keep, gone)
    gone.unlink()
    report = await run(tmp_path / "data", folder, prune=True)
    assert report.pages_pruned == 1
    async with await Archive.open(tmp_path / "data", embedder=HashEmbedder()) as archive:
        assert (await archive.store.counts())["documents"] == 1


async def test_prune_looks_only_under_the_paths_given(tmp_path: Path) -> None:
    keep = jsonl(tmp_path / "keep.jsonl", {"url": "https://a.example/1", "text": "Kept page."})
    gone = jsonl(tmp_path / "gone.jsonl", {"url": "https://a.example/2", "text": "Gone page."})
    await run(tmp_path / "data", keep, gone)
    gone.unlink()
    # The gone file is not under the path given: its page stays.
    report = await run(tmp_path / "data", keep, prune=True)
    assert report.pages_pruned == 0
    # Named (a path that no longer exists) or under a folder given, it goes.
    report = await run(tmp_path / "data", gone, prune=True)
    assert report.pages_pruned == 1
    async with await Archive.open(tmp_path / "data", embedder=HashEmbedder()) as archive:
        assert (await archive.store.counts())["documents"] == 1


async def test_editing_one_comment_embeds_only_that_comment(tmp_path: Path) -> None:
    comments = [
        {"author": f"reader{n}", "text": f"Remark number {n} on the quay."} for n in range(40)
    ]
    page = {"url": "https://a.example/quay", "text": "The quay was rebuilt.", "comments": comments}
    source = jsonl(tmp_path / "a.jsonl", page)
    first = await run(tmp_path / "data", source)
    assert first.vectors_written == 41
    edited = [dict(c) for c in comments]
    edited[7]["text"] = "Remark number 7, corrected, on the quay."
    jsonl(source, page | {"comments": edited})
    report = await run(tmp_path / "data", source)
    assert (report.pages_updated, report.passages_added, report.vectors_written) == (1, 1, 1)


async def test_a_renamed_commenter_is_updated_without_embedding(tmp_path: Path) -> None:
    page = {"url": "https://a.example/quay", "text": "The quay was rebuilt."}
    source = jsonl(tmp_path / "a.jsonl", page | {"comments": [{"author": "Old", "text": "Hi."}]})
    await run(tmp_path / "data", source)
    jsonl(source, page | {"comments": [{"author": "New Name", "text": "Hi."}]})
    report = await run(tmp_path / "data", source)
    assert (report.pages_updated, report.vectors_written) == (1, 0)
    async with await Archive.open(tmp_path / "data", embedder=HashEmbedder()) as archive:
        ids = list(await archive.store.passage_states())
        authors = {p.author for p in (await archive.store.passages(ids)).values()}
        # The author filter reads the FTS facets, rebuilt with the page.
        found = await archive.store.lexical_search(["hi"], SearchFilters(author="New Name"), 5)
    assert authors == {None, "New Name"}
    assert len(found) == 1
