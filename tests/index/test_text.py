"""Sentence spans are exact slices; folding and word lists feed matching only."""

from __future__ import annotations

import itertools

import pytest

from index.text import content_words, fold, sentence_spans


def _sentences(text: str) -> list[str]:
    return [span.of(text) for span in sentence_spans(text)]


def test_sentences_with_dates_abbreviations_and_initials() -> None:
    text = (
        "Fighting in Aleppo broke out on July 19, 2012 and lasted more than four years. "
        "Dr. J. Smith of the U.S. embassy said so. Did he? Yes!"
    )
    assert _sentences(text) == [
        "Fighting in Aleppo broke out on July 19, 2012 and lasted more than four years.",
        "Dr. J. Smith of the U.S. embassy said so.",
        "Did he?",
        "Yes!",
    ]


def test_paragraph_breaks_end_sentences() -> None:
    assert _sentences("A caption without a stop\n\nNext paragraph here.") == [
        "A caption without a stop",
        "Next paragraph here.",
    ]


def test_lowercase_after_a_stop_does_not_split() -> None:
    assert _sentences("He waited... and waited. Then left.") == [
        "He waited... and waited.",
        "Then left.",
    ]


def test_closing_quotes_stay_with_their_sentence() -> None:
    assert _sentences("He said “stop.” Then “go!” She left.") == [
        "He said “stop.”",
        "Then “go!”",
        "She left.",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "One.",
        "  Leading space. Trailing space.  ",
        "Line one\nline two. Next!\n\n\nAfter gap?",
        "Ünïcödé text. Ёще одно предложение. 中文。",
    ],
)
def test_spans_are_ordered_trimmed_slices(text: str) -> None:
    spans = sentence_spans(text)
    for previous, current in itertools.pairwise(spans):
        assert previous.end <= current.start
    for span in spans:
        piece = span.of(text)
        assert piece == piece.strip() and piece


def test_fold_and_content_words() -> None:
    assert fold("Café “Déjà” vu’s") == 'cafe "deja" vu\'s'
    assert content_words("What did Random guy say about Assad's Turkey?") == [
        "random",
        "guy",
        "assad",
        "turkey",
    ]
