"""``archivist eval qa`` end to end on a tiny SQuAD file, with the deterministic embedder."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
from conftest import settings_for

from bot.evals.qa import run_qa
from index.embedder import HashEmbedder

SQUAD = {
    "data": [
        {
            "title": "Harbour",
            "paragraphs": [
                {
                    "context": "The harbour bridge opened in 1932. It carries eight lanes of "
                    "traffic. Engineers from Leeds designed its steel arch.",
                    "qas": [
                        {
                            "question": "When did the harbour bridge open?",
                            "answers": [{"text": "1932", "answer_start": 29}],
                        },
                        {
                            "question": "How many lanes does the bridge carry?",
                            "answers": [{"text": "eight", "answer_start": 45}],
                        },
                    ],
                },
                {
                    "context": "The lighthouse keeper retired in 1990 after forty years. "
                    "Her logbooks are kept at the town museum.",
                    "qas": [
                        {
                            "question": "Where are the lighthouse keeper's logbooks kept?",
                            "answers": [{"text": "the town museum", "answer_start": 75}],
                        },
                    ],
                },
            ],
        }
    ]
}


def _args(tmp_path: Path, **extra: object) -> argparse.Namespace:
    data = tmp_path / "squad.json"
    data.write_text(json.dumps(SQUAD), encoding="utf-8")
    values = {
        "data": data,
        "distractors": [],
        "json": True,
        "remove_gold": True,
        "limit": None,
        "split": "all",
        "baselines": True,
        "fit": False,
        "cache": tmp_path / "cache",
    }
    values.update(extra)
    return argparse.Namespace(**values)


async def test_reports_engine_baselines_and_abstention(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = settings_for(tmp_path / "unused")
    assert await run_qa(_args(tmp_path), settings, HashEmbedder()) == 0
    report = json.loads(capsys.readouterr().out)
    systems = {row["system"]: row for row in report["systems"]}
    assert {"engine", "bm25", "dense", "rrf", "para-then-sent"} <= set(systems)
    assert systems["engine"]["questions"] == 3
    assert systems["engine"]["verbatim"] == 1.0
    assert systems["engine"]["recall@10"] == 1.0
    assert 0.0 <= report["remove_gold"]["declined"] <= 1.0


async def test_missing_data_skips(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = _args(tmp_path, data=tmp_path / "absent.json")
    assert await run_qa(args, settings_for(tmp_path), HashEmbedder()) == 0
    assert "skipped" in capsys.readouterr().err
