"""How the composer reads a question worded the way a researcher asks it: the finer answer
type, the focus noun, the entities an answer brings, the topic judged at page level."""

from __future__ import annotations

import numpy as np
import pytest

from bot.answering.features import FEATURES, every_feature, features
from bot.answering.reading import answer_type, focus_terms, typed_answers
from index.models import Hit, Passage
from index.text import sentence_spans


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("How old is the former mayor?", "age"),
        ("In what year did she finish high school?", "date"),
        ("When did he score his header?", "date"),
        ("How many jobs did the economy create in May?", "amount"),
        ("What was the total cost of the chartered plane?", "amount"),
        ("What was the list-price value of the order?", "amount"),
        ("By how much is Australia forecast to cut emissions?", "amount"),
        ("Who leads Google Search?", "person"),
        ("Which UCLA star became the first Black player signed?", "person"),
        ("In which London theatre did activists interrupt the play?", "place"),
        ("Which town was struck by the missile?", "place"),
        ("Which newspaper revealed the leaks?", "organisation"),
        ("What is the name of the company behind the spaceport?", "organisation"),
        # Only the first wh-word counts: "when he quit" is no date asked for.
        ("What did Christie say about Trump when he quit the race?", None),
        ("Why did the teacher bury his son?", None),
    ],
)
def test_answer_type_reads_the_first_wh_phrase(question: str, kind: str | None) -> None:
    assert answer_type(question) == kind


def test_focus_is_the_noun_asked_about() -> None:
    assert focus_terms("How many jobs did Canada's economy create?") == {"job"}
    assert focus_terms("Which town in the Kyiv region was struck?") == {"town"}
    assert focus_terms("What is the name of the company?") == {"nam"}
    assert focus_terms("What did readers say?") == set()
    assert focus_terms("By how much is Australia forecast to cut emissions?") == set()


@pytest.mark.parametrize(
    ("kind", "sentence", "holds"),
    [
        ("age", "Her mother, Doria, 67, was at the wedding.", True),
        ("age", "The 68-year-old is expected to win.", True),
        ("age", "The mayor was elected in 2019.", False),
        ("amount", "The economy added 88,000 jobs in May.", True),
        ("amount", "The plane cost RM6.162 million.", True),
        ("amount", "The plane landed in 2024.", False),
        ("date", "He scored in the 24th minute.", True),
        ("date", "Book on a Tuesday, Wednesday or Sunday.", True),
        ("person", "The lodge is run by Garrett Turta.", True),
        ("person", "The lodge reopened.", False),
        ("place", "He was born in Braunau am Inn.", True),
        ("organisation", "The report was revealed by Dagens Nyheter.", True),
    ],
)
def test_typed_answers_find_the_asked_type(kind: str, sentence: str, holds: bool) -> None:
    assert typed_answers(kind, sentence, set()) is holds


def test_a_type_the_question_already_names_is_no_answer() -> None:
    assert not typed_answers("person", "Jon Tester spoke.", {"jon", "teste"})


def _rows(question: str, title: str, text: str) -> np.ndarray:
    passage = Passage("p1", "d1", "article", 0, text, None, title, None, None, None)
    hit = Hit(passage, 1.0, similarity=0.5)
    sentences = [(hit, span) for span in sentence_spans(text)]
    vectors = np.zeros((len(sentences), 4))
    with every_feature():
        return features(question, np.zeros(4), [hit], vectors, sentences, {})


def test_the_topic_is_judged_at_page_level_and_the_answer_at_sentence_level() -> None:
    """The lead repeats the title's words; the answering sentence holds the rest of the
    question and what it asks for."""
    rows = _rows(
        "How many jobs did Canada's economy create in May?",
        "Canada's economy beats forecasts",
        "Canada's economy beat forecasts in a strong report. It added 88,000 jobs in May.",
    )
    column = {name: rows[:, FEATURES.index(name)] for name in FEATURES}
    assert column["lead"].tolist() == [1.0, 0.0]
    assert column["answer_type"].tolist() == [0.0, 1.0]
    assert column["focus"].tolist() == [0.0, 1.0]
    assert column["specific_coverage"][1] > column["specific_coverage"][0]
    assert column["specific_gap"][1] == 0.0 and column["specific_gap"][0] < 0.0
    assert column["new_entities"][1] > 0.0


def test_a_pronoun_is_read_with_the_sentence_before_and_the_title() -> None:
    rows = _rows(
        "When did Kamala Harris finish high school?",
        "Kamala Harris in Montreal",
        "Kamala Harris moved to Montreal as a girl. She finished high school in 1981.",
    )
    resolved = rows[:, FEATURES.index("resolved_coverage")]
    coverage = rows[:, FEATURES.index("coverage")]
    assert resolved[1] > coverage[1]
    assert resolved[0] == coverage[0]


def test_columns_the_ranking_does_not_weigh_are_left_out_on_an_ask() -> None:
    text = "Canada's economy beat forecasts. It added 88,000 jobs in May."
    passage = Passage("p1", "d1", "article", 0, text, None, "Canada's economy", None, None, None)
    hit = Hit(passage, 1.0, similarity=0.5)
    sentences = [(hit, span) for span in sentence_spans(text)]
    rows = features("How many jobs?", np.zeros(4), [hit], np.zeros((2, 4)), sentences, {})
    assert rows[:, FEATURES.index("answer_type")].tolist() == [0.0, 1.0]
    assert rows[:, FEATURES.index("new_entities")].tolist() == [0.0, 0.0]
