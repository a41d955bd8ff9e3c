"""Files are known by their resolved path, however typed; --prune removes exactly the pages no
file under the given paths holds any more, and lets another capture of a removed page take its
place."""

from __future__ import annotations

import json
import shutil
import sqlite3
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from conftest import SEED
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from index.archive import Archive
from index.embedder import HashEmbedder
from ingest.chunking import build_document
from ingest.dedupe import fingerprints
from ingest.page import Page
from ingest.pipeline import IngestReport, file_digest, ingest_paths
from ingest.readers import reader_for


async def run(data_dir: Path, *paths: Path, prune: bool = False) -> IngestReport:
    async with await Archive.open(data_dir, embedder=HashEmbedder()) as archive:
        report = await ingest_paths(archive, list(paths), prune=prune, batch_size=4)
        assert set(await archive.store.passage_states()) == archive.vectors.ids()
        return report


async def documents(data_dir: Path) -> list[dict[str, Any]]:
    """Every stored document with its body, by origin."""
    async with await Archive.open(data_dir, embedder=HashEmbedder()) as archive:
        listed = await archive.store.documents()
        found = [await archive.store.document(d["document_id"]) for d in listed]
    return sorted((d for d in found if d is not None), key=lambda d: d["origin"])


def rows(data_dir: Path, table: str, column: str = "source") -> list[str]:
    with sqlite3.connect(data_dir / "archive.db") as db:
        return sorted(r[0] for r in db.execute(f"SELECT {column} FROM {table}"))


def jsonl(path: Path, *pages: dict[str, object]) -> Path:
    path.write_text("".join(json.dumps(p) + "\n" for p in pages), encoding="utf-8")
    return path


def html(title: str, text: str, url: str | None = None) -> str:
    link = f'<link rel="canonical" href="{url}">' if url else ""
    return (
        f"<html><head><title>{title}</title>{link}</head><body><article><h1>{title}</h1>"
        f"<p>{text}</p></article></body></html>"
    )


def write_warc(path: Path, pages: list[tuple[str, str]]) -> Path:
    """A WARC file of HTML responses: ``(url, paragraph)``."""
    buffer = BytesIO()
    writer = WARCWriter(buffer, gzip=False)
    for url, text in pages:
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        body = html(text.split(".")[0], text).encode()
        writer.write_record(
            writer.create_warc_record(url, "response", payload=BytesIO(body), http_headers=headers)
        )
    path.write_bytes(buffer.getvalue())
    return path


# --- one file, one name ------------------------------------------------------------------------


async def test_a_file_typed_another_way_is_the_same_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(SEED, folder / "seed.txt")
    (tmp_path / "link.txt").symlink_to(folder / "seed.txt")
    monkeypatch.chdir(tmp_path)
    assert (await run(data, Path("in"))).pages_added == 1
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    for spelling in (folder / "seed.txt", Path("../in/./seed.txt"), tmp_path / "link.txt"):
        again = await run(data, spelling)
        assert (again.files_unchanged, again.pages_unchanged, again.pages_linked) == (1, 1, 0)
    [document] = await documents(data)
    assert document["origin"] == str((folder / "seed.txt").resolve())
    assert rows(data, "ingested_files") == [document["origin"]]
    assert rows(data, "document_aliases") == []


