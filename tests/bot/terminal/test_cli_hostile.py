"""`archivist ingest` on an archive as a careless or hostile owner leaves it: file names that
are not UTF-8 or hold control characters, a page too large to embed at once, Ctrl-C in the
middle of one, and two ingests on one archive at the same time. Real files, the real command."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, one_line_page

from bot.terminal.cli import main

SLOW_INGEST = Path(__file__).with_name("slow_ingest.py")

PAGE = "Harbour reopens\n\nThe harbour reopened on Monday after the winter storms.\n"


@pytest.fixture(autouse=True)
def hash_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """The hash embedder: these tests are about files and processes, not meaning."""
    monkeypatch.setenv("EMBED_MODEL", "hash")
    monkeypatch.delenv("EMBED_DEVICE", raising=False)


def _stats(capsys: pytest.CaptureFixture[str], data: Path) -> dict[str, int]:
    capsys.readouterr()
    assert main(["stats", "--json", "--data-dir", str(data)]) == 0
    return json.loads(capsys.readouterr().out)


def test_a_file_name_that_is_not_utf8_is_skipped_and_every_other_file_goes_in(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "scrapes"
    folder.mkdir()
    (folder / "good.txt").write_text(PAGE)
    # A good file before the bad name and one after it: the bad name blocks neither.
    (folder / os.fsdecode(b"bad\xffname.txt")).write_text(PAGE.replace("Monday", "Tuesday"))
    (folder / "later.txt").write_text(PAGE.replace("Monday", "Friday"))
    data = tmp_path / "data"
    assert main(["ingest", str(folder), "--data-dir", str(data)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == (
        f"skipped {folder}/bad\\xffname.txt: file name is not UTF-8 (rename the file to ingest it)"
    )
    assert "2 added" in out[1] and "1 skipped" in out[1]
    assert _stats(capsys, data)["documents"] == 2
    # And again: the same name does not stop the next run either.
    assert main(["ingest", str(folder), "--data-dir", str(data), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["files_unchanged"] == 2
    assert report["skipped"] == [
        {
            "path": f"{folder}/bad\\xffname.txt",
            "reason": "file name is not UTF-8 (rename the file to ingest it)",
        }
    ]


def test_file_names_are_escaped_one_entry_per_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "scrapes"
    folder.mkdir()
    forged = "notes\nskipped secrets.txt: forged.pdf"
    coloured = "\x1b[31mred\x1b[0m.pdf"
    for name in (forged, coloured, "page\x1b]0;title\x07.txt"):
        (folder / name).write_text(PAGE)
    data = tmp_path / "data"
    assert main(["ingest", str(folder), "--data-dir", str(data)]) == 0
    captured = capsys.readouterr()
    assert "\x1b" not in captured.out + captured.err and "\x07" not in captured.out
    lines = captured.out.splitlines()
    assert len(lines) == 3  # two skipped entries and the counts: no forged third entry
    assert lines[0].startswith(f"skipped {folder}/\\x1b[31mred\\x1b[0m.pdf: unsupported")
    assert lines[1].startswith(f"skipped {folder}/notes\\nskipped secrets.txt: forged.pdf: ")
    assert lines[2].startswith("ingested 1 page(s) from 3 file(s)")
    # The page ingested under that name is listed on one line, escaped.
    assert main(["sources", "--data-dir", str(data)]) == 0
    [listed] = capsys.readouterr().out.splitlines()
    assert "\x1b" not in listed and "Harbour reopens" in listed


def _ingest_process(
    tmp_path: Path, argv: list[str], *, slow: bool, **environment: str
) -> subprocess.Popen[str]:
    """``archivist ingest`` as a process of its own with the hash embedder, ``slow`` as
    ``slow_ingest`` makes it (its first embedding marked by ``tmp_path / "embedding"``)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "EMBED_"))}
    env |= {"EMBED_MODEL": "hash", "PYTHONPATH": str(ROOT)}
    env |= {"FIRST_EMBED_MARK": str(tmp_path / "embedding"), **environment}
    program = [str(SLOW_INGEST)] if slow else ["-m", "bot.terminal.cli"]
    return subprocess.Popen(
        [sys.executable, *program, *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )


def _wait_until_embedding(tmp_path: Path, process: subprocess.Popen[str]) -> None:
    mark = tmp_path / "embedding"
    deadline = time.monotonic() + 120
    while not mark.exists() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    assert process.poll() is None and mark.exists(), "never embedded: " + str(process.poll())


def test_ctrl_c_ends_an_ingest_in_the_middle_of_one_large_page(tmp_path: Path) -> None:
    """SIGINT while one page of ~5,000 passages is embedded: the page goes to the model a batch
    at a time, so the run stops at the next batch (in whole, the page would take ~15 s more
    with this embedder), exits 130 and says what was saved."""
    page = one_line_page(tmp_path / "big.txt", 30_000)
    data = tmp_path / "data"
    argv = ["ingest", str(page), "--batch-size", "16", "--data-dir", str(data)]
    process = _ingest_process(tmp_path, argv, slow=True)
    try:
        _wait_until_embedding(tmp_path, process)
        time.sleep(0.5)  # well into the page
        process.send_signal(signal.SIGINT)
        sent = time.monotonic()
        out, err = process.communicate(timeout=120)
        took = time.monotonic() - sent
    finally:
        process.kill()
    assert process.returncode == 130, err
    assert took < 5, f"{took:.1f} s from SIGINT to exit"
    assert "interrupted: 1 pages" in err and "Traceback" not in err and out == ""
    with sqlite3.connect(data / "archive.db") as db:
        passages, embedded = db.execute(
            "SELECT count(*), count(*) FILTER (WHERE embedded) FROM passages"
        ).fetchone()
    assert passages > 4_000 and 0 < embedded < passages  # saved; the rest left for next time


def test_a_second_ingest_of_the_same_archive_waits_for_the_first(tmp_path: Path) -> None:
    """Two `archivist ingest` runs on one archive at once: the second says it waits, and the
    passages are embedded once (not by both, as two runs side by side did)."""
    folder = tmp_path / "pages"
    folder.mkdir()
    one_line_page(folder / "big.txt", 3_000)
    data = tmp_path / "data"
    argv = ["ingest", str(folder), "--batch-size", "16", "--json", "--data-dir", str(data)]
    first = _ingest_process(tmp_path, argv, slow=True, SECONDS_PER_TEXT="0.0005")
    second = None
    try:
        _wait_until_embedding(tmp_path, first)
        second = _ingest_process(tmp_path, argv, slow=False)
        first_out, first_err = first.communicate(timeout=120)
        second_out, second_err = second.communicate(timeout=120)
    finally:
        first.kill()
        if second is not None:
            second.kill()
    assert (first.returncode, second.returncode) == (0, 0), first_err + second_err
    assert "archivist ingest: another ingest is running on this archive; waiting" in second_err
    assert "waiting" not in first_err
    first_report, second_report = json.loads(first_out), json.loads(second_out)
    assert first_report["pages_added"] == 1 and second_report["files_unchanged"] == 1
    with sqlite3.connect(data / "archive.db") as db:
        [passages] = db.execute("SELECT count(*) FROM passages").fetchone()
    assert first_report["vectors_written"] == passages and second_report["vectors_written"] == 0
