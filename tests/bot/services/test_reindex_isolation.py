"""Asks during a re-index: they never fail and never see a page before it is committed whole."""

from __future__ import annotations

import asyncio
from pathlib import Path

from conftest import settings_for

from bot.answering.engine import Engine
from bot.services.reindex import Reindexer
from index.embedder import Embedder
from index.models import DocumentRecord, SearchFilters
from index.store import Store

PAGES = 40


def _archive_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "pages"
    folder.mkdir()
    for n in range(PAGES):
        paragraphs = "\n\n".join(
            f"Harbour report {n}: the ferry number {n} sailed at {k} o'clock with {n + k} "
            f"passengers, the council said on day {k}."
            for k in range(12)
        )
        (folder / f"page{n:02}.txt").write_text(f"Harbour news {n}\n\n{paragraphs}\n")
    return folder


async def test_asks_keep_working_while_a_reindex_writes(
    tmp_path: Path, seeded_copy: Path, model: Embedder
) -> None:
    folder = _archive_folder(tmp_path)
    async with await Engine.open(settings_for(seeded_copy), embedder=model) as engine:
        reindexer = Reindexer(engine, folder)
        task = reindexer.start(reindexer.resolve(None))
        answered = 0
        while not task.done():
            answer = await engine.ask("How many passengers did the ferry carry?")
            answered += 1
            for quote in answer.quotes:
                source = await engine.source(quote.passage_id)
                assert source["text"][quote.start : quote.end] == quote.text
        report = await task
        hits = await engine.search("ferry passengers harbour")
        listed = await engine.sources()
    assert answered >= 3  # the asks really ran during the re-index
    assert report.pages_added == PAGES and not report.skipped
    # once the re-index is over, the engine's own connection sees every new page
    assert len(listed["documents"]) == 1 + PAGES
    assert hits and "passengers" in hits[0].passage.text


async def test_asks_never_see_a_page_before_it_is_committed(
    tmp_path: Path, seeded_copy: Path, model: Embedder, monkeypatch
) -> None:
    """The re-index is held inside its first page's transaction: questions and listings asked
    meanwhile see the archive as it was, and do not fail."""
    folder = _archive_folder(tmp_path)
    inside, release = asyncio.Event(), asyncio.Event()
    original = Store._upsert_document_row

    async def held(self: Store, document: DocumentRecord) -> None:
        await original(self, document)
        if not release.is_set():
            inside.set()
            await release.wait()

    monkeypatch.setattr(Store, "_upsert_document_row", held)
    async with await Engine.open(settings_for(seeded_copy), embedder=model) as engine:
        reindexer = Reindexer(engine, folder)
        task = reindexer.start(reindexer.resolve(None))
        await asyncio.wait_for(inside.wait(), timeout=60)
        listed = await engine.sources()
        answer = await engine.ask("How many passengers did the ferry carry?")
        release.set()
        await task
        after = await engine.sources()
    assert len(listed["documents"]) == 1  # only the seed: the open transaction is invisible
    assert all("passengers" not in quote.text for quote in answer.quotes)
    assert len(after["documents"]) == 1 + PAGES


async def test_filters_see_what_a_reindex_added(
    tmp_path: Path, seeded_copy: Path, model: Embedder
) -> None:
    """A filter that admitted nothing before the re-index admits its new pages after it."""
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "gazette.txt").write_text(
        "Harbour news\n\nSupport Gazette\n\nThe ferry sailed at noon with forty passengers.\n\n"
        "Notify of\nView all comments\n\nGreat news for the island.\n"
    )
    gazette = SearchFilters(site="Gazette")
    async with await Engine.open(settings_for(seeded_copy), embedder=model) as engine:
        assert await engine.search("ferry passengers", gazette) == []
        reindexer = Reindexer(engine, folder)
        await reindexer.start(reindexer.resolve(None))
        hits = await engine.search("ferry passengers", gazette)
        dense = [hit for hit in hits if hit.dense_rank is not None]
    assert hits and hits[0].passage.site == "Gazette"
    assert dense, "dense search still answers from the count cached before the re-index"
