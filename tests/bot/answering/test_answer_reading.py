"""How the composer reads a question worded the way a researcher asks it: the finer answer
type, the focus noun, the entities an answer brings, the topic judged at page level."""

from __future__ import annotations

import numpy as np
import pytest

from bot.answering.answer import Answer, abstention_off, compose
from bot.answering.features import FEATURES, every_feature, features
from bot.answering.reading import (
    answer_type,
    counted_terms,
    focus_terms,
    named_numbers,
    typed_answers,
)
from index.models import Hit, Passage
from index.text import sentence_spans


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("How old is the former mayor?", "age"),
        ("In what year did she finish high school?", "date"),
        ("When did he score his header?", "date"),
        ("How many jobs did the economy create in May?", "count"),
        ("What was the total cost of the chartered plane?", "money"),
        ("What was the list-price value of the order?", "money"),
        ("How much was spent on the makeover of the hotel?", "money"),
        ("What did it cost the department to give back its floors?", "money"),
        ("How much did her weight-loss surgery cost?", "money"),
        ("How much weight did she shed after the operation?", "weight"),
        ("What share of the cost did the government pay?", "percent"),
        ("How far from the journalists was the tank?", "distance"),
        ("How long was the judge's dissenting opinion?", "length"),
        ("How long ago did the bacteria enter the cell?", "date"),
        ("What was the city's population in 1901?", "amount"),
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
        ("age", "Members must be over the age of 18.", True),
        ("age", "The age of the building is unknown.", False),
        ("amount", "The economy added 88,000 jobs in May.", True),
        ("amount", "The plane cost RM6.162 million.", True),
        ("amount", "The plane landed in 2024.", False),
        ("amount", "It opened on July 2, 1923.", False),
        ("money", "The lodge reopened after a $100-million transformation.", True),
        ("money", "The fire destroyed roughly 30 per cent of the town.", False),
        ("percent", "The government paid 27 per cent of the overall cost.", True),
        ("percent", "The plane cost RM6.162 million.", False),
        ("weight", "She lost 130 pounds in two years.", True),
        ("weight", "She had surgery in 2023.", False),
        ("distance", "The tank was 1.34 km from the journalists.", True),
        ("length", "Thomas wrote a 91-page dissent.", True),
        ("date", "Temujin was elected khan in 1186.", True),
        ("date", "He scored in the 24th minute.", True),
        ("date", "Book on a Tuesday, Wednesday or Sunday.", True),
        ("date", "At the end of World War I, the Rhineland was occupied.", True),
        ("date", "They were most prolific before the First World War.", True),
        ("date", "The Rhineland was subject to the treaty.", False),
        ("person", "The lodge is run by Garrett Turta.", True),
        ("person", "The lodge reopened.", False),
        ("place", "He was born in Braunau am Inn.", True),
        ("place", "Committees can also meet at other locations throughout Scotland.", True),
        ("place", "Committees can also meet at other locations.", False),
        ("organisation", "The report was revealed by Dagens Nyheter.", True),
    ],
)
def test_typed_answers_find_the_asked_type(kind: str, sentence: str, holds: bool) -> None:
    assert typed_answers(kind, sentence, set()) is holds


def test_a_count_is_of_what_the_question_counts() -> None:
    """ "How many people were injured": a number next to "people" answers, a number of
    something else does not, nor the day of a date or a time."""
    counted = counted_terms("How many people were injured in the attack?")
    assert counted == {"peopl"}
    assert typed_answers("count", "At least 83 people were wounded.", set(), counted)
    assert typed_answers("count", "Kuechly led the team in people met (118).", set(), counted)
    assert not typed_answers("count", "The attack destroyed 12 buildings.", set(), counted)
    assert not typed_answers("count", "People fled on May 3 at 10:30.", set(), counted)
    assert typed_answers("count", "They won the cup twice.", set(), {"cup"})


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


def _first_quote(question: str, title: str, text: str) -> str:
    passage = Passage("p1", "d1", "article", 0, text, None, title, None, None, None)
    hit = Hit(passage, 1.0, similarity=0.5)
    sentences = [(hit, span) for span in sentence_spans(text)]
    vectors = np.zeros((len(sentences), 4))
    with abstention_off():
        answer = compose(question, np.zeros(4), [hit], vectors, sentences)  # type: ignore[arg-type]
    quote = answer.quotes[0]
    assert text[quote.start : quote.end] == quote.text
    return quote.text


def test_a_figure_question_quotes_the_sentence_with_the_figure_not_the_lead() -> None:
    """The lead restates the question's topic word for word; only the later sentence holds an
    age, which is what "how old" asks for."""
    quote = _first_quote(
        "How old is the former Galway mayor expected to become Ireland's next president?",
        "Ireland's next president",
        "Catherine Connolly, a former mayor of Galway, is expected to become Ireland's next "
        "president after building a commanding lead. "
        "Results come on Saturday, but the 68-year-old Connolly talks like she has won.",
    )
    assert "68-year-old" in quote


def test_a_sum_of_money_is_what_a_cost_question_asks_for() -> None:
    quote = _first_quote(
        "How much was spent on the makeover of the Jasper resort hotel damaged in the wildfire?",
        "Jasper lodge reopens",
        "The Jasper resort hotel was damaged in the wildfire, which destroyed 30 per cent of "
        "the town. The lodge reopened this week after a $100-million makeover.",
    )
    assert "$100-million" in quote


