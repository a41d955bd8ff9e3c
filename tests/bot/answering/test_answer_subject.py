"""A question about what readers, or a named person, said is answered only from passages on its
subject (and naming that person).

"What did readers say about X?" narrows the search to comments, and a comment is always close in
meaning to that framing: without a check on the subject, a comment on something else answered
it. The archive here has two pages whose comments speak of their own pages only, and a mayor
quoted on the tolls.
"""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from conftest import settings_for

from bot.answering.answer import abstention_off, compose
from bot.answering.engine import Engine
from bot.answering.reading import speaker_terms, subject_terms
from index.archive import Archive
from index.embedder import Embedder
from index.models import Hit, Passage
from index.text import sentence_spans
from ingest.chunking import build_document
from ingest.page import Page, PageComment

PAGES = [
    Page(
        origin="/archive/bridge.txt",
        format="text",
        title="Harbour bridge tolls rise again",
        site="Harbour Gazette",
        published=date(2016, 12, 12),
        body=[
            "Tolls on the harbour bridge rose by two dollars on Monday.",
            "The council said the money pays for repairs to the bridge deck.",
            "Mayor Jane Okafor said the higher tolls would pay for a new deck by 2019.",
        ],
        comments=[
            PageComment("The bridge tolls are robbery, pure and simple.", author="Old salt"),
            PageComment(
                "I pay the bridge toll twice a day and I am sick of it.", author="Commuter"
            ),
            PageComment("Report Comment"),
        ],
    ),
    Page(
        origin="/archive/bakery.txt",
        format="text",
        title="A new bakery opens on the quay",
        site="Harbour Gazette",
        published=date(2017, 3, 1),
        body=["A bakery selling sourdough bread opened on the quay on Saturday."],
        comments=[
            PageComment("Their sourdough bread is the best in town.", author="Ferry fan"),
            PageComment("Lovely croissants, and the coffee is strong.", author="Old salt"),
        ],
    ),
]


@pytest.fixture(scope="module")
def subject_dir(tmp_path_factory: pytest.TempPathFactory, model: Embedder) -> Path:
    data_dir = tmp_path_factory.mktemp("subject")

    async def build() -> None:
        async with await Archive.open(data_dir, embedder=model) as archive:
            for page in PAGES:
                await archive.save_document(build_document(page))
            await archive.sync_vectors()

    asyncio.run(build())
    return data_dir


async def _ask(data_dir: Path, model: Embedder, *questions: str) -> list:
    async with await Engine.open(settings_for(data_dir), embedder=model) as engine:
        return [await engine.ask(question) for question in questions]


async def test_readers_on_an_absent_subject_are_not_quoted(
    subject_dir: Path, model: Embedder
) -> None:
    """No reader spoke of the bridge's paint or of the mayor's climate plan: comments on the
    tolls or on bread must not stand in, though they share a word or the framing."""
    answers = await _ask(
        subject_dir,
        model,
        "What did readers say about the bridge's paint colour?",
        "What did readers say about the mayor's climate plan?",
        "What did Old salt say about the mayor's climate plan?",
    )
    for answer in answers:
        assert not answer.answered, (answer.question, answer.text)
        assert not answer.quotes


async def test_readers_on_a_present_subject_are_quoted(subject_dir: Path, model: Embedder) -> None:
    tolls, bread, named, dated = await _ask(
        subject_dir,
        model,
        "What did readers say about the bridge tolls?",
        "What did readers say about the sourdough?",
        "What did Old salt say about the tolls?",
        "What did readers say about the tolls in December 2016?",
    )
    for answer in (tolls, named, dated):
        assert answer.answered, answer.question
        assert all(q.kind == "comment" and "toll" in q.text for q in answer.quotes), answer.text
    assert {q.author for q in named.quotes} == {"Old salt"}
    assert bread.answered and bread.quotes[0].text == "Their sourdough bread is the best in town."
    # Widget text under the page on the tolls names no toll itself: it is never quoted for them.
    assert all(q.text != "Report Comment" for q in tolls.quotes + dated.quotes)


