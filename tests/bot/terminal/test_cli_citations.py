"""``archivist compare``, ``archivist ask --format`` and ``archivist export``, in process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from citation_files import bibtex_entries, csv_rows, latex_plain, markdown_quotes

from bot.terminal.cli import main

BRIDGE = "Why did the Elm Street bridge collapse?"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(list(argv)) == 0
    return capsys.readouterr().out


def passage_texts(capsys: pytest.CaptureFixture[str], data: Path, ids: set[str]) -> dict[str, str]:
    out = run(capsys, "source", *sorted(ids), "--json", "--data-dir", str(data))
    return {s["passage_id"]: s["text"] for s in map(json.loads, out.splitlines())}


def test_compare_json_lists_each_site_with_verbatim_quotes(
    outlets_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = ["--data-dir", str(outlets_dir)]
    shown = json.loads(run(capsys, "compare", BRIDGE, "--json", *data))
    assert shown["question"] == BRIDGE
    assert {s["site"]: s["answered"] for s in shown["sites"]} == {
        "Gazette Régionale": True,
        "Valley Times": True,
        "Harbour Herald": True,
        "Coast Courier": False,
    }
    quotes = [quote for site in shown["sites"] for quote in site["quotes"]]
    texts = passage_texts(capsys, outlets_dir, {q["passage_id"] for q in quotes})
    for quote in quotes:
        assert texts[quote["passage_id"]][quote["start"] : quote["end"]] == quote["text"]
    [answer] = map(json.loads, run(capsys, "ask", BRIDGE, "--json", *data).splitlines())
    assert set(quotes[0]) == set(answer["quotes"][0])  # the quote objects of ``ask --json``


def test_compare_as_text_has_a_section_per_site(
    outlets_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = run(
        capsys,
        "compare",
        "What did readers say about the bridge collapse?",
        "--sites",
        "harbourherald.example,valley times",
        "--kind",
        "comment",
        "--data-dir",
        str(outlets_dir),
    )
    herald, valley = text.split("\n\n== ")
    assert herald.startswith("== Harbour Herald ==\nReader Mara Quinn wrote: “The council ignored")
    assert "reader comment by Mara Quinn" in herald
    assert valley == "Valley Times ==\nNothing from this site answers the question.\n"


def test_compare_refuses_a_site_not_archived_as_ask_does(
    outlets_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = ["--data-dir", str(outlets_dir)]
    assert main(["ask", BRIDGE, "--site", "Harbor Herald", *data]) == 2
    refused_by_ask = capsys.readouterr().err.removeprefix("archivist ask: ")
    assert main(["compare", BRIDGE, "--sites", "Valley Times,Harbor Herald", *data]) == 2
    err = capsys.readouterr().err
    assert err.removeprefix("archivist compare: ") == refused_by_ask
    assert "no site named 'Harbor Herald' is archived; did you mean 'Harbour Herald'?" in err
    assert main(["compare", BRIDGE, "--sites", " , ", *data]) == 2
    assert "--sites names no site" in capsys.readouterr().err


@pytest.mark.parametrize("export_format", ["markdown", "csv", "bibtex"])
def test_ask_prints_its_quotes_citations_in_each_format(
    outlets_dir: Path, capsys: pytest.CaptureFixture[str], export_format: str
) -> None:
    data = ["--data-dir", str(outlets_dir)]
    [answer] = map(
        json.loads,
        run(capsys, "ask", BRIDGE, "--site", "Harbour Herald", "--json", *data).splitlines(),
    )
    quotes = [quote["text"] for quote in answer["quotes"]]
    assert len(quotes) == 3
    out = run(capsys, "ask", BRIDGE, "--site", "Harbour Herald", "--format", export_format, *data)
    if export_format == "markdown":
        shown = markdown_quotes(out)
        assert [quote for quote, _ in shown] == quotes
        assert shown[2][1].startswith("— Reader Mara Quinn, commenting on “Elm Street bridge")
        assert "<https://harbourherald.example/news/bridge>" in out
    elif export_format == "csv":
        rows = csv_rows(out)
        assert [row["quote"] for row in rows] == quotes
        assert [row["attribution"] for row in rows] == ["The article"] * 2 + ["Reader Mara Quinn"]
        assert {row["published"] for row in rows} == {"2023-04-12"}
        assert all(len(row["archived"]) == 10 for row in rows)
        texts = passage_texts(capsys, outlets_dir, {row["passage_id"] for row in rows})
        for row in rows:
            assert texts[row["passage_id"]][int(row["start"]) : int(row["end"])] == row["quote"]
    else:
        entries = bibtex_entries(out)
        assert len({entry["ID"] for entry in entries}) == 3
        notes = [latex_plain(entry["note"]) for entry in entries]
        assert notes[2] == f"Reader Mara Quinn wrote: “{quotes[2]}”"
        assert "&" in quotes[2] and "\\&" in entries[2]["note"]
        assert all(entry["urldate"] == entries[0]["urldate"] for entry in entries)


def test_export_cites_whole_passages_and_names_unknown_ids(
    outlets_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = ["--data-dir", str(outlets_dir)]
    [answer] = map(json.loads, run(capsys, "ask", BRIDGE, "--json", *data).splitlines())
    passage_id = answer["quotes"][0]["passage_id"]
    [row] = csv_rows(run(capsys, "export", passage_id, "--format", "csv", *data))
    assert row["quote"] == passage_texts(capsys, outlets_dir, {passage_id})[passage_id]
    assert (row["start"], row["end"]) == ("0", str(len(row["quote"])))
    [(quote, _)] = markdown_quotes(run(capsys, "export", passage_id, *data))
    assert quote == row["quote"]  # Markdown is the default, paragraph breaks and all

    assert main(["export", passage_id, "p_nope", *data]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "no passage with id 'p_nope' in the archive" in captured.err
    assert main(["export", "p_nope", "p_gone", *data]) == 2
    assert "no passages with ids 'p_nope', 'p_gone'" in capsys.readouterr().err
    assert main(["export", passage_id, "--json", "--format", "csv", *data]) == 2
    assert "not both" in capsys.readouterr().err
