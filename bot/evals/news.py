"""``archivist eval news``: answer quality on questions worded the way researchers ask them.

``../shared/eval/qa/news-dev.jsonl`` (its README says how it was made) asks about real pages of
``../shared/eval/extraction``; unlike XQuAD's, its questions paraphrase the page instead of
repeating the answer sentence's words. This command builds the archive the set assumes (every
page of ``--archive``, by default the extraction pages and ``../shared/corpus/seed``), once,
under ``build/eval-news`` (keyed on the files, the model and the schema), asks every question
through ``Engine.ask`` with its filters, exactly as the bot does, and prints per kind: n, A@1,
A@3, page@1, author@1 and the share declined, for the engine as shipped and ``ungated`` (its
abstention gate off), beside the baselines of ``eval qa`` (unfiltered, A@n only), with ask
latency.

The questions are split by page, deterministically: the sorted names of the pages they are
about, alternating, dev first (a question about no archived page goes by its id, alternating).
Weights are fitted on the dev half only; the test half shows what they do on pages they never
saw.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sqlite3
import statistics
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from bot.answering.answer import Answer, abstention_off
from bot.answering.engine import Engine
from bot.evals.qa import format_table
from bot.evals.qa_data import BASELINES, Question, baselines, start_fresh
from bot.settings import Settings
from index.models import SearchFilters
from index.schema import MIGRATIONS

CACHE = Path("build/eval-news")
DATA = Path("../shared/eval/qa/news-dev.jsonl")
ARCHIVE = (Path("../shared/eval/extraction"), Path("../shared/corpus/seed"))
KINDS = ("fact", "comment", "filtered", "unanswerable")
# The rows of the table: each kind, then every answerable question together.
ROWS = (*KINDS[:3], "answerable", "unanswerable")
SYSTEMS = ("engine", "ungated")


@dataclass(slots=True)
class NewsQuestion:
    id: str
    text: str
    kind: str
    gold: list[str]
    page: str | None
    page_keys: list[str]
    author: str | None
    filters: dict[str, str]

    @property
    def answerable(self) -> bool:
        return self.kind != "unanswerable"

    def search_filters(self) -> SearchFilters:
        given = self.filters
        return SearchFilters(
            kind=given.get("kind"),  # type: ignore[arg-type]
            site=given.get("site"),
            since=date.fromisoformat(given["since"]) if given.get("since") else None,
            until=date.fromisoformat(given["until"]) if given.get("until") else None,
        )


def load_questions(path: Path) -> list[NewsQuestion]:
    questions = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        item = json.loads(line)
        questions.append(
            NewsQuestion(
                id=item["id"],
                text=item["question"],
                kind=item["kind"],
                gold=list(item.get("gold") or []),
                page=item.get("page"),
                page_keys=list(item.get("page_keys") or []),
                author=item.get("author"),
                filters=dict(item.get("filters") or {}),
            )
        )
    return questions


def split_of(questions: Iterable[NewsQuestion]) -> dict[str, str]:
    """Question id -> "dev" or "test": by page (sorted names, alternating, dev first), so that
    all the questions about one page fall in one half; those about no page by id, alternating."""
    questions = list(questions)
    pages = sorted({q.page for q in questions if q.page})
    half = {page: ("dev", "test")[i % 2] for i, page in enumerate(pages)}
    pageless = sorted(q.id for q in questions if not q.page)
    half.update({qid: ("dev", "test")[i % 2] for i, qid in enumerate(pageless)})
    return {q.id: half[q.page or q.id] for q in questions}


# --- scoring ---------------------------------------------------------------------------------


def _normal(text: str) -> str:
    return " ".join(text.split()).casefold()


def holds(text: str, gold: list[str]) -> bool:
    """Whether a gold string lies inside ``text``, case-insensitively, whitespace collapsed."""
    flat = _normal(text)
    return any(_normal(answer) in flat for answer in gold if answer.strip())


@dataclass(slots=True)
class Judgement:
    """How one answer scored (``None``: the metric does not apply to the question)."""

    answered: bool
    a1: bool
    a3: bool
    page1: bool
    author1: bool | None
    latency_ms: float


@dataclass(slots=True)
class Tally:
    n: int = 0
    a1: int = 0
    a3: int = 0
    page1: int = 0
    authored: int = 0
    author1: int = 0
    declined: int = 0
    latencies: list[float] = field(default_factory=list)

    def add(self, judged: Judgement) -> None:
        self.n += 1
        self.a1 += judged.a1
        self.a3 += judged.a3
        self.page1 += judged.page1
        self.declined += not judged.answered
        if judged.author1 is not None:
            self.authored += 1
            self.author1 += judged.author1
        self.latencies.append(judged.latency_ms)

    def row(self, **first: object) -> dict[str, Any]:
        n = max(self.n, 1)
        lat = sorted(self.latencies) or [0.0]
        return {
            **first,
            "n": self.n,
            "A@1": round(self.a1 / n, 3),
            "A@3": round(self.a3 / n, 3),
            "page@1": round(self.page1 / n, 3),
            "author@1": round(self.author1 / self.authored, 3) if self.authored else "-",
            "declined": round(self.declined / n, 3),
            "p50_ms": round(statistics.median(lat), 1),
            "p95_ms": round(lat[min(len(lat) - 1, math.ceil(0.95 * len(lat)) - 1)], 1),
        }


def on_page(question: NewsQuestion, origin: str | None, url: str | None, title: str | None) -> bool:
    """Whether a quote's page is the question's: its file is ``page``, or its URL or title
    holds one of ``page_keys``."""
    if question.page and origin and Path(origin).name == question.page:
        return True
    shown = [_normal(text) for text in (url, title) if text]
    return any(_normal(key) in text for key in question.page_keys for text in shown)


def judge(question: NewsQuestion, answer: Answer, origins: dict[str, str]) -> Judgement:
    """Score ``answer`` (``origins``: document id -> the path or URL it was ingested from)."""
    quotes = answer.quotes if answer.answered else []
    first = quotes[0] if quotes else None
    page1 = first is not None and on_page(
        question, origins.get(first.document_id), first.url, first.title
    )
    author1: bool | None = None
    if question.author:
        author1 = (
            first is not None
            and first.kind == "comment"
            and _normal(question.author) in _normal(first.author or "")
        )
    return Judgement(
        answered=answer.answered,
        a1=first is not None and holds(first.text, question.gold),
        a3=any(holds(q.text, question.gold) for q in quotes[:3]),
        page1=page1,
        author1=author1,
        latency_ms=answer.latency_ms,
    )


def tabulate(
    judged: dict[str, dict[str, Judgement]], questions: list[NewsQuestion], halves: dict[str, str]
) -> list[dict[str, Any]]:
    """Rows per half (dev, test, all), kind and system, from each system's judgements."""
    rows = []
    for half in ("dev", "test", "all"):
        for row in ROWS:
            for system, by_id in judged.items():
                tally = Tally()
                for q in questions:
                    if q.id not in by_id or (half != "all" and halves[q.id] != half):
                        continue
                    if row == q.kind or (row == "answerable" and q.answerable):
                        tally.add(by_id[q.id])
                if tally.n:
                    rows.append(tally.row(half=half, kind=row, system=system))
    return rows