async def test_prune_from_another_directory_keeps_pages_whose_files_exist(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    (tmp_path / "samples").mkdir()
    shutil.copy(SEED, tmp_path / "samples" / "seed.txt")
    monkeypatch.chdir(tmp_path)
    await run(data, Path("samples"))
    other = tmp_path / "other"
    other.mkdir()
    (other / "h.txt").write_text("Harbour reopens\nThe harbour reopened on Monday.\n")
    monkeypatch.chdir(other)
    report = await run(data, other, prune=True)
    assert (report.pages_added, report.pages_pruned) == (1, 0)
    assert len(await documents(data)) == 2
    # Given from there by a relative path, the sample folder is pruned where its file is gone.
    (tmp_path / "samples" / "seed.txt").unlink()
    report = await run(data, Path("../samples"), prune=True)
    assert report.pages_pruned == 1
    assert [d["title"] for d in await documents(data)] == ["Harbour reopens"]


async def write_as_typed(data_dir: Path, spelling: str) -> str:
    """Archive a file the way ingest did before paths were resolved: origin and source as
    typed (relative to the current directory). Returns the document id."""
    path = Path(spelling)
    reader = reader_for(path)
    assert reader is not None and reader.name == "html"
    [page] = [item for item in reader.read(path) if isinstance(item, Page)]
    assert page.origin == spelling and page.url is None  # identified by its path
    document = build_document(page)
    prints = fingerprints(page.body)
    async with await Archive.open(data_dir, embedder=HashEmbedder()) as archive:
        await archive.save_document(document)
        await archive.store.set_source(document.document_id, spelling, prints.exact, prints.simhash)
        # As migration 8 records it: the file holds the page.
        await archive.store.record_file(
            spelling, file_digest(path, "html:"), 1, [document.document_id]
        )
        await archive.sync_vectors()
    return document.document_id


async def test_paths_recorded_as_typed_are_adopted_without_new_ids(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    folder = tmp_path / "site" / "in"
    folder.mkdir(parents=True)
    (folder / "page.html").write_text(html("Harbour", "The harbour reopened on Monday."))
    (folder / "gone.html").write_text(html("Bridge", "The bridge closed for repairs."))
    monkeypatch.chdir(tmp_path / "site")
    kept = await write_as_typed(data, "in/page.html")
    await write_as_typed(data, "in/gone.html")
    (folder / "gone.html").unlink()

    # From a directory where "in/page.html" means nothing, pruning an unrelated folder (or the
    # current one) removes nothing recorded as typed.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    (elsewhere / "note.txt").write_text("Ferry news\nThe ferry runs again.\n")
    report = await run(data, elsewhere, prune=True)
    assert (report.pages_added, report.pages_pruned) == (1, 0)

    # The same file, given by its absolute path from there: the recorded spelling is a tail of
    # it and the bytes are the recorded ones, so it is the same page, under the same id.
    report = await run(data, folder / "page.html")
    assert (report.files_unchanged, report.pages_unchanged, report.pages_linked) == (1, 1, 0)
    by_title = {d["title"]: d for d in await documents(data)}
    assert by_title["Harbour"]["document_id"] == kept
    assert by_title["Harbour"]["origin"] == str(folder / "page.html")
    assert str(folder / "page.html") in rows(data, "ingested_files")
    assert "in/page.html" not in rows(data, "ingested_files")

    # Edited, it is updated in place; from the folder it was typed in, the gone one is pruned.
    (folder / "page.html").write_text(html("Harbour", "The harbour reopened on Tuesday."))
    monkeypatch.chdir(tmp_path / "site")
    report = await run(data, Path("in"), prune=True)
    assert (report.pages_updated, report.pages_added, report.pages_pruned) == (1, 0, 1)
    titles = {d["title"]: d["document_id"] for d in await documents(data)}
    assert titles == {"Harbour": kept, "Ferry news": titles["Ferry news"]}


# --- several captures of one URL ---------------------------------------------------------------


async def test_a_remaining_capture_takes_the_place_of_a_pruned_one(tmp_path: Path) -> None:
    data = tmp_path / "data"
    folder = tmp_path / "cap"
    folder.mkdir()
    for name in "ab":
        text = (
            f"The library reopened after a long renovation (capture {name}). Visitors praised"
            f" the new reading rooms in capture {name}."
        )
        (folder / f"{name}.html").write_text(html("Library reopens", text, "https://ex.org/lib"))
    first = await run(data, folder)
    assert (first.pages_added, first.pages_updated) == (1, 1)  # b.html is the one kept
    (folder / "b.html").unlink()
    report = await run(data, folder, prune=True)
    assert report.pages_pruned == 0
    [document] = await documents(data)
    assert document["origin"] == str(folder / "a.html")
    assert "capture a" in document["body"]
    again = await run(data, folder, prune=True)
    assert (again.pages_unchanged, again.pages_pruned) == (1, 0)
    assert len(await documents(data)) == 1
    # With its last capture gone, the page goes.
    (folder / "a.html").unlink()
    (folder / "other.html").write_text(html("Other", "Another page entirely."))
    assert (await run(data, folder, prune=True)).pages_pruned == 1
    assert [d["title"] for d in await documents(data)] == ["Other"]


async def test_warc_captures_in_several_files(tmp_path: Path) -> None:
    data = tmp_path / "data"
    folder = tmp_path / "crawl"
    folder.mkdir()
    write_warc(
        folder / "one.warc",
        [
            ("https://a.example/harbour", "Harbour opens. The first capture of the harbour."),
            ("https://a.example/bridge", "Bridge closes. The bridge closed for repairs."),
        ],
    )
    write_warc(
        folder / "two.warc",
        [("https://a.example/harbour", "Harbour opens. The second capture of the harbour.")],
    )
    await run(data, folder)
    (folder / "two.warc").unlink()
    report = await run(data, folder, prune=True)
    assert report.pages_pruned == 0
    harbour = next(d for d in await documents(data) if d["url"].endswith("harbour"))
    assert "first capture" in harbour["body"]
    assert harbour["origin"].startswith(str(folder / "one.warc") + "#")


async def test_a_copy_linked_to_a_pruned_page_becomes_its_own_page(tmp_path: Path) -> None:
    data = tmp_path / "data"
    folder = tmp_path / "in"
    folder.mkdir()
    body = " ".join(
        f"Sentence number {i} about the harbour wall and its repair." for i in range(30)
    )
    jsonl(folder / "a.jsonl", {"url": "https://a.example/story", "text": body})
    jsonl(folder / "b.jsonl", {"url": "https://mirror.example/story", "text": body + " Copy."})
    first = await run(data, folder)
    assert (first.pages_added, first.pages_linked) == (1, 1)
    (folder / "a.jsonl").unlink()
    report = await run(data, folder, prune=True)
    assert (report.pages_pruned, report.pages_added) == (1, 1)
    assert [d["url"] for d in await documents(data)] == ["https://mirror.example/story"]
    assert rows(data, "document_aliases", "identity") == []


# --- pages taken out of a file of many ---------------------------------------------------------


ALPHA = {"url": "https://ex.org/alpha", "title": "Alpha", "text": "Alpha story about a parade."}
BETA = {"url": "https://ex.org/beta", "title": "Beta", "text": "Beta story about a museum robbery."}
GAMMA = {"title": "Gamma", "text": "Gamma story about a storm at sea."}
DELTA = {"title": "Delta", "text": "Delta story about the town budget."}
EPSILON = {"title": "Epsilon", "text": "Epsilon story about a new school."}


async def test_lines_taken_out_of_a_jsonl_file_are_pruned(tmp_path: Path) -> None:
    data = tmp_path / "data"
    folder = tmp_path / "in"
    folder.mkdir()
    source = jsonl(folder / "p.jsonl", ALPHA, BETA, GAMMA, DELTA)
    await run(data, folder)
    ids = {d["title"]: d["document_id"] for d in await documents(data)}

    # An edited url-less line is the same page, updated in place: no old version beside it.
    jsonl(
        source, ALPHA, BETA, GAMMA | {"text": "Gamma story about a storm at sea, revised."}, DELTA
    )
    report = await run(data, folder)
    assert (report.pages_updated, report.pages_added) == (1, 0)
    listed = {d["title"]: d["document_id"] for d in await documents(data)}
    assert listed == ids

    # Lines taken out (Beta, and the last line's place): with --prune they go, the rest stay.
    jsonl(source, ALPHA, GAMMA, DELTA)
    report = await run(data, folder, prune=True)
    titles = sorted(d["title"] for d in await documents(data))
    assert titles == ["Alpha", "Delta", "Gamma"]
    origins = {d["title"]: d["origin"] for d in await documents(data)}
    assert origins == {"Alpha": f"{source}:1", "Gamma": f"{source}:2", "Delta": f"{source}:3"}
    async with await Archive.open(data, embedder=HashEmbedder()) as archive:
        hits = await archive.search("museum robbery", limit=5)
    assert all("Beta" not in hit.passage.text for hit in hits)


async def test_repeated_lines_without_url_are_told_apart(tmp_path: Path) -> None:
    data = tmp_path / "data"
    source = jsonl(tmp_path / "p.jsonl", GAMMA, GAMMA, GAMMA | {"comments": [{"text": "Wet."}]})
    report = await run(data, source)
    # The same text twice is a copy, linked; with a comment of its own, a page.
    assert (report.pages_added, report.pages_linked) == (2, 1)
    assert len(rows(data, "document_aliases", "identity")) == 1
    jsonl(source, GAMMA)
    report = await run(data, source, prune=True)
    assert (report.pages_unchanged, report.pages_pruned) == (1, 1)
    assert rows(data, "document_aliases", "identity") == []
    [document] = await documents(data)
    assert document["comments"] == []


async def test_records_taken_out_of_a_warc_file_are_pruned(tmp_path: Path) -> None:
    data = tmp_path / "data"
    harbour = ("https://a.example/harbour", "Harbour opens. The harbour opened.")
    bridge = ("https://a.example/bridge", "Bridge closes. The bridge closed for repairs.")
    source = write_warc(tmp_path / "crawl.warc", [harbour, bridge])
    await run(data, source)
    write_warc(source, [harbour])
    report = await run(data, source, prune=True)
    assert report.pages_pruned == 1
    assert [d["url"] for d in await documents(data)] == ["https://a.example/harbour"]


# --- links inside folders ----------------------------------------------------------------------


async def test_links_that_lead_nowhere_are_reported(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(SEED, folder / "seed.txt")
    (folder / "dangling.txt").symlink_to(tmp_path / "nowhere.txt")
    (folder / "loop.html").symlink_to(folder / "loop.html")
    (folder / "sub").symlink_to(tmp_path, target_is_directory=True)
    report = await run(tmp_path / "data", folder)
    assert report.pages_added == 1
    reasons = {Path(s.path).name: s.reason for s in report.skipped}
    assert reasons["dangling.txt"].startswith("broken symbolic link")
    assert str(tmp_path / "nowhere.txt") in reasons["dangling.txt"]
    assert reasons["loop.html"] == "symbolic link loop"
    assert reasons["sub"].startswith("symbolic link to a directory")
    given = await run(tmp_path / "data", folder / "dangling.txt")
    assert given.skipped[0].reason.startswith("broken symbolic link")


async def test_a_page_read_again_by_prune_is_counted_once(tmp_path: Path) -> None:
    """The page's address changes: its new capture is first linked to the old page, which prune
    then removes, so the file is read again and the page added. One page, one outcome."""
    data = tmp_path / "data"
    folder = tmp_path / "in"
    folder.mkdir()
    page = folder / "a.html"
    text = "The library reopened after a renovation that took three long years to finish."
    page.write_text(html("Library reopens", text, "https://ex.org/old"))
    await run(data, folder)
    page.write_text(html("Library reopens", text, "https://ex.org/new"))
    report = await run(data, folder, prune=True)
    assert report.pages_ingested == 1
    assert (report.pages_added, report.pages_linked, report.pages_pruned) == (1, 0, 1)
    [document] = await documents(data)
    assert document["url"] == "https://ex.org/new"
