"""Ask latency in the engine (model loaded, no Discord) at each archive size of
``--latency-passages`` (10,000, 100,000 and 1,000,000 passages by default), with what each size
costs: build time, disk per 100k passages, the vector search's recall@10 against exact search,
and the peak RSS of the process that asks (a child process of its own, which opens the archive
and asks, as the bot does; the building process is not measured).

Embedding 100k passages and their sentences would take hours on two cores, so each archive is
made from a smaller real set: the XQuAD-en paragraphs and the news distractors of
``eval qa`` (built, embedded for real, by that evaluation's cache). Each real passage is repeated
until the archive holds ``--latency-passages``; every copy rotates its sentence order (the same
words, so FTS5 posting lists grow as they would) and gets its passage and sentence vectors with
small Gaussian noise (sigma 0.01 per dimension, then renormalised). Copies are spread over 12
sites, 2010-2024 publication dates, and half of them are reader comments by 400 named readers, so
the filters below select realistic shares. Each archive is built once under ``--cache``.
``--chroma-server`` asks each archive with its own collections served by ``chroma run``
(``CHROMA_URL``) instead of the embedded client.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import math
import os
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import numpy as np

from bench import BENCHMARKS, peak_rss_kb
from bench.chroma_server import start_chroma, stop_chroma
from bot.answering.engine import Engine
from bot.evals.qa_data import CACHE, build_archive, cache_key, load_distractors, load_squad
from bot.settings import Settings
from index.archive import Archive
from index.models import CommentRecord, DocumentRecord, PassageRecord, SearchFilters, stable_id
from index.schema import MIGRATIONS
from index.store import PendingPassage, embedded_passages
from index.text import sentence_spans
from index.vectors import VectorIndex

PER_DOCUMENT = 10
#: The archive sizes ``make bench`` measures by default.
LATENCY_SIZES = [10_000, 100_000, 1_000_000]
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
    seconds = time.perf_counter() - started
    # The build time is kept with the archive: later runs reuse it and still report it.
    (data_dir / "complete").write_text(f"{total}\n{seconds:.1f}\n")
    print(f"built {total} passages in {seconds:.0f} s", file=sys.stderr)


def _percentiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[
        min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)
    ]


ROWS: list[tuple[str, SearchFilters, str]] = [
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
RECALL_AT = 10
#: How ``latency_sizes`` starts the process that asks (``main``).
CHILD = (sys.executable, "-m", "bench.ask_latency")


@dataclass
class SizeFigures:
    """What one archive size costs: build, disk, vector recall, the asking process's peak RSS,
    and per row of ``ROWS`` (name, n, p50 ms, p95 ms)."""

    passages: int
    build_seconds: float | None
    disk_mb_per_100k: float
    recall_at_10: float
    peak_rss_mb: float
    rows: list[tuple[str, int, float, float]]


def disk_bytes(data_dir: Path) -> int:
    """The archive's size on disk, SQLite's write-ahead log folded back in first."""
    db = sqlite3.connect(data_dir / "archive.db")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return sum(f.stat().st_size for f in data_dir.rglob("*") if f.is_file())


async def _archive_of(
    args: argparse.Namespace, passages: int, settings: Settings, real_dir: Path
) -> Path:
    """The ``passages``-passage archive, built once (named by the schema version: an archive of
    an older layout is built again)."""
    data_dir = args.cache / f"archive-{passages}-m{len(MIGRATIONS)}"
    if not (data_dir / "complete").exists():
        real = _real_set(real_dir)
        print(
            f"building a {passages}-passage archive from {len(real)} real passages", file=sys.stderr
        )
        await build(data_dir, real, passages)
    return data_dir


async def latency_sizes(args: argparse.Namespace) -> list[SizeFigures] | None:
    """Build (once) an archive of each ``--latency-passages`` size and measure it in a child
    process (``ask_archive``). None when the shared eval data is absent."""
    squad = args.eval / "qa" / "xquad.en.json"
    if not squad.is_file():
        return None
    folders = [args.eval / "extraction" / "fundus", args.eval / "extraction" / "scrapinghub"]
    pages, _, _ = load_squad(squad)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    # The very archive `make eval-qa` builds (and caches): embedded once for both.
    real_dir = CACHE / f"{cache_key(squad, folders, settings)}-full"
    await build_archive(real_dir, load_distractors(folders) + pages, settings)
    measured = []
    for passages in args.latency_passages:
        data_dir = await _archive_of(args, passages, settings, real_dir)
        env = dict(os.environ)
        with contextlib.ExitStack() as served:
            if getattr(args, "chroma_server", False):
                # The archive's own collections, served: the same vectors as embedded.
                log = served.enter_context((args.cache / f"chroma-{passages}.log").open("wb"))
                server, env["CHROMA_URL"] = start_chroma(data_dir / "chroma", log)
                served.callback(stop_chroma, server)
            child = await asyncio.to_thread(
                subprocess.run,
                [*CHILD, str(data_dir), str(squad), "--questions", str(args.questions)],
                capture_output=True,
                text=True,
                check=False,
                env=env,
            )
        if child.returncode != 0:
            raise RuntimeError(f"asking the {passages}-passage archive failed:\n{child.stderr}")
        found = json.loads(child.stdout.strip().splitlines()[-1])
        recorded = (data_dir / "complete").read_text().split()
        measured.append(
            SizeFigures(
                passages=found["passages"],
                build_seconds=float(recorded[1]) if len(recorded) > 1 else None,
                disk_mb_per_100k=round(
                    disk_bytes(data_dir) / found["passages"] * 100_000 / 2**20, 1
                ),
                recall_at_10=found["recall_at_10"],
                peak_rss_mb=found["peak_rss_mb"],
                rows=[tuple(row) for row in found["rows"]],  # type: ignore[misc]
            )
        )
    return measured


def sample_questions(squad: Path, count: int) -> list[str]:
    _, questions, _ = load_squad(squad)
    return [q.text for q in questions[:: max(1, len(questions) // count)]][:count]


async def ask_archive(data_dir: Path, squad: Path, count: int) -> dict[str, object]:
    """In the child process: open the archive as the bot does (its caches warmed, as at the
    bot's start), ask ``count`` questions per row of ``ROWS``, measure recall@10 of the vector
    search on their vectors, and report the peak RSS of this process."""
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    sample = sample_questions(squad, count)
    async with await Engine.open(settings.model_copy(update={"data_dir": data_dir})) as engine:
        stats = await engine.stats()
        await engine.warm_up()  # as the bot does at start, before it takes questions
        await engine.ask(sample[0])  # load the model
        rows = []
        for name, filters, suffix in ROWS:
            latencies = []
            for question in sample:
                answer = await engine.ask(question.rstrip("?") + suffix + "?", replace(filters))
                latencies.append(answer.latency_ms)
            p50, p95 = _percentiles(latencies)
            rows.append((name, len(latencies), round(p50, 1), round(p95, 1)))
        vectors = np.asarray(await engine.archive.embed(sample), dtype=np.float32)
        recall = vector_recall(engine.archive.vectors, vectors, RECALL_AT)
    return {
        "passages": int(stats["passages"]),
        "rows": rows,
        "recall_at_10": round(recall, 4),
        "peak_rss_mb": round(own_peak_rss_mb(), 1),
    }


def own_peak_rss_mb() -> float:
    """This process's peak RSS since it started. Not ``getrusage``: Linux keeps ``ru_maxrss``
    across ``execve``, so a child started by a process holding 1.3 GB (``make bench`` after its
    ingest) would report at least that. ``VmHWM`` belongs to the new address space."""
    try:
        return peak_rss_kb("self") / 1024
    except OSError:  # no /proc: not Linux
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def vector_recall(index: VectorIndex, queries: np.ndarray, k: int) -> float:
    """The share of the exact ``k`` nearest vectors (cosine, every vector of the collection
    read and compared) that the index's own search returns, averaged over ``queries``."""
    queries = queries / np.linalg.norm(queries, axis=1, keepdims=True)
    best_scores = np.full((len(queries), k), -np.inf, dtype=np.float32)
    best_ids = np.empty((len(queries), k), dtype=object)
    for ids, vectors in index.pages_of_vectors():
        vectors = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
        scores = np.concatenate([best_scores, queries @ vectors.T], axis=1)
        names = np.concatenate(
            [best_ids, np.broadcast_to(np.asarray(ids, dtype=object), (len(queries), len(ids)))],
            axis=1,
        )
        top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        best_scores = np.take_along_axis(scores, top, axis=1)
        best_ids = np.take_along_axis(names, top, axis=1)
    found = [
        len({pid for pid, _ in index.query(query, k)} & set(best_ids[i]))
        for i, query in enumerate(queries)
    ]
    return float(np.mean(found)) / k


async def ask_latency(args: argparse.Namespace) -> None:
    measured = await latency_sizes(args)
    if measured is None:
        print(f"bench ask: {args.eval / 'qa' / 'xquad.en.json'} not found: skipped")
        return
    if getattr(args, "chroma_server", False):
        print("vectors served by a chroma server process (CHROMA_URL) on 127.0.0.1")
    print(render_sizes(measured))


def _size(passages: int) -> str:
    if passages >= 1_000_000 and passages % 1_000_000 == 0:
        return f"{passages // 1_000_000}M"
    return f"{passages / 1000:g}k"


def render_sizes(measured: list[SizeFigures]) -> str:
    """One table: a column per archive size, and the growth from 100k to the largest size."""
    names = [size.passages for size in measured]
    base = next((i for i, n in enumerate(names) if n == 100_000), 0)
    last = len(names) - 1
    growth = f"{_size(names[last])}/{_size(names[base])}" if last != base else None
    head = ["", *(_size(n) for n in names)] + ([growth] if growth else [])
    lines: list[list[str]] = [head]

    def row(label: str, values: list[float | None]) -> None:
        cells = ["-" if v is None else f"{v:g}" for v in values]
        if growth:
            first, final = values[base], values[last]
            cells.append(f"{final / first:.2f}x" if first and final is not None else "-")
        lines.append([label, *cells])

    for i, (name, *_rest) in enumerate(measured[0].rows):
        row(f"{name} p50 ms", [size.rows[i][2] for size in measured])
        row(f"{name} p95 ms", [size.rows[i][3] for size in measured])
    row(f"vector recall@{RECALL_AT} vs exact", [size.recall_at_10 for size in measured])
    row("disk MB per 100k", [size.disk_mb_per_100k for size in measured])
    row("build s", [size.build_seconds for size in measured])
    row("peak RSS MB (asking process)", [size.peak_rss_mb for size in measured])
    widths = [max(len(line[c]) for line in lines) for c in range(len(head))]
    text = [
        "ask latency, engine with the model loaded, per archive size (each archive = the eval-qa "
        f"real set repeated, sentence order rotated, vectors perturbed sigma {NOISE}; see "
        "bench/ask_latency.py)",
        "",
    ]
    for line in lines:
        text.append(
            "  ".join(
                cell.ljust(widths[c]) if c == 0 else cell.rjust(widths[c])
                for c, cell in enumerate(line)
            )
        )
    return "\n".join(text)


def main() -> None:
    """The child process of ``latency_sizes``: ``python -m bench.ask_latency DATA_DIR SQUAD``
    prints one JSON line."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("squad", type=Path)
    parser.add_argument("--questions", type=int, default=200)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    print(json.dumps(asyncio.run(ask_archive(args.data_dir, args.squad, args.questions))))


BENCHMARKS["ask"] = ask_latency

if __name__ == "__main__":
    main()