def test_a_bare_link_is_never_quoted() -> None:
    quote = _first_quote(
        "Which charity's programs did he ask about?",
        "Open thread",
        "https://www.givewell.org/international/charities/PIH\n\n"
        "Is there an update on the Partners in Health programs?",
    )
    assert "Partners in Health" in quote


def _gated_answer(
    question: str,
    text: str,
    *,
    title: str = "Boeing's wide bodies",
    published: str | None = "2024-03-05",
    kind: str = "article",
    author: str | None = None,
) -> Answer:
    """The answer with the gate on but no confidence floor: only what the rules let be quoted
    decides whether it answers."""
    passage = Passage("p1", "d1", kind, 0, text, author, title, None, None, published)  # type: ignore[arg-type]
    hit = Hit(passage, 1.0, similarity=0.5)
    sentences = [(hit, span) for span in sentence_spans(text)]
    vectors = np.zeros((len(sentences), 4))
    answer = compose(question, np.zeros(4), [hit], vectors, sentences, abstain_below=0.0)  # type: ignore[arg-type]
    for quote in answer.quotes:
        assert text[quote.start : quote.end] == quote.text
    return answer


_SEATING = (
    "Emirates ordered 30 Boeing Dreamliners on Monday. "
    "The mid-size 787-9 jet seats 242 to 330 passengers in a two-class layout."
)


def test_a_near_miss_on_a_number_the_question_names_is_declined() -> None:
    """The page is on topic and holds a count of passengers, but of another aircraft: the
    question names "777X", and no sentence of a passage naming it can answer."""
    assert not _gated_answer("How many passengers can Boeing's 777X carry?", _SEATING).answered
    answer = _gated_answer("How many passengers can Boeing's 787-9 carry?", _SEATING)
    assert answer.answered and "242 to 330" in answer.quotes[0].text


def test_a_year_the_question_names_must_be_the_pages_or_on_it() -> None:
    text = "The retailer earned $2.8 billion in the third quarter, beating forecasts."
    question = "What was the retailer's revenue in the third quarter of 2021?"
    assert not _gated_answer(question, text, title="Results", published="2024-11-19").answered
    # A page of that year, or a page naming it, may answer.
    assert _gated_answer(question, text, title="Results", published="2021-10-20").answered
    assert _gated_answer(question, text, title="Results for 2021", published="2024-11-19").answered


def test_a_quote_dating_the_fact_to_another_year_is_no_answer_for_the_period_asked() -> None:
    """ "In 2023" is a period: the engine first asks pages of 2023, then the whole archive
    (``Engine.ask``). A sentence there that dates its fact to another year is a near miss."""
    question = "Which country won the Eurovision Song Contest in 2023?"
    other_year = "She won the 1988 Eurovision Song Contest with a French song."
    undated_fact = "The song contest was won by a French song."
    assert not _gated_answer(
        question, other_year, title="A career", published="2025-01-10"
    ).answered
    assert _gated_answer(question, undated_fact, title="A career", published="2025-01-10").answered
    named = other_year + " In 2023 the contest was won by Sweden."
    assert _gated_answer(question, named, title="A career", published="2025-01-10").answered


def test_digits_in_a_readers_name_are_found_in_the_name() -> None:
    answer = _gated_answer(
        "What did v2787 say the Chargers should do about their quarterback?",
        "Bench the quarterback and start the rookie now.",
        title="Chargers lose again",
        kind="comment",
        author="v2787",
    )
    assert answer.answered


def test_an_undated_page_is_not_judged_by_the_year() -> None:
    text = "The Panthers' defense was credited with 24 interceptions that season."
    question = "How many interceptions did the Panthers defense make during the 2015 season?"
    assert _gated_answer(question, text, title="Panthers", published=None).answered
    assert not _gated_answer(question, text, title="Panthers", published="2019-02-01").answered


@pytest.mark.parametrize(
    ("question", "codes", "event_years", "period_years"),
    [
        ("How many passengers can Boeing's 777X carry?", {"777x"}, set(), set()),
        ("What was Tesla's revenue in the third quarter of 2021?", set(), {"2021"}, set()),
        ("What was the score at the 2023 US Open?", set(), {"2023"}, set()),
        ("Which country won the Eurovision Song Contest in 2023?", set(), set(), {"2023"}),
        ("What rate did the bank set in October 2022?", set(), set(), {"2022"}),
        # A bound is no year asked about.
        ("What happened to the bridge before 2016?", set(), set(), set()),
        # Counts, ordinals and decades are spelled many ways: "the tenth", "four primes".
        ("Who is the companion in the 10th series?", set(), set(), set()),
        ("Who played the Doctor on stage in the 70's?", set(), set(), set()),
        ("How many Huguenots fled France by the 1700s?", set(), set(), set()),
        ("What is the minimum of 4 primes between squares?", set(), set(), set()),
        ("How much did it cost in $2015 terms, for 2,000 seats?", set(), set(), set()),
    ],
)
def test_the_numbers_a_question_names_are_its_codes_and_years(
    question: str, codes: set[str], event_years: set[str], period_years: set[str]
) -> None:
    named = named_numbers(question)
    assert (named.codes, named.event_years, named.period_years) == (
        codes,
        event_years,
        period_years,
    )
