"""The sentence features and the abstention model's inputs, without an archive."""

from __future__ import annotations

import numpy as np

from bot.answer import ABSTAIN_FEATURES, FEATURES, WEIGHTS, _bigrams, abstain_rows, compose
from index.models import Hit, Passage
from index.text import sentence_spans


def test_abstention_inputs_are_the_ranking_score_and_named_features() -> None:
    rows = np.random.default_rng(1).random((4, len(FEATURES)))
    inputs = abstain_rows(rows)
    assert inputs.shape == (4, len(ABSTAIN_FEATURES))
    assert np.allclose(inputs[:, ABSTAIN_FEATURES.index("score")], rows @ WEIGHTS)
    for name in ABSTAIN_FEATURES:
        if name != "score":
            column = inputs[:, ABSTAIN_FEATURES.index(name)]
            assert np.allclose(column, rows[:, FEATURES.index(name)]), name


def test_shared_phrases_need_a_content_word_and_credit_inflections() -> None:
    question = _bigrams("How many points did the Panthers defense surrender?")
    sentence = _bigrams("The Panthers defense surrendered just 308 points.")
    assert ("panth", "defen") in question & sentence
    # "did the" is two stopwords: never a phrase worth crediting.
    assert ("did", "the") not in question


def test_a_sentence_in_two_overlapping_passages_is_quoted_once() -> None:
    """Passages overlap, so the same sentence can be found in two of them: the second copy
    must not take one of the three quote slots."""
    shared = "The harbour bridge opened in 1932."

    def passage(pid: str, text: str) -> Hit:
        body = Passage(pid, "d1", "article", 0, text, None, "Harbour", None, None, None)
        return Hit(body, 1.0, similarity=0.6)

    hits = [
        passage("p1", f"Crowds lined the quay. {shared}"),
        passage("p2", f"{shared} It carries eight lanes of traffic."),
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
