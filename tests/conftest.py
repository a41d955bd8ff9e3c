"""Shared fixtures: the real model loaded once per run, the seed archive ingested once."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.answering.engine import Engine
from bot.settings import Settings
from index.archive import Archive
from index.embedder import Embedder, HashEmbedder, load_embedder
from ingest.pipeline import ingest_paths

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
SEED = SAMPLES / "000_a5305e4fcb3fe65c.txt"

MODEL = "all-MiniLM-L6-v2"


@pytest.fixture(scope="session")
def model() -> Embedder:
    """The bundled all-MiniLM-L6-v2, loaded once (``load_embedder`` caches per process)."""
    return load_embedder(MODEL)


@pytest.fixture
def hash_embedder() -> HashEmbedder:
    return HashEmbedder()


def settings_for(data_dir: Path, **overrides: object) -> Settings:
    # _env_file=None: a developer's .env must not leak into the tests.
    return Settings(_env_file=None, data_dir=data_dir, **overrides)  # type: ignore[call-arg]


@pytest.fixture(scope="session")
def seeded_dir(tmp_path_factory: pytest.TempPathFactory, model: Embedder) -> Path:
    """An archive holding the seed page, ingested with the real model. Read-only for tests:
    use ``seeded_copy`` to change it."""
    data_dir = tmp_path_factory.mktemp("seeded")

    async def build() -> None:
        async with await Archive.open(data_dir, embedder=model) as archive:
            await ingest_paths(archive, [SEED])

    asyncio.run(build())
    return data_dir


@pytest.fixture
def seeded_copy(seeded_dir: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "archive"
    shutil.copytree(seeded_dir, copy)
    return copy


@pytest.fixture
async def seeded_engine(seeded_dir: Path, model: Embedder) -> AsyncIterator[Engine]:
    async with await Engine.open(settings_for(seeded_dir), embedder=model) as engine:
        yield engine


def one_line_page(path: Path, sentences: int) -> Path:
    """A plain-text scrape whose article is one huge line: one page of many passages (about
    one per six sentences)."""
    line = " ".join(
        f"Sentence {n} tells of the harbour works in district {n % 97} and the people there."
        for n in range(sentences)
    )
    path.write_text(f"Harbour works\n{line}\n")
    return path
