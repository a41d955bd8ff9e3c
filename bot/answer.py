"""The answer contract and the extractive composer: quotes, never claims.

An answer is a few verbatim sentences (or runs of adjacent sentences) from retrieved passages,
each attributed to the article or to a named reader, joined by connecting text that asserts
nothing itself. When no sentence is close enough to the question, the answer says so.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from index.models import Hit, Passage, PassageKind
from index.text import Span, content_words, sentence_spans, words

MAX_QUOTES = 3
# Evidence thresholds for answering at all, on cosine similarity to the question (a first
# calibration on the seed archive: on-topic questions reach 0.5–0.9, unrelated ones 0.14–0.33).
MIN_SIMILARITY = 0.35
MIN_SIMILARITY_WITH_OVERLAP = 0.20
MIN_OVERLAP = 0.5
MIN_OVERLAP_WORDS = 2  # one shared word ("France") is coincidence, not evidence
# A further quote must score at least this share of the best quote.
RELATIVE_FLOOR = 0.75

NOT_FOUND = "I found nothing in the archive that answers this question."

_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
_NUMBER = re.compile(r"\d")
_MONTH = re.compile(
    r"\b(jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|sep(tember)?|"
    r"oct(ober)?|nov(ember)?|dec(ember)?)\b",
    re.IGNORECASE,
)


@dataclass(slots=True)
class Quote:
    n: int
    text: str
    passage_id: str
    document_id: str
    kind: PassageKind
    author: str | None
    title: str | None
    site: str | None
    url: str | None
    published: str | None
    start: int
    end: int
    score: float

    @property
    def attribution(self) -> str:
        """Who is speaking: "The article reported" / "Reader Random guy wrote"."""
        if self.kind == "comment":
            return f"Reader {self.author} wrote" if self.author else "A reader wrote"
        return "The article reported"


@dataclass(slots=True)
class Answer:
    question: str
    answered: bool
    text: str
    quotes: list[Quote] = field(default_factory=list)
    latency_ms: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class _Candidate:
    passage: Passage
    span: Span
    similarity: float
    score: float


def _question_bonus(question: str, sentence: str) -> float:
    """Prefer sentences holding the kind of thing the question asks for."""
    asked = question.lower()
    if re.search(r"\bwhen\b|\bwhat (year|date|day|month)\b", asked):
        return 0.08 if (_YEAR.search(sentence) or _MONTH.search(sentence)) else 0.0
    if re.search(r"\bhow (many|much|long|old|far)\b", asked):
        return 0.08 if _NUMBER.search(sentence) else 0.0
    return 0.0


def _overlap(question_words: list[str], sentence: str) -> float:
    if not question_words:
        return 0.0
    present = set(words(sentence))
    return sum(1 for word in question_words if word in present) / len(question_words)


def render_text(quotes: list[Quote]) -> str:
    return "\n".join(f"{q.attribution}: “{q.text}” [{q.n}]" for q in quotes)


def compose(
    question: str,
    question_vector: np.ndarray,
    hits: list[Hit],
    sentence_vectors: np.ndarray,
    sentences: list[tuple[Hit, Span]],
    *,
    require_evidence: bool = True,
) -> Answer:
    """Pick the sentences that answer ``question``.

    ``require_evidence=False`` answers with the best sentences even when none is close to the
    question: for "what did Random guy say?", where the filters already hold the whole request.

    ``sentences`` are the sentence spans of the hits' passages, ``sentence_vectors`` their
    embeddings (same order). A sentence scores by its own similarity to the question, by the
    share of the question's words it holds, by its passage's similarity, and by holding what the
    question asks for (a date for "when", a number for "how many").
    """
    question_words = content_words(question)
    candidates: list[_Candidate] = []
    similarities = sentence_vectors @ question_vector if len(sentences) else np.zeros(0)
    for (hit, span), similarity in zip(sentences, similarities, strict=True):
        text = span.of(hit.passage.text)
        passage_similarity = hit.similarity if hit.similarity is not None else float(similarity)
        score = (
            0.55 * float(similarity)
            + 0.25 * _overlap(question_words, text)
            + 0.20 * passage_similarity
            + _question_bonus(question, text)
        )
        candidates.append(_Candidate(hit.passage, span, float(similarity), score))

    if not candidates:
        return Answer(question, False, NOT_FOUND)
    best = max(candidates, key=lambda c: c.score)
    best_overlap = max(_overlap(question_words, c.span.of(c.passage.text)) for c in candidates)
    strongest = max(c.similarity for c in candidates)
    if (
        require_evidence
        and strongest < MIN_SIMILARITY
        and not (
            strongest >= MIN_SIMILARITY_WITH_OVERLAP
            and best_overlap >= MIN_OVERLAP
            and best_overlap * len(question_words) >= MIN_OVERLAP_WORDS
        )
    ):
        return Answer(question, False, NOT_FOUND)

    chosen = [
        c
        for c in sorted(candidates, key=lambda c: c.score, reverse=True)
        if c.score >= best.score * RELATIVE_FLOOR
    ][: MAX_QUOTES * 2]
    quotes = _merge_adjacent(chosen, _sentence_order(sentences))[:MAX_QUOTES]
    for number, quote in enumerate(quotes, start=1):
        quote.n = number
    return Answer(question, True, render_text(quotes), quotes)


def _sentence_order(sentences: list[tuple[Hit, Span]]) -> dict[tuple[str, Span], int]:
    """Number sentences so that two are adjacent exactly when they follow each other within one
    paragraph: a blank line between them breaks the count."""
    order: dict[tuple[str, Span], int] = {}
    number = 0
    previous: tuple[str, Span] | None = None
    for hit, span in sentences:
        passage = hit.passage
        if previous is not None and (
            previous[0] != passage.passage_id
            or "\n\n" in passage.text[previous[1].end : span.start]
        ):
            number += 1
        order[(passage.passage_id, span)] = number
        number += 1
        previous = (passage.passage_id, span)
    return order


def _merge_adjacent(chosen: list[_Candidate], order: dict[tuple[str, Span], int]) -> list[Quote]:
    """One quote per run of adjacent chosen sentences of a passage, ordered by best score."""
    by_passage: dict[str, list[_Candidate]] = {}
    for candidate in chosen:
        by_passage.setdefault(candidate.passage.passage_id, []).append(candidate)
    runs: list[tuple[float, Passage, int, int]] = []
    for group in by_passage.values():
        group.sort(key=lambda c: order[(c.passage.passage_id, c.span)])
        run = [group[0]]
        for candidate in group[1:]:
            previous = order[(run[-1].passage.passage_id, run[-1].span)]
            if order[(candidate.passage.passage_id, candidate.span)] == previous + 1:
                run.append(candidate)
                continue
            runs.append(_run(run))
            run = [candidate]
        runs.append(_run(run))
    runs.sort(key=lambda r: r[0], reverse=True)
    return [
        Quote(
            n=0,
            text=passage.text[start:end],
            passage_id=passage.passage_id,
            document_id=passage.document_id,
            kind=passage.kind,
            author=passage.author,
            title=passage.title,
            site=passage.site,
            url=passage.url,
            published=passage.published,
            start=start,
            end=end,
            score=round(score, 4),
        )
        for score, passage, start, end in runs
    ]


def _run(run: list[_Candidate]) -> tuple[float, Passage, int, int]:
    return max(c.score for c in run), run[0].passage, run[0].span.start, run[-1].span.end


def sentences_of(hits: list[Hit]) -> list[tuple[Hit, Span]]:
    return [(hit, span) for hit in hits for span in sentence_spans(hit.passage.text)]
