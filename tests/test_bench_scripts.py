"""The benchmarks start the way the Makefile starts them. They are not run here (speed targets
live in ``make bench``), but a script that cannot even import its modules would only be found
by the next person who needs its figures."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT

from index.archive import Archive
from index.embedder import HashEmbedder
from ingest.chunking import build_document
from ingest.page import Page


@pytest.mark.parametrize(
    "command",
    [
        ["bench/discord_load.py", "--help"],
        ["bench/discord_reindex.py", "--help"],
        ["-m", "bench", "--help"],
    ],
    ids=["bench-discord", "bench-discord-reindex", "bench"],
)
def test_a_benchmark_starts_as_make_starts_it(command: list[str]) -> None:
    # Run from the checkout like make does: a script's own folder, not the checkout, is first on
    # its path, so the test folders' namesakes of the packages must not shadow them.
    run = subprocess.run(
        [sys.executable, *command], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "usage:" in run.stdout


class _Index:
    """A stand-in for ``VectorIndex``: its vectors in two pages and a search to judge."""

    def __init__(self, vectors: np.ndarray, search: str) -> None:
        self.vectors, self.search = vectors, search

    def pages_of_vectors(self):  # type: ignore[no-untyped-def]
        ids = [f"p{i}" for i in range(len(self.vectors))]
        yield ids[:50], self.vectors[:50]
        yield ids[50:], self.vectors[50:]

    def query(self, vector: np.ndarray, limit: int) -> list[tuple[str, float]]:
        scores = self.vectors @ vector
        order = np.argsort(-scores) if self.search == "exact" else np.argsort(scores)
        return [(f"p{i}", float(scores[i])) for i in order[:limit]]


def test_vector_recall_compares_the_search_with_an_exact_one() -> None:
    from bench.ask_latency import vector_recall

    rng = np.random.default_rng(5)
    vectors = rng.standard_normal((120, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    queries = rng.standard_normal((7, 16)).astype(np.float32)
    assert vector_recall(_Index(vectors, "exact"), queries, 10) == 1.0  # type: ignore[arg-type]
    assert vector_recall(_Index(vectors, "farthest"), queries, 10) == 0.0  # type: ignore[arg-type]


async def test_a_chroma_server_on_an_archives_folder_serves_its_own_vectors(
    tmp_path: Path, hash_embedder: HashEmbedder
) -> None:
    # bench ask --chroma-server asks the very archive it measured embedded, through a server.
    from bench.chroma_server import start_chroma, stop_chroma

    async with await Archive.open(tmp_path / "data", embedder=hash_embedder) as archive:
        await archive.save_document(
            build_document(Page(origin="/a.txt", format="text", body=["Storm hits the harbour."]))
        )
        await archive.sync_vectors()
        query = (await archive.embed(["harbour storm"]))[0]
        embedded = await archive.nearest(query, 5)
    with (tmp_path / "chroma.log").open("wb") as log:
        server, url = start_chroma(tmp_path / "data" / "chroma", log)
        try:
            async with await Archive.open(
                tmp_path / "data", embedder=hash_embedder, chroma_url=url
            ) as served:
                assert [pid for pid, _ in await served.nearest(query, 5)] == [
                    pid for pid, _ in embedded
                ]
                assert embedded
        finally:
            stop_chroma(server)
    assert server.returncode is not None