# --- the archive -----------------------------------------------------------------------------


def cache_key(paths: list[Path], settings: Settings) -> str:
    """Names the archive: same files (names and sizes), model and schema, same archive."""
    digest = hashlib.sha256()
    for root in sorted(paths):
        for path in sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]:
            digest.update(f"{path.relative_to(root.parent)}:{path.stat().st_size}\n".encode())
    digest.update(f"{settings.embed_model}:{len(MIGRATIONS)}:v1".encode())
    return digest.hexdigest()[:16]


async def build_archive(data_dir: Path, paths: list[Path], settings: Settings) -> None:
    """Ingest ``paths`` into ``data_dir`` as ``archivist ingest`` does, unless a finished build
    is already there."""
    from ingest.pipeline import ingest_paths

    if not start_fresh(data_dir):
        return
    started = time.perf_counter()
    async with await Engine.open(settings.model_copy(update={"data_dir": data_dir})) as engine:
        report = await ingest_paths(engine.archive, paths)
    (data_dir / "complete").write_text(f"{report.pages_ingested}\n")
    print(
        f"built {data_dir} ({report.pages_ingested} pages, {report.passages_added} passages) "
        f"in {time.perf_counter() - started:.0f} s",
        file=sys.stderr,
    )


def document_origins(data_dir: Path) -> dict[str, str]:
    """Document id -> the path (or URL) it was ingested from, read from the archive's SQLite."""
    connection = sqlite3.connect(f"file:{data_dir / 'archive.db'}?mode=ro", uri=True)
    try:
        return dict(connection.execute("SELECT id, origin FROM documents").fetchall())
    finally:
        connection.close()


