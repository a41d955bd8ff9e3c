"""The question-answering sets and what every QA evaluation shares: SQuAD-format questions with
news distractors, the archive built from them (cached under ``build/``), how a quote is
scored against the gold answers, and the retrieval baselines the engine is compared with.
"""

from __future__ import annotations

import hashlib
import json
import math
import shutil
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from bot.answering.answer import Answer
from bot.answering.engine import PASSAGES_FOR_QUOTES, Engine
from bot.settings import Settings
from index.archive import Archive
from index.models import Hit, SearchFilters
from index.schema import MIGRATIONS
from index.search import reciprocal_rank_fusion
from index.text import content_words, words
from ingest.chunking import build_document
from ingest.page import Page

CACHE = Path("build/eval-qa")
BASELINES = ("bm25", "dense", "rrf", "para-then-sent")


@dataclass(slots=True)
class Question:
    text: str
    answers: list[str]
    paragraph: int
    article: int


@dataclass(slots=True)
class Tally:
    """Counts for one system; recall@n over retrieved passages, A@n over quotes."""

    asked: int = 0
    recall: dict[int, int] = field(default_factory=lambda: {1: 0, 5: 0, 10: 0})
    a1: int = 0
    a3: int = 0
    quotes: int = 0
    verbatim: int = 0
    answered: int = 0
    latencies: list[float] = field(default_factory=list)

    def row(self, name: str) -> dict[str, Any]:
        n = max(self.asked, 1)
        lat = sorted(self.latencies) or [0.0]
        return {
            "system": name,
            "questions": self.asked,
            "recall@1": round(self.recall[1] / n, 3),
            "recall@5": round(self.recall[5] / n, 3),
            "recall@10": round(self.recall[10] / n, 3),
            "A@1": round(self.a1 / n, 3),
            "A@3": round(self.a3 / n, 3),
            "verbatim": round(self.verbatim / max(self.quotes, 1), 3),
            "answered": round(self.answered / n, 3),
            "p50_ms": round(statistics.median(lat), 1),
            "p95_ms": round(lat[min(len(lat) - 1, math.ceil(0.95 * len(lat)) - 1)], 1),
        }


# --- data ------------------------------------------------------------------------------------


def load_squad(path: Path) -> tuple[list[Page], list[Question], int]:
    """Pages (one per paragraph), questions, and the number of articles."""
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    pages: list[Page] = []
    questions: list[Question] = []
    for article_index, article in enumerate(data):
        title = str(article.get("title", "")).replace("_", " ") or None
        for paragraph in article["paragraphs"]:
            index = len(pages)
            pages.append(
                Page(
                    origin=f"squad:{index}",
                    format="squad",
                    body=[paragraph["context"]],
                    title=title,
                )
            )
            for qa in paragraph["qas"]:
                answers = [a["text"] for a in qa.get("answers", []) if a.get("text")]
                if answers:
                    questions.append(Question(qa["question"], answers, index, article_index))
    return pages, questions, len(data)


