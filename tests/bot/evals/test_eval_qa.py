"""``archivist eval qa`` end to end on a tiny SQuAD file, with the deterministic embedder."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pytest
from conftest import settings_for

from bot.answering.features import ABSTAIN_FEATURES
from bot.evals.qa import Judged, fit_abstention, gate_figures, run_qa
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
        "decline": 0.81,
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
    assert {"engine", "ungated", "bm25", "dense", "rrf", "para-then-sent"} <= set(systems)
    assert systems["engine"]["questions"] == 3
    assert systems["engine"]["verbatim"] == 1.0
    assert systems["engine"]["recall@10"] == 1.0
    # Without the gate every question is answered, and never worse than with it.
    assert systems["ungated"]["answered"] == 1.0
    assert systems["ungated"]["A@3"] >= systems["engine"]["A@3"]
    assert systems["ungated"]["verbatim"] == 1.0
    assert 0.0 <= report["remove_gold"]["declined"] <= 1.0
    # One article: the dev half (the first articles // 2) is empty, all of it is test.
    assert set(report["remove_gold"]["declined_by_split"]) == {"test"}
    assert {"engine/test", "ungated/test"} <= set(systems)
    assert not {"engine/dev", "ungated/dev"} & set(systems)
    assert systems["engine/test"] == {**systems["engine"], "system": "engine/test"}
    calibration = report["remove_gold"]["calibration"]
    assert [line["threshold"] for line in calibration] == sorted(
        line["threshold"] for line in calibration
    )
    # A higher threshold declines more and answers less.
    declined = [line["declined all"] for line in calibration]
    assert declined == sorted(declined)
    assert [line["A@3"] for line in calibration] == sorted(
        (line["A@3"] for line in calibration), reverse=True
    )


async def test_fit_prints_ranking_and_abstention_models(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = settings_for(tmp_path / "unused")
    # Two articles, so that the dev half (the first one) is not empty.
    second = {"title": "Museum", "paragraphs": SQUAD["data"][0]["paragraphs"][::-1]}
    data = tmp_path / "two.json"
    data.write_text(json.dumps({"data": [*SQUAD["data"], second]}), encoding="utf-8")
    assert await run_qa(_args(tmp_path, fit=True, data=data), settings, HashEmbedder()) == 0
    out = capsys.readouterr().out
    assert "WEIGHTS = [" in out
    weights = next(line for line in out.splitlines() if line.startswith("ABSTAIN_WEIGHTS"))
    assert len(json.loads(weights.split("=", 1)[1])) == len(ABSTAIN_FEATURES)
    assert "ABSTAIN_BELOW = " in out


def test_abstention_threshold_declines_the_share_asked_for() -> None:
    """Confident right answers with the gold present, unconfident ones without: the fitted
    model tells them apart, and its threshold declines at least the share of the absent ones
    asked for while keeping nearly every right answer."""
    rng = np.random.default_rng(0)

    def judged(centre: float, n: int, right: bool) -> list[Judged]:
        return [
            Judged(np.r_[1.0, rng.normal(centre, 1.0, len(ABSTAIN_FEATURES) - 1)], right, right)
            for _ in range(n)
        ]

    present = judged(2.0, 200, True) + judged(0.0, 20, False)
    absent = judged(-2.0, 200, False)
    weights, threshold = fit_abstention(present, absent, decline=0.9)
    figures = gate_figures(present, absent, weights, threshold)
    assert 0.9 <= figures["declined"] < 0.91
    assert figures["A@1 ungated"] == figures["A@3 ungated"] == round(200 / 220, 3)
    assert figures["A@1 ungated"] - figures["A@1"] <= 0.02
    # Scaled inputs change nothing: the model is fitted on standardised ones.
    scaled = [
        Judged(j.inputs * np.r_[1.0, [10.0] * (len(j.inputs) - 1)], j.first, j.any) for j in present
    ]
    gone = [
        Judged(j.inputs * np.r_[1.0, [10.0] * (len(j.inputs) - 1)], j.first, j.any) for j in absent
    ]
    weights10, threshold10 = fit_abstention(scaled, gone, decline=0.9)
    assert np.allclose(weights10[1:] * 10, weights[1:], atol=1e-6)
    assert threshold10 == pytest.approx(threshold)


async def test_missing_data_skips(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = _args(tmp_path, data=tmp_path / "absent.json")
    assert await run_qa(args, settings_for(tmp_path), HashEmbedder()) == 0
    assert "skipped" in capsys.readouterr().err
