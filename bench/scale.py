"""Archive-scale figures in one table (``make bench``, ``archivist bench``).

Ingests ``--passages`` passages (default 10,000) of realistic text through the real
pipeline: news-like pages with reader comments from a deterministic generator, plus the eval
pages (XQuAD-en paragraphs and the news distractors) when ``../shared/eval`` is present. It
prints ingest passages/s split into parse, embed and write (busy seconds per stage: they
overlap, since the model runs beside the rest), the raw model throughput on a sample of the
same passages measured in the same run (before and after the ingest, averaged, so load drift
on a shared machine cancels; run in batches of ``REFERENCE_BATCH``, the yardstick across
machines), their ratio, the model's own rate as the ingest runs it, disk per 100k passages,
peak RSS, and the ask latency rows of ``bench/ask_latency.py`` at each size of
``--latency-passages`` (10,000, 100,000 and 1,000,000; built once from the eval set's real
vectors, perturbed: see there) with their recall, disk, build time and the asking process's
peak RSS, and the growth from 100k to the largest size. ``--json`` prints the figures as one object.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import random
import resource
import shutil
import sys
import time
from dataclasses import asdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bench import BENCHMARKS
from bench.ask_latency import SizeFigures, disk_bytes, latency_sizes, render_sizes

RAW_SAMPLE = 1_500
# The yardstick for "passages/s" across machines: the model as the first scale figures ran it
# (the ONNX graph in batches of 32). Absolute rates differ several-fold between machines of one
# kind; the ratio of ingest to this rate, measured in the same run, does not.
REFERENCE_BATCH = 32
SEED = 20_240_601

# A small news vocabulary: the generator draws sentences from templates over these, so texts
# have the word lengths, numbers, names and dates that tokenization and FTS5 see in news.
_NAMES = (
    "Maria Alvarez|John Okafor|Chen Wei|Fatima Haddad|Peter Novak|Aisha Khan|Lars Eriksen|"
    "Yuki Tanaka|Ahmed Saleh|Olga Ivanova|Carlos Mendes|Sarah Cohen|David Mensah|Ingrid Berg"
).split("|")
_PLACES = (
    "Aleppo|Kyiv|Lagos|Manila|Bogotá|Nairobi|Istanbul|Jakarta|Lima|Warsaw|Brussels|Ottawa|"
    "Dhaka|Karachi|Caracas|Tbilisi|Hanoi|Accra|Quito|Riga"
).split("|")
_BODIES = (
    "the parliament|the central bank|the ministry of health|the city council|the army|"
    "the opposition party|the electoral commission|the supreme court|the trade union|"
    "the energy regulator|the police|the United Nations|the European Commission|the governor"
).split("|")
_TOPICS = (
    "inflation|the budget|the ceasefire|fuel prices|the election|the new pipeline|"
    "water shortages|the pension reform|the flood defences|the vaccine rollout|"
    "the corruption inquiry|rail strikes|the housing shortage|the harvest|border controls"
).split("|")
_VERBS = (
    "announced|rejected|approved|criticised|postponed|investigated|defended|questioned|"
    "proposed|blocked|welcomed|delayed|confirmed|denied"
).split("|")
_SENTENCES = (
    "{body} {verb} a plan on {topic} on {day}, according to officials in {place}.",
    "{name}, a spokesperson for {body}, said the decision on {topic} would affect {number} people.",
    "In {place}, {number} residents gathered on {day} to protest against {topic}.",
    "Analysts said {topic} had cost the economy about {number} million dollars since {year}.",
    "{name} told reporters that {body} had {verb} the report without reading it.",
    "The vote was {number} to {small}, after a debate on {topic} that lasted {small} hours.",
    "Critics argued that {body} {verb} the measure too late, while supporters in {place} "
    "called it overdue.",
    "It was the first time since {year} that {body} had {verb} anything on {topic}.",
    "Officials expect a decision on {topic} before the end of {month}.",
    "{name} was born in {place} in {year} and joined {body} {small} years ago.",
)
_COMMENTS = (
    "I live in {place} and nobody asked us about {topic}.",
    "So {body} {verb} it again? Typical. {name} warned about this in {year}.",
    "Source for the {number} figure? I doubt it.",
    "Good reporting. {topic} matters more than people think.",
    "This is exactly what happened in {place} back in {year}, nothing changes.",
)
_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December"
).split("|")


def _fill(template: str, rng: random.Random) -> str:
    day = date(2010, 1, 1) + timedelta(days=rng.randrange(5400))
    text = template.format(
        body=rng.choice(_BODIES),
        verb=rng.choice(_VERBS),
        topic=rng.choice(_TOPICS),
        place=rng.choice(_PLACES),
        name=rng.choice(_NAMES),
        number=f"{rng.randrange(2, 90_000):,}",
        small=rng.randrange(2, 40),
        year=rng.randrange(1990, 2024),
        month=rng.choice(_MONTHS),
        day=f"{day:%B} {day.day}, {day.year}",
    )
    return text[0].upper() + text[1:]


def generate_page(n: int, rng: random.Random) -> dict[str, Any]:
    """One JSONL page: 3-8 paragraphs of 2-6 sentences, 0-6 reader comments."""
    published = date(2010, 1, 1) + timedelta(days=rng.randrange(5400))
    paragraphs = [
        " ".join(_fill(rng.choice(_SENTENCES), rng) for _ in range(rng.randint(2, 6)))
        for _ in range(rng.randint(3, 8))
    ]
    comments = [
        {
            "author": f"reader{rng.randrange(400):03d}",
            "published": (published + timedelta(days=rng.randrange(3))).isoformat(),
            "text": " ".join(_fill(rng.choice(_COMMENTS), rng) for _ in range(rng.randint(1, 3))),
        }
        for _ in range(rng.choice((0, 0, 1, 2, 3, 6)))
    ]
    topic = rng.choice(_TOPICS)
    return {
        "url": f"https://news{n % 12}.example/{published.year}/{n}",
        "site": f"News {n % 12}",
        "title": f"{rng.choice(_BODIES).capitalize()} {rng.choice(_VERBS)} {topic}",
        "published": published.isoformat(),
        "author": rng.choice(_NAMES),
        "text": "\n\n".join(paragraphs),
        "comments": comments,
    }


def _eval_pages(eval_dir: Path) -> list[dict[str, Any]]:
    """The eval set's pages as JSONL records (empty when ../shared is absent)."""
    squad = eval_dir / "qa" / "xquad.en.json"
    if not squad.is_file():
        return []
    from bot.evals.qa_data import load_distractors, load_squad

    pages, _, _ = load_squad(squad)
    folders = [eval_dir / "extraction" / "fundus", eval_dir / "extraction" / "scrapinghub"]
    records = []
    for page in load_distractors(folders) + pages:
        records.append(
            {
                "url": page.url or f"eval:{page.origin}",
                "site": page.site,
                "title": page.title,
                "published": page.published.isoformat() if page.published else None,
                "text": "\n\n".join(page.body),
            }
        )
    return records


