"""The answer contract and the extractive composer: quotes, never claims.

An answer is a few verbatim sentences (or runs of adjacent sentences) from retrieved passages,
each attributed to the article or to a named reader, joined by connecting text that asserts
nothing itself. When no sentence is close enough to the question, the answer says so.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from bot.answering.features import (
    ABSTAIN_WEIGHTS,
    FEATURES,
    WEIGHTS,
    abstention_inputs,
    features,
    probabilities,
    reranked,
)
from bot.answering.reading import (
    ABOUT_WORDS,
    named_numbers,
    numbers_check,
    on_subject,
    speaker_terms,
    subject_terms,
)
from index.models import Hit, Passage, PassageKind
from index.text import Span

MAX_QUOTES = 3
# A run of adjacent chosen sentences becomes one quote of at most this many sentences.
MAX_SENTENCES_PER_QUOTE = 2
# Two adjacent chosen sentences merge only when the weaker has at least this share of the
# stronger's probability: a quote is not padded with a neighbour that merely shares its topic
# (pooled sentence vectors sit close to their passage's topic). A weaker neighbour can still be
# a quote of its own. On 300 XQuAD-en questions, A@1/A@3: 0.853/0.927 with no floor (padding
# counts as a hit), 0.847/0.923 at 0.2 and 0.3, 0.840/0.920 at 0.5.
MERGE_FLOOR = 0.25
# A further quote must reach this share of the best sentence's probability. Low on purpose:
# on the dev half of XQuAD-en a further quote holds the answer often enough (A@3 0.941 with
# 0.25, 0.959 with 0) that cutting it costs more than the odd weak third quote.
RELATIVE_FLOOR = 0.05
# Answer only when the abstention model (``ABSTAIN_FEATURES``) gives the answer at least this
# probability of holding what was asked (see ``ABSTAIN_WEIGHTS`` for how it was chosen): the
# lowest on a 0.01 grid that declines at least 0.81 of the XQuAD-en dev questions without their
# gold. With the answer types reading "the age of 18", "World War I" and "throughout Scotland",
# 0.15 declines 0.812 there (0.824 of all, for A@1/A@3 0.853/0.936 with the gold); 0.14 declines
# 0.801. Refitting the model itself (``--fit``) declined 0.827 for 0.849/0.929: no better, so
# the weights stay as fitted in round 2.
ABSTAIN_BELOW = 0.15
# A filtered ask (a kind, site, author or period, given or read from the question) has already
# narrowed the archive to what the asker chose, and such questions are broad ("what did readers
# say about the bridge in December 2016?"): the factoid-trained model above would decline them.
# They keep the round-1 gate instead: the best sentence's ranking probability reaches this, and
# the sentence itself is at least ``MIN_SIMILARITY`` close in meaning to the question (shared
# words alone, "president of France" against "supported from USA, france", are coincidence).
# Unfiltered asks have no such floor: the abstention model weighs the best passage's similarity
# itself, and on the dev half the floor only cost A@3 (0.948 against 0.951 at 0.81 declined).
FILTERED_ABSTAIN_BELOW = 0.12
MIN_SIMILARITY = 0.25
# "What did Donald Trump say about Amazon?" asks for someone's words: sentences that merely share
# the topic ("Amazon" in a comment on Bezos) or the person (Trump's criminal cases) read as that
# person on that subject. Such a question, filtered or not, quotes only passages that name the
# speaker in full (in their text or their page's title) and, when it says what about, pass the
# subject test above. The speaker is a capitalised name after "what did": a reader of the archive is
# the filters' business, and a lowercase "what did people say" names nobody.

# A sentence that is only a link ("https://www.givewell.org/charities/PIH" on a line of its own
# in a comment) says nothing a reader can check by reading it: it is never quoted, however
# close its words come to the question.
_BARE_LINK = re.compile(r"(?:https?://|www\.)\S+")

NOT_FOUND = "I found nothing in the archive that answers this question."


# Set to False (``abstention_off``) to measure the ranking alone: every unfiltered ask answers.
_ABSTAIN: ContextVar[bool] = ContextVar("abstain", default=True)


@contextmanager
def abstention_off() -> Iterator[None]:
    """Within this block unfiltered asks answer with their best sentences however weak, so an
    evaluation can report the ranking's quality apart from the gate that ships in front of it.
    Filtered asks keep their gate: it also decides whether a period read from the question was
    meant for the coverage (``Engine.ask`` retries without it), which is not abstention."""
    token = _ABSTAIN.set(False)
    try:
        yield
    finally:
        _ABSTAIN.reset(token)


def abstaining() -> bool:
    """Whether unfiltered asks decline on the abstention model (not within ``abstention_off``)."""
    return _ABSTAIN.get()


def attribution(kind: str, author: str | None) -> str:
    """Who is speaking: "The article reported" / "Reader Random guy wrote"."""
    if kind == "comment":
        return f"Reader {author} wrote" if author else "A reader wrote"
    return "The article reported"


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
    # Whether ``published`` was read from the page's text, the page stating no date of its own
    # (set by the engine, which knows the page): shown as such, never as the outlet's date.
    published_inferred: bool = False

    @property
    def attribution(self) -> str:
        return attribution(self.kind, self.author)


@dataclass(slots=True)
class Answer:
    question: str
    answered: bool
    text: str
    quotes: list[Quote] = field(default_factory=list)
    latency_ms: float = 0.0
    # The abstention model's probability that the best sentence holds the answer (also when
    # declining): what ``ABSTAIN_BELOW`` is compared with, kept so evaluations can calibrate it.
    confidence: float = 0.0
    # Whether ``text`` was written by the optional generator (bot/answering/generator.py) rather
    # than composed here; the quotes are the extractive ones either way.
    generated: bool = False
    # The words naming the period the question asked about ("in 2015") when nothing published
    # then answered and the quotes come from the whole archive instead; None otherwise.
    unmatched_period: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class _Candidate:
    passage: Passage
    span: Span
    similarity: float
    score: float


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
    idf: dict[str, float] | None = None,
    abstain_below: float = ABSTAIN_BELOW,
    filtered: bool = False,
    reader: bool = False,
    reranker: Callable[[str, Sequence[str]], np.ndarray] | None = None,
) -> Answer:
    """Pick the sentences that answer ``question``.

    ``require_evidence=False`` answers with the best sentences even when none is close to the
    question: for "what did Random guy say?", where the filters already hold the whole request.
    ``reader``: the filters hold a reader the question names, whose comments about its subject
    answer it. Otherwise a ``filtered`` ask that names a subject quotes only sentences about it
    (``subject_terms``, ``SUBJECT_COVERAGE``), and any ask for a named person's words quotes only
    passages naming them (``speaker_terms``); either declines when no sentence qualifies. A code
    or a year the question names ("Boeing's 777X", "the third quarter of 2021") must be named
    where the quote is (``numbers_check``): a page on topic that holds the asked figure of another
    aircraft or another year is a near miss, declined.

    ``sentences`` are the sentence spans of the hits' passages in passage order, and
    ``sentence_vectors`` their embeddings (same order); ``idf`` weighs the question's words.
    Each sentence gets the model's probability of holding the answer (``features``); the answer
    is the best sentences, adjacent ones merged, ordered by that support.
    """
    if not sentences:
        return Answer(question, False, NOT_FOUND)
    rows = features(question, question_vector, hits, sentence_vectors, sentences, idf)
    logits = rows @ WEIGHTS
    if reranker is not None:
        logits = reranked(question, sentences, logits, reranker)
    scores = 1.0 / (1.0 + np.exp(-logits))
    similarities = rows[:, FEATURES.index("similarity")]
    candidates = [
        _Candidate(hit.passage, span, float(similarity), float(score))
        for (hit, span), similarity, score in zip(sentences, similarities, scores, strict=True)
    ]
    # Which sentences may be quoted: all but bare links, unless a filtered ask names a subject or
    # any ask names a speaker (an unfiltered one only while the gate is on: ``abstention_off``
    # measures the ranking alone).
    quotable = [
        i
        for i, (hit, span) in enumerate(sentences)
        if not _BARE_LINK.fullmatch(span.of(hit.passage.text).strip())
    ]
    gated = require_evidence and (filtered or _ABSTAIN.get())
    speaker = speaker_terms(question, hits) if gated else set()
    terms: dict[str, float] = {}
    if gated and (filtered or (speaker and ABOUT_WORDS.search(question))):
        terms = subject_terms(question, hits, idf)
        terms = {root: w for root, w in terms.items() if root not in speaker}
    if terms or speaker:
        allowed = on_subject(terms, sentences, similarities, speaker)
        quotable = [i for i in quotable if allowed[i]]
    numbers = named_numbers(question) if gated else None
    if numbers:
        fits = numbers_check(numbers, hits)
        quotable = [i for i in quotable if fits(sentences[i][0].passage, sentences[i][1])]
    top = max(quotable, key=lambda i: scores[i]) if quotable else int(np.argmax(scores))
    best = candidates[top]
    inputs = abstention_inputs(question, hits, sentences, rows, logits, top)
    confidence = float(probabilities(inputs, ABSTAIN_WEIGHTS))
    if filtered and reader and terms:
        # The question names the reader and what about: their comments that name it pass the
        # subject test, and that is the evidence (a reader's short comment seldom reaches the
        # floors below, which guard against words shared by coincidence across the archive).
        weak = not quotable
    elif filtered:
        weak = (
            not quotable or best.score < FILTERED_ABSTAIN_BELOW or best.similarity < MIN_SIMILARITY
        )
    else:
        weak = _ABSTAIN.get() and (not quotable or confidence < abstain_below)
    if require_evidence and weak:
        return Answer(question, False, NOT_FOUND, confidence=round(confidence, 4))

    chosen = [
        c
        for c in sorted((candidates[i] for i in quotable), key=lambda c: c.score, reverse=True)
        if c.score >= best.score * RELATIVE_FLOOR
    ][: MAX_QUOTES * 2]
    quotes = _distinct(_merge_adjacent(chosen, _sentence_order(sentences)))[:MAX_QUOTES]
    for number, quote in enumerate(quotes, start=1):
        quote.n = number
    return Answer(question, True, render_text(quotes), quotes, confidence=round(confidence, 4))


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
            weaker, stronger = sorted((run[-1].score, candidate.score))
            if (
                order[(candidate.passage.passage_id, candidate.span)] == previous + 1
                and len(run) < MAX_SENTENCES_PER_QUOTE
                and weaker >= MERGE_FLOOR * stronger
            ):
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


def _distinct(quotes: list[Quote]) -> list[Quote]:
    """Drop a quote whose text a stronger one already holds: passages overlap by a few
    sentences (ingest.chunking), so one sentence can be a candidate in two passages, and
    quoting it twice would spend one of the ``MAX_QUOTES`` on nothing new."""
    kept: list[Quote] = []
    for quote in quotes:
        if not any(quote.text in other.text for other in kept):
            kept.append(quote)
    return kept


def _run(run: list[_Candidate]) -> tuple[float, Passage, int, int]:
    return max(c.score for c in run), run[0].passage, run[0].span.start, run[-1].span.end
