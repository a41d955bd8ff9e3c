"""The optional sentence reranker (RERANK_MODEL): its score re-orders the best candidate
sentences, a tiny cross-encoder built here loads and answers through the engine, and a model
that cannot load stops the start with a clear error."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from conftest import settings_for

from bot.answering.answer import abstention_off, compose
from bot.answering.engine import Engine
from bot.answering.rerank import RerankerUnavailable, load_reranker
from bot.evals.rerank_training import cloze
from bot.terminal.cli import main
from index.archive import Archive
from index.embedder import HashEmbedder, bundled_model_path
from index.models import Hit, Passage
from index.text import sentence_spans
from ingest.chunking import build_document
from ingest.page import Page

TEXT = (
    "The harbour bridge opened in 1932 after eight years of work. "
    "Engineers from Leeds designed its steel arch. "
    "It carries eight lanes of traffic."
)


@pytest.fixture(scope="module")
def tiny_cross_encoder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cross-encoder of two tiny layers with random weights, with the bundled tokenizer:
    what RERANK_MODEL loads, built without the network in a second."""
    import torch
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    torch.manual_seed(0)
    out = tmp_path_factory.mktemp("tiny-cross-encoder")
    tokenizer = AutoTokenizer.from_pretrained(bundled_model_path())
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=16,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=128,
        num_labels=1,
    )
    BertForSequenceClassification(config).save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


def _inputs() -> tuple[list[Hit], list[tuple[Hit, object]]]:
    passage = Passage("p1", "d1", "article", 0, TEXT, None, "Harbour", None, None, None)
    hit = Hit(passage, 1.0, similarity=0.5)
    return [hit], [(hit, span) for span in sentence_spans(TEXT)]


def test_the_rerankers_favourite_is_quoted_first() -> None:
    hits, sentences = _inputs()
    vectors = np.zeros((len(sentences), 4))

    def favours_lanes(question: str, texts: Sequence[str]) -> np.ndarray:
        # A margin beyond any the features make (the dated sentence holds what "when" asks).
        return np.array([50.0 if "lanes" in t else 0.0 for t in texts])

    with abstention_off():
        plain = compose("When did the bridge open?", np.zeros(4), hits, vectors, sentences)  # type: ignore[arg-type]
        reranked = compose(
            "When did the bridge open?",
            np.zeros(4),
            hits,
            vectors,
            sentences,  # type: ignore[arg-type]
            reranker=favours_lanes,
        )
    assert "lanes" not in plain.quotes[0].text
    assert "lanes" in reranked.quotes[0].text
    assert TEXT[reranked.quotes[0].start : reranked.quotes[0].end] == reranked.quotes[0].text


def test_a_tiny_cross_encoder_loads_and_answers(tiny_cross_encoder: Path, tmp_path: Path) -> None:
    score = load_reranker(str(tiny_cross_encoder))
    scores = score("When did the bridge open?", ["It opened in 1932.", "It is grey."])
    assert scores.shape == (2,) and np.all(np.isfinite(scores))


async def test_the_engine_asks_with_the_reranker(tiny_cross_encoder: Path, tmp_path: Path) -> None:
    async with await Archive.open(tmp_path, embedder=HashEmbedder()) as archive:
        page = Page(origin="/a/bridge.html", format="html", title="Harbour bridge", body=[TEXT])
        await archive.save_document(build_document(page))
        await archive.sync_vectors()
    settings = settings_for(tmp_path, rerank_model=str(tiny_cross_encoder))
    async with await Engine.open(settings, embedder=HashEmbedder()) as engine:
        assert engine.reranker is not None
        with abstention_off():
            answer = await engine.ask("When did the harbour bridge open?")
    assert answer.answered and all(q.text in TEXT for q in answer.quotes)


def test_a_model_that_cannot_load_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(RerankerUnavailable, match="RERANK_MODEL="):
        load_reranker(str(tmp_path / "no-such-model"))
    monkeypatch.chdir(tmp_path)

    async def build() -> None:
        async with await Archive.open(tmp_path / "data", embedder=HashEmbedder()):
            pass

    asyncio.run(build())
    monkeypatch.setenv("RERANK_MODEL", str(tmp_path / "no-such-model"))
    assert main(["stats", "--data-dir", str(tmp_path / "data")]) == 2
    assert "RERANK_MODEL=" in capsys.readouterr().err


def test_cloze_questions_ask_about_a_figure_a_year_or_a_name() -> None:
    import random

    rng = random.Random(0)
    asked = cloze("The city council agreed to install 155 solar poles along the main road.", rng)
    assert asked is not None and "how many" in asked and "155" not in asked
    assert cloze("Short one.", rng) is None