def _published(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def load_distractors(folders: list[Path]) -> list[Page]:
    """News pages from fundus and scrapinghub ground truth files found under ``folders``."""
    pages: list[Page] = []
    for folder in folders:
        for path in sorted(folder.rglob("*.json")):
            data = json.loads(path.read_text(encoding="utf-8"))
            if path.name.startswith("ground_truth") and isinstance(data, list):  # fundus
                for index, item in enumerate(data):
                    body = [
                        p
                        for section in (item.get("body") or {}).get("sections", [])
                        for p in section.get("paragraphs", [])
                        if p.strip()
                    ]
                    if body:
                        pages.append(
                            Page(
                                origin=f"{path}:{index}",
                                format="distractor",
                                body=body,
                                title=item.get("title"),
                                site=item.get("publisher"),
                                published=_published(item.get("publishing_date")),
                            )
                        )
            elif path.name == "ground-truth.json" and isinstance(data, dict):  # scrapinghub
                for key, item in sorted(data.items()):
                    body = [p for p in str(item.get("articleBody") or "").split("\n") if p.strip()]
                    if body:
                        pages.append(Page(origin=f"{path}:{key}", format="distractor", body=body))
    return pages


def cache_key(data: Path, distractors: list[Path], settings: Settings) -> str:
    """Names the scratch archives: same files, model and schema, same archive."""
    return _digest(data, *sorted(distractors), settings.embed_model, len(MIGRATIONS), "v2")


def _digest(*parts: object) -> str:
    digest = hashlib.sha256()
    for part in parts:
        if isinstance(part, Path):
            # resolved: `make eval-qa` (../shared) and `make bench` must name the same archive
            digest.update(part.read_bytes() if part.is_file() else str(part.resolve()).encode())
        else:
            digest.update(str(part).encode())
    return digest.hexdigest()[:16]


def start_fresh(data_dir: Path) -> bool:
    """False when a finished build is there; else clear what a broken one left."""
    if (data_dir / "complete").exists():
        return False
    if data_dir.exists():
        shutil.rmtree(data_dir)
    return True


async def build_archive(
    data_dir: Path, pages: list[Page], settings: Settings, embedder: Any = None
) -> None:
    """Ingest ``pages`` into ``data_dir`` unless a finished build is already there."""
    done = data_dir / "complete"
    if not start_fresh(data_dir):
        return
    started = time.perf_counter()
    async with await Archive.open(
        data_dir, embed_model=settings.embed_model, device=settings.embed_device, embedder=embedder
    ) as archive:
        for page in pages:
            await archive.save_document(build_document(page))
        written = await archive.sync_vectors()
    done.write_text(f"{written}\n")
    print(
        f"built {data_dir} ({len(pages)} pages, {written} passages) "
        f"in {time.perf_counter() - started:.0f} s",
        file=sys.stderr,
    )


# --- scoring ---------------------------------------------------------------------------------


def _normal(text: str) -> str:
    return " ".join(text.split())


def holds_answer(text: str, answers: list[str]) -> bool:
    flat = _normal(text)
    return any(_normal(answer) in flat for answer in answers)


def record(tally: Tally, passages: list[str], quotes: list[str], answers: list[str]) -> None:
    tally.asked += 1
    for n in tally.recall:
        if any(holds_answer(p, answers) for p in passages[:n]):
            tally.recall[n] += 1
    if quotes:
        tally.answered += 1
    tally.a1 += bool(quotes) and holds_answer(quotes[0], answers)
    tally.a3 += any(holds_answer(q, answers) for q in quotes[:3])


async def record_answer(
    engine: Engine,
    tallies: tuple[Tally, ...],
    passages: list[str],
    answer: Answer,
    question: Question,
) -> None:
    """Count an engine answer in each of ``tallies``: verbatim quotes (checked against the
    stored passage), A@n, answered share and latency."""
    stored = await engine.archive.store.passages([q.passage_id for q in answer.quotes])
    verbatim = 0
    for quote in answer.quotes:
        passage = stored.get(quote.passage_id)
        verbatim += bool(passage and passage.text[quote.start : quote.end] == quote.text)
    quotes = [q.text for q in answer.quotes]
    for tally in tallies:
        tally.quotes += len(answer.quotes)
        tally.verbatim += verbatim
        record(tally, passages, quotes, question.answers)
        tally.latencies.append(answer.latency_ms)


def _sentence_bm25(
    terms: list[str], idf: dict[str, float], texts: list[str], k1: float = 1.2, b: float = 0.75
) -> np.ndarray:
    tokens = [words(text) for text in texts]
    average = sum(len(t) for t in tokens) / max(len(tokens), 1) or 1.0
    scores = np.zeros(len(texts))
    for i, sentence in enumerate(tokens):
        for term in terms:
            tf = sentence.count(term)
            if tf:
                norm = tf + k1 * (1 - b + b * len(sentence) / average)
                scores[i] += idf.get(term, 1.0) * tf * (k1 + 1) / norm
    return scores


def _rank(scores: np.ndarray) -> list[int]:
    return [int(i) for i in np.argsort(-scores, kind="stable")]


async def baselines(
    engine: Engine, question: Question, vector: np.ndarray, idf: dict[str, float]
) -> dict[str, tuple[list[str], list[str], float]]:
    """For each baseline: (retrieved passage texts, chosen sentences, latency ms)."""
    archive = engine.archive
    k = PASSAGES_FOR_QUOTES
    terms = content_words(question.text)
    results: dict[str, tuple[list[str], list[str], float]] = {}
    empty = SearchFilters()

    async def passages_of(ids: list[str]) -> list[Hit]:
        found = await archive.store.passages(ids)
        return [Hit(found[pid], 0.0) for pid in ids if pid in found]

    timer = time.perf_counter()
    lexical = await archive.store.lexical_search(terms, empty, 10)
    lexical_hits = await passages_of([pid for pid, _ in lexical])
    bm25_time = (time.perf_counter() - timer) * 1000
    timer = time.perf_counter()
    dense = await archive.dense_search(vector, empty, 10)
    dense_hits = await passages_of([pid for pid, _ in dense])
    dense_time = (time.perf_counter() - timer) * 1000
    timer = time.perf_counter()
    fused_hits = await archive.search(question.text, empty, 10, query_vector=vector)
    fused_time = (time.perf_counter() - timer) * 1000

    for name, hits, spent in (
        ("bm25", lexical_hits, bm25_time),
        ("dense", dense_hits, dense_time),
        ("rrf", fused_hits, fused_time),
        ("para-then-sent", fused_hits, fused_time),
    ):
        timer = time.perf_counter()
        pool = hits[:1] if name == "para-then-sent" else hits[:k]
        sentences, matrix = await engine.candidate_sentences(pool)
        texts = [span.of(hit.passage.text) for hit, span in sentences]
        chosen: list[str] = []
        if texts:
            lexical_scores = _sentence_bm25(terms, idf, texts)
            dense_scores = matrix @ vector
            if name == "bm25":
                order = _rank(lexical_scores)
            elif name == "dense":
                order = _rank(dense_scores)
            else:
                fused = reciprocal_rank_fusion(
                    [[str(i) for i in _rank(lexical_scores)], [str(i) for i in _rank(dense_scores)]]
                )
                order = [int(i) for i in fused]
            chosen = [texts[i] for i in order[:3]]
        spent += (time.perf_counter() - timer) * 1000
        results[name] = ([h.passage.text for h in hits], chosen, spent)
    return results
