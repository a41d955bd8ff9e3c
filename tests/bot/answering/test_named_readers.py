"""Which reader a question names, on an archive whose commenters are called what real ones are:
"Any", "Owner", "Test", "Cloud", "Gay", "Tom", "Jan", "Turkey"."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest
from conftest import settings_for

from bot.answering.engine import Engine
from bot.answering.reader_names import worded_as_person, worded_as_reader
from index.archive import Archive
from index.embedder import Embedder, HashEmbedder
from index.models import SearchFilters
from ingest.chunking import build_document
from ingest.page import Page, PageComment

SALON = Page(
    origin="/archive/salon.html",
    format="html",
    url="https://abc13.example/salon-locks-doors",
    site="ABC13",
    title="Houston salon locks its doors after a stranger refused to leave",
    published=date(2023, 11, 9),
    body=[
        "A Houston-area beauty business is taking drastic measures after the owner said a man "
        "entered one of their salons and refused to leave.",
        "On Tuesday, the owner said the salon would keep its doors locked during business "
        "hours from now on, and that customers would ring a bell to be let in.",
        "We cannot take that risk again, the owner said.",
    ],
    comments=[
        PageComment("Thanks for covering our story.", author="Owner"),
        PageComment("Great article!", author="Any"),
        PageComment("test", author="Test"),
        PageComment(
            "Locking the doors is the only sane choice for a small salon.", author="Random guy"
        ),
    ],
)
RULING = Page(
    origin="/archive/ruling.html",
    format="html",
    url="https://californiaglobe.example/amazon-liable",
    site="California Globe",
    title="Appeals court rules Amazon liable for defective third-party products",
    published=date(2020, 8, 14),
    body=[
        "A California appeals court ruled that Amazon can be held liable for defective "
        "products sold by third-party sellers on its site.",
        "The ruling is the first test of the liability rule for online marketplaces in "
        "California. Amazon's cloud business was not part of the case.",
    ],
    comments=[
        PageComment(
            "The appeals court got it right: Amazon controls the whole sale, so Amazon should "
            "answer for defective products.",
            author="Bored Lawyer",
        ),
        PageComment(
            "The ruling is wrong. Amazon is a marketplace, not the seller, and should not be "
            "liable.",
            author="Ivar Ivarson",
        ),
        PageComment("MfG Cloud", author="Cloud"),
        PageComment("Gruß Der Gay", author="Gay"),
        PageComment("Cheers from Wellington.", author="Kiwi"),
        PageComment("The fine should have been far higher.", author="Zoë Müller"),
        PageComment("Amazon will appeal, mark my words.", author="Tom"),
    ],
)
BORDER = Page(
    origin="/archive/border.html",
    format="html",
    site="Border Times",
    title="Turkey closes a border crossing",
    published=date(2016, 2, 3),
    body=["Turkey closed the Oncupinar border crossing to refugees on Tuesday."],
    comments=[
        PageComment("Happy holidays everyone.", author="Turkey"),
        PageComment("Turkey will not back down on the border.", author="Hanna Reitsch"),
    ],
)
# No date of its own: the one it has was read from its text.
TRADE = Page(
    origin="/archive/trade.txt",
    format="text",
    site="Trade Wire",
    title="Turkey and its neighbours sign a trade pact",
    published=date(2016, 1, 20),
    published_inferred=True,
    body=["Turkey signed a trade pact with its neighbours on January 20, 2016."],
    comments=[PageComment("Finally some good news on trade.", author="Jan")],
)
PAGES = [SALON, RULING, BORDER, TRADE]


def _build(data_dir: Path, embedder: Embedder) -> Path:
    async def build() -> None:
        async with await Archive.open(data_dir, embedder=embedder) as archive:
            for page in PAGES:
                await archive.save_document(build_document(page))
            await archive.sync_vectors()

    asyncio.run(build())
    return data_dir


@pytest.fixture(scope="module")
def hashed_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The archive with word-hash vectors: for what the question's words decide alone."""
    return _build(tmp_path_factory.mktemp("named-hash"), HashEmbedder())


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory, model: Embedder) -> Path:
    """The archive with the real model: for what is answered."""
    return _build(tmp_path_factory.mktemp("named-model"), model)


@pytest.fixture
async def hashed(hashed_dir: Path) -> AsyncIterator[Engine]:
    async with await Engine.open(settings_for(hashed_dir), embedder=HashEmbedder()) as engine:
        yield engine


@pytest.fixture
async def engine(model_dir: Path, model: Embedder) -> AsyncIterator[Engine]:
    async with await Engine.open(settings_for(model_dir), embedder=model) as engine:
        yield engine


def _at(question: str, name: str) -> tuple[str, int, int]:
    start = question.index(name)
    return question, start, start + len(name)


@pytest.mark.parametrize(
    ("question", "name", "person"),
    [
        ("What did Random guy say about Assad?", "Random guy", True),
        ("what did Hanna Reitsch say?", "Hanna Reitsch", True),
        # Title case says nothing of names; the verb after it does.
        ("What Did Random Guy Say About Assad?", "Random Guy", True),
        ("what did admin say?", "admin", True),
        ("Tom wrote what about the ruling?", "Tom", True),
        ("What did Tom's neighbours think?", "Tom", True),
        ("Which comments were by kiwi?", "kiwi", True),
        ("Did any readers criticise the ruling?", "any", False),
        ("What did the owner of the salon say?", "owner", False),
        ("What did the Owner of the salon say?", "Owner", False),
        ("Is there a test for lemon seeds?", "test", False),
        ("What did readers say about gay rights?", "gay", False),
        ("Gay rights: what did readers say?", "Gay", False),
        ("Any news on the ruling?", "Any", False),
        ("WHAT DID ANY READERS SAY?", "ANY", False),
        ("What did readers say about the cloud?", "cloud", False),
    ],
)
def test_a_name_counts_only_when_written_as_a_person(
    question: str, name: str, person: bool
) -> None:
    assert worded_as_person(*_at(question, name)) is person


