"""Sentence spans are exactly those of the earlier, quadratic splitter.

Passage ids hash passage text and passages keep character offsets, so a splitter that moved one
boundary would re-identify stored passages. ``_reference_spans`` is the splitter as it was
before the abbreviation check stopped searching from the start of the text; the new one must
agree with it everywhere: on generated text, the seed page and the shared evaluation articles.
"""

from __future__ import annotations

import json
import re

import pytest
from conftest import ROOT, SEED
from hypothesis import given, settings
from hypothesis import strategies as st

from index import text as text_module
from index.text import Span, sentence_spans
from ingest.chunking import build_document
from ingest.readers.text import TextReader

EVAL = ROOT.parent / "shared" / "eval"

_ABBREVIATIONS = text_module._ABBREVIATIONS
_SENTENCE_END = re.compile(r"""(?:[.!?…]+|\.{3})["'”’»)\]]*(?=\s)""")
_SENTENCE_START = re.compile(r"""\s+(?=["'“‘«(\[]?[\w¿¡])""")
_WORD_BEFORE = re.compile(r"([\w.]+)$")


def _reference_is_abbreviation(text: str, end_of_period: int) -> bool:
    match = _WORD_BEFORE.search(text, 0, end_of_period - 1)
    if not match:
        return False
    word = match.group(1).lower().rstrip(".")
    if len(word) == 1 and word.isalpha():
        return True
    return word in _ABBREVIATIONS


def _reference_spans(text: str) -> list[Span]:
    spans: list[Span] = []
    for block in re.finditer(r"[^\n]+(?:\n(?!\s*\n)[^\n]+)*", text):
        cursor = block.start()
        limit = block.end()
        for end_match in _SENTENCE_END.finditer(text, block.start(), limit):
            end = end_match.end()
            punctuation = end_match.group(0)
            if (
                punctuation.startswith(".")
                and not punctuation.startswith("..")
                and (_reference_is_abbreviation(text, end_match.start() + 1))
            ):
                continue
            follow = _SENTENCE_START.match(text, end, limit)
            if not follow:
                continue
            next_char = text[follow.end()]
            if next_char.isalpha() and next_char.islower():
                continue
            _reference_append(spans, text, cursor, end)
            cursor = follow.end()
        _reference_append(spans, text, cursor, limit)
    return spans


def _reference_append(spans: list[Span], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append(Span(start, end))


def test_the_reference_is_the_splitter_it_stands_for() -> None:
    """The copy keeps the module's rules: same patterns, same abbreviations."""
    assert _SENTENCE_END.pattern == text_module._SENTENCE_END.pattern
    assert _SENTENCE_START.pattern == text_module._SENTENCE_START.pattern
    assert _WORD_BEFORE.pattern == text_module._WORD_BEFORE.pattern


# Pieces that exercise every branch: abbreviations, initials, dotted and very long words (longer
# than the window the new check searches), runs of periods, closing quotes, newlines and gaps.
# fmt: off
_PIECE_TEXTS = [
    "Mr", "mrs", "Dr", "e.g", "i.e", "U.S", "u.k", "a.m", "etc", "St", "Sept", "approx",
    "J", "x", "The", "word", "lower", "Ünï", "42", "_", "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q",
    "x" * 31, "y" * 32, "z" * 33, "w" * 70, "v.e.g" + "." * 40,
    ".", ". ", ".. ", "... ", "…", "!", "?", "!.", "?.",
    '"', "”", "’", ")", "]", "»", "“", "(", "«",
    " ", "  ", "\n", "\n\n", " \n", "\n \n", "\t",
]
# fmt: on
_PIECES = st.sampled_from(_PIECE_TEXTS)


@settings(max_examples=1500, deadline=None)
@given(st.lists(_PIECES, max_size=60).map("".join))
def test_generated_text_splits_as_before(text: str) -> None:
    assert sentence_spans(text) == _reference_spans(text)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="aZJ. \n!”_é", max_size=200))
def test_small_alphabet_text_splits_as_before(text: str) -> None:
    assert sentence_spans(text) == _reference_spans(text)


def test_seed_page_splits_as_before() -> None:
    raw = SEED.read_text(encoding="utf-8")
    assert sentence_spans(raw) == _reference_spans(raw)
    page = next(TextReader().read(SEED))
    body = build_document(page).body
    assert sentence_spans(body) == _reference_spans(body)
    for comment in page.comments:
        assert sentence_spans(comment.text) == _reference_spans(comment.text)


def _eval_articles() -> list[str]:
    texts: list[str] = []
    truth = EVAL / "extraction" / "scrapinghub" / "ground-truth.json"
    if truth.exists():
        data = json.loads(truth.read_text(encoding="utf-8"))
        texts += [item["articleBody"] for item in data.values() if item.get("articleBody")]
    squad = EVAL / "qa" / "xquad.en.json"
    if squad.exists():
        data = json.loads(squad.read_text(encoding="utf-8"))
        texts += [
            paragraph["context"]
            for article in data["data"][:20]
            for paragraph in article["paragraphs"]
        ]
    return texts


def test_evaluation_articles_split_as_before() -> None:
    texts = _eval_articles()
    if not texts:
        pytest.skip(f"no evaluation data under {EVAL}")
    checked = 0
    for text in texts:
        new = sentence_spans(text)
        assert new == _reference_spans(text), text[:80]
        checked += len(new)
    assert checked > 1000


def test_a_word_longer_than_the_window_is_read_whole() -> None:
    """An abbreviation is recognised however long the dotted run in front of it is."""
    run = "e.g" + "." * 100
    text = f"Start {run}\n. Next one. End."
    assert sentence_spans(text) == _reference_spans(text)
    assert [s.of(text) for s in sentence_spans(text)] == [f"Start {run}\n. Next one.", "End."]


def test_long_paragraph_spans() -> None:
    """Many sentences in one paragraph still split one by one (the slow case that was fixed)."""
    text = "Huge story about the weather. Dr. J. Smith agreed. " * 300
    spans = sentence_spans(text)
    assert len(spans) == 600
    assert spans == _reference_spans(text)
