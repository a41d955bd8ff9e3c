"""Comparing outlets: each site's own answer, verbatim and attributed, and the sites whose pages
hold none declined by the engine's abstention."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from conftest import settings_for

from bot.answering.engine import Engine
from bot.services.community import Rejected
from bot.services.compare import MAX_SITES, best_sites, compare
from bot.services.filters import Spelling, check_sites, split_sites
from index.embedder import Embedder
from index.models import SearchFilters

BRIDGE = "Why did the Elm Street bridge collapse?"
SPELLING = Spelling(option="--{name} {value}", site_listing="the listing")


@pytest.fixture
async def engine(outlets_dir: Path, model: Embedder) -> AsyncIterator[Engine]:
    async with await Engine.open(settings_for(outlets_dir), embedder=model) as opened:
        yield opened


async def assert_verbatim(engine: Engine, quotes: list[dict]) -> None:
    for quote in quotes:
        source = await engine.source(quote["passage_id"])
        assert source["text"][quote["start"] : quote["end"]] == quote["text"]


async def test_named_sites_answer_side_by_side_and_the_one_without_an_answer_says_so(
    engine: Engine,
) -> None:
    sites = await check_sites(
        engine,
        split_sites("gazette regionale, valleytimes.example ,COAST COURIER,Gazette Régionale"),
        SPELLING,
    )
    assert sites == ["Gazette Régionale", "Valley Times", "Coast Courier"]
    comparison = await compare(engine, BRIDGE, sites=sites)
    shown = comparison.as_dict()
    assert shown["question"] == BRIDGE
    assert [(s["site"], s["answered"]) for s in shown["sites"]] == [
        ("Gazette Régionale", True),
        ("Valley Times", True),
        ("Coast Courier", False),
    ]
    assert comparison.unanswered == ["Coast Courier"]
    for site in shown["sites"]:
        assert {quote["site"] for quote in site["quotes"]} <= {site["site"]}
        await assert_verbatim(engine, site["quotes"])
    gazette = shown["sites"][0]["quotes"][0]
    # The same quote objects as ``ask --json``'s.
    assert set(gazette) >= {"n", "text", "passage_id", "kind", "author", "published_inferred"}
    assert "northern pier was washed out" in gazette["text"]


async def test_without_names_the_best_matching_sites_are_compared(engine: Engine) -> None:
    assert MAX_SITES == 5
    sites = await best_sites(engine, BRIDGE, SearchFilters())
    assert len(sites) == 4  # every archived site matches something; fewer than five exist
    assert sites[-1] == "Coast Courier"
    assert await best_sites(engine, BRIDGE, SearchFilters(), limit=2) == sites[:2]
    comparison = await compare(engine, BRIDGE)
    assert [site.site for site in comparison.sites] == sites
    assert len(comparison.answered) == 3


async def test_readers_are_compared_with_their_names(engine: Engine) -> None:
    comparison = await compare(
        engine,
        "What did readers say about the bridge collapse?",
        SearchFilters(kind="comment"),
        ["Harbour Herald", "Valley Times"],
    )
    herald, valley = comparison.sites
    assert herald.answer.answered and not valley.answer.answered
    [quote] = herald.answer.quotes
    assert (quote.kind, quote.author) == ("comment", "Mara Quinn")
    assert quote.attribution == "Reader Mara Quinn wrote"


async def test_a_site_not_archived_is_refused_as_site_filters_are(engine: Engine) -> None:
    with pytest.raises(Rejected, match="no site named 'Harbor Herald' is archived; did you mean"):
        await check_sites(engine, ["Valley Times", "Harbor Herald"], SPELLING)