# --- the command -----------------------------------------------------------------------------


async def ask_all(
    engine: Engine, questions: list[NewsQuestion], origins: dict[str, str], *, with_baselines: bool
) -> dict[str, dict[str, Judgement]]:
    judged: dict[str, dict[str, Judgement]] = {
        name: {} for name in (*SYSTEMS, *(BASELINES if with_baselines else ()))
    }
    for question in questions:
        filters = question.search_filters()
        judged["engine"][question.id] = judge(
            question, await engine.ask(question.text, filters), origins
        )
        with abstention_off():
            ungated = await engine.ask(question.text, filters)
        judged["ungated"][question.id] = judge(question, ungated, origins)
        if with_baselines:
            vector = (await engine.archive.embed([question.text]))[0]
            idf = await engine.question_idf(question.text)
            asked = Question(question.text, question.gold, 0, 0)
            for name, (_, chosen, spent) in (await baselines(engine, asked, vector, idf)).items():
                judged[name][question.id] = Judgement(
                    answered=bool(chosen),
                    a1=bool(chosen) and holds(chosen[0], question.gold),
                    a3=any(holds(text, question.gold) for text in chosen[:3]),
                    page1=False,
                    author1=None,
                    latency_ms=spent,
                )
    return judged


async def run_news(args: argparse.Namespace, settings: Settings) -> int:
    if not args.data.is_file():
        print(f"eval news: {args.data} not found: skipped", file=sys.stderr)
        return 0
    paths = [p for p in args.archive if p.exists()]
    if not paths:
        print("eval news: no archive pages found: skipped", file=sys.stderr)
        return 0
    questions = load_questions(args.data)
    halves = split_of(questions)
    if args.split != "all":
        questions = [q for q in questions if halves[q.id] == args.split]
    if args.kind:
        questions = [q for q in questions if q.kind in args.kind]
    data_dir = (args.cache or CACHE) / cache_key(paths, settings)
    await build_archive(data_dir, paths, settings)
    origins = document_origins(data_dir)
    async with await Engine.open(settings.model_copy(update={"data_dir": data_dir})) as engine:
        judged = await ask_all(engine, questions, origins, with_baselines=args.baselines)
    rows = tabulate(judged, questions, halves)
    if args.json:
        print(json.dumps({"questions": len(questions), "rows": rows}, ensure_ascii=False))
        return 0
    print(
        f"{len(questions)} questions; dev/test split by page. engine: as shipped; ungated: the "
        "same ranking answering every unfiltered question; baselines: unfiltered, one sentence "
        "per quote (page@1 not scored)\n"
    )
    for half in ("dev", "test", "all"):
        shown = [
            {k: v for k, v in row.items() if k != "half"} for row in rows if row["half"] == half
        ]
        if shown:
            print(f"{half}:")
            print(format_table(shown) + "\n")
    if args.misses:
        for q in questions:
            if q.answerable and not judged["engine"][q.id].a1:
                print(f"miss {q.id} [{halves[q.id]}] {q.kind}: {q.text}")
    return 0


def register(
    evaluations: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    parser = evaluations.add_parser(
        "news",
        parents=[common],
        help="answer quality on questions about real news pages (news-dev)",
    )
    parser.add_argument("--data", type=Path, default=DATA, help=f"questions (default {DATA})")
    parser.add_argument(
        "--archive",
        type=Path,
        nargs="*",
        default=list(ARCHIVE),
        help="the pages the questions assume (default: the extraction pages and the seed)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--split", choices=("all", "dev", "test"), default="all")
    parser.add_argument("--kind", nargs="*", choices=KINDS, help="only these kinds")
    parser.add_argument(
        "--no-baselines", dest="baselines", action="store_false", help="engine only"
    )
    parser.add_argument(
        "--misses", action="store_true", help="list the answerable questions missed at A@1"
    )
    parser.add_argument("--cache", type=Path, help=f"the archive's folder (default {CACHE})")
    parser.set_defaults(handler=run_news)
