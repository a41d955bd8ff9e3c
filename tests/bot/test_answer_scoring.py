"""The sentence features and the abstention model's inputs, without an archive."""

from __future__ import annotations

import numpy as np

from bot.answer import ABSTAIN_FEATURES, FEATURES, WEIGHTS, _bigrams, abstain_rows


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
