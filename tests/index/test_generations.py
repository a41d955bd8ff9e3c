"""Generations of the vectors: a rebuild writes a whole new one beside the live one and switches
to it in one transaction; asks keep being answered across the switch; a rebuild killed at any
point leaves the old generation serving, and the next start removes what it built."""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, settings_for

from bot.answering.engine import Engine
from index.archive import Archive
from index.embedder import HashEmbedder
from index.models import SearchFilters
from ingest.pipeline import ingest_paths
from ingest.rebuild import rebuild

WORKER = Path(__file__).with_name("rebuild_worker.py")
VOCABULARY = "harbour council storm wall boats fund quay engineers tide repair".split()


def make_corpus(folder: Path, pages: int = 60) -> Path:
    folder.mkdir()
    rng = random.Random(11)
    with (folder / "export.jsonl").open("w", encoding="utf-8") as out:
        for number in range(pages):
            sentences = [
                " ".join(rng.choice(VOCABULARY) for _ in range(10)).capitalize() + "."
                for _ in range(12)
            ]
            page = {
                "url": f"https://a.example/{number}",
                "title": f"Page {number}",
                "text": "\n\n".join(" ".join(sentences[i : i + 3]) for i in range(0, 12, 3)),
            }
            out.write(json.dumps(page) + "\n")
    return folder


async def build_archive(data_dir: Path, corpus: Path) -> None:
    async with await Archive.open(data_dir, embedder=HashEmbedder()) as archive:
        await ingest_paths(archive, [corpus])


def archive_collections(archive: Archive) -> set[str]:
    prefix = f"archive_{archive.archive_id}_v"
    return {n for n in archive.vectors.collection_names() if n.startswith(prefix)}


def tables(data_dir: Path) -> set[str]:
    db = sqlite3.connect(data_dir / "archive.db")
    try:
        return {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    finally:
        db.close()


async def test_asks_are_answered_across_a_rebuild(tmp_path: Path) -> None:
    data_dir = tmp_path / "archive"
    await build_archive(data_dir, make_corpus(tmp_path / "corpus"))
    async with await Engine.open(settings_for(data_dir), embedder=HashEmbedder()) as engine:
        assert (await engine.stats())["index_version"] == 1
        switch: dict[str, float] = {}
        asks: list[tuple[float, float, int, str]] = []
        failures: list[BaseException] = []
        rebuilt = asyncio.Event()

        async def keep_asking() -> None:
            # Until a few asks after the rebuild returned: each records when it ran and the
            # generation stats named right after it.
            after = 0
            while after < 5:
                started = time.monotonic()
                try:
                    answer = await engine.ask("What did the council say about the harbour wall?")
                    stats = await engine.stats()
                except Exception as error:  # every failed ask is a failure of the test
                    failures.append(error)
                    continue
                assert answer.answered
                asks.append(
                    (started, time.monotonic(), stats["index_version"], stats["collection"])
                )
                if rebuilt.is_set():
                    after += 1
                await asyncio.sleep(0)

        asker = asyncio.create_task(keep_asking())
        writer = await engine.archive.writer()
        switch_generation = writer.store.switch_generation

        async def timed_switch(*args: object) -> int:
            switch["start"] = time.monotonic()
            old = await switch_generation(*args)  # type: ignore[arg-type]
            switch["end"] = time.monotonic()
            return old

        writer.store.switch_generation = timed_switch  # type: ignore[method-assign]
        try:
            report = await rebuild(writer, batch_size=4)
        finally:
            await writer.close()
        rebuilt.set()
        await asyncio.wait_for(asker, 60)

        assert failures == []
        assert (report.old_generation, report.new_generation) == (1, 2)
        before = [a for a in asks if a[1] < switch["start"]]
        after = [a for a in asks if a[0] > switch["end"]]
        assert before and after, "asks ran on both sides of the switch"
        assert {version for _, _, version, _ in before} == {1}
        assert {version for _, _, version, _ in after} == {2}
        assert {name for *_, name in before} == {f"archive_{engine.archive.archive_id}_v1"}
        assert {name for *_, name in after} == {report.collection}
        # The old generation is gone, and the new one holds exactly SQLite's passages.
        assert archive_collections(engine.archive) == {report.collection}
        assert set(await engine.archive.store.passage_states()) == engine.archive.vectors.ids()
        assert "passage_vectors_next" not in tables(data_dir)


async def test_a_failed_rebuild_leaves_the_old_generation_serving(tmp_path: Path) -> None:
    data_dir = tmp_path / "archive"
    await build_archive(data_dir, make_corpus(tmp_path / "corpus", pages=10))

    class Failing(HashEmbedder):
        calls = 0

        def embed(self, texts: list[str]):  # type: ignore[no-untyped-def]
            Failing.calls += 1
            if Failing.calls > 3:
                raise RuntimeError("the model fell over")
            return super().embed(texts)

    async with await Archive.open(data_dir, embedder=Failing()) as archive:
        archive.embed_model = "hash-64"
        try:
            await rebuild(archive, batch_size=2)
        except RuntimeError:
            pass
        else:
            raise AssertionError("the rebuild should have failed")
        assert archive.index_version == 1
        assert len(archive_collections(archive)) == 2  # the partial one stays until a start
    async with await Engine.open(settings_for(data_dir), embedder=HashEmbedder()) as engine:
        stats = await engine.stats()
        assert stats["index_version"] == 1
        assert archive_collections(engine.archive) == {stats["collection"]}
        assert await engine.archive.store.generations() == [
            {**row, "state": "live"} for row in await engine.archive.store.generations()
        ]
        assert "passage_vectors_next" not in tables(data_dir)
        assert (await engine.ask("the harbour wall")).answered


def kill_midway(data_dir: Path, env: dict[str, str], delay: float) -> tuple[bool, float]:
    """Start a rebuild in a subprocess and SIGKILL it ``delay`` seconds after it is ready,
    unless it ended first: whether it was cut short, and how long it ran after ready."""
    worker = subprocess.Popen(
        [sys.executable, str(WORKER), str(data_dir)], stdout=subprocess.PIPE, env=env
    )
    assert worker.stdout is not None
    assert worker.stdout.readline().strip() == b"ready"
    ready = time.monotonic()
    try:
        worker.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    ran = time.monotonic() - ready
    return b"done" not in worker.stdout.read(), ran


async def test_killed_rebuilds_leave_the_old_generation_serving(tmp_path: Path) -> None:
    data_dir = tmp_path / "archive"
    await build_archive(data_dir, make_corpus(tmp_path / "corpus"))
    async with await Archive.open(data_dir, embedder=HashEmbedder()) as archive:
        expected = set(await archive.store.passage_states())
    env = os.environ | {"PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests")])}
    rng = random.Random(13)
    # One rebuild left to finish says how long one takes (loaded machines are slower), so the
    # kills land at random points inside it.
    cut, duration = kill_midway(data_dir, env, 120.0)
    assert not cut
    served: list[int] = []
    cut_short = 0
    for _ in range(6):
        cut_short += kill_midway(data_dir, env, rng.uniform(0.0, 0.9 * duration))[0]
        # The next start: what the killed rebuild built is gone, one generation serves, and it
        # holds exactly SQLite's passages.
        async with await Engine.open(settings_for(data_dir), embedder=HashEmbedder()) as engine:
            stats = await engine.stats()
            served.append(stats["index_version"])
            assert archive_collections(engine.archive) == {stats["collection"]}
            assert not {"passage_vectors_next", "sentence_vectors_next"} & tables(data_dir)
            states = await engine.archive.store.passage_states()
            assert set(states) == expected and all(states.values())
            assert engine.archive.vectors.ids() == expected
            assert await engine.archive.store.vector_count() == len(expected)
            assert [g["state"] for g in await engine.archive.store.generations()].count("live") == 1
            assert (await engine.ask("What about the harbour wall?")).answered
    # Generations only move forward, and each kill left one serving.
    assert served == sorted(served)
    assert cut_short >= 5, "most kills landed inside the rebuild"


