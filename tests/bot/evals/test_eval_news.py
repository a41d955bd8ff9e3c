"""``archivist eval news``: the split by page, the scoring, and a run end to end on a tiny set
(hash embedder, two text pages), none of it needing ``../shared``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
from conftest import settings_for

from bot.answering.answer import Answer, Quote
from bot.evals.news import (
    Judgement,
    NewsQuestion,
    holds,
    judge,
    load_questions,
    on_page,
    run_news,
    split_of,
    tabulate,
)

QUESTIONS = [
    {
        "id": "n001",
        "question": "How many lanes does the harbour bridge carry?",
        "kind": "fact",
        "gold": ["eight lanes"],
        "page": "bridge.txt",
        "page_keys": ["Harbour bridge"],
        "author": None,
        "filters": {},
    },
    {
        "id": "n002",
        "question": "When did the lighthouse keeper retire?",
        "kind": "fact",
        "gold": ["1990"],
        "page": "lighthouse.txt",
        "page_keys": [],
        "author": None,
        "filters": {},
    },
    {
        "id": "n003",
        "question": "Who designed the bridge's arch?",
        "kind": "fact",
        "gold": ["Engineers from Leeds"],
        "page": "bridge.txt",
        "page_keys": [],
        "author": None,
        "filters": {},
    },
    {
        "id": "n004",
        "question": "What colour is the moon's ferry?",
        "kind": "unanswerable",
        "gold": [],
        "page": None,
        "page_keys": [],
        "author": None,
        "filters": {},
    },
]


def _question(**extra: object) -> NewsQuestion:
    values: dict[str, object] = {
        "id": "n1",
        "text": "q",
        "kind": "comment",
        "gold": ["Eight  Lanes"],
        "page": "bridge.html.gz",
        "page_keys": ["harbour-bridge"],
        "author": "Random Guy",
        "filters": {},
    }
    values.update(extra)
    return NewsQuestion(**values)  # type: ignore[arg-type]


def _quote(text: str, **extra: object) -> Quote:
    values: dict[str, object] = {
        "n": 1,
        "text": text,
        "passage_id": "p",
        "document_id": "d1",
        "kind": "comment",
        "author": "random guy",
        "title": "A title",
        "site": None,
        "url": None,
        "published": None,
        "start": 0,
        "end": len(text),
        "score": 1.0,
    }
    values.update(extra)
    return Quote(**values)  # type: ignore[arg-type]


def test_split_is_by_page_alternating_and_stable() -> None:
    questions = [_question(id=f"n{i}", page=page) for i, page in enumerate("cabac")]
    questions.append(_question(id="n9", page=None))
    halves = split_of(questions)
    # Sorted pages a, b, c: a dev, b test, c dev; one page's questions share a half.
    assert [halves[f"n{i}"] for i in range(5)] == ["dev", "dev", "test", "dev", "dev"]
    assert halves["n9"] == "dev"
    assert split_of(reversed(questions)) == halves


def test_scoring_is_case_and_space_blind_and_reads_page_and_author() -> None:
    assert holds("they carry EIGHT lanes of traffic", ["eight\nlanes"])
    assert not holds("eight", [""])
    question = _question()
    answer = Answer("q", True, "", [_quote("It has eight lanes.")], latency_ms=3.0)
    judged = judge(question, answer, {"d1": "/x/bridge.html.gz"})
    assert (judged.a1, judged.a3, judged.page1, judged.author1) == (True, True, True, True)
    assert on_page(question, "/y/other.html", "https://x.org/harbour-bridge-opens", None)
    assert not on_page(question, "/y/other.html", None, "Harbour")
    declined = judge(question, Answer("q", False, "no", []), {})
    assert (declined.answered, declined.a1, declined.page1, declined.author1) == (
        False,
        False,
        False,
        False,
    )


def test_tabulate_counts_kinds_halves_and_answerable() -> None:
    questions = [
        _question(id="a", kind="fact", page="p1"),
        _question(id="b", kind="comment", page="p2"),
        _question(id="c", kind="unanswerable", page=None, author=None),
    ]
    right = Judgement(True, True, True, True, None, 10.0)
    declined = Judgement(False, False, False, False, None, 20.0)
    judged = {"engine": {"a": right, "b": right, "c": declined}}
    rows = tabulate(judged, questions, split_of(questions))
    by = {(r["half"], r["kind"]): r for r in rows}
    assert by[("all", "answerable")]["n"] == 2
    assert by[("all", "answerable")]["A@1"] == 1.0
    assert by[("all", "unanswerable")]["declined"] == 1.0
    assert by[("dev", "fact")]["n"] == 1 and ("dev", "comment") not in by
    assert by[("all", "fact")]["author@1"] == "-"


async def test_runs_end_to_end_and_skips_without_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "bridge.txt").write_text(
        "Harbour bridge\n\nThe harbour bridge opened in 1932. It carries eight lanes of "
        "traffic. Engineers from Leeds designed its steel arch.\n",
        encoding="utf-8",
    )
    (pages / "lighthouse.txt").write_text(
        "Lighthouse\n\nThe lighthouse keeper retired in 1990 after forty years. Her logbooks "
        "are kept at the town museum.\n",
        encoding="utf-8",
    )
    data = tmp_path / "news.jsonl"
    data.write_text("\n".join(json.dumps(q) for q in QUESTIONS) + "\n", encoding="utf-8")
    assert [q.id for q in load_questions(data)] == ["n001", "n002", "n003", "n004"]
    args = argparse.Namespace(
        data=data,
        archive=[pages],
        json=True,
        split="all",
        kind=None,
        baselines=True,
        misses=False,
        cache=tmp_path / "cache",
    )
    settings = settings_for(tmp_path / "unused", embed_model="hash")
    assert await run_news(args, settings) == 0
    report = json.loads(capsys.readouterr().out)
    rows = {(r["half"], r["kind"], r["system"]): r for r in report["rows"]}
    assert rows[("all", "fact", "engine")]["n"] == 3
    assert rows[("all", "unanswerable", "ungated")]["n"] == 1
    assert ("all", "fact", "bm25") in rows
    assert ("dev", "fact", "engine") in rows and ("test", "fact", "engine") in rows
    # The archive is built once: a second run finds it.
    built = list((tmp_path / "cache").iterdir())
    assert len(built) == 1 and (built[0] / "complete").exists()
    assert await run_news(args, settings) == 0
    capsys.readouterr()

    args.data = tmp_path / "absent.jsonl"
    assert await run_news(args, settings) == 0
    assert "skipped" in capsys.readouterr().err
