"""Filters and date phrases through the engine and the CLI, on pages of known dates."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from conftest import settings_for

from bot.answering.answer import Answer, abstention_off
from bot.answering.engine import Engine
from bot.terminal.cli import main
from index.archive import Archive
from index.embedder import Embedder
from index.models import SearchFilters
from ingest.chunking import build_document
from ingest.page import Page, PageComment

PAGES = [
    (
        date(2015, 6, 3),
        "Harbour Gazette",
        "The harbour bridge closed for repairs in June after engineers found cracks.",
        PageComment("The bridge repairs will take years, mark my words.", author="Old salt"),
    ),
    (
        date(2016, 12, 12),
        "Harbour Gazette",
        "The harbour bridge reopened on December 12 after eighteen months of repairs.",
        PageComment(
            "Finally the bridge is open again, and the repairs look solid.", author="Ferry fan"
        ),
    ),
    (
        date(2017, 3, 1),
        "Coast Courier",
        "Tolls on the harbour bridge rose by two dollars in March.",
        PageComment("The bridge tolls are robbery after those endless repairs.", author="Old salt"),
    ),
]


@pytest.fixture(scope="module")
def dated_dir(tmp_path_factory: pytest.TempPathFactory, model: Embedder) -> Path:
    data_dir = tmp_path_factory.mktemp("dated")

    async def build() -> None:
        async with await Archive.open(data_dir, embedder=model) as archive:
            for published, site, body, comment in PAGES:
                page = Page(
                    origin=f"/archive/{published}.txt",
                    format="text",
                    body=[body],
                    title=f"Harbour bridge news, {published:%B %Y}",
                    site=site,
                    published=published,
                    comments=[comment],
                )
                await archive.save_document(build_document(page))
            await archive.sync_vectors()

    asyncio.run(build())
    return data_dir


def _ask(capsys: pytest.CaptureFixture[str], data_dir: Path, *argv: str) -> dict:
    assert main(["ask", *argv, "--json", "--data-dir", str(data_dir)]) == 0
    return json.loads(capsys.readouterr().out)


def test_cli_kind_and_range(dated_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    answer = _ask(
        capsys,
        dated_dir,
        "What about the bridge repairs?",
        "--kind",
        "comment",
        "--since",
        "2016-12",
        "--until",
        "2016",
    )
    assert answer["answered"]
    assert {(q["kind"], q["published"]) for q in answer["quotes"]} == {("comment", "2016-12-12")}
    assert answer["quotes"][0]["author"] == "Ferry fan"


def test_cli_until_keeps_only_older_pages(
    dated_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answer = _ask(capsys, dated_dir, "What happened to the harbour bridge?", "--until", "2015")
    assert answer["quotes"]
    assert {q["published"] for q in answer["quotes"]} == {"2015-06-03"}


def test_cli_date_phrase_in_the_question(
    dated_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answer = _ask(capsys, dated_dir, "What did readers say about the bridge in December 2016?")
    assert answer["answered"]
    assert {(q["kind"], q["published"]) for q in answer["quotes"]} == {("comment", "2016-12-12")}


async def test_before_phrase_and_site_filter(dated_dir: Path, model: Embedder) -> None:
    async with await Engine.open(settings_for(dated_dir), embedder=model) as engine:
        before = await engine.ask("What happened to the harbour bridge before 2016?")
        courier = await engine.ask(
            "What happened to the harbour bridge?", SearchFilters(site="Coast Courier")
        )
    assert before.quotes and {q.published for q in before.quotes} == {"2015-06-03"}
    assert courier.quotes and {q.site for q in courier.quotes} == {"Coast Courier"}


async def test_a_period_nothing_was_published_in_falls_back(
    dated_dir: Path, model: Embedder
) -> None:
    # "in 2012" names the event's year here: no page is from 2012, so the filter is dropped.
    async with await Engine.open(settings_for(dated_dir), embedder=model) as engine:
        answer = await engine.ask("When did the harbour bridge reopen in 2012?")
    assert answer.answered and "reopened" in answer.quotes[0].text


async def test_a_period_read_from_the_question_must_convince_the_abstention_model(
    dated_dir: Path, model: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "in 2016" narrows the search to pages of 2016 while they hold anything on the question;
    # with no filter set by the asker, an answer from them the abstention model does not
    # believe sends the engine to the whole archive, as the answer then says. A filter the
    # asker set, or the abstention switched off, keeps the period's answer.
    import bot.answering.engine as engine_module

    real_compose = engine_module.compose

    def unconvinced_compose(*args: Any, **kwargs: Any) -> Answer:
        return replace(real_compose(*args, **kwargs), confidence=0.01)

    question = "What happened to the harbour bridge in 2016?"
    async with await Engine.open(settings_for(dated_dir), embedder=model) as engine:
        believed = await engine.ask(question)
        monkeypatch.setattr(engine_module, "compose", unconvinced_compose)
        doubted = await engine.ask(question)
        chosen_site = await engine.ask(question, SearchFilters(site="Harbour Gazette"))
        with abstention_off():
            ungated = await engine.ask(question)
    assert believed.answered and believed.unmatched_period is None
    assert doubted.answered and doubted.unmatched_period == "in 2016"
    assert chosen_site.answered and chosen_site.unmatched_period is None
    assert ungated.answered and ungated.unmatched_period is None


async def test_the_whole_archive_is_searched_while_the_period_is_weighed(
    dated_dir: Path, model: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Most questions that name a period are answered from the whole archive ("in 2012" names
    # the event's year): its keyword search starts beside the period's, and the fallback uses
    # it rather than searching again. When the period answers, it is cancelled.
    import bot.answering.engine as engine_module

    events: list[str] = []
    real_compose = engine_module.compose

    def noted_compose(*args: Any, **kwargs: Any) -> Answer:
        events.append("compose, period" if kwargs["filtered"] else "compose, whole archive")
        return real_compose(*args, **kwargs)

    monkeypatch.setattr(engine_module, "compose", noted_compose)
    async with await Engine.open(settings_for(dated_dir), embedder=model) as engine:
        real_keyword_search = engine.archive.keyword_search
        real_lexical_search = engine.archive.store.lexical_search

        async def noted_keyword_search(query: str, filters: SearchFilters) -> Any:
            events.append("whole-archive keywords")
            return await real_keyword_search(query, filters)

        async def noted_lexical_search(*args: Any, **kwargs: Any) -> Any:
            events.append("keywords beside" if kwargs.get("beside") else "keywords")
            return await real_lexical_search(*args, **kwargs)

        monkeypatch.setattr(engine.archive, "keyword_search", noted_keyword_search)
        monkeypatch.setattr(engine.archive.store, "lexical_search", noted_lexical_search)
        answer = await engine.ask("When did the harbour bridge reopen in 2012?")
        assert answer.answered and "reopened" in answer.quotes[0].text
        assert answer.unmatched_period == "in 2012"
        assert events.index("whole-archive keywords") < events.index("compose, period")
        # the period's own search, and the whole archive's once: the fallback did not search again
        assert events.count("keywords") == 1
        assert events.count("keywords beside") == 1

        cancelled: list[bool] = []

        async def slow_keyword_search(query: str, filters: SearchFilters) -> Any:
            try:
                await asyncio.sleep(30)
            except asyncio.CancelledError:
                cancelled.append(True)
                raise
            return await real_keyword_search(query, filters)

        monkeypatch.setattr(engine.archive, "keyword_search", slow_keyword_search)
        answer = await asyncio.wait_for(
            engine.ask("What happened to the harbour bridge in 2016?"), 20
        )
        assert answer.answered and answer.unmatched_period is None
        await asyncio.sleep(0)
        assert cancelled == [True]
