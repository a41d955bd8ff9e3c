"""An ingest killed (SIGKILL) at random points is finished by the next run: the same passage
ids as an uninterrupted ingest, and SQLite and chromadb holding exactly the same ids."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import ROOT

from index.archive import Archive
from index.embedder import HashEmbedder
from ingest.pipeline import ingest_paths

WORKER = Path(__file__).with_name("ingest_worker.py")
KILLS = 10


def make_corpus(folder: Path, pages: int = 120) -> Path:
    folder.mkdir()
    rng = random.Random(7)
    vocabulary = "harbour council storm wall boats fund quay engineers tide repair".split()
    with (folder / "export.jsonl").open("w", encoding="utf-8") as out:
        for number in range(pages):
            sentences = [
                " ".join(rng.choice(vocabulary) for _ in range(12)).capitalize() + "."
                for _ in range(20)
            ]
            page = {
                "url": f"https://a.example/{number}",
                "title": f"Page {number}",
                "text": "\n\n".join(" ".join(sentences[i : i + 4]) for i in range(0, 20, 4)),
                "comments": [{"author": f"reader{number}", "text": f"Comment on {number}."}],
            }
            out.write(json.dumps(page) + "\n")
    return folder


def kill_midway(data_dir: Path, corpus: Path, env: dict[str, str], delay: float) -> None:
    """Start an ingest in a subprocess and SIGKILL it ``delay`` seconds after it is ready."""
    worker = subprocess.Popen(
        [sys.executable, str(WORKER), str(data_dir), str(corpus)], stdout=subprocess.PIPE, env=env
    )
    assert worker.stdout is not None
    assert worker.stdout.readline().strip() == b"ready"
    time.sleep(delay)
    worker.send_signal(signal.SIGKILL)
    worker.wait()


async def ids(data_dir: Path) -> tuple[set[str], set[str]]:
    async with await Archive.open(data_dir, embedder=HashEmbedder()) as archive:
        in_sqlite = set(await archive.store.passage_states())
        in_chroma = archive.vectors.ids()
    return in_sqlite, in_chroma


async def finish(data_dir: Path, corpus: Path) -> None:
    async with await Archive.open(data_dir, embedder=HashEmbedder()) as archive:
        await ingest_paths(archive, [corpus])


async def test_killed_ingests_are_repaired_by_the_next_run(tmp_path: Path) -> None:
    corpus = make_corpus(tmp_path / "corpus")
    reference = tmp_path / "reference"
    await finish(reference, corpus)
    expected, expected_vectors = await ids(reference)
    assert expected == expected_vectors and expected

    rng = random.Random(2024)
    env = os.environ | {"PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests")])}
    data_dir = tmp_path / "killed"
    for _ in range(KILLS):
        kill_midway(data_dir, corpus, env, rng.uniform(0.0, 1.5))
        # Each rerun (the kill may have landed anywhere, or after the end) repairs the archive.
        await finish(data_dir, corpus)
        in_sqlite, in_chroma = await ids(data_dir)
        assert in_sqlite == expected
        assert in_chroma == expected
        # The next round starts from a fresh archive half the time, from the repaired one else.
        if rng.random() < 0.5:
            data_dir = tmp_path / f"killed-{rng.randrange(10**9)}"