def write_corpus(path: Path, passages: int, eval_dir: Path) -> int:
    """Write pages to ``path`` (JSONL) until they hold ``passages`` passages; returns how many.
    Deterministic: the same arguments write the same bytes."""
    from ingest.chunking import build_document
    from ingest.readers.jsonl import parse_line

    rng = random.Random(SEED)
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8") as out:

        def emit(record: dict[str, Any], origin: str) -> int:
            line = json.dumps(record, ensure_ascii=False)
            out.write(line + "\n")
            return len(build_document(parse_line(line.encode(), origin)).passages)

        for n, record in enumerate(_eval_pages(eval_dir)):
            if count >= passages:
                break
            count += emit(record, f"eval:{n}")
        n = 0
        while count < passages:
            count += emit(generate_page(n, rng), f"gen:{n}")
            n += 1
    return count


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def _raw_rate(embedder: Any, texts: list[str]) -> tuple[float, float]:
    """Passages per wall second and per CPU second (all threads) of plain ``embed``."""
    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.to_thread(embedder.embed, texts)
    return (
        len(texts) / (time.perf_counter() - started),
        len(texts) / (time.process_time() - cpu),
    )


def _reference_model(embedder: Any) -> Any:
    """``embedder`` run as ``REFERENCE_BATCH`` says (the same model and session)."""
    if not hasattr(embedder, "batch_size"):
        return embedder
    reference = copy.copy(embedder)
    reference.batch_size = REFERENCE_BATCH
    return reference


async def measure_ingest(args: argparse.Namespace) -> dict[str, Any]:
    from index.archive import Archive
    from index.embedder import load_embedder
    from ingest.pipeline import ingest_paths

    corpus = args.cache / f"corpus-{args.passages}" / "pages.jsonl"
    if not corpus.exists():
        write_corpus(corpus, args.passages, args.eval)
    data_dir = args.cache / f"ingest-{args.passages}"
    shutil.rmtree(data_dir, ignore_errors=True)
    embedder = load_embedder("all-MiniLM-L6-v2", args.device)
    # The same passages the ingest embeds, sampled evenly, for the raw model rate.
    from ingest.chunking import build_document
    from ingest.readers.jsonl import parse_line

    texts: list[str] = []
    with corpus.open("rb") as lines:
        for n, line in enumerate(lines):
            texts.extend(p.text for p in build_document(parse_line(line, str(n))).passages)
    # spread over the whole set (eval pages come first, generated ones after)
    step = max(1, len(texts) / RAW_SAMPLE)
    sample = [texts[int(i * step)] for i in range(min(RAW_SAMPLE, len(texts)))]
    reference = _reference_model(embedder)
    await asyncio.to_thread(embedder.embed, sample[:64])  # warm the session
    before = await _raw_rate(reference, sample)
    configured_before = await _raw_rate(embedder, sample)
    async with await Archive.open(data_dir, embedder=embedder) as archive:
        started, cpu = time.perf_counter(), time.process_time()
        report = await ingest_paths(archive, [corpus.parent])
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
        passages = (await archive.store.counts())["passages"]
    configured_after = await _raw_rate(embedder, sample)
    after = await _raw_rate(reference, sample)
    model = (before[0] + after[0]) / 2
    model_cpu = (before[1] + after[1]) / 2
    configured = (configured_before[0] + configured_after[0]) / 2
    rate = passages / seconds
    return {
        "passages": passages,
        "ingest_seconds": round(seconds, 1),
        "ingest_passages_per_s": round(rate, 1),
        "parse_seconds": report.parse_seconds,
        "embed_seconds": report.embed_seconds,
        "write_seconds": report.write_seconds,
        "model_passages_per_s": round(model, 1),
        "model_before_after": [round(before[0], 1), round(after[0], 1)],
        "ingest_ratio": round(rate / model, 3),
        # the model alone as the ingest runs it: what is left to the pipeline's overhead
        "configured_model_passages_per_s": round(configured, 1),
        "ingest_configured_ratio": round(rate / configured, 3),
        # CPU seconds are what a loaded, shared machine cannot skew much: the same ratio in
        # passages per CPU second of this process (all its threads).
        "ingest_cpu_ratio": round(passages / cpu_seconds / model_cpu, 3),
        "ingest_disk_mb_per_100k": round(disk_bytes(data_dir) / passages * 100_000 / 2**20, 1),
    }


