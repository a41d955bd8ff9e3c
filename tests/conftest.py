"""Shared fixtures: the real model loaded once per run, the seed archive ingested once."""

from __future__ import annotations

import asyncio
import json
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
    return ingested(tmp_path_factory.mktemp("seeded"), model, SEED)


def ingested(data_dir: Path, model: Embedder, source: Path) -> Path:
    """``data_dir`` holding an archive of ``source``, ingested with ``model``."""

    async def build() -> None:
        async with await Archive.open(data_dir, embedder=model) as archive:
            await ingest_paths(archive, [source])

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


# Four outlets' coverage: three report the Elm Street bridge collapse in their own words (one
# with a name written with accents, one with a reader's comment on it), one covers only a
# football match, and its page has a date read from the text.
OUTLET_PAGES = [
    {
        "url": "https://harbourherald.example/news/bridge",
        "site": "Harbour Herald",
        "title": "Elm Street bridge collapses after storm",
        "published": "2023-04-12",
        "text": (
            "The Elm Street bridge collapsed on Tuesday night after three days of heavy rain.\n\n"
            "Engineers said floodwater had undermined the bridge's northern pier, which gave way "
            "shortly before midnight. Two drivers were injured and taken to hospital.\n\n"
            "The city council had been warned about cracks in the pier in 2021."
        ),
        "comments": [
            {
                "author": "Mara Quinn",
                "text": "The council ignored the cracks in that bridge for two years; "
                "the collapse was a matter of time & money.",
            }
        ],
    },
    {
        "url": "https://valleytimes.example/2023/04/bridge-failure",
        "site": "Valley Times",
        "title": "Bridge failure blamed on flood damage",
        "published": "2023-04-13",
        "text": (
            "Investigators blamed the collapse of the Elm Street bridge on flood damage to its "
            "foundations.\n\n"
            "The river rose by four metres in two days, scouring the riverbed around the piers. "
            "Traffic is being diverted over the Oak Road crossing."
        ),
        "comments": [
            {
                "author": "Tom Baker",
                "text": "Scour at the piers was flagged by inspectors years ago. "
                "Nobody {fixed} it: 100% avoidable, #shame.",
            }
        ],
    },
    {
        "url": "https://gazette-regionale.example/pont",
        "site": "Gazette Régionale",
        "title": "Collapse of the Elm Street bridge",
        "published": "2023-04-14",
        "text": (
            "The Elm Street bridge fell into the river after its northern pier was washed out "
            "by the flood.\n\nRepairs are expected to take at least eighteen months."
        ),
    },
    {
        "url": "https://coastcourier.example/sport/final",
        "site": "Coast Courier",
        "title": "Rovers win the cup final",
        "text": (
            "Rovers won the cup final 3-1 on Saturday in front of a sold-out stadium.\n\n"
            "Their captain scored twice in the second half."
        ),
    },
]


@pytest.fixture(scope="session")
def outlets_dir(tmp_path_factory: pytest.TempPathFactory, model: Embedder) -> Path:
    """An archive of ``OUTLET_PAGES`` (four sites), ingested with the real model. Read-only."""
    pages = tmp_path_factory.mktemp("outlet-pages") / "pages.jsonl"
    pages.write_text("\n".join(json.dumps(page) for page in OUTLET_PAGES), encoding="utf-8")
    return ingested(tmp_path_factory.mktemp("outlets"), model, pages)
