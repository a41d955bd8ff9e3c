"""The command line, in process (the model stays loaded) and once as a real subprocess."""

from __future__ import annotations

import gzip
import io
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, SEED

from bot.terminal.cli import main
from ingest.readers import supported_suffixes

SUPPORTED = ", ".join(supported_suffixes())

ALEPPO = "Fighting in Aleppo broke out on July 19, 2012 and lasted more than four years."


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> list[dict]:
    assert main(list(argv)) == 0
    out = capsys.readouterr().out
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_document_shows_every_comment_with_its_author(
    seeded_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    [listing] = run_json(capsys, "sources", "--json", "--data-dir", str(seeded_dir))
    [entry] = listing["documents"]
    assert (entry["passages"], entry["comments"]) == (32, 29)
    # The page states no date: the one it has was read from its text, and is marked so.
    assert (entry["published"], entry["published_inferred"]) == ("2016-12-12", True)
    assert main(["sources", "--data-dir", str(seeded_dir)]) == 0
    assert "  2016-12-12 (from the text)  " in capsys.readouterr().out
    [document] = run_json(
        capsys, "document", entry["document_id"], "--json", "--data-dir", str(seeded_dir)
    )
    assert document["title"] == "Aleppo Is Liberated By Govt Forces! (Photo Report, Videos, Map)"
    assert (document["published"], document["published_inferred"]) == ("2016-12-12", True)
    assert document["origin"] == str(SEED)
    comments = document["comments"]
    assert len(comments) == 29
    named = [c["author"] for c in comments if c["author"]]
    assert len(named) == 11
    assert set(named) == {
        "Random guy",
        "Hanna Reitsch",
        "Indian Voice",
        "Daniel Martin",
        "Manuel Chrut",
        "Pampi Ta",
        "Igor Ochocinszk",
    }
    assert ALEPPO in document["body"]
    assert len(document["passage_ids"]) == 32


def test_ask_json_quotes_check_out_against_source(
    seeded_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    [answer] = run_json(
        capsys,
        "ask",
        "What did Random guy say about Assad and Turkey?",
        "--json",
        "--data-dir",
        str(seeded_dir),
    )
    assert answer["answered"] is True
    assert (answer["quotes"][0]["kind"], answer["quotes"][0]["author"]) == ("comment", "Random guy")
    for quote in answer["quotes"]:
        [source] = run_json(
            capsys, "source", quote["passage_id"], "--json", "--data-dir", str(seeded_dir)
        )
        assert source["text"][quote["start"] : quote["end"]] == quote["text"]
        assert set(source) >= {
            "passage_id",
            "document_id",
            "kind",
            "author",
            "text",
            "title",
            "site",
            "url",
            "published",
            "before",
            "after",
        }


def test_ask_batch_prints_one_answer_per_question_in_order(
    seeded_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    questions = ["When did fighting in Aleppo break out?", "", "How do I bake sourdough bread?"]
    batch = tmp_path / "questions.txt"
    batch.write_text("\n".join(questions) + "\n", encoding="utf-8")
    answers = run_json(
        capsys, "ask", "--batch", str(batch), "--json", "--data-dir", str(seeded_dir)
    )
    assert [a["question"] for a in answers] == [questions[0], questions[2]]
    assert [a["answered"] for a in answers] == [True, False]
    assert answers[0]["quotes"][0]["text"] == ALEPPO


def test_ask_filters_from_the_command_line(
    seeded_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    [answer] = run_json(
        capsys, "ask", "Aleppo", "--kind", "comment", "--json", "--data-dir", str(seeded_dir)
    )
    assert {q["kind"] for q in answer["quotes"]} == {"comment"}
    [later] = run_json(
        capsys,
        "ask",
        "When did fighting in Aleppo break out?",
        "--since",
        "2017",
        "--json",
        "--data-dir",
        str(seeded_dir),
    )
    assert later["answered"] is False


def test_reingesting_changes_nothing(seeded_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    [before] = run_json(capsys, "stats", "--json", "--data-dir", str(seeded_copy))
    [report] = run_json(
        capsys, "ingest", str(SEED.parent), "--json", "--data-dir", str(seeded_copy)
    )
    [after] = run_json(capsys, "stats", "--json", "--data-dir", str(seeded_copy))
    assert (report["pages_unchanged"], report["passages_added"]) == (1, 0)
    assert report["vectors_written"] == 0
    assert {k: v for k, v in before.items() if k != "last_ingest"} == {
        k: v for k, v in after.items() if k != "last_ingest"
    }
    assert (after["documents"], after["passages"], after["vectors"]) == (1, 32, 32)


def test_bad_files_are_named_with_a_reason_and_good_ones_ingested(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    (mixed / "empty.txt").write_bytes(b"")
    (mixed / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00binary")
    (mixed / "notes.pdf").write_bytes(b"%PDF-1.4")
    (mixed / "good.txt").write_text("Harbour reopens\n\nThe harbour reopened on Monday.\n")
    missing = tmp_path / "missing.txt"
    data = str(tmp_path / "data")
    status = main(["ingest", str(missing), str(mixed), str(SEED), "--data-dir", data])
    out = capsys.readouterr().out
    assert status == 0
    lines = [line for line in out.splitlines() if line.startswith("skipped ")]
    assert lines == [
        f"skipped {missing}: no such file or directory",
        f"skipped {mixed / 'empty.txt'}: empty file",
        f"skipped {mixed / 'image.txt'}: binary content, not text",
        f"skipped {mixed / 'notes.pdf'}: unsupported file type (supported: {SUPPORTED})",
    ]
    assert "2 added" in out
    [stats] = run_json(capsys, "stats", "--json", "--data-dir", data)
    assert stats["documents"] == 2


def test_nothing_ingestible_exits_non_zero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    status = main(
        [
            "ingest",
            str(tmp_path / "empty.txt"),
            str(tmp_path / "nope.txt"),
            "--data-dir",
            str(tmp_path / "data"),
        ]
    )
    assert status == 1
    assert "empty file" in capsys.readouterr().out


def test_unknown_ids_exit_non_zero(seeded_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["source", "p_nope", "--data-dir", str(seeded_dir)]) == 1
    assert "no passage with id 'p_nope'" in capsys.readouterr().err
    assert main(["document", "d_nope", "--json", "--data-dir", str(seeded_dir)]) == 1


def test_run_ingests_the_sample_and_answers_piped_questions(tmp_path: Path) -> None:
    """What `make run` does on a fresh machine, offline and without a token."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "HF_"))}
    env |= {"HF_HUB_OFFLINE": "1", "DATA_DIR": str(tmp_path / "data")}
    question = b"When did fighting in Aleppo break out?"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot.terminal.cli",
            "run",
            "--ingest-if-empty",
            str(ROOT / "samples"),
        ],
        # A line holding bytes that are not UTF-8 (Latin-1 pasted in) is answered too.
        input=question + b" \xff\n" + question + b"\n",
        capture_output=True,
        cwd=tmp_path,  # no .env here
        env=env | {"PYTHONPATH": str(ROOT)},
        timeout=300,
        check=True,
    )
    stdout, stderr = result.stdout.decode(), result.stderr.decode()
    assert stdout.count(f"The article reported: “{ALEPPO}” [1]") == 2
    assert "Aleppo Is Liberated By Govt Forces!" in stdout  # the source line
    assert "DISCORD_TOKEN is not set" in stderr and "is empty: every question" not in stderr


def test_run_on_an_empty_archive_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    monkeypatch.setenv("EMBED_MODEL", "hash")
    monkeypatch.setattr(sys, "stdin", io.StringIO("Who liberated Aleppo?\n"))
    assert main(["run", "--data-dir", str(tmp_path / "mistyped")]) == 0
    captured = capsys.readouterr()
    assert f"The archive at {tmp_path / 'mistyped'} is empty" in captured.err
    assert "I found nothing" in captured.out


def test_the_console_leaves_at_once_when_interrupted_while_waiting_for_a_line() -> None:
    """Ctrl-C at the prompt: the line being read must not keep the program alive (a read in
    asyncio's default executor did, until Enter was pressed)."""
    script = """
import asyncio, os, sys
from bot.terminal.console import chat

async def main():
    read_end, _ = os.pipe()  # a terminal nobody types into
    task = asyncio.create_task(chat(None, os.fdopen(read_end), sys.stdout))
    await asyncio.sleep(0.3)
    task.cancel()  # what asyncio.run does on Ctrl-C
    await asyncio.gather(task, return_exceptions=True)

asyncio.run(main())
print("left")
"""
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=os.environ | {"PYTHONPATH": str(ROOT)},
        timeout=60,
    )
    assert result.stdout.strip() == "left", result.stderr


def test_the_report_goes_to_stdout_and_warnings_to_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`archivist ingest DIR > report.txt` keeps the report; a file cut short is a warning (its
    first lines went in), not a skipped file."""
    monkeypatch.setenv("EMBED_MODEL", "hash")
    folder = tmp_path / "pages"
    folder.mkdir()
    lines = "".join(
        json.dumps({"url": f"https://ex.org/{i}", "text": f"Story {i} about kites."}) + "\n"
        for i in range(200)
    )
    packed = gzip.compress(lines.encode())
    (folder / "cut.jsonl.gz").write_bytes(packed[: len(packed) // 2])
    (folder / "notes.pdf").write_bytes(b"%PDF-1.4")
    assert main(["ingest", str(folder), "--data-dir", str(tmp_path / "data")]) == 0
    captured = capsys.readouterr()
    out = captured.out.splitlines()
    err = [line for line in captured.err.splitlines() if "INFO" not in line]
    assert (
        out[0] == f"skipped {folder / 'notes.pdf'}: unsupported file type (supported: {SUPPORTED})"
    )
    assert out[1].startswith("ingested ") and "1 skipped, 1 warning(s)" in out[1]
    assert len(out) == 2
    [warning] = err
    assert warning.startswith(f"warning: {folder / 'cut.jsonl.gz'}: damaged after line ")
    assert warning.endswith(": lines before were read")


def test_two_files_giving_one_url_in_a_run_are_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Captures of one URL replace one another: when two files of one run give the same URL,
    the run says which file's page was kept instead of dropping the other silently."""
    monkeypatch.setenv("EMBED_MODEL", "hash")
    folder = tmp_path / "pages"
    folder.mkdir()
    for name in ("a", "b"):
        page = {"url": "https://ex.org/kites", "text": f"Capture {name}: a story about kites."}
        (folder / f"{name}.jsonl").write_text(json.dumps(page) + "\n", encoding="utf-8")
    (folder / "c.jsonl").write_text(
        json.dumps({"url": "https://ex.org/other", "text": "Another story."}) + "\n",
        encoding="utf-8",
    )
    expected_reason = (
        f"same URL as {folder / 'a.jsonl'}:1 (https://ex.org/kites), read earlier in this run;"
        " the page read last (this one) is kept"
    )

    assert main(["ingest", str(folder), "--data-dir", str(tmp_path / "data")]) == 0
    captured = capsys.readouterr()
    assert "1 warning(s)" in captured.out
    err = [line for line in captured.err.splitlines() if "INFO" not in line]
    assert err == [f"warning: {folder / 'b.jsonl'}:1: {expected_reason}"]

    fresh = str(tmp_path / "fresh")
    [report] = run_json(capsys, "ingest", str(folder), "--json", "--data-dir", fresh)
    assert report["warnings"] == [{"path": f"{folder / 'b.jsonl'}:1", "reason": expected_reason}]
    assert report["pages_ingested"] == 3


def test_interrupting_an_ingest_says_what_was_saved(tmp_path: Path) -> None:
    """Ctrl-C (SIGINT) in the middle of a long ingest: exit status 130 and a line saying to run
    the same command again."""
    pages = tmp_path / "many.jsonl"
    pages.write_text(
        "".join(
            json.dumps({"url": f"https://ex.org/{i}", "text": f"Story {i} about ships. " * 3})
            + "\n"
            for i in range(20_000)
        )
    )
    data = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "EMBED_"))}
    env |= {"EMBED_MODEL": "hash", "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.terminal.cli", "ingest", str(pages), "--data-dir", str(data)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    try:
        deadline = time.monotonic() + 120
        saved = 0
        while saved < 20 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.2)
            try:
                with sqlite3.connect(data / "archive.db") as db:
                    saved = db.execute("SELECT count(*) FROM documents").fetchone()[0]
            except sqlite3.Error:
                pass  # not created yet
        assert process.poll() is None, "the ingest ended before it could be interrupted"
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=120)
    finally:
        process.kill()
    assert process.returncode == 130
    [line] = [line for line in err.splitlines() if line.startswith("interrupted: ")]
    assert line.endswith(" saved; run the same command again to finish")
    reported = int(line.split()[1])
    with sqlite3.connect(data / "archive.db") as db:
        documents = db.execute("SELECT count(*) FROM documents").fetchone()[0]
    # The count comes from the last progress report, which can trail the last commit by a page:
    # it never claims more than was stored.
    assert 0 < reported <= documents < 20_000 and saved <= documents
    assert "Traceback" not in err and out == ""


def test_missing_vectors_are_announced_and_keyword_search_still_answers(
    seeded_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """DATA_DIR/chroma deleted: SQLite holds 32 passages, chromadb none."""
    shutil.rmtree(seeded_copy / "chroma")
    batch = tmp_path / "questions.txt"
    batch.write_text("When did fighting in Aleppo break out?\nAleppo\n")
    assert main(["ask", "--batch", str(batch), "--json", "--data-dir", str(seeded_copy)]) == 0
    captured = capsys.readouterr()
    warnings = [line for line in captured.err.splitlines() if "no vector" in line]
    assert warnings == [
        "archivist: warning: 32 of 32 passages have no vector (chroma/ deleted, or an ingest "
        "cut short), so answers rest on keyword search; run `archivist ingest PATH…` again on "
        "the archive's files to repair them (every ingest repairs missing vectors first)"
    ]
    first = json.loads(captured.out.splitlines()[0])
    assert first["answered"] is True
    assert first["quotes"][0]["text"] == ALEPPO
    # The next ingest repairs them, and the warning goes.
    assert main(["ingest", str(SEED), "--data-dir", str(seeded_copy)]) == 0
    assert "32 vectors" in capsys.readouterr().out
    [stats] = run_json(capsys, "stats", "--json", "--data-dir", str(seeded_copy))
    assert (stats["passages"], stats["vectors"]) == (32, 32)
    run_json(capsys, "search", "Aleppo", "--json", "--data-dir", str(seeded_copy))
    assert "no vector" not in capsys.readouterr().err


def test_a_site_not_archived_is_named_with_the_closest_one(
    seeded_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = ["--data-dir", str(seeded_dir)]
    assert main(["ask", "Aleppo", "--site", "southfront.com", *data]) == 2
    assert "no site named 'southfront.com' is archived; did you mean 'SouthFront'?" in (
        capsys.readouterr().err
    )
    assert main(["search", "Aleppo", "--site", "Nope", *data]) == 2
    assert "did you mean" not in capsys.readouterr().err
    assert main(["search", "Aleppo", "--site", "SOUTHFRONT", "--json", *data]) == 0
    assert json.loads(capsys.readouterr().out)["results"]


def test_site_filters_accept_the_name_in_any_case_and_the_address(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pages = [
        ("https://nationalpost.com/news/a", "National Post", "The harbour bridge reopened."),
        ("https://www.nationalpost.com/news/b", "Nationalpost", "The harbour ferry stopped."),
        ("https://globalnews.ca/news/c", "Global News", "The harbour froze over in March."),
    ]
    source = tmp_path / "pages.jsonl"
    source.write_text(
        "\n".join(json.dumps({"url": u, "site": s, "text": t}) for u, s, t in pages),
        encoding="utf-8",
    )
    data = ["--data-dir", str(tmp_path / "data")]
    assert main(["ingest", str(source), *data]) == 0
    capsys.readouterr()
    for typed in ("nationalpost.com", "national post", "https://www.nationalpost.com/"):
        [answer] = run_json(
            capsys, "ask", "What happened to the harbour?", "--site", typed, "--json", *data
        )
        assert answer["quotes"] and {q["site"] for q in answer["quotes"]} == {"National Post"}