@pytest.mark.parametrize(
    ("question", "name", "reader"),
    [
        ("What did reader Tom say?", "Tom", True),
        ("Tom's comments on the ruling?", "Tom", True),
        ("Show me the comments by Tom", "Tom", True),
        ("What did Tom say?", "Tom", False),
        ("What did Tom's lawyer say?", "Tom", False),
    ],
)
def test_a_name_the_question_calls_a_reader(question: str, name: str, reader: bool) -> None:
    assert worded_as_reader(*_at(question, name)) is reader


@pytest.mark.parametrize(
    "question",
    [
        "Did any readers criticise the Amazon ruling?",
        "What did the owner of the salon say?",
        "What did Owner say about the stranger?",  # the articles' own word for the salon's owner
        "What did readers say about gay rights?",
        "Is there a test for the liability rule?",
        "What did readers say about the cloud?",
        "What did Turkey say about the border?",  # a topic of the articles, not a reader
        "What happened in Jan 2016?",  # a month of the period, not the reader Jan
    ],
)
async def test_common_words_and_topics_are_no_readers(hashed: Engine, question: str) -> None:
    filters = await hashed.infer_filters(question, SearchFilters())
    assert filters.author is None, question


@pytest.mark.parametrize(
    ("question", "author"),
    [
        ("What did Random guy say about the salon?", "Random guy"),
        ("what did Hanna Reitsch say?", "Hanna Reitsch"),
        ("What did Kiwi say?", "Kiwi"),
        ("What did reader Turkey say?", "Turkey"),
        ("Turkey's comments, please", "Turkey"),
        # Read as written although folding the ligature before it moved every character.
        ("After the ﬁne, what did Zoë Müller do?", "Zoë Müller"),
    ],
)
async def test_readers_named_as_people_still_narrow(
    hashed: Engine, question: str, author: str
) -> None:
    filters = await hashed.infer_filters(question, SearchFilters())
    assert (filters.author, filters.kind) == (author, "comment")


async def test_a_callers_kind_article_is_never_narrowed_to_a_reader(hashed: Engine) -> None:
    filters = await hashed.infer_filters("What did Random guy say?", SearchFilters(kind="article"))
    assert (filters.author, filters.kind) == (None, "article")


async def test_any_readers_is_answered_from_the_readers(engine: Engine) -> None:
    answer = await engine.ask("Did any readers criticise the Amazon ruling?")
    assert answer.answered
    assert {quote.kind for quote in answer.quotes} == {"comment"}
    assert "Any" not in {quote.author for quote in answer.quotes}
    assert any(quote.author == "Ivar Ivarson" for quote in answer.quotes)


async def test_the_owner_is_looked_for_in_the_article(engine: Engine) -> None:
    answer = await engine.ask("What did the owner of the salon say?", SearchFilters(kind="article"))
    assert answer.answered
    assert {quote.kind for quote in answer.quotes} == {"article"}
    assert any("the owner said" in quote.text for quote in answer.quotes)


async def test_a_reader_whose_comments_do_not_answer_is_dropped(engine: Engine) -> None:
    # Kiwi is read as a reader (nothing else in the archive is called that), but Kiwi's one
    # comment says nothing of the ruling: the answer is the archive's, as if no reader were named.
    assert (
        await engine.infer_filters("What did Kiwi say about the ruling?", SearchFilters())
    ).author
    answer = await engine.ask("What did Kiwi say about the Amazon ruling?")
    assert answer.answered
    assert "Kiwi" not in {quote.author for quote in answer.quotes}
    assert any("Amazon" in quote.text for quote in answer.quotes)


async def test_a_reader_named_as_a_person_is_quoted(engine: Engine) -> None:
    answer = await engine.ask("What did Random guy say about the salon?")
    assert answer.answered
    assert (answer.quotes[0].kind, answer.quotes[0].author) == ("comment", "Random guy")


async def test_a_date_read_from_the_text_is_flagged(engine: Engine) -> None:
    inferred = await engine.ask("When did Turkey sign the trade pact with its neighbours?")
    stated = await engine.ask("Which court ruled that Amazon is liable for defective products?")
    assert inferred.answered and stated.answered
    trade = [quote for quote in inferred.quotes if quote.site == "Trade Wire"]
    assert trade and all(quote.published_inferred for quote in trade)
    assert all(
        quote.published_inferred == (quote.site == "Trade Wire") for quote in inferred.quotes
    )
    assert not any(quote.published_inferred for quote in stated.quotes)
    assert inferred.as_dict()["quotes"][0]["published"] == "2016-01-20"
    source = await engine.source(trade[0].passage_id)
    assert (source["published"], source["published_inferred"]) == ("2016-01-20", True)
    source = await engine.source(stated.quotes[0].passage_id)
    assert source["published_inferred"] is False


async def test_a_period_that_holds_no_answer_is_said(engine: Engine) -> None:
    dropped = await engine.ask("What did readers say about the Amazon ruling in 2015?")
    kept = await engine.ask("What did readers say about the Amazon ruling in 2020?")
    assert dropped.answered and kept.answered
    assert {quote.published for quote in dropped.quotes} == {"2020-08-14"}
    assert dropped.unmatched_period == "in 2015"
    assert dropped.as_dict()["unmatched_period"] == "in 2015"
    assert kept.unmatched_period is None
    plain = await engine.ask("What did readers say about the Amazon ruling?")
    assert plain.unmatched_period is None