async def test_a_question_that_only_names_readers_is_answered_as_before(
    subject_dir: Path, model: Embedder
) -> None:
    """A question that only names a reader has no subject: the reader is the whole request."""
    [answer] = await _ask(subject_dir, model, "What did Old salt say?")
    assert answer.answered
    assert {q.author for q in answer.quotes} == {"Old salt"}


def _hit(author: str | None = None, site: str | None = None) -> Hit:
    passage = Passage("p1", "d1", "comment", 0, "Text.", author, "Title", site, None, None)
    return Hit(passage, 1.0)


def test_the_subject_is_the_question_less_its_framing() -> None:
    hits = [_hit("Random guy", "Harbour Gazette"), _hit("Old salt")]
    assert subject_terms("What did readers say?", hits) == {}
    assert subject_terms("What did Random guy say?", hits) == {}
    assert subject_terms("What did commenters think of it in December 2016?", hits) == {}
    idf = {"assad": 3.0, "turkey": 2.0}
    assert subject_terms("What did Random guy say about Assad and Turkey?", hits, idf) == {
        "assad": 3.0,
        "turke": 2.0,
    }
    # A site named in the question is the filter's business, not the subject.
    assert set(subject_terms("What did Harbour Gazette readers say about tolls?", hits)) == {"toll"}
    # Inflections meet: a comment saying "ruled" names the "ruling" asked about.
    assert subject_terms("What did readers say about the ruling?", hits) == subject_terms(
        "What did readers say about how it was ruled?", hits
    )


async def test_a_named_speaker_is_quoted_only_where_named_on_the_subject(
    subject_dir: Path, model: Embedder
) -> None:
    """A question for Jane Okafor's words on X is not answered by another person's words on X,
    nor by hers on something else."""
    tolls, bread, nobody, alone = await _ask(
        subject_dir,
        model,
        "What did Jane Okafor say about the bridge tolls?",
        "What did Jane Okafor say about the sourdough bread?",
        "What did Peter Lindqvist say about the bridge tolls?",
        "What did Mayor Jane Okafor say?",
    )
    assert tolls.answered and "Jane Okafor said" in tolls.quotes[0].text
    assert alone.answered and all("Jane Okafor" in q.text for q in alone.quotes)
    for answer in (bread, nobody):
        assert not answer.answered, (answer.question, answer.text)


def test_the_speaker_is_a_capitalised_name_that_is_no_reader() -> None:
    hits = [_hit("Random guy"), _hit("Hanna Reitsch")]
    assert speaker_terms("What did Donald Trump say about Amazon?", hits) == {"donal", "trump"}
    assert speaker_terms("What did the IPCC say was mistaken?", hits) == {"ipcc"}
    # A reader is the author filter's business; lowercase words name nobody.
    assert speaker_terms("What did Hanna Reitsch say about refugees?", hits) == set()
    assert speaker_terms("What did Random guy say?", hits) == set()
    assert speaker_terms("What did people say about the tolls?", hits) == set()
    assert speaker_terms("When did the bridge open?", hits) == set()


def test_the_speaker_check_is_part_of_the_gate_that_abstention_off_lifts() -> None:
    """``abstention_off`` measures the ranking alone: an unfiltered question for someone's words
    then answers from the best sentence even where nobody names them; a filtered one does not."""
    text = "Crowds lined the quay at dawn to see the new ferry."
    passage = Passage("p1", "d1", "article", 0, text, None, "Harbour news", None, None, None)
    hits = [Hit(passage, 1.0, similarity=0.9, dense_rank=1, lexical_rank=1)]
    sentences = [(hits[0], span) for span in sentence_spans(text)]
    vectors = np.array([[1.0, 0.0]], dtype=np.float32)
    question_vector = np.array([1.0, 0.0], dtype=np.float32)

    def ask(question: str, filtered: bool = False) -> bool:
        return compose(
            question, question_vector, hits, vectors, sentences, filtered=filtered
        ).answered

    asked = "What did Jane Okafor say about the ferry crowds at dawn?"
    assert ask("What did the harbour master say about the ferry crowds at dawn?")
    assert not ask(asked)
    with abstention_off():
        assert ask(asked)
        assert not ask(asked, filtered=True)
