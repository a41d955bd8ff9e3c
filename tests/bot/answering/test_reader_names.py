"""A question naming a reader finds the reader as stored, whatever a comment widget wrote
around the name ("Gary M on September 17, 2018 at 8:50 pm said:", "Markus Rau,"), and a
question about what they said quotes them when their words paraphrase the subject."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import pytest
from conftest import settings_for

from bot.answering.answer import compose
from bot.answering.engine import Engine
from bot.answering.reader_names import called
from bot.answering.reading import subject_terms
from index.archive import Archive
from index.embedder import HashEmbedder
from index.models import Hit, Passage, SearchFilters
from index.text import sentence_spans
from ingest.chunking import build_document
from ingest.page import Page, PageComment

THREAD = Page(
    origin="/archive/thread.html",
    format="html",
    title="September open thread",
    body=["Our open thread for September: ask us anything about our charity research."],
    comments=[
        PageComment(
            "Is giving now better than investing the money and giving later?",
            author="Gary M on September 17, 2018 at 8:50 pm said:",
        ),
        PageComment("Any update on the deworming programs?", author="Markus Rau,"),
        PageComment("Thanks for the answers!", author="Catherine (GiveWell)"),
    ],
)


@pytest.mark.parametrize(
    ("stored", "name"),
    [
        ("Gary M on September 17, 2018 at 8:50 pm said:", "Gary M"),
        ("Catherine (GiveWell) on September 19, 2018 at 12:48 pm said:", "Catherine"),
        ("Markus Rau,", "Markus Rau"),
        ("@kpeterlka", "kpeterlka"),
        ("Paul Coker", "Paul Coker"),
        ("Tom says:", "Tom"),
    ],
)
def test_the_name_a_reader_is_called_by(stored: str, name: str) -> None:
    assert called(stored) == name


@pytest.fixture
async def hashed(tmp_path: Path) -> AsyncIterator[Engine]:
    async with await Archive.open(tmp_path, embedder=HashEmbedder()) as archive:
        await archive.save_document(build_document(THREAD))
        await archive.sync_vectors()
    async with await Engine.open(settings_for(tmp_path), embedder=HashEmbedder()) as engine:
        yield engine


@pytest.mark.parametrize(
    ("question", "author"),
    [
        (
            "What trade-off did Gary M ask about in the open thread?",
            "Gary M on September 17, 2018 at 8:50 pm said:",
        ),
        ("what did markus rau say about deworming?", "Markus Rau,"),
        ("What did Markus Rau ask?", "Markus Rau,"),
        ("Did Catherine reply?", "Catherine (GiveWell)"),
    ],
)
async def test_a_reader_is_found_as_stored(hashed: Engine, question: str, author: str) -> None:
    filters = await hashed.infer_filters(question, SearchFilters())
    assert (filters.author, filters.kind) == (author, "comment")


def test_a_modal_is_no_part_of_the_subject() -> None:
    terms = subject_terms("What did Paul Coker say about how wars ought to be decided?", [])
    assert "ought" not in terms and {"war", "decid"} <= terms.keys()


def _comment_hit(author: str, text: str) -> Hit:
    passage = Passage("p1", "d1", "comment", 0, text, author, "Open thread", None, None, None)
    return Hit(passage, 1.0, similarity=0.2)


def test_the_verb_after_a_named_reader_is_no_part_of_the_subject() -> None:
    hits = [_comment_hit("Milan Griffes", "Any update on GiveDirectly?")]
    assert subject_terms(
        "What did Milan Griffes ask GiveWell about GiveDirectly?", hits
    ).keys() == {
        "givew",
        "gived",
    }
    # Not after a reader, a speech verb can be the subject itself.
    assert "claim" in subject_terms("What did readers say about the claims?", hits)


def test_a_named_readers_comment_on_the_subject_answers_however_short() -> None:
    """Their comment names what was asked about: that is the evidence, though a short comment
    is far in meaning from the whole question (the floors of other filtered asks would decline
    it); a comment of theirs on something else is still declined."""
    question = "What trade-off did Gary M ask about giving now or investing?"
    on_topic = _comment_hit("Gary M", "Is giving now better than investing the money?")
    off_topic = _comment_hit("Gary M", "Thanks for the deworming update.")
    vectors = np.zeros((1, 4))
    for hit, answers in ((on_topic, True), (off_topic, False)):
        sentences = [(hit, span) for span in sentence_spans(hit.passage.text)]
        answer = compose(
            question, np.zeros(4), [hit], vectors, sentences, filtered=True, reader=True
        )
        assert answer.answered is answers
        plain = compose(question, np.zeros(4), [hit], vectors, sentences, filtered=True)
        assert not plain.answered