async def measure(args: argparse.Namespace) -> dict[str, Any]:
    figures = await measure_ingest(args)
    sizes = await latency_sizes(args)
    if sizes is not None:
        largest = sizes[-1]
        unfiltered = largest.rows[0]
        figures |= {
            "latency_passages": largest.passages,
            "ask_p50_ms": unfiltered[2],
            "ask_p95_ms": unfiltered[3],
            "ask_filtered_p95_ms": max(row[3] for row in largest.rows[1:]),
            "disk_mb_per_100k": largest.disk_mb_per_100k,
            "vector_recall_at_10": largest.recall_at_10,
            "ask_peak_rss_mb": largest.peak_rss_mb,
            "sizes": [asdict(size) for size in sizes],
        }
    else:
        figures |= {
            "ask_p50_ms": None,
            "ask_p95_ms": None,
            "ask_filtered_p95_ms": None,
            "disk_mb_per_100k": figures["ingest_disk_mb_per_100k"],
        }
    figures["peak_rss_mb"] = round(_peak_rss_mb(), 1)
    return figures


KEYS = (
    "passages",
    "ingest_passages_per_s",
    "model_passages_per_s",
    "ingest_ratio",
    "configured_model_passages_per_s",
    "ingest_configured_ratio",
    "ask_p50_ms",
    "ask_p95_ms",
    "ask_filtered_p95_ms",
    "disk_mb_per_100k",
    "vector_recall_at_10",
    "ask_peak_rss_mb",
    "peak_rss_mb",
    "sizes",
)


def render(figures: dict[str, Any], device: str | None) -> str:
    f = figures
    lines = [
        f"archive scale on {device or 'the default device'} "
        f"(ingest of {f['passages']} passages: generated news pages + eval pages if present)",
        "",
        f"{'ingest passages/s':<38} {f['ingest_passages_per_s']:>9}"
        f"   ({f['ingest_seconds']} s wall)",
        f"{'  parse (busy s, overlaps)':<38} {f['parse_seconds']:>9}",
        f"{'  embed (busy s, overlaps)':<38} {f['embed_seconds']:>9}",
        f"{'  write SQLite+chroma (busy s)':<38} {f['write_seconds']:>9}",
        f"{'raw model passages/s (same run)':<38} {f['model_passages_per_s']:>9}"
        f"   (batches of {REFERENCE_BATCH}; before/after ingest: {f['model_before_after']})",
        f"{'ingest / raw model (wall)':<38} {f['ingest_ratio']:>9}",
        f"{'ingest / raw model (CPU seconds)':<38} {f['ingest_cpu_ratio']:>9}"
        "   (robust to other load on the machine)",
        f"{'model as ingest runs it, passages/s':<38} {f['configured_model_passages_per_s']:>9}",
        f"{'ingest / model as ingest runs it':<38} {f['ingest_configured_ratio']:>9}"
        "   (what the pipeline around the model costs)",
    ]
    if f.get("sizes"):
        sizes = [SizeFigures(**size) for size in f["sizes"]]
        lines += ["", render_sizes(sizes)]
    else:
        lines.append("ask latency: ../shared/eval absent: skipped")
    lines += [
        f"{'disk MB per 100k (ingest archive)':<38} {f['ingest_disk_mb_per_100k']:>9}",
        f"{'peak RSS MB (this process: ingest)':<38} {f['peak_rss_mb']:>9}",
    ]
    return "\n".join(lines)


async def scale(args: argparse.Namespace) -> None:
    figures = await measure(args)
    if getattr(args, "json", False):
        print(json.dumps({key: figures.get(key) for key in KEYS}))
    else:
        print(render(figures, args.device))
    sys.stdout.flush()


BENCHMARKS["scale"] = scale
