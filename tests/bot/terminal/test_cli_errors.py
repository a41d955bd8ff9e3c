"""The command line refuses what it cannot do in one line (exit status 2), never with a
traceback, and read-only commands never create an archive."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, SEED

from bot.terminal.cli import main
from index.embedder import DeviceUnavailable, check_device, load_embedder


def refused(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """The one line a refused command prints (asserting exit status 2 and no traceback)."""
    assert main(list(argv)) == 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and captured.out == ""
    [line] = [line for line in captured.err.splitlines() if "INFO" not in line]
    return line


def usage_error(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """argparse's refusal: exit status 2 and the argument named."""
    with pytest.raises(SystemExit) as exited:
        main(list(argv))
    assert exited.value.code == 2
    return capsys.readouterr().err.splitlines()[-1]


@pytest.fixture
def hash_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands that embed use the hash embedder: these tests are about refusals, not meaning."""
    monkeypatch.setenv("EMBED_MODEL", "hash")
    monkeypatch.delenv("EMBED_DEVICE", raising=False)


@pytest.mark.parametrize("question", ["", "   "])
def test_an_empty_question_is_refused(
    seeded_dir: Path, capsys: pytest.CaptureFixture[str], question: str
) -> None:
    line = refused(capsys, "ask", question, "--data-dir", str(seeded_dir))
    assert line == "archivist ask: the question is empty"


def test_a_batch_file_that_cannot_be_read_is_named(
    seeded_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = ["--data-dir", str(seeded_dir)]
    missing = tmp_path / "no-such-file"
    assert refused(capsys, "ask", "--batch", str(missing), "--json", *data) == (
        f"archivist ask: cannot read --batch {missing}: No such file or directory"
    )
    latin = tmp_path / "latin.txt"
    latin.write_bytes("Où est le port ?\n".encode("latin-1"))
    assert refused(capsys, "ask", "--batch", str(latin), *data) == (
        f"archivist ask: --batch {latin} is not UTF-8 text"
    )
    blank = tmp_path / "blank.txt"
    blank.write_text("\n  \n")
    assert refused(capsys, "ask", "--batch", str(blank), *data) == (
        f"archivist ask: --batch {blank} holds no question"
    )


def test_a_question_and_a_batch_together_are_refused_as_such(
    seeded_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    batch = tmp_path / "questions.txt"
    batch.write_text("When did fighting in Aleppo break out?\n")
    line = refused(capsys, "ask", "Aleppo", "--batch", str(batch), "--data-dir", str(seeded_dir))
    assert line == "archivist ask: give a QUESTION or --batch FILE, not both"
    line = refused(capsys, "ask", "--data-dir", str(seeded_dir))
    assert line == "archivist ask: give a QUESTION or --batch FILE"


@pytest.mark.parametrize("command", ["ask", "search"])
def test_since_after_until_names_both(
    seeded_dir: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    line = refused(
        capsys, command, "Aleppo", "--since", "2017", "--until", "2016", "--data-dir",
        str(seeded_dir),
    )  # fmt: skip
    assert line == (
        f"archivist {command}: --since 2017-01-01 is after --until 2016-12-31: "
        "no date is in that range"
    )


@pytest.mark.parametrize(
    "argv",
    [
        ["ask", "Aleppo", "--k", "0"],
        ["search", "Aleppo", "--k", "-1"],
        ["search", "Aleppo", "--k", "many"],
        ["ingest", str(SEED), "--batch-size", "0"],
    ],
)
def test_counts_below_one_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    line = usage_error(capsys, *argv, "--data-dir", str(tmp_path / "data"))
    option = argv[-2]
    assert f"argument {option}:" in line
    assert "must be at least 1" in line or "is not a whole number" in line
    assert not (tmp_path / "data").exists()


@pytest.mark.parametrize(
    "argv",
    [
        ["ask", "When did fighting in Aleppo break out?"],
        ["search", "Aleppo"],
        ["source", "p_23db178de771fb10bddb"],
        ["document", "d_x"],
        ["sources"],
        ["stats", "--json"],
    ],
)
def test_read_only_commands_create_no_archive(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], hash_model: None, argv: list[str]
) -> None:
    typo = tmp_path / "typo"
    line = refused(capsys, *argv, "--data-dir", str(typo))
    assert line == (
        f"archivist {argv[0]}: no archive at {typo} (run `archivist ingest PATH…` first, "
        "or give --data-dir / DATA_DIR)"
    )
    assert not typo.exists()
    # An existing folder without an archive stays as it was, too.
    typo.mkdir()
    refused(capsys, *argv, "--data-dir", str(typo))
    assert list(typo.iterdir()) == []


def test_a_data_dir_that_is_a_file_or_cannot_be_made_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], hash_model: None
) -> None:
    a_file = tmp_path / "afile"
    a_file.write_text("not an archive")
    for argv in (["ask", "hi"], ["stats"], ["ingest", str(SEED)]):
        line = refused(capsys, *argv, "--data-dir", str(a_file))
        assert line == f"archivist {argv[0]}: DATA_DIR {a_file} is not a directory"
    beneath = a_file / "data"
    line = refused(capsys, "ingest", str(SEED), "--data-dir", str(beneath))
    assert line == f"archivist ingest: cannot create DATA_DIR {beneath}: Not a directory"
    assert a_file.read_text() == "not an archive"


def _cuda_missing() -> bool:
    import torch

    return not torch.cuda.is_available()


needs_no_cuda = pytest.mark.skipif(
    not _cuda_missing(), reason="this machine has CUDA: nothing to refuse"
)


@needs_no_cuda
@pytest.mark.parametrize("how", ["--device", "EMBED_DEVICE"])
def test_cuda_without_cuda_is_refused_before_anything_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    monkeypatch.delenv("EMBED_MODEL", raising=False)
    data = tmp_path / "data"
    argv = ["ingest", str(SEED), "--data-dir", str(data)]
    if how == "--device":
        argv += ["--device", "cuda"]
    else:
        monkeypatch.setenv("EMBED_DEVICE", "cuda")
    line = refused(capsys, *argv)
    assert line.startswith("archivist: CUDA is not available on this machine (")
    assert line.endswith("); use --device cpu (or EMBED_DEVICE=cpu)")
    assert "EMBED_MODEL" not in line
    assert not data.exists()


@needs_no_cuda
def test_the_embedder_names_the_device_not_the_model() -> None:
    with pytest.raises(DeviceUnavailable, match="CUDA is not available"):
        check_device("cuda")
    with pytest.raises(DeviceUnavailable, match="CUDA is not available"):
        load_embedder("all-MiniLM-L6-v2", "cuda")
    with pytest.raises(DeviceUnavailable, match="'gpu' is not a device"):
        check_device("gpu")
    check_device("cpu")
    check_device(None)


def test_a_closed_pipe_ends_quietly(seeded_dir: Path) -> None:
    """`archivist sources | head`: the reader is gone before anything is written."""
    env = {k: v for k, v in os.environ.items() if k != "DATA_DIR"} | {"PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.terminal.cli", "sources", "--data-dir", str(seeded_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    err = process.stderr.read().decode()
    assert process.wait(timeout=120) == 141
    assert "Traceback" not in err and "BrokenPipe" not in err


def test_a_damaged_archive_is_named_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "archive.db").write_bytes(b"\x00not sqlite\xff" * 500)
    line = refused(capsys, "stats", "--data-dir", str(tmp_path))
    assert line == (
        f"archivist: {tmp_path / 'archive.db'} is not a usable archive (file is not a database)"
    )
