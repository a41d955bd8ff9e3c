"""Ask latency in the engine (model loaded, no Discord) on an archive of 100,000 passages.

Embedding 100k passages and their sentences would take hours on two cores, so the archive is
made from a smaller real set: the XQuAD-en paragraphs and the news distractors of
``eval qa`` (built, embedded for real, by that evaluation's cache). Each real passage is repeated
until the archive holds ``--latency-passages``; every copy rotates its sentence order (the same
words, so FTS5 posting lists grow as they would) and gets its passage and sentence vectors with
small Gaussian noise (sigma 0.01 per dimension, then renormalised). Copies are spread over 12
sites, 2010-2024 publication dates, and half of them are reader comments by 400 named readers, so
the filters below select realistic shares.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np

from bench import BENCHMARKS
from bot.answering.engine import Engine
from bot.evals.qa_data import CACHE, build_archive, cache_key, load_distractors, load_squad
from bot.settings import Settings
from index.archive import Archive
from index.models import CommentRecord, DocumentRecord, PassageRecord, SearchFilters, stable_id
from index.schema import MIGRATIONS
from index.store import PendingPassage, embedded_passages
from index.text import sentence_spans

PER_DOCUMENT = 10
SITES = [f"Site {i}" for i in range(12)]
READERS = [f"reader{i:03d}" for i in range(400)]
NOISE = 0.01


def _real_set(data_dir: Path) -> list[tuple[str, np.ndarray, list[tuple[int, int]], np.ndarray]]:
    """(text, passage vector, sentence spans, sentence vectors) of every real passage."""
    return list(embedded_passages(data_dir / "archive.db"))


def _noisy(vectors: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    moved = vectors + rng.normal(0.0, NOISE, vectors.shape).astype(np.float32)
    return moved / np.linalg.norm(moved, axis=-1, keepdims=True)


def _rotated(text: str, turn: int) -> str:
    spans = sentence_spans(text)
    if len(spans) < 2 or "\n" in text:
        return text
    sentences = [span.of(text) for span in spans]
    turn %= len(sentences)
    return " ".join(sentences[turn:] + sentences[:turn])


async def build(data_dir: Path, real: list, total: int) -> None:
    """Write ``total`` passages (copies of ``real``) straight into SQLite and chromadb."""
    rng = np.random.default_rng(7)
    pick = random.Random(7)
    started = time.perf_counter()
    async with await Archive.open(
        data_dir, embedder=None, embed_model="all-MiniLM-L6-v2"
    ) as archive:
        await archive.store.set_meta("embed_model", "all-MiniLM-L6-v2")
        documents = math.ceil(total / PER_DOCUMENT)
        for d in range(documents):
            comment = d % 2 == 1
            document_id = stable_id("d", "bench", str(d))
            day = date.fromordinal(date(2010, 1, 1).toordinal() + (d * 37) % 5475)
            passages, comments, vectors, spans, sentence_vectors = [], [], [], [], []
            offset = 0
            for position in range(min(PER_DOCUMENT, total - d * PER_DOCUMENT)):
                n = d * PER_DOCUMENT + position
                text0, vector, spans0, svectors = real[n % len(real)]
                copy = n // len(real)
                text = _rotated(text0, copy)
                author = pick.choice(READERS) if comment else None
                pid = stable_id("p", document_id, str(position))
                comment_id = stable_id("c", document_id, str(position)) if comment else None
                if comment_id:
                    comments.append(CommentRecord(comment_id, position, text, author))
                # offsets into the comment's text, or into the body the articles' passages make
                start = 0 if comment else offset
                offset += 0 if comment else len(text) + 2
                passages.append(
                    PassageRecord(
                        pid,
                        "comment" if comment else "article",
                        position,
                        text,
                        start,
                        start + len(text),
                        author=author,
                        comment_id=comment_id,
                    )
                )
                vectors.append(_noisy(vector, rng))
                sentence_list = [(s.start, s.end) for s in sentence_spans(text)]
                # rotated text: sentence i of the copy is sentence (i + turn) of the original
                rows = svectors
                if len(sentence_list) == len(spans0) and text != text0:
                    turn = copy % len(spans0)
                    rows = np.roll(svectors, -turn, axis=0)
                if len(sentence_list) != len(rows):
                    sentence_list = list(spans0)
                    rows = svectors
                spans.append(sentence_list)
                sentence_vectors.append(_noisy(rows, rng))
            body = "\n\n".join(p.text for p in passages) if not comment else "(comments)"
            record = DocumentRecord(
                document_id,
                f"bench:{d}",
                "bench",
                stable_id("h", str(d)),
                body,
                title=f"Bench page {d}",
                site=SITES[d % 12],
                published=day,
                comments=comments,
                passages=passages,
            )
            await archive.store.save_document(record)
            pending = [PendingPassage(p.passage_id, p.text) for p in passages]
            await archive.write_vectors(pending, np.vstack(vectors), spans, sentence_vectors)
            if d % 1000 == 0:
                print(f"  bench archive: {d * PER_DOCUMENT} passages", file=sys.stderr)
    (data_dir / "complete").write_text(f"{total}\n")
    print(f"built {total} passages in {time.perf_counter() - started:.0f} s", file=sys.stderr)


def _percentiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[
        min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)
    ]


async def latency_rows(
    args: argparse.Namespace,
) -> tuple[Path, int, list[tuple[str, int, float, float, list[float]]]] | None:
    """Build (once) the ``--latency-passages`` archive and ask through the engine: the archive's
    directory, its passage count, and per row (name, n, p50, p95, latencies). None when the
    shared eval data is absent."""
    squad = args.eval / "qa" / "xquad.en.json"
    if not squad.is_file():
        return None
    pages, questions, _ = load_squad(squad)
    folders = [args.eval / "extraction" / "fundus", args.eval / "extraction" / "scrapinghub"]
    distractors = load_distractors(folders)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    # The very archive `make eval-qa` builds (and caches): embedded once for both.
    real_dir = CACHE / f"{cache_key(squad, folders, settings)}-full"
    await build_archive(real_dir, distractors + pages, settings)
    # named by the schema version: an archive of an older layout is built again
    data_dir = args.cache / f"archive-{args.latency_passages}-m{len(MIGRATIONS)}"
    if not (data_dir / "complete").exists():
        real = _real_set(real_dir)
        print(
            f"building a {args.latency_passages}-passage archive from {len(real)} real passages",
            file=sys.stderr,
        )
        await build(data_dir, real, args.latency_passages)

    sample = [q.text for q in questions[:: max(1, len(questions) // args.questions)]][
        : args.questions
    ]
    rows = [
        ("unfiltered", SearchFilters(), ""),
        ("--kind comment (50%)", SearchFilters(kind="comment"), ""),
        ("--site (8%)", SearchFilters(site=SITES[3]), ""),
        (
            "--since/--until one year (7%)",
            SearchFilters(since=date(2016, 1, 1), until=date(2016, 12, 31)),
            "",
        ),
        ("author (one reader)", SearchFilters(author=READERS[5]), ""),
        ("'in December 2016' in question", SearchFilters(), " in December 2016"),
    ]
    async with await Engine.open(settings.model_copy(update={"data_dir": data_dir})) as engine:
        stats = await engine.stats()
        await engine.ask(sample[0])  # load the model and warm the caches
        lines = []
        for name, filters, suffix in rows:
            latencies = []
            for question in sample:
                answer = await engine.ask(question.rstrip("?") + suffix + "?", replace(filters))
                latencies.append(answer.latency_ms)
            p50, p95 = _percentiles(latencies)
            lines.append((name, len(latencies), p50, p95, latencies))
    return data_dir, int(stats["passages"]), lines


async def ask_latency(args: argparse.Namespace) -> None:
    measured = await latency_rows(args)
    if measured is None:
        print(f"bench ask: {args.eval / 'qa' / 'xquad.en.json'} not found: skipped")
        return
    _, passages, lines = measured
    print(
        f"\nask latency, engine with the model loaded: {passages} passages\n"
        "(archive = the eval-qa real set repeated with sentence order rotated and vectors "
        f"perturbed, sigma {NOISE}; see bench/ask_latency.py)\n"
    )
    width = max(len(line[0]) for line in lines)
    print(f"{'asks':<{width}}  {'n':>4}  {'p50 ms':>7}  {'p95 ms':>7}")
    for name, n, p50, p95, _ in lines:
        print(f"{name:<{width}}  {n:>4}  {p50:>7.1f}  {p95:>7.1f}")


BENCHMARKS["ask"] = ask_latency
