"""The engine on the seed archive with the real model: quotes, attribution, abstention."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import numpy as np
import pytest
from conftest import settings_for

import index.archive
from bot.answering.engine import Engine, NotFound
from bot.terminal.render import source_text
from index.embedder import Embedder
from index.models import SearchFilters

ALEPPO = "Fighting in Aleppo broke out on July 19, 2012 and lasted more than four years."

QUESTIONS = [
    "When did fighting in Aleppo break out?",
    "What did Random guy say about Assad and Turkey?",
    "What did readers say about the Kurds?",
    "Who helped the Syrian army?",
    "Is the war over?",
    "What did Hanna Reitsch write?",
]


async def test_the_first_quote_answers_when(seeded_engine: Engine) -> None:
    answer = await seeded_engine.ask("When did fighting in Aleppo break out?")
    assert answer.answered
    first = answer.quotes[0]
    assert first.text == ALEPPO
    assert (first.n, first.kind, first.author) == (1, "article", None)
    assert first.site == "SouthFront" and first.published == "2016-12-12"
    assert answer.text.startswith(f"The article reported: “{ALEPPO}” [1]")


async def test_a_named_reader_is_quoted_as_that_reader(seeded_engine: Engine) -> None:
    answer = await seeded_engine.ask("What did Random guy say about Assad and Turkey?")
    assert answer.answered
    first = answer.quotes[0]
    assert (first.kind, first.author) == ("comment", "Random guy")
    assert "Assad will agree with Turkey" in first.text
    assert "Reader Random guy wrote: “Assad will agree with Turkey" in answer.text


@pytest.mark.parametrize("question", QUESTIONS)
async def test_every_quote_is_verbatim(seeded_engine: Engine, question: str) -> None:
    answer = await seeded_engine.ask(question)
    assert answer.quotes, question
    for quote in answer.quotes:
        source = await seeded_engine.source(quote.passage_id)
        assert source["text"][quote.start : quote.end] == quote.text
        assert source["kind"] == quote.kind and source["author"] == quote.author


async def test_quotes_never_span_paragraphs(seeded_engine: Engine) -> None:
    for question in QUESTIONS:
        for quote in (await seeded_engine.ask(question)).quotes:
            assert "\n\n" not in quote.text


@pytest.mark.parametrize(
    "question",
    [
        "What is the boiling point of water?",
        "How do I bake sourdough bread?",
        "Who is the president of France?",
    ],
)
async def test_nothing_relevant_is_declined(seeded_engine: Engine, question: str) -> None:
    answer = await seeded_engine.ask(question)
    assert not answer.answered
    assert answer.quotes == []
    assert "nothing in the archive" in answer.text


async def test_kind_filters_hold(seeded_engine: Engine) -> None:
    comments = await seeded_engine.ask("Aleppo", SearchFilters(kind="comment"))
    articles = await seeded_engine.ask(
        "What did readers say about Aleppo?", SearchFilters(kind="article")
    )
    assert comments.quotes and {q.kind for q in comments.quotes} == {"comment"}
    assert articles.quotes and {q.kind for q in articles.quotes} == {"article"}


async def test_readers_in_the_question_means_comments(seeded_engine: Engine) -> None:
    answer = await seeded_engine.ask("What did readers say about the Kurds?")
    assert {q.kind for q in answer.quotes} == {"comment"}


async def test_date_filters_exclude_the_page(seeded_engine: Engine) -> None:
    from datetime import date

    answer = await seeded_engine.ask(
        "When did fighting in Aleppo break out?", SearchFilters(since=date(2017, 1, 1))
    )
    assert not answer.answered


async def test_source_shows_neighbours_and_unknown_ids_fail(seeded_engine: Engine) -> None:
    answer = await seeded_engine.ask("What did Random guy say about Assad and Turkey?")
    source = await seeded_engine.source(answer.quotes[0].passage_id)
    assert source["before"] and source["after"]
    assert len(source["before_authors"]) == len(source["before"])
    assert len(source["after_authors"]) == len(source["after"])
    # the comments around Random guy's, each named as its own reader's (some unnamed)
    neighbours = source["before_authors"] + source["after_authors"]
    assert None in neighbours
    shown = source_text(source)
    assert shown.count("(reader comment (unnamed))") == neighbours.count(None)
    for author in filter(None, neighbours):
        assert f"(reader comment by {author})" in shown
    assert source["title"].startswith("Aleppo Is Liberated")
    with pytest.raises(NotFound):
        await seeded_engine.source("p_missing")


async def test_empty_question_is_refused(seeded_engine: Engine) -> None:
    with pytest.raises(ValueError, match="empty"):
        await seeded_engine.ask("   ")


async def test_an_archive_without_stored_sentence_vectors_still_answers(seeded_copy, model) -> None:
    """Archives synced before sentence vectors were kept: the engine embeds the sentences."""
    with sqlite3.connect(seeded_copy / "archive.db") as db:
        db.execute("DELETE FROM sentence_vectors")
    async with await Engine.open(settings_for(seeded_copy), embedder=model) as engine:
        answer = await engine.ask("When did fighting in Aleppo break out?")
        assert answer.quotes[0].text == ALEPPO
        for quote in answer.quotes:
            source = await engine.source(quote.passage_id)
            assert source["text"][quote.start : quote.end] == quote.text


async def test_vector_search_ef_follows_the_archives_size_unless_configured(
    seeded_copy: Path, model: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(index.archive, "ef_search_for", lambda passages: 40 + passages)
    async with await Engine.open(settings_for(seeded_copy), embedder=model) as engine:
        passages = (await engine.stats())["passages"]
        assert engine.archive.vectors.ef_search == 40 + passages
    configured = settings_for(seeded_copy, vector_search_ef=250)
    async with await Engine.open(configured, embedder=model) as engine:
        assert engine.archive.vectors.ef_search == 250


async def test_a_failed_warm_up_is_logged_and_asks_still_answer(
    seeded_copy: Path,
    model: Embedder,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with await Engine.open(settings_for(seeded_copy), embedder=model) as engine:

        async def broken() -> None:
            raise sqlite3.OperationalError("disk I/O error")

        monkeypatch.setattr(engine.archive, "warm_up", broken)
        warming = engine.warm_up()
        assert engine.warm_up() is warming  # started once
        with pytest.raises(sqlite3.OperationalError):
            await warming
        answer = await engine.ask("When did fighting in Aleppo break out?")
    assert answer.answered
    assert "warming the archive's caches failed: disk I/O error" in caplog.text


async def test_the_keyword_search_runs_while_the_question_is_embedded(
    seeded_copy: Path, model: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The keyword half needs no vector: an ask starts it before the question's embedding is
    in, so the ask waits for the longer of the two, not for both."""
    keyword_search_began = threading.Event()
    overlapped: list[bool] = []

    class SlowToEmbedQuestions:
        name, dimension = model.name, model.dimension

        def embed(self, texts: list[str]) -> np.ndarray:
            if len(texts) == 1:  # a question: hold the model until the keyword half starts
                overlapped.append(keyword_search_began.wait(timeout=3))
            return model.embed(texts)

    async with await Engine.open(
        settings_for(seeded_copy), embedder=SlowToEmbedQuestions()
    ) as engine:
        lexical_terms = engine.archive.lexical_terms

        async def noted(query: str) -> list[str]:
            keyword_search_began.set()
            return await lexical_terms(query)

        monkeypatch.setattr(engine.archive, "lexical_terms", noted)
        answer = await engine.ask("When did fighting in Aleppo break out?")
    assert overlapped == [True]
    assert answer.quotes[0].text == ALEPPO
