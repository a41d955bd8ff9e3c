"""``archivist reindex``: reading ARCHIVE_DIR again, and ``--rebuild`` making a new generation
of the vectors (after EMBED_MODEL changed, say) that ``stats --json`` names."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import SEED

from bot.terminal.cli import main


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:
    assert main(list(argv)) == 0
    [line] = [line for line in capsys.readouterr().out.splitlines() if line.strip()]
    return json.loads(line)


def test_a_rebuild_with_another_model_moves_to_a_new_generation(
    seeded_copy: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    archive_dir = tmp_path / "pages"
    archive_dir.mkdir()
    shutil.copy(SEED, archive_dir / SEED.name)
    monkeypatch.setenv("ARCHIVE_DIR", str(archive_dir))
    data = str(seeded_copy)
    before = run_json(capsys, "stats", "--json", "--data-dir", data)
    assert before["index_version"] == 1 and before["collection"].endswith("_v1")

    # Another model configured: the archive says a rebuild is needed, and keyword search
    # serves meanwhile (the hash model's answers are not the point: it has no meaning).
    monkeypatch.setenv("EMBED_MODEL", "hash-64")
    assert main(["ask", "Who liberated Aleppo?", "--json", "--data-dir", data]) == 0
    assert "reindex --rebuild" in capsys.readouterr().err
    found = run_json(capsys, "search", "Aleppo liberated", "--json", "--data-dir", data)
    assert found["results"]

    rebuilt = run_json(capsys, "reindex", "--rebuild", "--json", "--data-dir", data)
    assert rebuilt["rebuild"]["old_generation"] == 1
    assert rebuilt["rebuild"]["new_generation"] == 2
    assert rebuilt["rebuild"]["passages"] == before["passages"]
    assert rebuilt["rebuild"]["embed_model"] == "hash-64"
    after = run_json(capsys, "stats", "--json", "--data-dir", data)
    assert after["index_version"] == 2 and after["collection"] == rebuilt["rebuild"]["collection"]
    assert after["vectors"] == before["passages"]

    assert main(["ask", "Who liberated Aleppo?", "--data-dir", data]) == 0
    assert "rebuild" not in capsys.readouterr().err
    assert run_json(capsys, "search", "Aleppo liberated", "--json", "--data-dir", data)["results"]


def test_reindex_without_an_archive_folder_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ARCHIVE_DIR", str(tmp_path / "missing"))
    assert main(["reindex", "--data-dir", str(tmp_path / "data")]) == 2
    assert "ARCHIVE_DIR" in capsys.readouterr().err
