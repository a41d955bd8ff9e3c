"""The sentence features, the abstention model's inputs and the quote choice, without an
archive."""

from __future__ import annotations

import numpy as np

from bot.answering.answer import abstention_off, compose
from bot.answering.features import ABSTAIN_FEATURES, FEATURES, NO_RIVAL_MARGIN, abstention_inputs
from bot.answering.reading import word_bigrams
from index.models import Hit, Passage
from index.text import sentence_spans


def _hit(pid: str, text: str, **evidence: object) -> Hit:
    body = Passage(pid, "d1", "article", 0, text, None, "Harbour", None, None, None)
    return Hit(body, 1.0, **evidence)  # type: ignore[arg-type]


def test_abstention_inputs_are_the_best_sentence_and_the_question_as_a_whole() -> None:
    hits = [
        _hit("p1", "The bridge opened in 1932. Crowds came.", similarity=0.7, dense_rank=1),
        _hit("p2", "The ferry closed.", similarity=0.4, dense_rank=2, lexical_rank=1),
    ]
    sentences = [(hit, span) for hit in hits for span in sentence_spans(hit.passage.text)]
    rows = np.random.default_rng(1).random((len(sentences), len(FEATURES)))
    rows[:, FEATURES.index("bias")] = 1.0
    rows[:, FEATURES.index("similarity")] = [0.5, 0.9, 0.6]
    rows[:, FEATURES.index("type_present")] = [1.0, 0.0, 0.0]
    logits = np.array([2.0, 1.5, 0.5])
    inputs = abstention_inputs("When did the bridge open?", hits, sentences, rows, logits, 0)
    named = dict(zip(ABSTAIN_FEATURES, inputs, strict=True))
    assert named["bias"] == 1.0 and named["score"] == 2.0
    # The rival is the best sentence of another passage (p2's 0.5), not p1's own second one.
    assert named["score_margin"] == 1.5
    # The first hit is dense rank 1 but lexical rank None: the retrievers do not agree.
    assert named["retrievers_agree"] == 0.0
    assert named["closer_sentences"] == 2.0
    assert named["best_passage_similarity"] == 0.7
    assert named["typed"] == 1.0 and named["date_or_number_present"] == 1.0
    for name in set(ABSTAIN_FEATURES) & set(FEATURES):
        assert named[name] == rows[0, FEATURES.index(name)], name

    alone = abstention_inputs("Why did it open?", hits[:1], sentences[:2], rows[:2], logits[:2], 0)
    named = dict(zip(ABSTAIN_FEATURES, alone, strict=True))
    assert named["score_margin"] == NO_RIVAL_MARGIN
    assert named["typed"] == 0.0 and named["date_or_number_present"] == 0.0


def test_the_gate_can_be_switched_off_for_unfiltered_asks_only() -> None:
    """``abstention_off`` lets an evaluation see the ranking without the gate; a filtered ask
    keeps its own gate (it decides the undated retry), and leaving the block restores it."""
    hits = [_hit("p1", "Crowds lined the quay at dawn.", similarity=0.1)]
    sentences = [(hits[0], span) for span in sentence_spans(hits[0].passage.text)]
    vectors = np.array([[1.0, 0.0]], dtype=np.float32)
    question_vector = np.array([0.0, 1.0], dtype=np.float32)

    def ask(filtered: bool = False) -> bool:
        question = "Who designed the steel arch?"
        return compose(
            question, question_vector, hits, vectors, sentences, filtered=filtered
        ).answered

    assert not ask()
    with abstention_off():
        assert ask()
        assert not ask(filtered=True)
    assert not ask()


def test_shared_phrases_need_a_content_word_and_credit_inflections() -> None:
    question = word_bigrams("How many points did the Panthers defense surrender?")
    sentence = word_bigrams("The Panthers defense surrendered just 308 points.")
    assert ("panth", "defen") in question & sentence
    # "did the" is two stopwords: never a phrase worth crediting.
    assert ("did", "the") not in question


def test_a_sentence_in_two_overlapping_passages_is_quoted_once() -> None:
    """Passages overlap, so the same sentence can be found in two of them: the second copy
    must not take one of the three quote slots."""
    shared = "The harbour bridge opened in 1932."

    hits = [
        _hit("p1", f"Crowds lined the quay. {shared}", similarity=0.6),
        _hit("p2", f"{shared} It carries eight lanes of traffic.", similarity=0.6),
    ]
    sentences = [(hit, span) for hit in hits for span in sentence_spans(hit.passage.text)]
    vectors = np.eye(len(sentences), 4, dtype=np.float32)
    question_vector = np.ones(4, dtype=np.float32) / 2
    answer = compose(
        "When did the harbour bridge open?",
        question_vector,
        hits,
        vectors,
        sentences,
        require_evidence=False,
    )
    texts = [quote.text for quote in answer.quotes]
    assert texts.count(shared) == 1, texts
    assert not any(a != b and a in b for a in texts for b in texts), texts
