"""``archivist eval ingest``: the scoring, and a clean skip when the sets are absent."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.evals.extraction import token_f1


def test_token_f1() -> None:
    assert token_f1("The harbour reopened", "the harbour reopened") == 1.0
    assert token_f1("", "something") == 0.0
    assert 0.0 < token_f1("the harbour", "the harbour reopened today") < 1.0


def test_absent_sets_are_skipped_cleanly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["eval", "ingest", "--data", str(tmp_path / "absent")]) == 0
    assert "absent" in capsys.readouterr().err