async def test_an_archive_opened_before_a_switch_elsewhere_keeps_the_new_generation(
    tmp_path: Path,
) -> None:
    """A bot opened on generation 1 while another process rebuilt to 2: its next ingest removes
    partial generations by SQLite's pointer, not by the collection it had open."""
    data_dir = tmp_path / "archive"
    corpus = make_corpus(tmp_path / "corpus", pages=8)
    await build_archive(data_dir, corpus)
    async with await Archive.open(data_dir, embedder=HashEmbedder()) as stale:
        async with await Archive.open(data_dir, embedder=HashEmbedder()) as other:
            report = await rebuild(other)
        assert stale.index_version == 1
        await ingest_paths(stale, [corpus])
        assert stale.index_version == 2
        assert archive_collections(stale) == {report.collection}
        assert stale.vectors.ids() == set(await stale.store.passage_states())


async def test_a_rebuild_fits_the_new_generations_own_projection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A generation as large as an archive that projects is switched to with a projection
    fitted on its own sentence vectors, and searched through it."""
    import index.generations

    data_dir = tmp_path / "archive"
    corpus = make_corpus(tmp_path / "corpus")
    async with await Archive.open(data_dir, embedder=HashEmbedder(384)) as archive:
        await ingest_paths(archive, [corpus])
        assert await archive.store.get_meta("vector_projection") is None
        monkeypatch.setattr(index.generations, "PROJECTION_MIN_PASSAGES", 10)
        await rebuild(archive)
        assert await archive.store.get_meta("vector_projection") is not None
        hits = await archive.search("council harbour wall", SearchFilters(kind="article"))
        assert hits and hits[0].dense_rank is not None
        stored = await archive.sentence_vectors([hits[0].passage.passage_id])
        spans, vectors = stored[hits[0].passage.passage_id]
        assert vectors.shape == (len(spans), 384)
