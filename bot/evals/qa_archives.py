"""The archives ``archivist eval qa`` compares on: each half of the set (dev, test) with the gold
passages kept or removed, built once from one archive's stored vectors (``ReusedVectors``)
instead of embedding every passage again.
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import numpy as np

from bot.answering.engine import Engine
from bot.evals.qa_data import (
    Question,
    build_archive,
)
from bot.settings import Settings
from index.store import embedded_passages
from ingest.page import Page


class ReusedVectors:
    """An embedder that answers from vectors an archive already holds (the SQLite copies of the
    passage and sentence vectors) and asks the real model only for new texts: the half
    archives of ``--remove-gold`` hold the same passages as the full one, so they are not
    embedded again."""

    def __init__(self, inner: Any, data_dir: Path) -> None:
        self.name = inner.name
        self.dimension = inner.dimension
        self._inner = inner
        self._known: dict[str, np.ndarray] = {}
        for text, vector, offsets, rows in embedded_passages(data_dir / "archive.db"):
            self._known[text] = vector
            for (start, end), row in zip(offsets, rows, strict=True):
                self._known[text[start:end]] = row

    def embed(self, texts: list[str]) -> np.ndarray:
        missing = [t for t in texts if t not in self._known]
        fresh = dict(zip(missing, self._inner.embed(missing), strict=True)) if missing else {}
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.vstack([self._known.get(t, fresh.get(t)) for t in texts]).astype(np.float32)


async def half_archives(
    settings: Settings,
    embedder: Any,
    pages: list[Page],
    distractors: list[Page],
    cache: Path,
    key: str,
) -> AsyncIterator[tuple[int, Engine]]:
    """Two engines, each over the distractors and half the paragraphs (alternating): the
    questions of paragraph ``index % 2 != half`` have no gold in that half's archive."""
    if embedder is None:
        from index.embedder import load_embedder

        embedder = load_embedder(settings.embed_model, settings.embed_device)
    embedder = ReusedVectors(embedder, cache / f"{key}-full")
    for half in (0, 1):
        data_dir = cache / f"{key}-half{half}"
        kept = [page for index, page in enumerate(pages) if index % 2 == half]
        await build_archive(data_dir, distractors + kept, settings, embedder)
        async with await Engine.open(
            settings.model_copy(update={"data_dir": data_dir}), embedder=embedder
        ) as engine:
            yield half, engine


async def remove_gold(
    args: argparse.Namespace,
    settings: Settings,
    embedder: Any,
    pages: list[Page],
    distractors: list[Page],
    questions: list[Question],
    cache: Path,
    key: str,
) -> dict[str, Any]:
    """Ask each question of an archive holding the other half of the paragraphs (alternating),
    so its own paragraph is absent: the right answer is to decline."""
    declined = 0
    confidences: list[tuple[float, str]] = []
    split = {"dev": [0, 0], "test": [0, 0]}
    dev_articles: int | None = getattr(args, "dev_articles", None)
    async for half, engine in half_archives(settings, embedder, pages, distractors, cache, key):
        for question in questions:
            if question.paragraph % 2 != half:
                answer = await engine.ask(question.text)
                declined += not answer.answered
                name = (
                    "dev"
                    if dev_articles is not None and question.article < dev_articles
                    else "test"
                )
                confidences.append((answer.confidence, name))
                if dev_articles is not None:
                    split[name][0] += not answer.answered
                    split[name][1] += 1
    return {
        "questions": len(questions),
        "declined": round(declined / max(len(questions), 1), 3),
        "declined_by_split": {name: round(d / n, 3) for name, (d, n) in split.items() if n},
        "confidences": confidences,
    }
